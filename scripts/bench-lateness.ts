// Timer lateness at scale (issue 15 item 4): N escalated visits registered ahead of time, each with a pinned policy
// whose arrival deadline puts its 催办 (urge) step inside one chosen wall-clock minute a few minutes ahead, spread evenly
// over that minute (--spread 0: all at the same instant). One worker.ts process runs them with the DUBAN_WORKER_*
// settings of the caller's environment. Each case's urge entry (its `at`, the workflow's clock when the step ran,
// against its `dueAt`) is read from PostgreSQL's case facts; the script prints p50 / p99 / max, worker RSS and CPU.
//
//   the Temporal dev server (.venv, own SQLite file in WAL mode, free ports), a PostgreSQL of its own, one worker
//   process; cases started with startEscalatedVisit (the API's own function: the same workflow input) on a raw client,
//   --concurrency at a time. Alerts go to the outbox in a temporary data directory: no provider, nothing leaves the machine.
//
// Run: npm run bench:lateness -- [--cases 2000] [--lead 3m] [--spread 60s] [--concurrency 32] [--units 10] [--keep]
//      DUBAN_WORKER_MAX_CACHED_WORKFLOWS=2000 npm run bench:lateness   (tuning variables pass to the worker)
import { Client, Connection } from '@temporalio/client';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startEscalatedVisit } from '../src/cases.js';
import { createDataConverter, generateKey, loadCodec } from '../src/codec.js';
import { ROOT, loadDirectoryFile } from '../src/config.js';
import { caseIdForNotice, LEVELS, type Actor } from '../src/domain.js';
import type { TimelineEntry } from '../src/messages.js';
import { parsePolicy, type Policy } from '../src/policy.js';
import { DEFAULT_MAX_CACHED_WORKFLOWS } from '../src/workerTuning.js';
import { openBenchRecords } from './benchDatabase.js';
import { benchDirectory, benchLog, cpuSeconds, durationOpt, fmtMs, intOpt, isRunning, load, mb, pct, pool, ProcessSet, sleep, startDevServer, stats, waitFor, WorkerSlots, workerTuningEnv } from './benchStack.js';

const { values: opt } = parseArgs({
  options: {
    cases: { type: 'string', default: '2000' },
    lead: { type: 'string' },
    spread: { type: 'string', default: '60s' },
    concurrency: { type: 'string', default: '32' },
    units: { type: 'string', default: '10' },
    keep: { type: 'boolean', default: false },
  },
  strict: true,
});
const CASES = intOpt('cases', opt.cases, 1);
const SPREAD_MS = opt.spread === '0' ? 0 : durationOpt('spread', opt.spread);
const CONCURRENCY = intOpt('concurrency', opt.concurrency, 1);
const UNITS = intOpt('units', opt.units, 1);
/** Registration runs at about 30 cases a second here while the worker runs their first tasks (bench:open-cases). */
const LEAD_MS = opt.lead ? durationOpt('lead', opt.lead) : Math.ceil(CASES / 25) * 1000 + 90_000;
/** A case registered closer than this to its urge is counted apart: its first tasks may still be queued when it is due. */
const MIN_AHEAD_MS = 20_000;
const NAMESPACE = 'duban-lateness';
const TASK_QUEUE = 'duban-lateness';
const actor: Actor = { id: 'intake-system', role: 'intake' };

const began = Date.now();
const log = benchLog(began);
const tmp = mkdtempSync(join(tmpdir(), 'duban-bench-lateness-'));
const logDir = join(tmp, 'logs');
const dataDir = join(tmp, 'data');
mkdirSync(logDir);
mkdirSync(dataDir);
const run = Date.now().toString(36);

// The due minute: the first whole minute at least LEAD_MS ahead; case i's urge at minute + i × spread / N.
const minute = Math.ceil((began + LEAD_MS) / 60_000) * 60_000;
const dueOf = (i: number): number => minute + Math.floor((i * SPREAD_MS) / CASES);

