// Benchmark of the quarterly circular end to end through the real database (no Temporal involved):
//   1. record BENCH_CIRCULAR_CASES (default 10,000) synthetic case views with recordCaseView, BENCH_CIRCULAR_CONCURRENCY
//      (default 16) at a time, sealed with a real AES-GCM codec as in every real process;
//   2. produce the circular through the activities: collectCircularFacts (SQL figures), renderCircular (XLSX + DOCX +
//      stored in circular_files), mailCircular (outbox); times per step and memory; SQL figures checked against
//      aggregateCircular over the same views.
// PostgreSQL: scripts/benchDatabase.ts starts its own (or DUBAN_DATABASE_URL). Run: npm run bench:circular
import { MockActivityEnvironment } from '@temporalio/testing';
import { mkdtempSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import { createCircularActivities } from '../activities/circular.js';
import { aggregateCircular } from '../src/circular/aggregate.js';
import { quarterPeriod } from '../src/circular/period.js';
import type { CircularFigures, CircularFile, CircularMailResult, CircularPeriod, CircularRequest } from '../src/circular/types.js';
import { AesGcmCodec, generateKey, parseKeySet } from '../src/codec.js';
import { ROOT, loadDirectoryFile } from '../src/config.js';
import type { Directory } from '../src/directory.js';
import { LEVELS } from '../src/domain.js';
import { recordCaseView } from '../src/records/cases.js';
import { fakeView } from '../test/circularFixtures.js';
import { openBenchRecords } from './benchDatabase.js';

const CASES = Number(process.env.BENCH_CIRCULAR_CASES ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_CIRCULAR_CONCURRENCY ?? 16);
const UNITS = 60;
const sampleDirectory = loadDirectoryFile(join(ROOT, 'config/units.sample.json'));

const mb = (n: number): string => `${(n / 1048576).toFixed(1)} MB`;
const mem = (): { rss: number; heapUsed: number } => {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed };
};
const timed = async <T>(fn: () => Promise<T> | T): Promise<[T, number]> => {
  const t0 = performance.now();
  const r = await fn();
  return [r, performance.now() - t0];
};

