// Benchmark: cases per second created through the HTTP API against the dev server, beside no-op workflows
// started straight from the Temporal client in the same run; prints both and their ratio.
import { loadApiKeys } from '../src/api/auth.js';
import { startEscalatedVisit } from '../src/cases.js';
import { caseQuery } from '../src/messages.js';
import { buildApiServer } from '../src/api/server.js';
import { TASK_QUEUE, createDevServerEnv, directory, policy, sampleNotice, startHarness } from '../test/helpers.js';

const N = Number(process.env.BENCH_CASES ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const h = await startHarness(await createDevServerEnv());
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
  const apiMs = await pool(N, async (i) => {
    const res = await fetch(`${url}/cases`, {
      method: 'POST',
      headers: { authorization: 'Bearer dev-intake-key', 'content-type': 'application/json' },
      body: JSON.stringify(sampleNotice('beijing', Date.now() - 1000, { noticeId: `BENCH-${run}-${i}` })),
    });
    if (res.status !== 201) throw new Error(`create answered ${res.status}: ${await res.text()}`);
  });
  const clientMs = await pool(N, async (i) => {
    // No worker polls this queue: the figure is the server's start path alone.
    await h.env.client.workflow.start('benchNoop', { taskQueue: 'bench-noop', workflowId: `noop-${run}-${i}` });
  });
  // The same case without HTTP: where the API's time goes (validation + start, then the first query).
  let startOnlyMs = 0;
  const directMs = await pool(N, async (i) => {
    const began = performance.now();
    const started = await startEscalatedVisit(sampleNotice('beijing', Date.now() - 1000, { noticeId: `BENCH-D-${run}-${i}` }), { client: h.env.client, taskQueue: TASK_QUEUE, policy, directory, actor: { id: 'bench', role: 'intake' } });
    startOnlyMs += performance.now() - began;
    for (let pause = 5; ; pause = Math.min(pause * 2, 200)) {
      try {
        await started.handle.query(caseQuery);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, pause));
      }
    }
  });
  const apiRate = N / (apiMs / 1000);
  const directRate = N / (directMs / 1000);
  const clientRate = N / (clientMs / 1000);
  console.log(`${N} cases, ${CONCURRENCY} concurrent requests, Temporal dev server (in-memory), one worker`);
  console.log(`API create (validate, start, first query of the case): ${apiRate.toFixed(1)} cases/s (${apiMs.toFixed(0)} ms)`);
  console.log(`client start of a no-op workflow:                      ${clientRate.toFixed(1)} workflows/s (${clientMs.toFixed(0)} ms)`);
  console.log(`same case without HTTP (start + first query):          ${directRate.toFixed(1)} cases/s (${directMs.toFixed(0)} ms; start alone ${(startOnlyMs / N).toFixed(1)} ms per case)`);
  console.log(`ratio API / client: ${(apiRate / clientRate).toFixed(2)}; API / same case without HTTP: ${(apiRate / directRate).toFixed(2)}`);
} finally {
  await api.close();
  await h.stop();
}