// The office's hour-scale ladder around a deadline set per case: no reminders before it, the next step an hour after
// the urge, so the urge is the only step of the minute. Each case pins its own policy (its version names the case).
const base = JSON.parse(readFileSync(join(ROOT, 'config/policy.json'), 'utf8')) as { arrival: { levels: Record<string, Record<string, unknown>> } } & Record<string, unknown>;
const policyFor = (i: number, receivedAt: number): Policy => {
  const spec = (level: string): Record<string, unknown> => ({
    ...base.arrival.levels[level],
    deadline: `${dueOf(i) - receivedAt}ms`,
    reminderOffsets: [],
    superviseAfter: '1h',
    deductAfter: '1h',
    overdueReminderEvery: '1h',
    maxOverdueReminders: 1,
  });
  return parsePolicy({ ...base, version: `bench-lateness.${run}.${i}`, arrival: { ...base.arrival, levels: Object.fromEntries(LEVELS.map((l) => [l, withoutYellow(spec(l))])) } }, `bench-lateness case ${i}`);
};
/** The yellow window defaults to a third of the deadline (it must be shorter than the deadline, which varies here). */
function withoutYellow(spec: Record<string, unknown>): Record<string, unknown> {
  const { yellowWindow: _y, ...rest } = spec;
  void _y;
  return rest;
}

const { directory: directoryJson, units } = benchDirectory(UNITS);
const directoryFile = join(tmp, 'units.json');
writeFileSync(directoryFile, JSON.stringify(directoryJson, null, 2));
const directory = loadDirectoryFile(directoryFile);
const policyFile = join(tmp, 'policy.json');
writeFileSync(policyFile, JSON.stringify({ ...base, version: `bench-lateness.${run}` }, null, 2));

const procs = new ProcessSet(log);
let pg: Awaited<ReturnType<typeof openBenchRecords>> | undefined;
let connection: Connection | undefined;
async function cleanup(): Promise<void> {
  await connection?.close().catch(() => undefined);
  await procs.stopAll();
  await pg?.close();
  if (!opt.keep) for (const d of ['data', 'temporal.db', 'temporal.db-wal', 'temporal.db-shm']) rmSync(join(tmp, d), { recursive: true, force: true });
}
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));

