// Benchmark of the quarterly circular:
//   1. in memory: aggregate BENCH_CIRCULAR_CASES (default 10,000) synthetic case views and render the XLSX and DOCX,
//      with time and memory (rss / heapUsed before and after, peak rss of the process);
//   2. the fetch path on the dev server: BENCH_CIRCULAR_FETCH (default 200) real cases listed by visibility and read
//      one by one (result or query) by the collect activity, printed separately. BENCH_CIRCULAR_FETCH=0 skips it.
// Run: npm run bench:circular
import { openBenchRecords } from './benchDatabase.js';
import { MockActivityEnvironment } from '@temporalio/testing';
import { mkdtempSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { circularListQuery, createCircularActivities } from '../activities/circular.js';
import { startEscalatedVisit } from '../src/cases.js';
import { aggregateCircular } from '../src/circular/aggregate.js';
import { quarterPeriod, rangePeriod } from '../src/circular/period.js';
import { renderCircularDocx, renderCircularXlsx } from '../src/circular/render.js';
import type { CircularFigures } from '../src/circular/types.js';
import { LEVELS } from '../src/domain.js';
import { ensureNamespace } from '../src/temporal.js';
import { createDubanWorker } from '../worker.js';
import { fakeView } from '../test/circularFixtures.js';
import { TASK_QUEUE, createDevServerEnv, directory, intake, policy, sampleNotice } from '../test/helpers.js';

const CASES = Number(process.env.BENCH_CIRCULAR_CASES ?? 10_000);
const FETCH = Number(process.env.BENCH_CIRCULAR_FETCH ?? 200);
const UNITS = 60;

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

// --- 1. in memory --------------------------------------------------------------------------------------------------
const period = quarterPeriod('2026-Q3');
const units = Array.from({ length: UNITS }, (_, i) => ({ id: `unit-${String(i).padStart(3, '0')}`, name: `第${i + 1}责任单位` }));
const from = Date.parse(period.from);
const span = Date.parse(period.to) - from;
global.gc?.();
const before = mem();
const [views, genMs] = await timed(() =>
  Array.from({ length: CASES }, (_, i) =>
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
  ),
);
const afterViews = mem();
const [figures, aggMs] = await timed(() => aggregateCircular(views, { circularId: '2026-Q3', period, cutoff: '2026-10-01T00:00:00.000Z', units }));
const meta = { officeName: '五里乡信访办', issuedAt: '2026-10-01T00:00:00.000Z' };
const [xlsx, xlsxMs] = await timed(() => renderCircularXlsx(figures, meta));
const [docx, docxMs] = await timed(() => renderCircularDocx(figures, meta));
const after = mem();
const peakRss = process.resourceUsage().maxRSS * 1024;
console.log(`\n1. in memory: ${CASES} synthetic case views, ${UNITS} units (${UNITS * 4 + 1} table rows)`);
console.log(`   build the views        ${genMs.toFixed(0)} ms   (views take heap ${mb(afterViews.heapUsed - before.heapUsed)})`);
console.log(`   aggregate              ${aggMs.toFixed(1)} ms   → ${figures.total.escalated} counted`);
console.log(`   render XLSX            ${xlsxMs.toFixed(0)} ms   (${(xlsx.length / 1024).toFixed(1)} KiB)`);
console.log(`   render DOCX            ${docxMs.toFixed(0)} ms   (${(docx.length / 1024).toFixed(1)} KiB)`);
console.log(`   memory before          rss ${mb(before.rss)}, heapUsed ${mb(before.heapUsed)}`);
console.log(`   memory after           rss ${mb(after.rss)}, heapUsed ${mb(after.heapUsed)}`);
console.log(`   peak rss of the process ${mb(peakRss)}`);
console.log(`   figures JSON (the workflow's payload) ${(JSON.stringify(figures).length / 1024).toFixed(1)} KiB`);

// --- 2. the fetch path on the dev server ---------------------------------------------------------------------------
if (FETCH > 0) {
  console.log(`\n2. fetch path on an in-memory dev server: ${FETCH} real cases (open, idle), listed and read by collectCircularFacts`);
  const env = await createDevServerEnv();
  await ensureNamespace(env.connection, env.namespace ?? 'default');
  const dataDir = mkdtempSync(join(tmpdir(), 'duban-bench-circular-'));
  const deps = { directory: () => directory, client: env.client, records: await openBenchRecords(), taskQueue: TASK_QUEUE, outboxDir: join(dataDir, 'outbox'), dataDir, log: () => undefined };
  const worker = await createDubanWorker({ connection: env.nativeConnection, namespace: env.namespace ?? 'default', taskQueue: TASK_QUEUE, activities: deps });
  const running = worker.run();
  try {
    const now = Date.now();
    const [, startMs] = await timed(async () => {
      for (let i = 0; i < FETCH; i += 20) {
        await Promise.all(
          Array.from({ length: Math.min(20, FETCH - i) }, (_, j) =>
            startEscalatedVisit(sampleNotice(LEVELS[(i + j) % 3]!, now - 60_000, { unitId: directory.units[(i + j) % directory.units.length]!.id }), { client: env.client, taskQueue: TASK_QUEUE, policy, directory, actor: intake }),
          ),
        );
      }
    });
    const range = rangePeriod(new Date(now - 86_400_000).toISOString().slice(0, 10), new Date(now + 2 * 86_400_000).toISOString().slice(0, 10));
    for (;;) {
      if ((await env.client.workflow.count(circularListQuery(range))).count >= FETCH) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const acts = createCircularActivities(deps);
    const m0 = mem();
    const collect = (input: { circularId: string; period: typeof range }): Promise<CircularFigures> => acts.collectCircularFacts(input);
    const [fetched, fetchMs] = await timed(() => new MockActivityEnvironment().run<[{ circularId: string; period: typeof range }], CircularFigures, typeof collect>(collect, { circularId: 'bench', period: range }));
    const m1 = mem();
    console.log(`   start ${FETCH} cases           ${startMs.toFixed(0)} ms (setup, not the circular)`);
    console.log(`   collect (list + read each) ${fetchMs.toFixed(0)} ms → ${fetched.total.escalated} counted, ${fetched.unreadable.length} unreadable (${(fetchMs / FETCH).toFixed(1)} ms per case, 8 reads at a time)`);
    console.log(`   memory                     rss ${mb(m0.rss)} → ${mb(m1.rss)}, heapUsed ${mb(m0.heapUsed)} → ${mb(m1.heapUsed)}`);
  } finally {
    for await (const x of env.client.workflow.list({ query: `ExecutionStatus = 'Running'` })) await env.client.workflow.getHandle(x.workflowId).terminate('bench finished');
    worker.shutdown();
    await running;
    await env.teardown();
  }
}
