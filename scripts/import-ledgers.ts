// One-off: copies the unit-year ledgers of the old unitYearLedger workflows into PostgreSQL; rerunning it inserts nothing.
// npm run import:ledgers [-- --workflow-id ledger:<unitId>:<year> ...]   (no ID: every unitYearLedger workflow visibility lists)
import { parseArgs } from 'node:util';
import { createDataConverter, loadCodec } from '../src/codec.js';
import { loadConfig } from '../src/config.js';
import { openRecords } from '../src/records/index.js';
import { importLedgers } from '../src/records/ledgerImport.js';
import { connectClient } from '../src/temporal.js';

const { values } = parseArgs({ options: { 'workflow-id': { type: 'string', multiple: true } } });
const config = loadConfig();
const codec = loadCodec();
const client = await connectClient(config.temporalAddress, config.namespace, { dataConverter: createDataConverter(codec) });
const records = await openRecords(codec.codec);
try {
  const report = await importLedgers(client, records, { workflowIds: values['workflow-id'] ?? [], log: (line) => console.log(line) });
  console.log(
    `${report.ledgers} ledgers: ${report.entriesInserted} entries inserted, ${report.entriesKnown} already there, ${report.closesInserted} closes inserted, ` +
      `${report.refusedNotImported} refused signals not imported, ${report.missing.length} workflow IDs not found`,
  );
  if (report.missing.length) process.exitCode = 1;
} catch (err) {
  console.error(`import failed: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await records.db.end();
  await client.connection.close();
}