async function main(): Promise<void> {
  const tuning = workerTuningEnv();
  console.log(
    `bench:lateness — ${CASES} cases, urge due from ${new Date(minute).toISOString()} over ${SPREAD_MS / 1000} s, intake concurrency ${CONCURRENCY}, ${UNITS} units; ` +
      `worker settings: ${Object.entries(tuning).map(([k, v]) => `${k}=${v}`).join(' ') || `defaults (cache ${DEFAULT_MAX_CACHED_WORKFLOWS})`}`,
  );
  console.log(`machine: ${availableParallelism()} CPUs, load average ${load()}; dev server, PostgreSQL, worker and this script all run here`);
  console.log(`files and logs: ${tmp}`);

  const keys = JSON.stringify({ current: 'late1', keys: { late1: generateKey() } });
  const codec = loadCodec({ DUBAN_CODEC_KEYS: keys });
  pg = await openBenchRecords(codec.codec, 4);
  log(`PostgreSQL ready`);
  const server = await startDevServer(procs, { dbFile: join(tmp, 'temporal.db'), logFile: join(logDir, 'temporal.log'), namespace: NAMESPACE, home: process.env.HOME ?? tmp });
  log(`Temporal dev server ready on ${server.address}`);

  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmp,
    LANG: 'C.UTF-8',
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: NAMESPACE,
    DUBAN_TASK_QUEUE: TASK_QUEUE,
    DUBAN_DATABASE_URL: pg.url,
    DUBAN_POLICY_FILE: policyFile,
    DUBAN_DIRECTORY_FILE: directoryFile,
    DUBAN_DATA_DIR: dataDir,
    DUBAN_CODEC_KEYS: keys,
    DUBAN_WORKER_METRICS_PORT: '0',
    ...tuning,
  };
  const slots = new WorkerSlots(procs, env, logDir);
  const worker = slots.start(0);
  await waitFor('worker start', () => slots.allReady(), 120_000);
  log(`worker ready (start-up ${fmtMs(slots.starts[0]!.readyMs ?? null)})`);

  let rssPeak = 0;
  let rssPeakInMinute = 0;
  const rssSamples: number[] = [];
  const rssTimer = setInterval(() => {
    const r = slots.rss();
    if (r <= 0) return;
    rssSamples.push(r);
    rssPeak = Math.max(rssPeak, r);
    if (Date.now() >= minute) rssPeakInMinute = Math.max(rssPeakInMinute, r);
  }, 1000);

  connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: NAMESPACE, dataConverter: createDataConverter(codec) });

  // Registration: each case's deadline from its receipt (now) to its due time in the minute.
  const registeredAt = new Map<string, number>();
  const tooClose: string[] = [];
  const failures: string[] = [];
  const intakeBegan = Date.now();
  await pool(CASES, CONCURRENCY, async (i) => {
    const level = LEVELS[i % LEVELS.length]!;
    const unit = units[i % units.length]!;
    const noticeId = `LATE-${run}-${i}`;
    const receivedAt = Date.now();
    if (dueOf(i) - receivedAt < MIN_AHEAD_MS) tooClose.push(caseIdForNotice(noticeId));
    if (dueOf(i) <= receivedAt + 1000) {
      failures.push(`${noticeId}: registration reached its due time (raise --lead)`);
      return;
    }
    const notice = { noticeId, level, receivedAt: new Date(receivedAt).toISOString(), unitId: unit.id, receptionSite: '市信访局', headcount: 3, matterSummary: '压测：欠薪' };
    for (let attempt = 0; ; attempt++) {
      try {
        const started = await startEscalatedVisit(notice, { client, taskQueue: TASK_QUEUE, policy: policyFor(i, receivedAt), directory, actor, now: receivedAt });
        registeredAt.set(started.caseId, receivedAt);
        return;
      } catch (err) {
        if (attempt >= 5) {
          failures.push(`${noticeId}: ${(err as Error).message}`);
          return;
        }
        await sleep(500);
      }
    }
  });
  const intakeMs = Date.now() - intakeBegan;
  log(`registered ${registeredAt.size} of ${CASES} in ${(intakeMs / 1000).toFixed(1)} s (${((registeredAt.size * 1000) / intakeMs).toFixed(1)} cases/s), ${failures.length} failed, ${tooClose.length} within ${MIN_AHEAD_MS / 1000} s of their urge; load ${load()}`);
  for (const f of failures.slice(0, 5)) log(`  failed: ${f}`);

  const like = `visit:LATE-${run}-%`;
  const count = async (sql: string): Promise<number> => Number((await pg!.db.query<{ n: string }>(sql, [like])).rows[0]!.n);
  const openings = (): Promise<number> => count("SELECT count(*) AS n FROM case_facts WHERE case_id LIKE $1 AND type = 'registered'");
  // Until the minute: how far the worker is with the first tasks (the opening record of each case).
  let lastReport = 0;
  while (Date.now() < minute - 1000) {
    if (Date.now() - lastReport > 15_000) {
      lastReport = Date.now();
      log(`waiting for the minute (${((minute - Date.now()) / 1000).toFixed(0)} s): ${await openings()} of ${registeredAt.size} openings recorded, worker RSS ${mb(slots.rss())} MB; load ${load()}`);
    }
    await sleep(500);
  }
  const openingsAtMinute = await openings();
  const cpuAt = { worker: cpuSeconds(worker.child.pid) ?? 0, server: cpuSeconds(server.proc.child.pid) ?? 0, t: Date.now() };
  log(`the minute begins: ${openingsAtMinute} of ${registeredAt.size} openings recorded`);

  // Until every urge is recorded, or 5 minutes after the minute.
  const urges = (): Promise<number> => count("SELECT count(*) AS n FROM case_facts WHERE case_id LIKE $1 AND type = 'urge'");
  const giveUpAt = minute + SPREAD_MS + 5 * 60_000;
  let cpuAfter: typeof cpuAt | undefined;
  for (;;) {
    const n = await urges();
    if (Date.now() >= minute + SPREAD_MS + 2000 && !cpuAfter) cpuAfter = { worker: cpuSeconds(worker.child.pid) ?? 0, server: cpuSeconds(server.proc.child.pid) ?? 0, t: Date.now() };
    if (n >= registeredAt.size && cpuAfter) break;
    if (Date.now() > giveUpAt) {
      log(`gave up: ${n} of ${registeredAt.size} urges recorded 5 min after the minute`);
      break;
    }
    if (Date.now() - lastReport > 10_000) {
      lastReport = Date.now();
      log(`${n} of ${registeredAt.size} urges recorded; worker RSS ${mb(slots.rss())} MB; load ${load()}`);
    }
    await sleep(1000);
  }
  await sleep(2000);
  clearInterval(rssTimer);

  // Each urge entry as the case recorded it: at (the workflow's clock when the step ran) − dueAt (the planned time).
  const { rows } = await pg.db.query<{ case_id: string; entry: Buffer }>("SELECT case_id, entry FROM case_facts WHERE case_id LIKE $1 AND type = 'urge'", [like]);
  const late: number[] = [];
  const lateClean: number[] = [];
  let wrongDue = 0;
  const tooCloseSet = new Set(tooClose);
  for (const r of rows) {
    const entry = await pg.sealer.unseal<TimelineEntry>(r.entry);
    const i = Number(r.case_id.split('-').at(-1));
    if (!entry.dueAt || Date.parse(entry.dueAt) !== dueOf(i)) wrongDue++;
    const l = Date.parse(entry.at) - Date.parse(entry.dueAt ?? entry.at);
    late.push(l);
    if (!tooCloseSet.has(r.case_id)) lateClean.push(l);
  }
  const missing = registeredAt.size - rows.length;
  const s = stats(late);
  const within = (ms: number): number => late.filter((l) => l <= ms).length;
  const cpu = cpuAfter ? { worker: (cpuAfter.worker - cpuAt.worker) / ((cpuAfter.t - cpuAt.t) / 1000), server: (cpuAfter.server - cpuAt.server) / ((cpuAfter.t - cpuAt.t) / 1000) } : null;
  const workerAlive = isRunning(worker);
  const result = {
    when: new Date().toISOString(),
    cases: CASES,
    registered: registeredAt.size,
    failed: failures.length,
    registrationSeconds: +(intakeMs / 1000).toFixed(1),
    registrationPerSecond: +((registeredAt.size * 1000) / intakeMs).toFixed(1),
    minute: new Date(minute).toISOString(),
    spreadMs: SPREAD_MS,
    openingsRecordedAtMinute: openingsAtMinute,
    registeredWithin20sOfUrge: tooClose.length,
    urgesRecorded: rows.length,
    urgesMissing: missing,
    urgeWithUnplannedDueAt: wrongDue,
    latenessMs: { ...s, min: late.length ? Math.min(...late) : null, p90: pct(late, 90) },
    latenessRegisteredAheadMs: stats(lateClean),
    withinMs: { 100: within(100), 500: within(500), 1000: within(1000), 2000: within(2000), 5000: within(5000) },
    workerRssPeakMb: mb(rssPeak),
    workerRssPeakInMinuteMb: mb(rssPeakInMinute),
    workerRssMedianMb: rssSamples.length ? mb(pct(rssSamples, 50)!) : null,
    cpuInMinute: cpu ? { worker: +cpu.worker.toFixed(2), devServer: +cpu.server.toFixed(2) } : null,
    workerAliveAtEnd: workerAlive,
    settings: tuning,
    loadAverageAtEnd: load(),
  };
  const rowsOut: [string, string][] = [
    ['registered (raw starts, API input)', `${result.registered} of ${CASES} in ${result.registrationSeconds} s (${result.registrationPerSecond} cases/s), ${result.failed} failed`],
    ['urge due', `${result.minute} + ${SPREAD_MS / 1000} s; ${openingsAtMinute} of ${result.registered} openings recorded when the minute began; ${tooClose.length} registered < ${MIN_AHEAD_MS / 1000} s before their urge`],
    ['urges recorded', `${rows.length} (missing ${missing}, dueAt other than planned ${wrongDue})`],
    ['urge lateness, at − dueAt', `p50 ${fmtMs(s.p50)}, p99 ${fmtMs(s.p99)}, max ${fmtMs(s.max)} (min ${fmtMs(result.latenessMs.min)}, p90 ${fmtMs(result.latenessMs.p90)})`],
    ['within 100 ms / 500 ms / 1 s / 2 s / 5 s', `${result.withinMs[100]} / ${result.withinMs[500]} / ${result.withinMs[1000]} / ${result.withinMs[2000]} / ${result.withinMs[5000]} of ${late.length}`],
    ['worker RSS peak / in the minute / median', `${result.workerRssPeakMb} / ${result.workerRssPeakInMinuteMb} / ${result.workerRssMedianMb ?? '—'} MB`],
    ['CPU in the minute (cores)', cpu ? `worker ${result.cpuInMinute!.worker}, dev server ${result.cpuInMinute!.devServer}` : '—'],
  ];
  console.log('');
  const width = Math.max(...rowsOut.map(([k]) => k.length));
  for (const [k, v] of rowsOut) console.log(`  ${k.padEnd(width)}  ${v}`);
  console.log(`  target (issue 15 item 4, 2,000 cases): p99 ≤ 1 s — ${s.p99 !== null && s.p99 <= 1000 && missing === 0 ? 'met' : 'not met'}`);
  console.log(`\n  logs: ${logDir}`);
  console.log(`BENCH_LATENESS_JSON ${JSON.stringify(result)}`);
}

try {
  await main();
} catch (err) {
  console.error(`bench:lateness failed: ${(err as Error).stack ?? String(err)}`);
  console.error(`logs: ${logDir}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
process.exit(process.exitCode ?? 0);
