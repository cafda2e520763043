# duban worker / tools image: TypeScript run by tsx, no build step.
FROM node:20-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund && npm cache clean --force
COPY . .
RUN chown -R node:node /app
USER node
ENV NODE_ENV=production
CMD ["node", "--import", "tsx", "worker.ts"]
