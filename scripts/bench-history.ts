// Benchmark: a case's history size after 200 updates (extensions, time skipping). An update answers with a small
// acknowledgement (CaseAck); until this change it answered with the whole case view, timeline included, and every
// answer stays in the history. "Before" is this same history with each acknowledgement replaced by the view the
// update would have answered (read by query right after it), encoded the same way.
import { defaultPayloadConverter } from '@temporalio/common';
import proto, { type temporal } from '@temporalio/proto';
import { caseQuery, extendDeadlineUpdate } from '../src/messages.js';
import { openBenchRecords } from './benchDatabase.js';
import { H, M, createTimeSkippingEnv, sampleNotice, startHarness, startVisit, supervisor, waitForStep } from '../test/helpers.js';

const { Payload } = proto.temporal.api.common.v1; // CommonJS: no named values under Node's ESM loader
const { History } = proto.temporal.api.history.v1;
const UPDATES = Number(process.env.BENCH_UPDATES ?? 200);
const payloadBytes = (p: temporal.api.common.v1.IPayload): number => Payload.encode(p).finish().length;
const mb = (bytes: number): string => `${(bytes / 1_048_576).toFixed(2)} MB`;

const h = await startHarness(await createTimeSkippingEnv(), { records: await openBenchRecords() });
try {
  const t0 = await h.env.currentTimeMs();
  const c = await startVisit(h, sampleNotice('district', t0));
  await waitForStep(c, `arrival.reminder.1h@${t0 + 3 * H}`);
  let viewBytes = 0;
  const began = performance.now();
  for (let i = 1; i <= UPDATES; i++) {
    await c.handle.executeUpdate(extendDeadlineUpdate, { args: [{ newDeadline: new Date(t0 + 3 * H + i * M).toISOString(), reason: `第${i}次延期`, actor: supervisor }] });
    viewBytes += payloadBytes(defaultPayloadConverter.toPayload(await c.handle.query(caseQuery)));
  }
  const wall = performance.now() - began;
  const history = await c.handle.fetchHistory();
  const historyBytes = History.encode(history).finish().length;
  let ackBytes = 0;
  let completed = 0;
  for (const e of history.events ?? []) {
    const payloads = e.workflowExecutionUpdateCompletedEventAttributes?.outcome?.success?.payloads;
    if (!payloads) continue;
    completed++;
    for (const p of payloads) ackBytes += payloadBytes(p);
  }
  if (completed !== UPDATES) throw new Error(`expected ${UPDATES} completed updates in the history, found ${completed}`);
  const before = historyBytes - ackBytes + viewBytes;
  console.log(`updates: ${UPDATES} extensions on one district case, ${history.events?.length ?? 0} history events, ${(wall / UPDATES).toFixed(1)} ms per update + query`);
  console.log(`history size after ${UPDATES} updates, small acknowledgements: ${historyBytes} bytes (${mb(historyBytes)}); answers ${ackBytes} bytes in all, ${(ackBytes / UPDATES).toFixed(0)} per update`);
  console.log(`history size after ${UPDATES} updates, whole views as before: ${before} bytes (${mb(before)}); answers ${viewBytes} bytes in all, ${(viewBytes / UPDATES).toFixed(0)} per update on average`);
  console.log(`ratio before / after: ${(before / historyBytes).toFixed(1)}`);
  await c.handle.terminate('bench over');
} finally {
  await h.stop();
}
