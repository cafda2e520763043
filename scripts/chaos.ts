// Chaos run (issue 15 item 5): N seconds-scale ladders through the HTTP API while the worker is SIGKILLed every 30 s,
// the dev server is SIGKILLed and started again once, and the SMTP and Twilio-shaped peers refuse every connection for
// 2 minutes. Then the reconciler (scripts/reconcile.ts) compares what each case's pinned policy says must have
// happened with the cases' timelines, the ledger in PostgreSQL and what the SMTP and Twilio peers received.
//
//   the Temporal dev server (own SQLite file, WAL), a PostgreSQL of its own, a Twilio-shaped peer answering after
//   300 ms and a real SMTP peer (smtp-server) on 127.0.0.1, one worker process and the API; the cases are registered
//   evenly over the first 60 % of --duration, a share of them reporting arrival at a random moment before the deadline.
//   Leaders are reached by SMS, then e-mail; contacts and the supervisor by e-mail.
//
// Run: npm run chaos -- [--cases 1000] [--duration 10m] [--kill-worker-every 30s] [--server-kill-at 40%]
//        [--server-down 5s] [--refuse-at 20%] [--refuse-for 2m] [--arrive-share 0.3] [--drain 10m] [--keep]
//      a small run first: npm run chaos -- --cases 100 --duration 3m
// Only loopback traffic: every child gets a clean environment.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from '../src/config.js';
import { generateKey } from '../src/codec.js';
import type { PersonRole } from '../src/directory.js';
import { LEVELS, type Level } from '../src/domain.js';
import { deadlineFor } from '../src/ladder.js';
import type { CaseView } from '../src/messages.js';
import { AUDIENCE, type NotificationEvent } from '../src/notifications.js';
import { parsePolicy, type Policy } from '../src/policy.js';
import { openBenchRecords } from './benchDatabase.js';
import { benchDirectory, benchLog, countLogLines, durationOpt, fmtMs, freePort, intOpt, load, mb, pool, ProcessSet, sleep, startDevServer, waitFor, WorkerSlots, type BenchUnit } from './benchStack.js';
import { LOAD_SMTP_FROM, LOAD_TWILIO_FROM, LOAD_TWILIO_SID, LOAD_TWILIO_TOKEN, startLoadSmtpPeer, startLoadTwilioPeer } from './loadPeer.js';
import { computeExpectations, messageKey, reconcile, type Received, type StepKindOrAlert } from './reconcile.js';

const { values: opt } = parseArgs({
  options: {
    cases: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '10m' },
    'kill-worker-every': { type: 'string', default: '30s' },
    'server-kill-at': { type: 'string', default: '40%' },
    'server-down': { type: 'string', default: '5s' },
    'refuse-at': { type: 'string', default: '20%' },
    'refuse-for': { type: 'string', default: '2m' },
    'arrive-share': { type: 'string', default: '0.3' },
    units: { type: 'string', default: '10' },
    'sms-delay': { type: 'string', default: '300ms' },
    drain: { type: 'string', default: '10m' },
    keep: { type: 'boolean', default: false },
  },
  strict: true,
});
const CASES = intOpt('cases', opt.cases, 1);
const DURATION = durationOpt('duration', opt.duration);
const atOpt = (name: string, text: string): number => (text.endsWith('%') ? (Number(text.slice(0, -1)) / 100) * DURATION : durationOpt(name, text));
const KILL_EVERY = durationOpt('kill-worker-every', opt['kill-worker-every']);
const SERVER_KILL_AT = atOpt('server-kill-at', opt['server-kill-at']);
const SERVER_DOWN = durationOpt('server-down', opt['server-down']);
const REFUSE_AT = atOpt('refuse-at', opt['refuse-at']);
const REFUSE_FOR = durationOpt('refuse-for', opt['refuse-for']);
const ARRIVE_SHARE = Number(opt['arrive-share']);
if (!(ARRIVE_SHARE >= 0 && ARRIVE_SHARE <= 1)) throw new Error('--arrive-share must be between 0 and 1');
const UNITS = intOpt('units', opt.units, 1);
const SMS_DELAY = durationOpt('sms-delay', opt['sms-delay']);
const DRAIN = durationOpt('drain', opt.drain);
const INTAKE_OVER = 0.6 * DURATION;
const ARRIVAL_GRACE_MS = 1000;
const QUIET_MS = 15_000;
const STALL_MS = 60_000;
const NAMESPACE = 'duban-chaos';
const TASK_QUEUE = 'duban-chaos';
const SUPERVISOR_ID = 'load-supervisor';

