// Starts duban's worker against the configured Temporal cluster.
import { NativeConnection, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { createActivities, type ActivityDeps } from './activities/index.js';
import { loadConfig, loadDirectoryFile, loadPolicyFile } from './src/config.js';
import { connectClient } from './src/temporal.js';

export const workflowsPath = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));

export interface DubanWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: ActivityDeps;
}

export function createDubanWorker(options: DubanWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowsPath,
    activities: createActivities(options.activities),
  });
}

async function main(): Promise<void> {
  const config = loadConfig();
  loadPolicyFile(config.policyFile); // an invalid policy stops start-up here, naming the field
  const directory = loadDirectoryFile(config.directoryFile);
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const client = await connectClient(config.temporalAddress, config.namespace);
  const worker = await createDubanWorker({
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    activities: { directory: () => directory, client, taskQueue: config.taskQueue, outboxDir: config.outboxDir },
  });
  console.log(`duban worker: namespace ${config.namespace}, task queue ${config.taskQueue}, ${config.temporalAddress}`);
  await worker.run();
  await connection.close();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
