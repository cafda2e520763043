// Starts the HTTP API (src/api/server.ts) on DUBAN_API_PORT (default 8080), loopback unless DUBAN_API_HOST says otherwise.
import { Client, Connection } from '@temporalio/client';
import { fileURLToPath } from 'node:url';
import { loadApiKeys } from './src/api/auth.js';
import { deliveryRoutes } from './src/api/deliveryRoutes.js';
import { buildApiServer } from './src/api/server.js';
import { createDataConverter, loadCodec } from './src/codec.js';
import { openRecords } from './src/records/index.js';
import { loadConfig, loadDirectoryFile, loadPolicyFile } from './src/config.js';
import { logger } from './src/log.js';
import { temporalConnectionOptions } from './src/temporalConnection.js';
import { tracingFromEnv } from './src/metrics/tracing.js';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';

async function main(): Promise<void> {
  const config = loadConfig();
  const policy = loadPolicyFile(config.policyFile);
  const directory = loadDirectoryFile(config.directoryFile);
  const keys = loadApiKeys();
  // Lazy: the API starts (and answers /readyz with 503) while Temporal is still down.
  const connection = Connection.lazy({ ...temporalConnectionOptions(), address: config.temporalAddress });
  const codec = loadCodec();
  // With an OTLP endpoint the API's Temporal calls are spans too: a case's trace starts at the request that started it.
  const tracing = tracingFromEnv('duban-api');
  const client = new Client({
    connection,
    namespace: config.namespace,
    dataConverter: createDataConverter(codec),
    ...(tracing ? { interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } } : {}),
  });
  // The store of record: its migrations run here; a failing one stops start-up with its name.
  const records = await openRecords(codec.codec);
  const host = process.env.DUBAN_API_HOST ?? '127.0.0.1';
  const port = Number(process.env.DUBAN_API_PORT ?? 8080);
  // Twilio status callbacks and arrival links: refused unless their secrets are configured.
  const delivery = deliveryRoutes({
    client,
    publicBaseUrl: process.env.DUBAN_PUBLIC_URL ?? `http://localhost:${port}`,
    db: records.db, // used arrival tokens: shared by every API process
    ...(process.env.TWILIO_AUTH_TOKEN ? { twilioAuthToken: process.env.TWILIO_AUTH_TOKEN } : {}),
    ...(process.env.DUBAN_ARRIVAL_SECRET ? { arrivalSecret: process.env.DUBAN_ARRIVAL_SECRET } : {}),
  });
  const app = await buildApiServer({
    client,
    records,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    policy,
    directory,
    keys,
    plugins: [delivery],
    logger: logger.child({ component: 'api' }),
    ...(process.env.DUBAN_API_TEMPORAL_TIMEOUT_MS ? { temporalTimeoutMs: Number(process.env.DUBAN_API_TEMPORAL_TIMEOUT_MS) } : {}),
    // Several API processes behind one address must share it, or a page token from one is refused by another.
    ...(process.env.DUBAN_API_PAGE_SECRET ? { pageTokenSecret: process.env.DUBAN_API_PAGE_SECRET } : {}),
  });
  await app.listen({ host, port });
  console.log(`duban API on http://${host}:${port} (docs: /docs, OpenAPI: /openapi.json), ${keys.length} API keys${tracing ? `, traces to ${tracing.endpoint}` : ''}`);
  const stop = (): void => void app.close().then(async () => {
    await tracing?.shutdown();
    process.exit(0);
  });
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
