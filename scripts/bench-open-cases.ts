// Benchmark: many open cases held by one worker (worker.ts as its own process, its cache bounded by
// DUBAN_WORKER_MAX_CACHED_WORKFLOWS): the worker's RSS while N cases are registered and sit in their hour-long waits,
// and the server errors on the way. Run: npm run bench:open-cases -- [--cases 10000] [--cache 1000]
import { Client, Connection } from '@temporalio/client';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startEscalatedVisit } from '../src/cases.js';
import { createDataConverter, generateKey, loadCodec } from '../src/codec.js';
import { ROOT } from '../src/config.js';
import { ensureNamespace } from '../src/temporal.js';
import { openBenchRecords } from './benchDatabase.js';
import { createDevServerEnv, directory, intake, policy, sampleNotice } from '../test/helpers.js';

const { values } = parseArgs({ options: { cases: { type: 'string', default: '10000' }, cache: { type: 'string', default: '1000' }, concurrency: { type: 'string', default: '32' } } });
const N = Number(values.cases);
const TASK_QUEUE = 'duban-bench-open';
const began = Date.now();
const log = (line: string): void => console.log(`[${((Date.now() - began) / 1000).toFixed(1).padStart(6)} s] ${line}`);

const env = await createDevServerEnv();
await ensureNamespace(env.connection, env.namespace ?? 'default');
const records = await openBenchRecords();
const keys = JSON.stringify({ current: 'o1', keys: { o1: generateKey() } });
const client = new Client({ connection: await Connection.connect({ address: env.address }), namespace: env.namespace ?? 'default', dataConverter: createDataConverter(loadCodec({ DUBAN_CODEC_KEYS: keys })) });
const worker = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'worker.ts')], {
  cwd: ROOT,
  env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: env.namespace ?? 'default', DUBAN_TASK_QUEUE: TASK_QUEUE, DUBAN_DATABASE_URL: records.url, DUBAN_CODEC_KEYS: keys, DUBAN_DATA_DIR: mkdtempSync(join(tmpdir(), 'duban-open-')), DUBAN_WORKER_METRICS_PORT: '0', DUBAN_WORKER_MAX_CACHED_WORKFLOWS: String(values.cache) },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let out = '';
worker.stdout.on('data', (c: Buffer) => (out += c.toString()));
worker.stderr.on('data', (c: Buffer) => (out += c.toString()));
while (!out.includes('duban worker: namespace')) {
  if (worker.exitCode !== null) throw new Error(`worker exited: ${out}`);
  await new Promise((r) => setTimeout(r, 200));
}
log(`worker ready, cache ${values.cache} cases`);
const rssMb = (): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${worker.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
let peak = 0;
const samples: number[] = [];
const sampler = setInterval(() => {
  const r = rssMb();
  samples.push(r);
  peak = Math.max(peak, r);
}, 1000);

// The office's hour-scale policy: every case waits for its first reminder (hours away) once registered.
let failed = 0;
let next = 0;
const startOne = async (): Promise<void> => {
  while (next < N) {
    const i = next++;
    try {
      await startEscalatedVisit(sampleNotice((['district', 'city', 'beijing'] as const)[i % 3]!, Date.now(), { noticeId: `OPEN-${began}-${i}` }), { client, taskQueue: TASK_QUEUE, policy, directory, actor: intake });
    } catch (err) {
      failed++;
      if (failed <= 3) log(`start failed: ${(err as Error).message}`);
    }
    if (i % 2000 === 1999) log(`${i + 1} started, worker RSS ${rssMb().toFixed(0)} MB`);
  }
};
await Promise.all(Array.from({ length: Number(values.concurrency) }, startOne));
const started = Date.now();
log(`${N - failed} of ${N} started (${failed} failed) in ${((started - began) / 1000).toFixed(1)} s`);
// Each case's first task records its opening: the worker has run every case once when the store has them all.
const recorded = async (): Promise<number> => Number((await records.db.query<{ n: string }>("SELECT count(*) AS n FROM cases WHERE status = 'open'")).rows[0]!.n);
for (let n = await recorded(); n < N - failed; n = await recorded()) {
  if (Date.now() - started > 20 * 60_000) {
    log(`gave up waiting: ${n} recorded`);
    break;
  }
  await new Promise((r) => setTimeout(r, 2000));
}
log(`every case registered and recorded by the worker; holding for 20 s`);
await new Promise((r) => setTimeout(r, 20_000));
clearInterval(sampler);
const sorted = [...samples].sort((a, b) => a - b);
console.log(`open cases: ${await recorded()} held by one worker (cache ${values.cache}), server errors on start: ${failed}`);
console.log(`worker RSS: peak ${peak.toFixed(0)} MB, median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} MB, last ${samples.at(-1)!.toFixed(0)} MB`);
console.log(`worker RSS per open case at the end: ${((samples.at(-1)! * 1024) / N).toFixed(1)} KB`);
worker.kill('SIGTERM');
await new Promise((r) => worker.once('exit', r));
await records.close();
await env.teardown();
