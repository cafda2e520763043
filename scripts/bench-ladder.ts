// Benchmark: wall time of a full Beijing ladder (60 h of policy time) under time skipping, and its history size.
import { caseQuery } from '../src/messages.js';
import { openBenchRecords } from './benchDatabase.js';
import { H, createTimeSkippingEnv, sampleNotice, skipTo, startHarness, startVisit, waitForStep } from '../test/helpers.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const setupStart = performance.now();
const h = await startHarness(await createTimeSkippingEnv(), { records: await openBenchRecords() });
const setupMs = performance.now() - setupStart;

const walls: number[] = [];
const events: number[] = [];
let lastTypes = new Map<string, number>();
try {
  for (let i = 0; i < RUNS; i++) {
    const began = performance.now();
    const t0 = await h.env.currentTimeMs();
    const c = await startVisit(h, sampleNotice('beijing', t0));
    await waitForStep(c, `arrival.reminder.12h@${t0 + 24 * H}`);
    await skipTo(h, t0, 60.5);
    const v = await c.handle.query(caseQuery);
    if (v.deductions.length !== 1) throw new Error(`ladder incomplete: ${v.stage}`);
    walls.push(performance.now() - began);
    const history = await c.handle.fetchHistory();
    events.push(history.events?.length ?? 0);
    lastTypes = new Map();
    for (const e of history.events ?? []) {
      const type = String(e.eventType ?? '?').replace('EVENT_TYPE_', '');
      lastTypes.set(type, (lastTypes.get(type) ?? 0) + 1);
    }
    await c.handle.terminate('bench');
  }
} finally {
  await h.stop();
}

const sorted = [...walls].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)]!;
console.log(`environment + worker start-up: ${setupMs.toFixed(0)} ms`);
console.log(`full Beijing ladder (60 h of policy time, ${RUNS} runs): median ${median.toFixed(0)} ms, min ${sorted[0]!.toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms`);
console.log(`history events per ladder: ${events.join(', ')}`);
console.log(`last ladder's events by type: ${[...lastTypes].sort((a, b) => b[1] - a[1]).map(([t, n]) => `${t} ${n}`).join(', ')}`);
console.log(`policy time / wall time: ${((60 * H) / median).toFixed(0)}×`);
