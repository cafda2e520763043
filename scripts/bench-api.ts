// Benchmark (issue 15 item 3), as production runs it: the API (api.ts) and the worker (worker.ts) each in its own
// process, on the Temporal dev server and a real PostgreSQL, payloads encrypted with one key set.
// 1. Intake: cases per second through the API's POST /cases against raw client.workflow.start of the same workflow type
//    and input from this process, side by side in alternating rounds on the same running worker; prints the ratio.
// 2. Updates: arrivals and explanations through the API at a fixed rate while BENCH_LADDERS cases are open; prints
//    their latency p50 / p99 / max.
// BENCH_CASES (per path, default 200), BENCH_CONCURRENCY (8), BENCH_LADDERS (1000), BENCH_UPDATE_RATE (per second, 20),
// BENCH_UPDATE_SECONDS (30; 0 skips part 2), BENCH_UPDATE_AT_ONCE (1: updates begin while the worker is still running
// the new ladders' first steps), BENCH_API_NODE_OPTIONS (node options of the API process only).
import { Client, Connection } from '@temporalio/client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDataConverter, generateKey, loadCodec } from '../src/codec.js';
import { findUnit, unitSnapshot } from '../src/directory.js';
import { caseIdForNotice } from '../src/domain.js';
import type { EscalatedVisitInput } from '../src/messages.js';
import { freePort } from '../src/net.js';
import { ensureNamespace } from '../src/temporal.js';
import { openBenchRecords } from './benchDatabase.js';
import { createDevServerEnv, directory, policy, sampleNotice } from '../test/helpers.js';
import { startScript, type ScriptProcess } from '../test/processHelpers.js';

const N = Number(process.env.BENCH_CASES ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const LADDERS = Number(process.env.BENCH_LADDERS ?? 1000);
const UPDATE_RATE = Number(process.env.BENCH_UPDATE_RATE ?? 20);
const UPDATE_SECONDS = Number(process.env.BENCH_UPDATE_SECONDS ?? 30);
const TASK_QUEUE = 'duban-bench-api';

const env = await createDevServerEnv();
const namespace = env.namespace ?? 'default';
await ensureNamespace(env.connection, namespace);
const records = await openBenchRecords();
const dataDir = mkdtempSync(join(tmpdir(), 'duban-bench-api-'));
const codecKeys = JSON.stringify({ current: 'b1', keys: { b1: generateKey() } });
const client = new Client({ connection: await Connection.connect({ address: env.address }), namespace, dataConverter: createDataConverter(loadCodec({ DUBAN_CODEC_KEYS: codecKeys })) });
const apiPort = await freePort();
const shared: NodeJS.ProcessEnv = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? tmpdir(),
  TEMPORAL_ADDRESS: env.address,
  TEMPORAL_NAMESPACE: namespace,
  DUBAN_TASK_QUEUE: TASK_QUEUE,
  DUBAN_DATABASE_URL: records.url,
  DUBAN_CODEC_KEYS: codecKeys,
  DUBAN_DATA_DIR: dataDir,
  DUBAN_WORKER_METRICS_PORT: '0',
};
const processes: ScriptProcess[] = [];

async function pool(count: number, concurrency: number, one: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const began = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await one(next++);
    }),
  );
  return performance.now() - began;
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

