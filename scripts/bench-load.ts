// Load benchmark: N seconds-scale ladders at once through the HTTP API, end to end, with the worker as a child process.
//
//   the Temporal dev server (.venv, own SQLite file in WAL mode, free ports), a PostgreSQL of its own (openBenchRecords),
//   a Twilio-shaped peer on 127.0.0.1 answering every SMS after 300 ms, K worker processes (`node --import tsx
//   worker.ts`) and the API process (api.ts); then N notices POSTed (50 at a time), a share of them reporting arrival
//   at a random moment before the deadline. What the peer received and the cases' timelines are compared with the
//   ladder the pinned policy plans (src/ladder.ts plan): lost, duplicated, sent after arrival, lateness, intake rate,
//   worker RSS. With --kill-worker-every the worker is SIGKILLed and restarted at that interval during the run.
//
// Run: npm run bench:load -- [--cases 1000] [--arrive-share 0.3] [--kill-worker-every 10s] [--workers 1]
//        [--duration 15m] [--concurrency 50] [--units 10] [--sms-delay 300ms] [--keep]
// Only loopback traffic: every child gets a clean environment (no SMTP / robot / Twilio settings but the local peer).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from '../src/config.js';
import { generateKey } from '../src/codec.js';
import { LEVELS, type Level } from '../src/domain.js';
import { deadlineFor } from '../src/ladder.js';
import type { CaseView } from '../src/messages.js';
import { parsePolicy, type Policy } from '../src/policy.js';
import { openBenchRecords } from './benchDatabase.js';
import { benchDirectory, benchLog, countLogLines, durationOpt, fmtMs, intOpt, load, mb, pct, pool, ProcessSet, sampleRss, sleep, startDevServer, stats, waitFor, WorkerSlots, freePort, type BenchUnit, type Proc } from './benchStack.js';
import { LOAD_TWILIO_FROM, LOAD_TWILIO_SID, LOAD_TWILIO_TOKEN, startLoadTwilioPeer, type PeerSms } from './loadPeer.js';
import { computeExpectations, reconcile, type Expectation } from './reconcile.js';

// --- options -------------------------------------------------------------------------------------------------------

const { values: opt } = parseArgs({
  options: {
    cases: { type: 'string', default: '1000' },
    'arrive-share': { type: 'string', default: '0.3' },
    'kill-worker-every': { type: 'string' },
    workers: { type: 'string', default: '1' },
    duration: { type: 'string', default: '15m' },
    concurrency: { type: 'string', default: '50' },
    units: { type: 'string', default: '10' },
    'sms-delay': { type: 'string', default: '300ms' },
    keep: { type: 'boolean', default: false },
  },
  strict: true,
});

const CASES = intOpt('cases', opt.cases, 1);
const ARRIVE_SHARE = Number(opt['arrive-share']);
if (!(ARRIVE_SHARE >= 0 && ARRIVE_SHARE <= 1)) throw new Error('--arrive-share must be between 0 and 1');
const KILL_EVERY = opt['kill-worker-every'] ? durationOpt('kill-worker-every', opt['kill-worker-every']) : undefined;
const WORKERS = intOpt('workers', opt.workers, 1);
const CAP_MS = durationOpt('duration', opt.duration);
const CONCURRENCY = intOpt('concurrency', opt.concurrency, 1);
const UNITS = intOpt('units', opt.units, 1);
const SMS_DELAY = durationOpt('sms-delay', opt['sms-delay']);
/** A step due this close before the arrival was recorded may rightly never run (the arrival came first). */
const ARRIVAL_GRACE_MS = 1000;
/** After the last message expected, wait this long for repeats: a SIGKILLed attempt is retried after its heartbeat timeout (10 s). */
const QUIET_MS = 12_000;
/** Nothing accepted for this long once every step was due: what is still missing will not come (a step that never ran). */
const STALL_MS = 60_000;
const NAMESPACE = 'duban-load';
const TASK_QUEUE = 'duban-load';
const INTAKE_KEY = 'dev-intake-key';
const SUPERVISOR_KEY = 'dev-supervisor-key';

const benchStart = Date.now();
const hardEnd = benchStart + CAP_MS;
const log = benchLog(benchStart);

// --- files: policy, directory ----------------------------------------------------------------------------------------