const benchStart = Date.now();
const log = benchLog(benchStart);
const tmp = mkdtempSync(join(tmpdir(), 'duban-chaos-'));
const logDir = join(tmp, 'logs');
const dataDir = join(tmp, 'data');
mkdirSync(logDir);
mkdirSync(dataDir);
const run = Date.now().toString(36);

const policyFile = join(tmp, 'policy.json');
const demo = JSON.parse(readFileSync(join(ROOT, 'config/policy.demo.json'), 'utf8')) as Record<string, unknown>;
writeFileSync(policyFile, JSON.stringify({ ...demo, version: `chaos.${run}` }, null, 2));
const policy: Policy = parsePolicy(JSON.parse(readFileSync(policyFile, 'utf8')), policyFile);
const { directory, units } = benchDirectory(UNITS);
const directoryFile = join(tmp, 'units.json');
writeFileSync(directoryFile, JSON.stringify(directory, null, 2));

interface ChaosCase {
  caseId: string;
  level: Level;
  unit: BenchUnit;
  receivedAt: number;
  registeredAt: number;
  arrive: boolean;
  arrival?: { arrivedAt: number; reportedAt: number };
  arrivalError?: string;
  view?: CaseView;
}

/** Who hears a step, from the pinned policy's audience, as person IDs of the bench directory. */
function recipientsOf(c: ChaosCase, kind: StepKindOrAlert): string[] {
  const roles: readonly PersonRole[] = (policy.audience as Partial<Record<NotificationEvent, PersonRole[]>>)[kind as NotificationEvent] ?? AUDIENCE[kind as NotificationEvent];
  const byRole: Partial<Record<PersonRole, string>> = { principal: c.unit.principal, inCharge: c.unit.inCharge, contact: c.unit.contact, supervisor: SUPERVISOR_ID };
  return roles.flatMap((r) => (byRole[r] ? [byRole[r]] : []));
}

const procs = new ProcessSet(log);
let pg: Awaited<ReturnType<typeof openBenchRecords>> | undefined;
const closers: (() => Promise<void>)[] = [];
async function cleanup(): Promise<void> {
  await procs.stopAll();
  for (const c of closers) await c().catch(() => undefined);
  await pg?.close();
  if (!opt.keep) for (const d of ['data', 'temporal.db', 'temporal.db-wal', 'temporal.db-shm']) rmSync(join(tmp, d), { recursive: true, force: true });
}
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));