try {
  processes.push(await startScript('worker.ts', shared, 'duban worker: namespace'));
  processes.push(await startScript('api.ts', { ...shared, DUBAN_API_PORT: String(apiPort), ...(process.env.BENCH_API_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_API_NODE_OPTIONS } : {}) }, 'duban API on'));
  const url = `http://127.0.0.1:${apiPort}`;
  const run = `${Date.now()}`;
  const notice = (prefix: string, i: number) => sampleNotice('beijing', Date.now() - 1000, { noticeId: `${prefix}-${run}-${i}` });
  const post = (path: string, key: string, body: unknown): Promise<Response> =>
    fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const apiCases: string[] = [];
  const viaApi = (prefix: string) => async (i: number): Promise<void> => {
    const n = notice(prefix, i);
    const res = await post('/cases', 'dev-intake-key', n);
    if (res.status !== 201) throw new Error(`create answered ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
    apiCases.push(caseIdForNotice(n.noticeId));
  };
  // The same workflow type with the same input (as src/cases.ts builds it), started straight from a client with the
  // same codec, on the same task queue with the same worker running: what the API adds is HTTP, the key, validation,
  // the memo and search attributes of the start, and its record in PostgreSQL.
  const unit = unitSnapshot(findUnit(directory, 'wuli-gov')!);
  const raw = (prefix: string) => async (i: number): Promise<void> => {
    const n = notice(prefix, i);
    const input: EscalatedVisitInput = { notice: n, policy, unit, actor: { id: 'bench', role: 'intake' }, registeredAt: new Date().toISOString() };
    await client.workflow.start('escalatedVisit', { taskQueue: TASK_QUEUE, workflowId: caseIdForNotice(n.noticeId), args: [input] });
  };
  // A few of each first (connections, compiled code), not counted.
  await pool(2 * CONCURRENCY, CONCURRENCY, viaApi('BENCH-WA'));
  await pool(2 * CONCURRENCY, CONCURRENCY, raw('BENCH-WR'));
  apiCases.length = 0;
  // Side by side: the two paths alternate in rounds, so both see the same server and worker load.
  const ROUNDS = 4;
  let apiMs = 0;
  let rawMs = 0;
  for (let r = 0; r < ROUNDS; r++) {
    apiMs += await pool(N / ROUNDS, CONCURRENCY, viaApi(`BENCH-A${r}`));
    rawMs += await pool(N / ROUNDS, CONCURRENCY, raw(`BENCH-R${r}`));
  }
  const apiRate = N / (apiMs / 1000);
  const rawRate = N / (rawMs / 1000);
  console.log(`${N} cases per path in ${ROUNDS} alternating rounds, ${CONCURRENCY} concurrent requests; Temporal dev server (in-memory), PostgreSQL, worker.ts and api.ts each in its own process, payloads encrypted`);
  console.log(`API create (HTTP, key, validation, start with memo and search attributes, record in PostgreSQL): ${apiRate.toFixed(1)} cases/s (${apiMs.toFixed(0)} ms)`);
  console.log(`raw client.workflow.start of the same workflow and input:       ${rawRate.toFixed(1)} cases/s (${rawMs.toFixed(0)} ms)`);
  console.log(`ratio API / raw start: ${(apiRate / rawRate).toFixed(2)}`);

  if (UPDATE_SECONDS > 0) {
    // Open ladders: the cases above (Beijing, the office's hour-scale policy: each waits for its next step) and more.
    const count = Math.round(UPDATE_RATE * UPDATE_SECONDS);
    let open = 2 * N + 4 * CONCURRENCY;
    if (apiCases.length < count) {
      const more = count - apiCases.length;
      await pool(more, CONCURRENCY, viaApi('BENCH-U'));
      open += more;
    }
    if (open < LADDERS) await pool(LADDERS - open, 32, raw('BENCH-L'));
    // Every ladder's first steps done (alerts sent, records written): the ladders wait for their next step. The
    // worker's records stop growing when it has caught up; BENCH_UPDATE_AT_ONCE=1 measures during the backlog instead.
    if (process.env.BENCH_UPDATE_AT_ONCE !== '1') {
      const facts = async (): Promise<number> => Number((await records.db.query<{ n: string }>('SELECT count(*) AS n FROM case_facts')).rows[0]!.n);
      const settling = Date.now();
      for (let last = -1, n = await facts(); n !== last && Date.now() - settling < 300_000; last = n, n = await facts()) await new Promise((r) => setTimeout(r, 5000));
      console.log(`worker caught up with the ladders' first steps after ${((Date.now() - settling) / 1000).toFixed(0)} s`);
    }
    console.log(`${Math.max(open, LADDERS)} ladders open; ${count} updates at ${UPDATE_RATE}/s, arrival and explanation in turn, each on its own case created through the API`);
    const latencies: number[] = [];
    const failures: string[] = [];
    const began = performance.now();
    const sent: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      // Open loop: each request leaves at its own time, whether or not the ones before have been answered.
      const at = began + (i * 1000) / UPDATE_RATE;
      const wait = at - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const caseId = apiCases[i]!;
      const [path, body] = i % 2 === 0 ? ['arrival', { leaderId: 'wuli-gov-zhang', arrivedAt: new Date().toISOString() }] : ['explanation', { text: '领导正在赶往现场，预计稍后到达' }];
      sent.push(
        (async () => {
          const t0 = performance.now();
          const res = await post(`/cases/${encodeURIComponent(caseId)}/${path}`, 'dev-unit-wuli-gov-key', body);
          const text = await res.text();
          latencies.push(performance.now() - t0);
          if (res.status !== 200) failures.push(`${path} ${caseId}: ${res.status} ${text.slice(0, 200)}`);
        })(),
      );
    }
    await Promise.all(sent);
    const sorted = [...latencies].sort((a, b) => a - b);
    console.log(`updates: ${sorted.length} in ${((performance.now() - began) / 1000).toFixed(1)} s, ${failures.length} not 200; latency p50 ${percentile(sorted, 50).toFixed(0)} ms, p99 ${percentile(sorted, 99).toFixed(0)} ms, max ${sorted.at(-1)?.toFixed(0)} ms`);
    for (const f of failures.slice(0, 5)) console.log(`  ${f}`);
  }
} finally {
  for (const p of processes.reverse()) await p.stop();
  await client.connection.close();
  await records.close();
  await env.teardown();
  rmSync(dataDir, { recursive: true, force: true });
}