const tmp = mkdtempSync(join(tmpdir(), 'duban-bench-load-'));
const logDir = join(tmp, 'logs');
mkdirSync(logDir);
const dataDir = join(tmp, 'data');
mkdirSync(dataDir);
const run = Date.now().toString(36);

// The seconds-scale policy: config/policy.demo.json's ladder (district 15 s, city 20 s, Beijing 30 s, closure report
// 20 s; reminders, 催办 → 督办 → deduction seconds apart), pinned under its own version.
const policyFile = join(tmp, 'policy.json');
const demo = JSON.parse(readFileSync(join(ROOT, 'config/policy.demo.json'), 'utf8')) as Record<string, unknown>;
writeFileSync(policyFile, JSON.stringify({ ...demo, version: `bench-load.${run}` }, null, 2));
const policy: Policy = parsePolicy(JSON.parse(readFileSync(policyFile, 'utf8')), policyFile);

// UNITS units, each with a principal and a leader in charge reached by SMS (then e-mail) and a contact by e-mail;
// e-mail has no SMTP here, so it goes to the outbox under the temporary data dir. Phones are fake and unique.
const { directory, units } = benchDirectory(UNITS);
const directoryFile = join(tmp, 'units.json');
writeFileSync(directoryFile, JSON.stringify(directory, null, 2));

// --- processes ---------------------------------------------------------------------------------------------------------

const procs = new ProcessSet(log);

let pg: Awaited<ReturnType<typeof openBenchRecords>> | undefined;
let peerClose: (() => Promise<void>) | undefined;
async function cleanup(): Promise<void> {
  // Workers and API first, the dev server after them.
  await procs.stopAll();
  await peerClose?.();
  await pg?.close();
  if (!opt.keep) {
    // The logs stay for reading (small); the databases, outbox and documents go.
    for (const d of ['data', 'temporal.db', 'temporal.db-wal', 'temporal.db-shm']) rmSync(join(tmp, d), { recursive: true, force: true });
  }
}
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));

// --- the run -----------------------------------------------------------------------------------------------------------

interface BenchCase {
  i: number;
  caseId: string;
  level: Level;
  unit: BenchUnit;
  receivedAt: number;
  registeredAt: number;
  postMs: number;
  arrive: boolean;
  arrival?: { arrivedAt: number; reportedAt: number; postMs: number };
  arrivalError?: string;
  view?: CaseView;
}

const cases: BenchCase[] = [];
const kills: number[] = [];
let workerStarts: { startedAt: number; readyMs?: number }[] = [];
const rss: { worker: number[]; api: number[] } = { worker: [], api: [] };
let rssPeak = { worker: 0, api: 0 };

