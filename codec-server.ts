// Starts the codec server for the Temporal Web UI and CLI (src/codecServer.ts) on DUBAN_CODEC_PORT (default 8081),
// loopback only unless DUBAN_CODEC_HOST says otherwise, with the same keys as the worker and the API's callers.
import { fileURLToPath } from 'node:url';
import { CodecConfigError, loadCodec } from './src/codec.js';
import { loadApiKeys } from './src/api/auth.js';
import { apiCodecAuth, createCodecServer } from './src/codecServer.js';
import { loadConfig } from './src/config.js';
import { logger } from './src/log.js';

/** Origins of the Web UI allowed by CORS: DUBAN_CODEC_CORS_ORIGINS (comma-separated) or the local UI. */
export function allowedOrigins(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.DUBAN_CODEC_CORS_ORIGINS) return env.DUBAN_CODEC_CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean);
  const uiPort = env.DUBAN_UI_PORT ?? '8233';
  return [`http://localhost:${uiPort}`, `http://127.0.0.1:${uiPort}`];
}

async function main(): Promise<void> {
  const config = loadConfig();
  const { codec, source } = loadCodec();
  const keys = loadApiKeys(); // the API's keys and roles: the same callers, the same rights
  const server = createCodecServer({ codec, auth: apiCodecAuth(keys), allowedOrigins: allowedOrigins(), namespaces: [config.namespace], logger: logger.child({ component: 'codec-server' }) });
  const host = process.env.DUBAN_CODEC_HOST ?? '127.0.0.1';
  const port = await server.listen(Number(process.env.DUBAN_CODEC_PORT ?? 8081), host);
  logger.info(`duban codec server on http://${host}:${port} (namespace ${config.namespace}, ${keys.length} API keys; encryption keys ${codec.keyIds.join(', ')} from ${source}, current ${codec.currentKeyId}; Web UI origins ${allowedOrigins().join(', ')})`);
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    console.error(err instanceof CodecConfigError || err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
