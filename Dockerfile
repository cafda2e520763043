# duban's image: compiled JavaScript and a prebuilt workflow bundle (scripts/build.ts), production dependencies only,
# run by plain node as a non-root user. One image for the worker, the API, the codec server and the set-up step.
# Node ≥ 20.19: the SDK require()s the failure converter (an ES module) by path, which needs require(esm).

FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json worker.ts api.ts codec-server.ts ./
COPY src ./src
COPY activities ./activities
COPY workflows ./workflows
COPY scripts ./scripts
COPY config ./config
RUN npx tsx scripts/build.ts --out-dir /app/dist

FROM node:20-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production DUBAN_ENV=production DUBAN_DATA_DIR=/data
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The outbox and other local files; a volume in docker-compose.yml. The code stays owned by root, read-only to the process.
RUN mkdir -p /data && chown node:node /data
USER node
# Each service's command in docker-compose.yml; --import reads secrets given as files (<NAME>_FILE, src/secretFiles.ts) first.
CMD ["node", "--import", "./dist/src/secretFiles.js", "dist/worker.js"]