async function main(): Promise<void> {
  console.log(
    `bench:load — ${CASES} cases, arrive share ${ARRIVE_SHARE}, ${WORKERS} worker process(es)${KILL_EVERY ? `, SIGKILL + restart a worker every ${KILL_EVERY / 1000} s` : ''}, ` +
      `SMS peer delay ${SMS_DELAY} ms, intake concurrency ${CONCURRENCY}, ${UNITS} units, cap ${CAP_MS / 1000} s`,
  );
  console.log(`machine: ${availableParallelism()} CPUs, load average ${load()}; dev server, PostgreSQL, worker(s), API, peer and this script all run here`);
  console.log(`files and logs: ${tmp}`);

  const peer = await startLoadTwilioPeer(SMS_DELAY);
  peerClose = () => peer.close();
  pg = await openBenchRecords(undefined, 2);
  log(`PostgreSQL ready (${pg.url.replace(/\/\/[^@]*@/, '//')})`);

  const server = await startDevServer(procs, { dbFile: join(tmp, 'temporal.db'), logFile: join(logDir, 'temporal.log'), namespace: NAMESPACE, home: process.env.HOME ?? tmp });
  const address = server.address;
  const apiPort = await freePort();
  log(`Temporal dev server ready on ${address}`);

  const apiUrl = `http://127.0.0.1:${apiPort}`;
  // A clean environment: nothing from the caller's shell reaches a provider; the only SMS provider is the local peer.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmp,
    LANG: 'C.UTF-8',
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: NAMESPACE,
    DUBAN_TASK_QUEUE: TASK_QUEUE,
    DUBAN_DATABASE_URL: pg.url,
    DUBAN_POLICY_FILE: policyFile,
    DUBAN_DIRECTORY_FILE: directoryFile,
    DUBAN_DATA_DIR: dataDir,
    DUBAN_CODEC_KEYS: JSON.stringify({ current: 'load1', keys: { load1: generateKey() } }),
    TWILIO_ACCOUNT_SID: LOAD_TWILIO_SID,
    TWILIO_AUTH_TOKEN: LOAD_TWILIO_TOKEN,
    TWILIO_FROM: LOAD_TWILIO_FROM,
    TWILIO_API_BASE_URL: peer.baseUrl,
    // Each SMS then carries StatusCallback <api>/twilio/status?caseId&key&recipientId: the peer reads which step it is.
    // The peer never calls it back.
    DUBAN_PUBLIC_URL: apiUrl,
    DUBAN_API_HOST: '127.0.0.1',
    DUBAN_API_PORT: String(apiPort),
    // Every ladder of the burst stays cached, as before the worker's cache had a default bound (250).
    DUBAN_WORKER_MAX_CACHED_WORKFLOWS: process.env.DUBAN_WORKER_MAX_CACHED_WORKFLOWS ?? '2000',
  };

  const slots = new WorkerSlots(procs, env, logDir);
  workerStarts = slots.starts;
  const api: Proc = procs.launch('API', process.execPath, ['--import', 'tsx', join(ROOT, 'api.ts')], env, join(logDir, 'api.log'));
  for (let k = 0; k < WORKERS; k++) slots.start(k);

  const rssTimer = setInterval(() => {
    const total = slots.rss();
    if (total > 0) rss.worker.push(total);
    const a = sampleRss(api.child.pid);
    if (a !== null) rss.api.push(a);
    rssPeak = { worker: Math.max(rssPeak.worker, total), api: Math.max(rssPeak.api, a ?? 0) };
  }, 1000);

  await waitFor('API /readyz', async () => {
    try {
      return (await fetch(`${apiUrl}/readyz`)).status === 200;
    } catch {
      return false;
    }
  }, 90_000);
  await waitFor('worker start', () => slots.allReady(), 120_000);
  log(`API on ${apiUrl} and ${WORKERS} worker(s) ready (worker start-up ${workerStarts.map((s) => fmtMs(s.readyMs ?? null)).join(', ')})`);

  // Kills: SIGKILL one worker (round robin), restart it at once; stopped when the last planned step is due.
  let killing = KILL_EVERY !== undefined;
  const killer = (async () => {
    if (!KILL_EVERY) return;
    for (let n = 0; ; n++) {
      await sleep(KILL_EVERY);
      if (!killing) return;
      kills.push(Date.now());
      await slots.killAndRestart(n % WORKERS);
    }
  })();

  // Intake: N notices, CONCURRENCY at a time; 503 and refused connections are retried (a repeated create is idempotent).
  const arriveSet = new Set<number>();
  const order = Array.from({ length: CASES }, (_, i) => i).sort(() => Math.random() - 0.5);
  for (const i of order.slice(0, Math.round(CASES * ARRIVE_SHARE))) arriveSet.add(i);
  let intakeRetries = 0;
  const intakeFailures: string[] = [];
  const arrivals: Promise<void>[] = [];
  const arrivalQueue = { running: 0 };
  let arrivalRetries = 0;

  const post = async (path: string, key: string, body: unknown): Promise<{ status: number; json: unknown; text: string }> => {
    const res = await fetch(`${apiUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    let json: unknown = undefined;
    try {
      json = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, json, text };
  };

  const reportArrival = async (c: BenchCase, atMs: number): Promise<void> => {
    await sleep(Math.max(0, atMs - Date.now()));
    while (arrivalQueue.running >= CONCURRENCY) await sleep(20);
    arrivalQueue.running++;
    try {
      for (let attempt = 0; ; attempt++) {
        const began = Date.now();
        const arrivedAt = new Date(began).toISOString();
        try {
          const r = await post(`/cases/${encodeURIComponent(c.caseId)}/arrival`, SUPERVISOR_KEY, { leaderId: c.unit.principal, arrivedAt, note: '压测：到达' });
          if (r.status === 200) {
            const view = r.json as CaseView;
            const entry = view.timeline.find((e) => e.type === 'arrival');
            const reportedAt = Date.parse(String(entry?.detail?.reportedAt ?? arrivedAt));
            c.arrival = { arrivedAt: Date.parse(view.arrival?.arrivedAt ?? arrivedAt), reportedAt, postMs: Date.now() - began };
            return;
          }
          // 503: may have been applied; a repeat then answers 409 "already reported", and the case says when.
          if (r.status === 409 && attempt > 0) {
            const res = await fetch(`${apiUrl}/cases/${encodeURIComponent(c.caseId)}`, { headers: { authorization: `Bearer ${SUPERVISOR_KEY}` } });
            const view = (await res.json()) as CaseView;
            const entry = view.timeline.find((e) => e.type === 'arrival');
            if (entry && view.arrival) {
              c.arrival = { arrivedAt: Date.parse(view.arrival.arrivedAt), reportedAt: Date.parse(String(entry.detail?.reportedAt ?? entry.at)), postMs: Date.now() - began };
              return;
            }
          }
          if (r.status !== 503 || attempt >= 10) {
            c.arrivalError = `${r.status} ${r.text.slice(0, 200)}`;
            return;
          }
        } catch (err) {
          if (attempt >= 10) {
            c.arrivalError = (err as Error).message;
            return;
          }
        }
        arrivalRetries++;
        await sleep(1000);
      }
    } finally {
      arrivalQueue.running--;
    }
  };

  const intakeBegan = Date.now();
  await pool(CASES, CONCURRENCY, async (i) => {
    const level = LEVELS[i % LEVELS.length]!;
    const unit = units[i % units.length]!;
    const noticeId = `LOAD-${run}-${i}`;
    const receivedAt = Date.now();
    const notice = { noticeId, level, receivedAt: new Date(receivedAt).toISOString(), unitId: unit.id, receptionSite: level === 'district' ? '区信访局' : level === 'city' ? '市信访局' : '国家信访局', headcount: 3, matterSummary: '压测：欠薪' };
    const began = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await post('/cases', INTAKE_KEY, notice);
        if (r.status === 201 || r.status === 200) {
          const view = r.json as CaseView;
          const registered = view.timeline.find((e) => e.type === 'registered');
          const c: BenchCase = { i, caseId: view.caseId, level, unit, receivedAt, registeredAt: Date.parse(registered?.at ?? new Date(receivedAt).toISOString()), postMs: Date.now() - began, arrive: arriveSet.has(i) };
          cases.push(c);
          if (c.arrive) {
            // A random moment between 1 s after receipt and 1 s before the deadline (at once when that has passed).
            const deadline = deadlineFor(policy, 'arrival', level, receivedAt);
            const at = receivedAt + 1000 + Math.random() * Math.max(0, deadline - receivedAt - 2000);
            arrivals.push(reportArrival(c, at));
          }
          return;
        }
        if (r.status !== 503 || attempt >= 10) {
          intakeFailures.push(`${noticeId}: ${r.status} ${r.text.slice(0, 200)}`);
          return;
        }
      } catch (err) {
        if (attempt >= 10) {
          intakeFailures.push(`${noticeId}: ${(err as Error).message}`);
          return;
        }
      }
      intakeRetries++;
      await sleep(1000);
    }
  });
  const intakeMs = Date.now() - intakeBegan;
  log(`intake: ${cases.length} of ${CASES} cases in ${(intakeMs / 1000).toFixed(1)} s (${((cases.length * 1000) / intakeMs).toFixed(1)} cases/s), ${intakeRetries} retries, ${intakeFailures.length} failed; load ${load()}`);
  await Promise.all(arrivals);
  log(`arrivals: ${cases.filter((c) => c.arrival).length} of ${arriveSet.size} reported, ${cases.filter((c) => c.arrivalError).length} refused or failed, ${arrivalRetries} retries`);

  // What the pinned policy plans for each case: the messages that must reach the peer (step × leader), by key.
  const expectation = computeExpectations(policy, cases, (c) => [c.unit.principal, c.unit.inCharge], ARRIVAL_GRACE_MS);
  const lastDue = Math.max(...[...expectation.expected.values()].map((e) => e.dueAt));
  log(`expected: ${expectation.expected.size} SMS (${expectation.steps.length} steps × the unit's two leaders); last due in ${((lastDue - Date.now()) / 1000).toFixed(1)} s`);

  const accepted = (): PeerSms[] => peer.messages.filter((m) => m.status === 201);
  const missing = (): number => {
    const got = new Set(accepted().map((m) => `${m.caseId}|${m.key}|${m.recipientId}`));
    let n = 0;
    for (const k of expectation.expected.keys()) if (!got.has(k)) n++;
    return n;
  };
  // Wait until every planned step is due, then (kills stopped) until every expected message came or the cap.
  let lastReport = 0;
  while (Date.now() < lastDue + 2000 && Date.now() < hardEnd) {
    if (Date.now() - lastReport > 15_000) {
      lastReport = Date.now();
      log(`running: ${accepted().length} SMS accepted, ${peer.inFlight().now} in flight at the peer; load ${load()}`);
    }
    await sleep(500);
  }
  killing = false;
  await killer;
  let settledAt: number | undefined;
  let seen = -1;
  let changedAt = Date.now();
  for (;;) {
    const m = missing();
    if (m === 0 && settledAt === undefined) settledAt = Date.now();
    if (settledAt !== undefined && Date.now() - settledAt >= QUIET_MS) break;
    const n = accepted().length;
    if (n !== seen) [seen, changedAt] = [n, Date.now()];
    if (m > 0 && Date.now() - changedAt >= STALL_MS) {
      log(`nothing accepted for ${STALL_MS / 1000} s with ${m} expected SMS missing: drain over`);
      break;
    }
    if (Date.now() >= hardEnd) {
      log(`cap of ${CAP_MS / 1000} s reached with ${m} expected SMS still missing`);
      break;
    }
    if (Date.now() - lastReport > 15_000) {
      lastReport = Date.now();
      log(`draining: ${m} expected SMS not yet accepted, ${peer.inFlight().now} in flight; load ${load()}`);
    }
    await sleep(500);
  }
  const observedUntil = Date.now();
  log(`observation over: ${accepted().length} SMS accepted; reading ${cases.length} cases`);

  // The cases as the API shows them.
  const readFailures: string[] = [];
  await pool(cases.length, 20, async (n) => {
    const c = cases[n]!;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const res = await fetch(`${apiUrl}/cases/${encodeURIComponent(c.caseId)}`, { headers: { authorization: `Bearer ${SUPERVISOR_KEY}` } });
        if (res.status === 200) {
          c.view = (await res.json()) as CaseView;
          return;
        }
        if (attempt === 4) readFailures.push(`${c.caseId}: ${res.status}`);
      } catch (err) {
        if (attempt === 4) readFailures.push(`${c.caseId}: ${(err as Error).message}`);
      }
      await sleep(1000);
    }
  });
  clearInterval(rssTimer);

  const report = analyse({ expectation, messages: peer.messages, observedUntil, intakeMs, intakeRetries, intakeFailures, arrivalRetries, readFailures, peerMaxInFlight: peer.inFlight().max });
  printReport(report);
}

