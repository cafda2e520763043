// One-shot set-up for a cluster: registers duban's namespace and search attributes, retrying until Temporal answers.
import { Connection } from '@temporalio/client';
import { loadConfig } from '../src/config.js';
import { ensureNamespace } from '../src/temporal.js';

const config = loadConfig();
const end = Date.now() + 120_000;
for (;;) {
  try {
    const connection = await Connection.connect({ address: config.temporalAddress, connectTimeout: 2000 });
    await ensureNamespace(connection, config.namespace);
    await connection.close();
    console.log(`namespace ${config.namespace} and search attributes ready on ${config.temporalAddress}`);
    break;
  } catch (err) {
    if (Date.now() > end) {
      console.error(`could not set up ${config.namespace} on ${config.temporalAddress}: ${(err as Error).message}`);
      process.exit(1);
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}