console.log(`machine: ${availableParallelism()} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);

const period = quarterPeriod('2026-Q3');
const units = Array.from({ length: UNITS }, (_, i) => ({ id: `unit-${String(i).padStart(3, '0')}`, name: `第${i + 1}责任单位` }));
// The sample directory with the bench's 60 units: the circular's rows are the directory's units.
const directory: Directory = { ...sampleDirectory, units: units.map((u, i) => ({ ...sampleDirectory.units[i % sampleDirectory.units.length]!, id: u.id, name: u.name })) };
const from = Date.parse(period.from);
const span = Date.parse(period.to) - from;
const views = Array.from({ length: CASES }, (_, i) =>
  fakeView({
    id: `BENCH-${i}`,
    unitId: units[i % UNITS]!.id,
    level: LEVELS[i % 3]!,
    receivedAt: new Date(from + ((i * 7919) % span)).toISOString(),
    ...(i % 4 === 0 ? {} : { arrival: i % 4 === 1 ? ('late' as const) : ('onTime' as const) }),
    urges: i % 3,
    supervises: i % 5 === 0 ? 1 : 0,
    deductions: i % 10 === 0 ? [1 + (i % 3)] : [],
    status: i % 6 === 0 ? 'open' : 'closed',
    deadline: i % 6 === 0 ? period.to : null,
  }),
);
const entries = views.reduce((n, v) => n + v.timeline.length, 0);

const codec = new AesGcmCodec(parseKeySet({ current: 'bench', keys: { bench: generateKey() } }, 'bench'));
const [records, pgMs] = await timed(() => openBenchRecords(codec, CONCURRENCY + 4));
console.log(`PostgreSQL ready (started and migrated) in ${pgMs.toFixed(0)} ms`);
try {
  // --- 1. record the cases -------------------------------------------------------------------------------------------
  global.gc?.();
  const m0 = mem();
  let next = 0;
  const [, recordMs] = await timed(() =>
    Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < views.length) await recordCaseView(records, views[next++]!);
      }),
    ),
  );
  const m1 = mem();
  const stored = await records.db.query<{ cases: number; facts: number; bytes: string }>(
    "SELECT (SELECT count(*)::int FROM cases) AS cases, (SELECT count(*)::int FROM case_facts) AS facts, pg_size_pretty(pg_total_relation_size('cases') + pg_total_relation_size('case_facts')) AS bytes",
  );
  console.log(`\n1. record ${CASES} case views (${entries} timeline entries), ${CONCURRENCY} at a time, AES-GCM sealed`);
  console.log(`   recordCaseView         ${recordMs.toFixed(0)} ms → ${((CASES / recordMs) * 1000).toFixed(0)} cases/s (${(recordMs / CASES).toFixed(2)} ms a case wall, ${((recordMs * CONCURRENCY) / CASES).toFixed(1)} ms a call)`);
  console.log(`   stored                 ${stored.rows[0]!.cases} cases, ${stored.rows[0]!.facts} facts, ${stored.rows[0]!.bytes} with indexes`);
  const [, againMs] = await timed(async () => {
    for (let i = 0; i < 500; i++) await recordCaseView(records, views[i]!);
  });
  console.log(`   recorded again (retry, 500 one by one) ${(againMs / 500).toFixed(2)} ms a call, rows unchanged: ${(await records.db.query<{ n: number }>('SELECT count(*)::int AS n FROM case_facts')).rows[0]!.n === entries}`);
  console.log(`   memory                 rss ${mb(m0.rss)} → ${mb(m1.rss)}, heapUsed ${mb(m0.heapUsed)} → ${mb(m1.heapUsed)}`);

  // --- 2. the circular through the activities ------------------------------------------------------------------------
  const dataDir = mkdtempSync(join(tmpdir(), 'duban-bench-circular-'));
  const acts = createCircularActivities({ directory: () => directory, client: undefined as never, records, taskQueue: 'bench', outboxDir: join(dataDir, 'outbox'), dataDir, log: () => undefined });
  const env = new MockActivityEnvironment();
  const run = <A, R>(fn: (a: A) => Promise<R>, a: A): Promise<R> => env.run<[A], R, (a: A) => Promise<R>>(fn, a);
  global.gc?.();
  const m2 = mem();
  const [figures, collectMs] = await timed(() => run<{ circularId: string; period: CircularPeriod }, CircularFigures>(acts.collectCircularFacts.bind(acts), { circularId: '2026-Q3', period }));
  const request: CircularRequest = { circularId: '2026-Q3', period, requestedBy: { id: 'duban', role: 'system' }, mail: true };
  const [files, renderMs] = await timed(() => run<{ request: CircularRequest; figures: CircularFigures }, CircularFile[]>(acts.renderCircular.bind(acts), { request, figures }));
  const [mail, mailMs] = await timed(() => run<{ request: CircularRequest; figures: CircularFigures; files: CircularFile[] }, CircularMailResult>(acts.mailCircular.bind(acts), { request, figures, files }));
  const m3 = mem();
  const expected = aggregateCircular(views, { circularId: '2026-Q3', period, cutoff: figures.cutoff, units });
  const peakRss = process.resourceUsage().maxRSS * 1024;
  console.log(`\n2. the circular of 2026-Q3 through the activities (${UNITS} units, ${UNITS * 4 + 1} table rows)`);
  console.log(`   collect (SQL figures)  ${collectMs.toFixed(0)} ms → ${figures.total.escalated} counted; equal to aggregateCircular over the views: ${isDeepStrictEqual(figures, expected)}`);
  console.log(`   render + store         ${renderMs.toFixed(0)} ms (${files.map((f) => `${f.name} ${(f.bytes / 1024).toFixed(1)} KiB`).join(', ')}, into circular_files)`);
  console.log(`   mail (outbox)          ${mailMs.toFixed(0)} ms (${mail.channel}, duplicate ${mail.duplicate})`);
  console.log(`   memory                 rss ${mb(m2.rss)} → ${mb(m3.rss)}, heapUsed ${mb(m2.heapUsed)} → ${mb(m3.heapUsed)}; peak rss of the process ${mb(peakRss)}`);
  console.log(`   figures JSON (the workflow's payload) ${(JSON.stringify(figures).length / 1024).toFixed(1)} KiB`);
  if (!isDeepStrictEqual(figures, expected)) process.exitCode = 1;
} finally {
  await records.close();
}