// --- analysis --------------------------------------------------------------------------------------------------------

interface AnalyseInput {
  expectation: Expectation<BenchCase>;
  messages: PeerSms[];
  observedUntil: number;
  intakeMs: number;
  intakeRetries: number;
  intakeFailures: string[];
  arrivalRetries: number;
  readFailures: string[];
  peerMaxInFlight: number;
}

function analyse(input: AnalyseInput) {
  const { expectation, messages } = input;
  const accepted = messages.filter((m) => m.status === 201);
  const r = reconcile({ expectation, cases, received: accepted.map((m) => ({ ...m, channel: 'sms' })), kills, graceMs: ARRIVAL_GRACE_MS });

  const workerLogs = Array.from({ length: WORKERS }, (_, k) => countLogLines(join(logDir, `worker-${k + 1}.log`)));
  const apiLog = countLogLines(join(logDir, 'api.log'));
  const temporalLog = countLogLines(join(logDir, 'temporal.log'));
  const intakeLat = cases.map((c) => c.postMs);
  const arrivalLat = cases.flatMap((c) => (c.arrival ? [c.arrival.postMs] : []));
  return {
    machine: { cpus: availableParallelism(), loadAverageAtEnd: load() },
    options: { cases: CASES, arriveShare: ARRIVE_SHARE, workers: WORKERS, killWorkerEveryMs: KILL_EVERY ?? null, smsDelayMs: SMS_DELAY, concurrency: CONCURRENCY, units: UNITS, policy: policy.version },
    intake: {
      created: cases.length,
      failed: input.intakeFailures.length,
      retries: input.intakeRetries,
      seconds: +(input.intakeMs / 1000).toFixed(1),
      casesPerSecond: +((cases.length * 1000) / input.intakeMs).toFixed(1),
      latencyMs: stats(intakeLat),
      failures: input.intakeFailures.slice(0, 5),
    },
    arrivals: { planned: cases.filter((c) => c.arrive).length, reported: arrivalLat.length, failed: cases.filter((c) => c.arrivalError).length, retries: input.arrivalRetries, latencyMs: stats(arrivalLat), failures: cases.flatMap((c) => (c.arrivalError ? [`${c.caseId}: ${c.arrivalError}`] : [])).slice(0, 5) },
    sms: {
      requests: messages.length,
      accepted: accepted.length,
      expected: expectation.expected.size,
      lost: r.lost,
      lostStepNeverRan: r.lostStepNeverRan,
      lostExamples: r.lostExamples,
      duplicated: r.duplicated,
      duplicatedInKillWindow: r.duplicatedInKillWindow,
      duplicatedOutsideKillWindow: r.duplicatedOutsideKillWindow,
      duplicateExamples: r.duplicateExamples,
      sentAfterArrival: r.sentAfterArrival,
      sentAfterArrivalStepStartedBefore: r.sentAfterArrivalStepStartedBefore,
      sentAfterArrivalStepStartedAfter: r.sentAfterArrivalStepStartedAfter,
      afterArrivalExamples: r.afterArrivalExamples,
      unexpected: r.unexpected,
      unexpectedExamples: r.unexpectedExamples,
      peerMaxInFlight: input.peerMaxInFlight,
    },
    lateness: { timelineStepMs: r.timelineStepMs, stepsInTimelines: r.stepsInTimelines, smsAfterDueMs: r.smsAfterDueMs, alertSmsAfterRegistrationMs: r.alertSmsAfterRegistrationMs },
    workers: {
      rssPeakMb: mb(rssPeak.worker),
      rssLastMb: rss.worker.length ? mb(rss.worker[rss.worker.length - 1]!) : null,
      rssP50Mb: rss.worker.length ? mb(pct(rss.worker, 50)!) : null,
      apiRssPeakMb: mb(rssPeak.api),
      kills: kills.length,
      starts: workerStarts.length,
      startupMs: stats(workerStarts.flatMap((s) => (s.readyMs !== undefined ? [s.readyMs] : []))),
    },
    logs: { dir: logDir, workers: workerLogs, api: apiLog, temporal: temporalLog },
    readFailures: input.readFailures.slice(0, 5),
    observedSeconds: +((input.observedUntil - benchStart) / 1000).toFixed(1),
    when: new Date().toISOString(),
  };
}

