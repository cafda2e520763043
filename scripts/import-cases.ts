// One-off: records the views of cases started before the records-in-database patch (they never record their own) into
// the cases / case_facts tables, so the list, the circular and reads after retention have them; rerunning it writes nothing.
// npm run import:cases [-- --case-id visit:<noticeId> ...] [-- --concurrency 8]   (no ID: every escalatedVisit workflow visibility lists)
// A worker must be running: open cases (and terminated ones) answer the case query through it.
import { parseArgs } from 'node:util';
import { createDataConverter, loadCodec } from '../src/codec.js';
import { loadConfig } from '../src/config.js';
import { caseImportSummary, importCases } from '../src/records/caseImport.js';
import { openRecords } from '../src/records/index.js';
import { connectClient } from '../src/temporal.js';

const { values } = parseArgs({ options: { 'case-id': { type: 'string', multiple: true }, concurrency: { type: 'string' } } });
const concurrency = values.concurrency === undefined ? 8 : Number(values.concurrency);
if (!Number.isInteger(concurrency) || concurrency < 1) {
  console.error(`--concurrency must be a whole number ≥ 1, not ${values.concurrency}`);
  process.exit(2);
}
const config = loadConfig();
const codec = loadCodec();
const client = await connectClient(config.temporalAddress, config.namespace, { dataConverter: createDataConverter(codec) });
const records = await openRecords(codec.codec);
try {
  const report = await importCases(client, records, { caseIds: values['case-id'] ?? [], concurrency, log: (line) => console.log(line) });
  console.log(caseImportSummary(report));
  if (report.failed.length) process.exitCode = 1;
} catch (err) {
  console.error(`import failed 导入失败: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await records.db.end();
  await client.connection.close();
}
