// Benchmark (issue 15 item 3): cases per second created through the HTTP API against the dev server, side by side
// with raw client starts of the same workflow type and input on the same worker; prints both and their ratio.
import { loadApiKeys } from '../src/api/auth.js';
import { findUnit, unitSnapshot } from '../src/directory.js';
import { caseIdForNotice } from '../src/domain.js';
import type { EscalatedVisitInput } from '../src/messages.js';
import { buildApiServer } from '../src/api/server.js';
import { openBenchRecords } from './benchDatabase.js';
import { TASK_QUEUE, createDevServerEnv, directory, policy, sampleNotice, startHarness } from '../test/helpers.js';

const N = Number(process.env.BENCH_CASES ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const h = await startHarness(await createDevServerEnv(), { records: await openBenchRecords() });
const api = await buildApiServer({ client: h.env.client, records: h.records, namespace: h.env.namespace ?? 'default', taskQueue: TASK_QUEUE, policy, directory, keys: loadApiKeys({}) });
const url = await api.listen({ host: '127.0.0.1', port: 0 });

async function pool(count: number, one: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const began = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) await one(next++);
    }),
  );
  return performance.now() - began;
}

try {
  const run = `${Date.now()}`;
  const notice = (prefix: string, i: number) => sampleNotice('beijing', Date.now() - 1000, { noticeId: `${prefix}-${run}-${i}` });
  const viaApi = (prefix: string) => async (i: number): Promise<void> => {
    const res = await fetch(`${url}/cases`, { method: 'POST', headers: { authorization: 'Bearer dev-intake-key', 'content-type': 'application/json' }, body: JSON.stringify(notice(prefix, i)) });
    if (res.status !== 201) throw new Error(`create answered ${res.status}: ${await res.text()}`);
  };
  // The same workflow type with the same input (as src/cases.ts builds it), started straight from the client, on the
  // same task queue with the same worker running: what the API adds is HTTP, keys, validation and its record write.
  const unit = unitSnapshot(findUnit(directory, 'wuli-gov')!);
  const raw = (prefix: string) => async (i: number): Promise<void> => {
    const n = notice(prefix, i);
    const input: EscalatedVisitInput = { notice: n, policy, unit, actor: { id: 'bench', role: 'intake' }, registeredAt: new Date().toISOString() };
    await h.env.client.workflow.start('escalatedVisit', { taskQueue: TASK_QUEUE, workflowId: caseIdForNotice(n.noticeId), args: [input] });
  };
  // Side by side: the two paths alternate in rounds, so both see the same server and worker load.
  const ROUNDS = 4;
  let apiMs = 0;
  let rawMs = 0;
  for (let r = 0; r < ROUNDS; r++) {
    apiMs += await pool(N / ROUNDS, viaApi(`BENCH-A${r}`));
    rawMs += await pool(N / ROUNDS, raw(`BENCH-R${r}`));
  }
  const apiRate = N / (apiMs / 1000);
  const rawRate = N / (rawMs / 1000);
  console.log(`${N} cases per path in ${ROUNDS} alternating rounds, ${CONCURRENCY} concurrent requests, Temporal dev server (in-memory), one worker running the cases`);
  console.log(`API create (HTTP, key, validation, start, record of the answer): ${apiRate.toFixed(1)} cases/s (${apiMs.toFixed(0)} ms)`);
  console.log(`raw client.workflow.start of the same workflow and input:       ${rawRate.toFixed(1)} cases/s (${rawMs.toFixed(0)} ms)`);
  console.log(`ratio API / raw start: ${(apiRate / rawRate).toFixed(2)}`);
} finally {
  await api.close();
  await h.stop();
}