function printReport(r: ReturnType<typeof analyse>): void {
  const rows: [string, string][] = [
    ['cases created (API)', `${r.intake.created} of ${r.options.cases} (${r.intake.failed} failed, ${r.intake.retries} retries on 503)`],
    ['intake rate', `${r.intake.casesPerSecond} cases/s (${r.intake.seconds} s, ${r.options.concurrency} concurrent)`],
    ['intake latency p50 / p99 / max', `${fmtMs(r.intake.latencyMs.p50)} / ${fmtMs(r.intake.latencyMs.p99)} / ${fmtMs(r.intake.latencyMs.max)}`],
    ['arrivals reported', `${r.arrivals.reported} of ${r.arrivals.planned} (${r.arrivals.failed} failed, ${r.arrivals.retries} retries); p50 ${fmtMs(r.arrivals.latencyMs.p50)}, p99 ${fmtMs(r.arrivals.latencyMs.p99)}`],
    ['SMS expected / accepted', `${r.sms.expected} / ${r.sms.accepted} (${r.sms.requests} requests; peer max ${r.sms.peerMaxInFlight} in flight)`],
    ['lost (due, never sent)', `${r.sms.lost} (of which step never ran: ${r.sms.lostStepNeverRan})`],
    ['duplicated', `${r.sms.duplicated}${r.workers.kills ? ` (within 1.5 s before a kill: ${r.sms.duplicatedInKillWindow}; outside: ${r.sms.duplicatedOutsideKillWindow})` : ''}`],
    ['sent > 1 s after arrival', `${r.sms.sentAfterArrival} (step started before the arrival: ${r.sms.sentAfterArrivalStepStartedBefore}; after: ${r.sms.sentAfterArrivalStepStartedAfter})`],
    ['unexpected (not planned)', `${r.sms.unexpected}`],
    ['step lateness, timeline at − dueAt', `p50 ${fmtMs(r.lateness.timelineStepMs.p50)}, p99 ${fmtMs(r.lateness.timelineStepMs.p99)}, max ${fmtMs(r.lateness.timelineStepMs.max)} (${r.lateness.stepsInTimelines} steps)`],
    ['step lateness, SMS at peer − dueAt', `p50 ${fmtMs(r.lateness.smsAfterDueMs.p50)}, p99 ${fmtMs(r.lateness.smsAfterDueMs.p99)}, max ${fmtMs(r.lateness.smsAfterDueMs.max)} (${r.lateness.smsAfterDueMs.n} messages)`],
    ['alert, registration → SMS at peer', `p50 ${fmtMs(r.lateness.alertSmsAfterRegistrationMs.p50)}, p99 ${fmtMs(r.lateness.alertSmsAfterRegistrationMs.p99)}, max ${fmtMs(r.lateness.alertSmsAfterRegistrationMs.max)}`],
    ['worker RSS peak / median / last', `${r.workers.rssPeakMb} / ${r.workers.rssP50Mb ?? '—'} / ${r.workers.rssLastMb ?? '—'} MB (sum over ${r.options.workers} process(es)); API peak ${r.workers.apiRssPeakMb} MB`],
    ['worker kills / starts', `${r.workers.kills} / ${r.workers.starts}; start-up to polling p50 ${fmtMs(r.workers.startupMs.p50)}, max ${fmtMs(r.workers.startupMs.max)}`],
    ['worker log warn / error lines', r.logs.workers.map((l) => `${l.warn} / ${l.error}`).join('; ')],
    ['API log warn / error lines', `${r.logs.api.warn} / ${r.logs.api.error}`],
  ];
  console.log('');
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
  const examples: [string, string[]][] = [
    ['lost', r.sms.lostExamples],
    ['duplicated', r.sms.duplicateExamples],
    ['sent after arrival', r.sms.afterArrivalExamples],
    ['unexpected', r.sms.unexpectedExamples],
    ['intake failures', r.intake.failures],
    ['arrival failures', r.arrivals.failures],
    ['case reads failed', r.readFailures],
  ];
  for (const [what, list] of examples) if (list.length) console.log(`\n  ${what}, e.g.:\n${list.map((l) => `    ${l}`).join('\n')}`);
  r.logs.workers.forEach((l, k) => {
    if (l.top.length) console.log(`\n  worker ${k + 1} log, most frequent warnings and errors:\n${l.top.map(([m, n]) => `    ${String(n).padStart(5)} × ${m}`).join('\n')}`);
  });
  if (r.logs.api.top.length) console.log(`\n  API log, most frequent warnings and errors:\n${r.logs.api.top.map(([m, n]) => `    ${String(n).padStart(5)} × ${m}`).join('\n')}`);
  if (r.workers.kills) {
    console.log(
      '\n  Kills: a SIGKILLed worker cannot record what it sent in its last moments. docs/alerts.md ("The remaining window"): a message the provider\n' +
        '  accepted before the progress reached the server (heartbeats at most every 1 s) is sent again by the retry, which starts when the\n' +
        "  heartbeat timeout (10 s) expires. Duplicates whose first copy came within 1.5 s before a kill are that window; others are not explained by it.",
    );
  }
  console.log(`\n  logs: ${r.logs.dir}`);
  console.log(`BENCH_LOAD_JSON ${JSON.stringify({ ...r, logs: { dir: r.logs.dir, workers: r.logs.workers.map(({ warn, error }) => ({ warn, error })), api: { warn: r.logs.api.warn, error: r.logs.api.error } } })}`);
}

try {
  await main();
} catch (err) {
  console.error(`bench:load failed: ${(err as Error).stack ?? String(err)}`);
  console.error(`logs: ${logDir}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
process.exit(process.exitCode ?? 0);
