// Starts duban's worker against the configured Temporal cluster.
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { createActivities, type ActivityDeps } from './activities/index.js';
import { channelConfigFromEnv, createChannels } from './activities/channels/index.js';
import { arrivalLinkConfigFromEnv } from './src/arrivalLink.js';
import { loadConfig, loadDirectoryFile, loadPolicyFile } from './src/config.js';
import { createDataConverter, createWorkerDataConverter, isProduction, loadCodec } from './src/codec.js';
import { activityLog, installTemporalLogging, logger } from './src/log.js';
import { connectClient } from './src/temporal.js';
import { temporalConnectionOptions } from './src/temporalConnection.js';
import { workerTuningFromEnv, type WorkerTuning } from './src/workerTuning.js';
import { openRecords } from './src/records/index.js';
import { documentLoader } from './src/records/documents.js';
import { instrumentDb, sdkMetricsFromEnv, startWorkerMetrics, workerMetricsAddressFromEnv } from './src/metrics.js';
import { installTemporalRuntime } from './src/metrics/sdkRuntime.js';
import { tracingFromEnv } from './src/metrics/tracing.js';
import { workflowSource } from './src/workflowSource.js';

export const workflowsPath = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));
/** Workflow interceptors of every worker: inputs a production worker refused are never applied. */
export const workflowInterceptorsPath = fileURLToPath(new URL('./workflows/refusePlaintext.ts', import.meta.url));

export interface DubanWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: ActivityDeps;
  /** Production passes createWorkerDataConverter() (src/codec.ts): encrypted payloads and failures, plaintext refused. Omitted: plain payloads. */
  dataConverter?: DataConverter;
  /** Cache size, concurrency, pollers (main() reads them from DUBAN_WORKER_*; omitted: the SDK's defaults). */
  tuning?: WorkerTuning;
}

export function createDubanWorker(options: DubanWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...workflowSource(workflowsPath, [workflowInterceptorsPath]), // a prebuilt bundle (dist/) when there is one, else the sources
    activities: createActivities(options.activities),
    // Notify's progress (who was sent to) travels in heartbeat details: send them at least every second, so a worker
    // that dies hard repeats at most the last second's messages (docs/alerts.md, the remaining window).
    maxHeartbeatThrottleInterval: '1s',
    // A lost worker's cached cases go back to the shared queue after 3 s, not Temporal's default 10 s (issue 14 item 4).
    stickyQueueScheduleToStartTimeout: '3s',
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    ...options.tuning,
  });
}

async function main(): Promise<void> {
  const config = loadConfig();
  const tuning = workerTuningFromEnv(); // a bad DUBAN_WORKER_* value stops start-up here, naming it
  loadPolicyFile(config.policyFile); // an invalid policy stops start-up here, naming the field
  const directory = loadDirectoryFile(config.directoryFile);
  const codec = loadCodec(); // in production, no configured key stops start-up here in one line
  const dataConverter = createDataConverter(codec);
  // The worker alone refuses plaintext in production: its client reads only what duban's processes encrypted anyway.
  const workerDataConverter = createWorkerDataConverter(codec);
  // Temporal's own metrics need the Runtime installed with them, before any connection (docs/observability.md).
  const sdkMetrics = sdkMetricsFromEnv();
  if (sdkMetrics) installTemporalRuntime(logger, sdkMetrics);
  else installTemporalLogging(logger);
  const metricsAddress = workerMetricsAddressFromEnv();
  // Traces only with an OTLP endpoint: the plugin on the connection reaches the worker built on it.
  const tracing = tracingFromEnv('duban-worker');
  const connection = await NativeConnection.connect({ ...temporalConnectionOptions(), address: config.temporalAddress, ...(tracing ? { plugins: [tracing.plugin] } : {}) });
  const client = await connectClient(config.temporalAddress, config.namespace, { dataConverter });
  // The store of record: its migrations run here; a failing one stops start-up with its name.
  const records = await openRecords(codec.codec);
  instrumentDb(records.db);
  // Alert channels: each one only with its credentials, else the outbox (names of missing variables are printed, never values).
  const { config: channelConfig, notes } = channelConfigFromEnv();
  const channelSet = createChannels(channelConfig, config.outboxDir, { loadDocument: documentLoader(records) });
  const arrivalLinks = arrivalLinkConfigFromEnv();
  for (const note of notes) console.log(`duban worker: ${note}`);
  if (!arrivalLinks) console.log('duban worker: alerts carry no arrival links (set DUBAN_PUBLIC_URL and DUBAN_ARRIVAL_SECRET)');
  const worker = await createDubanWorker({
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    activities: { directory: () => directory, client, records, taskQueue: config.taskQueue, outboxDir: config.outboxDir, dataDir: config.dataDir, log: activityLog(logger), channelSet, ...(arrivalLinks ? { arrivalLinks } : {}) },
    dataConverter: workerDataConverter,
    tuning,
  });
  const { server: metricsServer, line: metricsLine } = await startWorkerMetrics(metricsAddress);
  console.log(`duban worker: ${metricsLine}${sdkMetrics ? `, Temporal SDK metrics on http://${sdkMetrics.prometheus.bindAddress}/metrics` : ''}${tracing ? `, traces to ${tracing.endpoint}` : ''}`);
  console.log(`duban worker: namespace ${config.namespace}, task queue ${config.taskQueue}, ${config.temporalAddress}, payloads encrypted with key ${codec.codec.currentKeyId} (${codec.source})${isProduction() ? '; inputs not encrypted with a configured key are refused' : ''}; caches up to ${tuning.maxCachedWorkflows} cases (DUBAN_WORKER_MAX_CACHED_WORKFLOWS)`);
  await worker.run();
  await metricsServer?.close();
  await tracing?.shutdown();
  await channelSet.close();
  await records.db.end();
  await connection.close();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