async function main(): Promise<void> {
  console.log(
    `chaos — ${CASES} cases over ${(INTAKE_OVER / 1000).toFixed(0)} s, window ${DURATION / 1000} s: worker SIGKILLed every ${KILL_EVERY / 1000} s, dev server SIGKILLed at ${(SERVER_KILL_AT / 1000).toFixed(0)} s ` +
      `(down ${SERVER_DOWN / 1000} s), SMTP and Twilio peers refuse from ${(REFUSE_AT / 1000).toFixed(0)} s for ${REFUSE_FOR / 1000} s; arrive share ${ARRIVE_SHARE}, ${UNITS} units, SMS answered after ${SMS_DELAY} ms`,
  );
  console.log(`machine: ${availableParallelism()} CPUs, load average ${load()}; files and logs: ${tmp}`);

  const twilio = await startLoadTwilioPeer(SMS_DELAY);
  closers.push(() => twilio.close());
  const smtp = await startLoadSmtpPeer();
  closers.push(() => smtp.close());
  pg = await openBenchRecords(undefined, 2);
  const server = await startDevServer(procs, { dbFile: join(tmp, 'temporal.db'), logFile: join(logDir, 'temporal.log'), namespace: NAMESPACE, home: process.env.HOME ?? tmp });
  log(`PostgreSQL, peers and Temporal dev server (${server.address}) ready`);
  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
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
    DUBAN_CODEC_KEYS: JSON.stringify({ current: 'chaos1', keys: { chaos1: generateKey() } }),
    TWILIO_ACCOUNT_SID: LOAD_TWILIO_SID,
    TWILIO_AUTH_TOKEN: LOAD_TWILIO_TOKEN,
    TWILIO_FROM: LOAD_TWILIO_FROM,
    TWILIO_API_BASE_URL: twilio.baseUrl,
    SMTP_HOST: smtp.host,
    SMTP_PORT: String(smtp.port),
    SMTP_FROM: LOAD_SMTP_FROM,
    DUBAN_PUBLIC_URL: apiUrl,
    DUBAN_API_HOST: '127.0.0.1',
    DUBAN_API_PORT: String(apiPort),
    DUBAN_WORKER_METRICS_PORT: '0',
    ...(process.env.DUBAN_WORKER_MAX_CACHED_WORKFLOWS ? { DUBAN_WORKER_MAX_CACHED_WORKFLOWS: process.env.DUBAN_WORKER_MAX_CACHED_WORKFLOWS } : {}),
  };
  const slots = new WorkerSlots(procs, env, logDir);
  procs.launch('API', process.execPath, ['--import', 'tsx', join(ROOT, 'api.ts')], env, join(logDir, 'api.log'));
  slots.start(0);
  await waitFor('API /readyz', async () => {
    try {
      return (await fetch(`${apiUrl}/readyz`)).status === 200;
    } catch {
      return false;
    }
  }, 90_000);
  await waitFor('worker start', () => slots.allReady(), 120_000);
  log(`API on ${apiUrl} and the worker ready`);

  let workerPeak = 0;
  const rssTimer = setInterval(() => (workerPeak = Math.max(workerPeak, slots.rss())), 1000);

  // --- the chaos ------------------------------------------------------------------------------------------------------
  const chaosStart = Date.now();
  const windowEnd = chaosStart + DURATION;
  const kills: number[] = [];
  let serverOutage: { killedAt: number; backAt?: number } | undefined;
  let refusal: { from: number; to?: number } | undefined;
  const at = (ms: number): Promise<void> => sleep(Math.max(0, chaosStart + ms - Date.now()));
  const killer = (async () => {
    for (let n = 1; chaosStart + n * KILL_EVERY < windowEnd; n++) {
      await at(n * KILL_EVERY);
      kills.push(Date.now());
      await slots.killAndRestart(0);
    }
  })();
  const serverChaos = (async () => {
    await at(SERVER_KILL_AT);
    serverOutage = { killedAt: Date.now() };
    log('dev server SIGKILLed');
    await server.kill();
    await sleep(SERVER_DOWN);
    await server.start();
    serverOutage.backAt = Date.now();
    log(`dev server back after ${((serverOutage.backAt - serverOutage.killedAt) / 1000).toFixed(1)} s`);
  })();
  const peerChaos = (async () => {
    await at(REFUSE_AT);
    refusal = { from: Date.now() };
    await Promise.all([twilio.refuse(true), smtp.refuse(true)]);
    log(`SMTP and Twilio peers refuse connections for ${REFUSE_FOR / 1000} s`);
    await sleep(REFUSE_FOR);
    await Promise.all([twilio.refuse(false), smtp.refuse(false)]);
    refusal.to = Date.now();
    log('SMTP and Twilio peers accept again');
  })();

  // --- intake and arrivals through the API (retried while the server or the API is down) ----------------------------
  const cases: ChaosCase[] = [];
  let intakeRetries = 0;
  let arrivalRetries = 0;
  const intakeFailures: string[] = [];
  const arrivals: Promise<void>[] = [];
  const request = async (method: string, path: string, key: string, body?: unknown): Promise<{ status: number; json: unknown; text: string }> => {
    const res = await fetch(`${apiUrl}${path}`, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, json, text };
  };
  const reportArrival = async (c: ChaosCase, atMs: number): Promise<void> => {
    await sleep(Math.max(0, atMs - Date.now()));
    for (let attempt = 0; attempt < 60; attempt++) {
      try {
        const r = await request('POST', `/cases/${encodeURIComponent(c.caseId)}/arrival`, 'dev-supervisor-key', { leaderId: c.unit.principal, arrivedAt: new Date().toISOString(), note: '压测：到达' });
        // 409 after a retry: the first attempt was applied; the case says when.
        const view = r.status === 200 ? (r.json as CaseView) : r.status === 409 && attempt > 0 ? ((await request('GET', `/cases/${encodeURIComponent(c.caseId)}`, 'dev-supervisor-key')).json as CaseView) : undefined;
        const entry = view?.timeline.find((e) => e.type === 'arrival');
        if (view?.arrival && entry) {
          c.arrival = { arrivedAt: Date.parse(view.arrival.arrivedAt), reportedAt: Date.parse(String(entry.detail?.reportedAt ?? entry.at)) };
          return;
        }
        if (r.status !== 503 && r.status !== 502 && r.status !== 504) {
          c.arrivalError = `${r.status} ${r.text.slice(0, 200)}`;
          return;
        }
      } catch {
        /* refused: retried */
      }
      arrivalRetries++;
      await sleep(1000);
    }
    c.arrivalError = 'gave up after 60 attempts';
  };
  const arriveSet = new Set(Array.from({ length: CASES }, (_, i) => i).sort(() => Math.random() - 0.5).slice(0, Math.round(CASES * ARRIVE_SHARE)));
  const intake = pool(CASES, 50, async (i) => {
    await at((i * INTAKE_OVER) / CASES);
    const level = LEVELS[i % LEVELS.length]!;
    const unit = units[i % units.length]!;
    const noticeId = `CHAOS-${run}-${i}`;
    const receivedAt = Date.now();
    const notice = { noticeId, level, receivedAt: new Date(receivedAt).toISOString(), unitId: unit.id, receptionSite: '市信访局', headcount: 3, matterSummary: '压测：欠薪' };
    for (let attempt = 0; attempt < 60; attempt++) {
      try {
        const r = await request('POST', '/cases', 'dev-intake-key', notice);
        if (r.status === 201 || r.status === 200) {
          const view = r.json as CaseView;
          const registered = view.timeline.find((e) => e.type === 'registered');
          const c: ChaosCase = { caseId: view.caseId, level, unit, receivedAt, registeredAt: Date.parse(registered?.at ?? notice.receivedAt), arrive: arriveSet.has(i) };
          cases.push(c);
          if (c.arrive) {
            const deadline = deadlineFor(policy, 'arrival', level, receivedAt);
            arrivals.push(reportArrival(c, receivedAt + 1000 + Math.random() * Math.max(0, deadline - receivedAt - 2000)));
          }
          return;
        }
        if (r.status !== 503 && r.status !== 502 && r.status !== 504) {
          intakeFailures.push(`${noticeId}: ${r.status} ${r.text.slice(0, 200)}`);
          return;
        }
      } catch {
        /* refused: retried */
      }
      intakeRetries++;
      await sleep(1000);
    }
    intakeFailures.push(`${noticeId}: gave up after 60 attempts`);
  });

  let lastReport = 0;
  const progress = (what: string): void => {
    if (Date.now() - lastReport < 15_000) return;
    lastReport = Date.now();
    log(`${what}: ${cases.length} cases registered, ${twilio.messages.filter((m) => m.status === 201).length} SMS and ${smtp.mails.length} e-mails accepted, ${kills.length} worker kills; load ${load()}`);
  };
  while (Date.now() < windowEnd) {
    progress('chaos');
    await sleep(1000);
  }
  await Promise.all([intake, killer, serverChaos, peerChaos]);
  await Promise.all(arrivals);
  log(`window over: ${cases.length} of ${CASES} cases registered (${intakeRetries} retries, ${intakeFailures.length} failed), ${cases.filter((c) => c.arrival).length} of ${arriveSet.size} arrivals reported (${arrivalRetries} retries)`);

  // --- drain: until every expected message came (and 15 s more for repeats), or the cap -------------------------------
  const expectation = computeExpectations(policy, cases, recipientsOf, ARRIVAL_GRACE_MS);
  const received = (): Received[] => [
    ...twilio.messages.filter((m) => m.status === 201).map((m) => ({ ...m, channel: 'sms' })),
    ...smtp.mails.map((m) => ({ ...m, channel: 'email' })),
  ];
  const missing = (): number => {
    const got = new Set(received().map((m) => messageKey(m.caseId, m.key, m.recipientId)));
    let n = 0;
    for (const k of expectation.expected.keys()) if (!got.has(k)) n++;
    return n;
  };
  const lastDue = Math.max(...[...expectation.expected.values()].map((e) => e.dueAt));
  const drainEnd = Math.max(Date.now(), lastDue) + DRAIN;
  let settledAt: number | undefined;
  // Nothing new for STALL_MS after the last step was due: what is missing now will not come (given up, or never run).
  let seen = -1;
  let changedAt = Date.now();
  for (;;) {
    const m = missing();
    if (m === 0 && settledAt === undefined && Date.now() > lastDue) settledAt = Date.now();
    if (settledAt !== undefined && Date.now() - settledAt >= QUIET_MS) break;
    const n = received().length;
    if (n !== seen) [seen, changedAt] = [n, Date.now()];
    if (Date.now() > lastDue && Date.now() - changedAt >= STALL_MS) {
      log(`nothing received for ${STALL_MS / 1000} s with ${m} expected messages missing: drain over`);
      break;
    }
    if (Date.now() >= drainEnd) {
      log(`drain cap reached with ${m} expected messages missing`);
      break;
    }
    progress(`draining (${m} expected messages missing)`);
    await sleep(1000);
  }
  // A last look at the cases, their ledger entries, the undeliverable reports.
  const readFailures: string[] = [];
  await pool(cases.length, 10, async (n) => {
    const c = cases[n]!;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const r = await request('GET', `/cases/${encodeURIComponent(c.caseId)}`, 'dev-supervisor-key');
        if (r.status === 200) {
          c.view = r.json as CaseView;
          return;
        }
      } catch {
        /* retried */
      }
      await sleep(1000);
    }
    readFailures.push(c.caseId);
  });
  clearInterval(rssTimer);

  const all = received();
  const r = reconcile({ expectation, cases, received: all, kills: [...kills, ...(serverOutage ? [serverOutage.killedAt] : [])], graceMs: ARRIVAL_GRACE_MS, ignoreUnexpected: (key) => key.includes('.undeliverable.') });
  const undeliverableReports = all.filter((m) => m.key?.includes('.undeliverable.')).length;
  const byChannel = { sms: all.filter((m) => m.channel === 'sms').length, email: all.filter((m) => m.channel === 'email').length };

  // The ledger: one deduction per case and milestone the plan says must have been deducted.
  const { rows } = await pg.db.query<{ case_id: string; milestone: string; n: string }>(
    "SELECT case_id, milestone, count(*) AS n FROM ledger_entries WHERE kind = 'deduction' AND case_id LIKE $1 GROUP BY case_id, milestone",
    [`visit:CHAOS-${run}-%`],
  );
  const ledger = new Map(rows.map((row) => [`${row.case_id}|${row.milestone}`, Number(row.n)]));
  const mustDeduct = new Set(cases.flatMap((c) => expectation.perCase.get(c.caseId)!.must.filter((s) => s.kind === 'deduction').map((s) => `${c.caseId}|${s.milestone}`)));
  const mayDeduct = new Set(cases.flatMap((c) => expectation.perCase.get(c.caseId)!.race.filter((s) => s.kind === 'deduction').map((s) => `${c.caseId}|${s.milestone}`)));
  const deductionsMissing = [...mustDeduct].filter((k) => !ledger.has(k)).length;
  const deductionsDuplicated = [...ledger.values()].reduce((a, n) => a + Math.max(0, n - 1), 0);
  const deductionsUnplanned = [...ledger.keys()].filter((k) => !mustDeduct.has(k) && !mayDeduct.has(k)).length;
  const workerLog = countLogLines(join(logDir, 'worker-1.log'));

  const result = {
    when: new Date().toISOString(),
    machine: { cpus: availableParallelism(), loadAverageAtEnd: load() },
    options: { cases: CASES, durationMs: DURATION, killWorkerEveryMs: KILL_EVERY, serverKillAtMs: Math.round(SERVER_KILL_AT), serverDownMs: SERVER_DOWN, refuseAtMs: Math.round(REFUSE_AT), refuseForMs: REFUSE_FOR, arriveShare: ARRIVE_SHARE, units: UNITS, policy: policy.version },
    intake: { registered: cases.length, retries: intakeRetries, failed: intakeFailures.length, failures: intakeFailures.slice(0, 5) },
    arrivals: { planned: arriveSet.size, reported: cases.filter((c) => c.arrival).length, failed: cases.filter((c) => c.arrivalError).length, retries: arrivalRetries },
    chaos: { workerKills: kills.length, workerStarts: slots.starts.length, serverDownMs: serverOutage?.backAt ? serverOutage.backAt - serverOutage.killedAt : null, peersRefusedMs: refusal?.to ? refusal.to - refusal.from : null },
    messages: { expected: expectation.expected.size, accepted: all.length, ...byChannel, undeliverableReports },
    ...r,
    ledger: { mustDeduct: mustDeduct.size, recorded: ledger.size, missing: deductionsMissing, duplicateDeductions: deductionsDuplicated, unplanned: deductionsUnplanned },
    workerRssPeakMb: mb(workerPeak),
    workerLog: { warn: workerLog.warn, error: workerLog.error },
    readFailures: readFailures.length,
    logs: logDir,
  };
  const out: [string, string][] = [
    ['cases registered (API)', `${result.intake.registered} of ${CASES} (${result.intake.failed} failed, ${result.intake.retries} retries)`],
    ['arrivals reported', `${result.arrivals.reported} of ${result.arrivals.planned} (${result.arrivals.failed} failed, ${result.arrivals.retries} retries)`],
    ['chaos', `${result.chaos.workerKills} worker kills (${result.chaos.workerStarts} starts), dev server down ${fmtMs(result.chaos.serverDownMs)}, peers refused ${fmtMs(result.chaos.peersRefusedMs)}`],
    ['messages expected / accepted', `${result.messages.expected} / ${result.messages.accepted} (SMS ${byChannel.sms}, e-mail ${byChannel.email}; undeliverable reports ${undeliverableReports})`],
    ['lost (due, never received)', `${r.lost} (step never ran: ${r.lostStepNeverRan})`],
    ['duplicated (per recipient)', `${r.duplicated} (first copy within 1.5 s before a kill: ${r.duplicatedInKillWindow}; outside: ${r.duplicatedOutsideKillWindow})`],
    ['sent > 1 s after arrival', `${r.sentAfterArrival} (step started before the arrival: ${r.sentAfterArrivalStepStartedBefore}; after: ${r.sentAfterArrivalStepStartedAfter})`],
    ['unexpected (not planned)', `${r.unexpected}`],
    ['late, timeline at − dueAt', `p50 ${fmtMs(r.timelineStepMs.p50)}, p99 ${fmtMs(r.timelineStepMs.p99)}, max ${fmtMs(r.timelineStepMs.max)} (${r.stepsInTimelines} steps)`],
    ['late, message received − dueAt', `p50 ${fmtMs(r.smsAfterDueMs.p50)}, p99 ${fmtMs(r.smsAfterDueMs.p99)}, max ${fmtMs(r.smsAfterDueMs.max)} (${r.smsAfterDueMs.n} messages)`],
    ['ledger deductions', `must ${mustDeduct.size}, recorded ${ledger.size}, missing ${deductionsMissing}, duplicate deductions ${deductionsDuplicated}, unplanned ${deductionsUnplanned}`],
    ['worker RSS peak', `${result.workerRssPeakMb} MB; worker log warn / error ${workerLog.warn} / ${workerLog.error}; case reads failed ${readFailures.length}`],
  ];
  console.log('');
  const width = Math.max(...out.map(([k]) => k.length));
  for (const [k, v] of out) console.log(`  ${k.padEnd(width)}  ${v}`);
  for (const [what, list] of [['lost', r.lostExamples], ['duplicated', r.duplicateExamples], ['sent after arrival', r.afterArrivalExamples], ['unexpected', r.unexpectedExamples], ['intake failures', result.intake.failures]] as const) {
    if (list.length) console.log(`\n  ${what}, e.g.:\n${list.map((l) => `    ${l}`).join('\n')}`);
  }
  if (workerLog.top.length) console.log(`\n  worker log, most frequent warnings and errors:\n${workerLog.top.map(([m, n]) => `    ${String(n).padStart(5)} × ${m}`).join('\n')}`);
  console.log(`\n  logs: ${logDir}`);
  console.log(`CHAOS_JSON ${JSON.stringify(result)}`);
}

try {
  await main();
} catch (err) {
  console.error(`chaos failed: ${(err as Error).stack ?? String(err)}`);
  console.error(`logs: ${logDir}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
process.exit(process.exitCode ?? 0);
