// Starts duban's worker against the configured Temporal cluster.
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { createActivities, type ActivityDeps } from './activities/index.js';
import { loadConfig, loadDirectoryFile, loadPolicyFile } from './src/config.js';
import { createDataConverter, loadCodec } from './src/codec.js';
import { activityLog, installTemporalLogging, logger } from './src/log.js';
import { connectClient } from './src/temporal.js';

export const workflowsPath = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));

export interface DubanWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: ActivityDeps;
  /** Production passes createDataConverter() (src/codec.ts): encrypted payloads and failures. Omitted: plain payloads. */
  dataConverter?: DataConverter;
}

export function createDubanWorker(options: DubanWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowsPath,
    activities: createActivities(options.activities),
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
  });
}

async function main(): Promise<void> {
  const config = loadConfig();
  loadPolicyFile(config.policyFile); // an invalid policy stops start-up here, naming the field
  const directory = loadDirectoryFile(config.directoryFile);
  const codec = loadCodec(); // in production, no configured key stops start-up here in one line
  const dataConverter = createDataConverter(codec);
  installTemporalLogging(logger);
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const client = await connectClient(config.temporalAddress, config.namespace, { dataConverter });
  const worker = await createDubanWorker({
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    activities: { directory: () => directory, client, taskQueue: config.taskQueue, outboxDir: config.outboxDir, log: activityLog(logger) },
    dataConverter,
  });
  console.log(`duban worker: namespace ${config.namespace}, task queue ${config.taskQueue}, ${config.temporalAddress}, payloads encrypted with key ${codec.codec.currentKeyId} (${codec.source})`);
  await worker.run();
  await connection.close();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
