// One-shot set-up for a cluster: registers duban's namespace, search attributes and the circular's Schedule, retrying until Temporal answers.
import { temporalConnectionOptions } from '../src/temporalConnection.js';
import { Connection } from '@temporalio/client';
import { loadConfig } from '../src/config.js';
import { ensureCircularSchedule } from '../src/circular/schedule.js';
import { connectClient, ensureNamespace, retentionDaysFromEnv } from '../src/temporal.js';

const config = loadConfig();
const end = Date.now() + 120_000;
for (;;) {
  try {
    const connection = await Connection.connect({ ...temporalConnectionOptions(), address: config.temporalAddress, connectTimeout: 2000 });
    await ensureNamespace(connection, config.namespace, { retentionDays: retentionDaysFromEnv() });
    await connection.close();
    const client = await connectClient(config.temporalAddress, config.namespace);
    await ensureCircularSchedule(client, { taskQueue: config.taskQueue });
    await client.connection.close();
    console.log(`namespace ${config.namespace}, search attributes and the quarterly circular's schedule ready on ${config.temporalAddress}`);
    break;
  } catch (err) {
    if (Date.now() > end) {
      console.error(`could not set up ${config.namespace} on ${config.temporalAddress}: ${(err as Error).message}`);
      process.exit(1);
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}
