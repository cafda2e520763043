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
import { Connection } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, temporalCliPath } from '../src/config.js';
import { generateKey } from '../src/codec.js';
import { LEVELS, type Level, type Milestone } from '../src/domain.js';
import { parseDuration } from '../src/duration.js';
import { deadlineFor, plan, type PlannedStep } from '../src/ladder.js';
import type { CaseView } from '../src/messages.js';
import { ladderSpecFor, parsePolicy, type Policy } from '../src/policy.js';
import { searchAttributeArgs } from '../src/searchAttributes.js';
import { ensureNamespace } from '../src/temporal.js';
import { openBenchRecords } from './benchDatabase.js';
import { LOAD_TWILIO_FROM, LOAD_TWILIO_SID, LOAD_TWILIO_TOKEN, startLoadTwilioPeer, type PeerSms } from './loadPeer.js';

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

const durationOpt = (name: string, text: string): number => {
  const t = /^\d+$/.test(text) ? `${text}s` : text;
  try {
    return parseDuration(t);
  } catch {
    throw new Error(`--${name}: not a duration: ${text} (e.g. 10s, 2m, 500ms)`);
  }
};
const intOpt = (name: string, text: string, min: number): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}`);
  return n;
};
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
const NAMESPACE = 'duban-load';
const TASK_QUEUE = 'duban-load';
const INTAKE_KEY = 'dev-intake-key';
const SUPERVISOR_KEY = 'dev-supervisor-key';

const benchStart = Date.now();
const hardEnd = benchStart + CAP_MS;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ');
const pct = (xs: number[], p: number): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
};
const stats = (xs: number[]): { n: number; p50: number | null; p99: number | null; max: number | null } => ({
  n: xs.length,
  p50: pct(xs, 50),
  p99: pct(xs, 99),
  max: xs.length ? Math.max(...xs) : null,
});
const fmtMs = (v: number | null): string => (v === null ? '—' : Math.abs(v) >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);
const since = (t: number): string => `${((Date.now() - t) / 1000).toFixed(1)} s`;
const log = (line: string): void => console.log(`[${since(benchStart).padStart(7)}] ${line}`);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function pool(n: number, concurrency: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) await job(next++);
    }),
  );
}

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
interface BenchUnit {
  id: string;
  principal: string;
  inCharge: string;
}
const units: BenchUnit[] = [];
const phoneOf = new Map<string, string>();
const directory = {
  office: { id: 'load-xfb', name: '压测信访办', documentNumberFormat: '压信督〔{year}〕{number}号', circularRecipients: [] },
  units: Array.from({ length: UNITS }, (_, u) => {
    const id = `load-u${u}`;
    const phone = (r: number): string => `+861390${String(u).padStart(4, '0')}${String(r).padStart(3, '0')}`;
    const people = [
      { id: `${id}-principal`, name: `主要领导${u}`, role: 'principal', title: '主任', phone: phone(1), email: `u${u}.principal@load.example.cn`, channels: ['sms', 'email'] },
      { id: `${id}-incharge`, name: `分管领导${u}`, role: 'inCharge', title: '副主任', phone: phone(2), email: `u${u}.incharge@load.example.cn`, channels: ['sms', 'email'] },
      { id: `${id}-contact`, name: `联络员${u}`, role: 'contact', title: '信访专干', email: `u${u}.contact@load.example.cn`, channels: ['email'] },
    ];
    units.push({ id, principal: people[0]!.id, inCharge: people[1]!.id });
    for (const p of people) if (p.phone) phoneOf.set(p.phone, p.id);
    return { id, name: `压测单位${u + 1}`, people };
  }),
  supervisors: [{ id: 'load-supervisor', name: '督查员', role: 'supervisor', title: '督查科科长', email: 'supervisor@load.example.cn', channels: ['email'] }],
};
const directoryFile = join(tmp, 'units.json');
writeFileSync(directoryFile, JSON.stringify(directory, null, 2));

// --- processes ---------------------------------------------------------------------------------------------------------

interface Proc {
  name: string;
  child: ChildProcess;
  logFile: string;
  startedAt: number;
  readyAt?: number;
  exited: Promise<void>;
}
const procs: Proc[] = [];
let stopping = false;

function launch(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): Proc {
  const fd = openSync(logFile, 'a');
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const proc: Proc = { name, child, logFile, startedAt: Date.now(), exited };
  procs.push(proc);
  child.once('exit', (code, signal) => {
    if (!stopping && signal !== 'SIGKILL') log(`${name} (pid ${child.pid}) exited: ${signal ?? `code ${code}`} — see ${logFile}`);
  });
  return proc;
}

async function stopProc(p: Proc, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill(signal);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
  await p.exited;
  clearTimeout(timer);
}

let pg: Awaited<ReturnType<typeof openBenchRecords>> | undefined;
let peerClose: (() => Promise<void>) | undefined;
async function cleanup(): Promise<void> {
  stopping = true;
  // Workers and API first, the dev server after them.
  for (const p of [...procs].reverse()) await stopProc(p);
  await peerClose?.();
  await pg?.close();
  if (!opt.keep) {
    // The logs stay for reading (small); the databases, outbox and documents go.
    for (const d of ['data', 'temporal.db', 'temporal.db-wal', 'temporal.db-shm']) rmSync(join(tmp, d), { recursive: true, force: true });
  }
}
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

const logHas = (file: string, text: string): boolean => existsSync(file) && readFileSync(file, 'utf8').includes(text);

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
const workerStarts: { startedAt: number; readyMs?: number }[] = [];
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

  const [grpcPort, httpPort, metricsPort, apiPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const address = `127.0.0.1:${grpcPort}`;
  launch(
    'Temporal dev server',
    temporalCliPath(),
    [
      'server', 'start-dev',
      '--db-filename', join(tmp, 'temporal.db'),
      // As make start runs it (scripts/start.ts).
      '--sqlite-pragma', 'journal_mode=WAL',
      '--sqlite-pragma', 'synchronous=NORMAL',
      '--namespace', NAMESPACE,
      '--ip', '127.0.0.1',
      '--port', String(grpcPort),
      '--http-port', String(httpPort),
      '--metrics-port', String(metricsPort),
      '--headless',
      '--log-level', 'warn',
      ...searchAttributeArgs(),
    ],
    { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmp },
    join(logDir, 'temporal.log'),
  );
  let connection: Connection | undefined;
  await waitFor('Temporal dev server', async () => {
    try {
      connection = await Connection.connect({ address, connectTimeout: 1000 });
      return true;
    } catch {
      return false;
    }
  }, 60_000);
  await ensureNamespace(connection!, NAMESPACE);
  await connection!.close();
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

  const workers: Proc[] = [];
  const startWorker = (slot: number): Proc => {
    const p = launch(`worker ${slot + 1}`, process.execPath, ['--import', 'tsx', join(ROOT, 'worker.ts')], env, join(logDir, `worker-${slot + 1}.log`));
    const entry: { startedAt: number; readyMs?: number } = { startedAt: p.startedAt };
    workerStarts.push(entry);
    // Ready when it prints its start line (after the workflow bundle is built and it polls).
    void (async () => {
      while (p.child.exitCode === null && p.child.signalCode === null) {
        if (logHas(p.logFile, 'duban worker: namespace')) {
          p.readyAt = Date.now();
          entry.readyMs = p.readyAt - p.startedAt;
          return;
        }
        await sleep(200);
      }
    })();
    workers[slot] = p;
    return p;
  };
  const api = launch('API', process.execPath, ['--import', 'tsx', join(ROOT, 'api.ts')], env, join(logDir, 'api.log'));
  for (let k = 0; k < WORKERS; k++) startWorker(k);

  const sampleRss = (pid: number | undefined): number | null => {
    if (!pid) return null;
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Number(m[1]) * 1024 : null;
    } catch {
      return null;
    }
  };
  const rssTimer = setInterval(() => {
    let total = 0;
    for (const w of workers) {
      const v = w.child.exitCode === null && w.child.signalCode === null ? sampleRss(w.child.pid) : null;
      if (v !== null) total += v;
    }
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
  await waitFor('worker start', () => workers.every((w) => w.readyAt !== undefined), 120_000);
  log(`API on ${apiUrl} and ${WORKERS} worker(s) ready (worker start-up ${workerStarts.map((s) => fmtMs(s.readyMs ?? null)).join(', ')})`);

  // Kills: SIGKILL one worker (round robin), restart it at once; stopped when the last planned step is due.
  let killing = KILL_EVERY !== undefined;
  const killer = (async () => {
    if (!KILL_EVERY) return;
    for (let n = 0; ; n++) {
      await sleep(KILL_EVERY);
      if (!killing) return;
      const slot = n % WORKERS;
      const w = workers[slot]!;
      kills.push(Date.now());
      w.child.kill('SIGKILL');
      await w.exited;
      startWorker(slot);
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
  const expectation = computeExpectations(cases);
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
  for (;;) {
    const m = missing();
    if (m === 0 && settledAt === undefined) settledAt = Date.now();
    if (settledAt !== undefined && Date.now() - settledAt >= QUIET_MS) break;
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

// --- expectations ----------------------------------------------------------------------------------------------------

interface ExpectedSms {
  caseId: string;
  key: string;
  recipientId: string;
  milestone: Milestone | 'alert';
  kind: string;
  dueAt: number;
}

interface CaseSteps {
  c: BenchCase;
  /** Steps that must run (and be sent to both leaders). */
  must: PlannedStep[];
  /** Arrival steps due just before the arrival was recorded: may or may not run. */
  race: PlannedStep[];
  /** Arrival steps due after the arrival: must not run. */
  cancelled: PlannedStep[];
}

function computeExpectations(all: BenchCase[]): { expected: Map<string, ExpectedSms>; steps: PlannedStep[]; perCase: Map<string, CaseSteps> } {
  const expected = new Map<string, ExpectedSms>();
  const steps: PlannedStep[] = [];
  const perCase = new Map<string, CaseSteps>();
  for (const c of all) {
    const arrivalPlan = plan(policy, { milestone: 'arrival', level: c.level, startedAt: c.receivedAt, registeredAt: c.registeredAt, deadline: deadlineFor(policy, 'arrival', c.level, c.receivedAt), deadlineSetAt: c.registeredAt, explanation: 'none', done: {} }).steps;
    const cs: CaseSteps = { c, must: [], race: [], cancelled: [] };
    for (const s of arrivalPlan) {
      if (!c.arrival || s.dueAt <= c.arrival.reportedAt - ARRIVAL_GRACE_MS) cs.must.push(s);
      else if (s.dueAt <= c.arrival.reportedAt) cs.race.push(s);
      else cs.cancelled.push(s);
    }
    if (c.arrival) {
      const deadline = c.arrival.arrivedAt + parseDuration(ladderSpecFor(policy, 'closureReport', c.level).deadline);
      cs.must.push(...plan(policy, { milestone: 'closureReport', level: c.level, startedAt: c.arrival.arrivedAt, registeredAt: c.arrival.reportedAt, deadline, deadlineSetAt: c.arrival.reportedAt, explanation: 'none', done: {} }).steps);
    }
    perCase.set(c.caseId, cs);
    const add = (key: string, milestone: ExpectedSms['milestone'], kind: string, dueAt: number): void => {
      for (const recipientId of [c.unit.principal, c.unit.inCharge]) expected.set(`${c.caseId}|${key}|${recipientId}`, { caseId: c.caseId, key, recipientId, milestone, kind, dueAt });
    };
    add('alert', 'alert', 'alert', c.registeredAt);
    for (const s of cs.must) {
      add(s.key, s.milestone, s.kind, s.dueAt);
      steps.push(s);
    }
  }
  return { expected, steps, perCase };
}

// --- analysis --------------------------------------------------------------------------------------------------------

interface AnalyseInput {
  expectation: ReturnType<typeof computeExpectations>;
  messages: PeerSms[];
  observedUntil: number;
  intakeMs: number;
  intakeRetries: number;
  intakeFailures: string[];
  arrivalRetries: number;
  readFailures: string[];
  peerMaxInFlight: number;
}

function countLogLines(file: string): { lines: number; warn: number; error: number; top: [string, number][] } {
  if (!existsSync(file)) return { lines: 0, warn: 0, error: 0, top: [] };
  const counts = new Map<string, number>();
  let warn = 0;
  let error = 0;
  let lines = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    lines++;
    let level = 0;
    let msg = line;
    try {
      const j = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string }; error?: string };
      level = j.level ?? 0;
      msg = `${j.msg ?? ''}${j.err?.message ? `: ${j.err.message}` : ''}${typeof j.error === 'string' ? `: ${j.error}` : ''}`;
    } catch {
      level = /error|fail|exception/i.test(line) ? 50 : /warn/i.test(line) ? 40 : 0;
    }
    if (level >= 50) error++;
    else if (level >= 40) warn++;
    else continue;
    // Group by message with IDs, numbers and times blurred.
    const shape = msg.replace(/visit:[\w.-]+/g, 'visit:…').replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<uuid>').replace(/\d+(\.\d+)?/g, 'N').slice(0, 160);
    counts.set(shape, (counts.get(shape) ?? 0) + 1);
  }
  return { lines, warn, error, top: [...counts].sort((a, b) => b[1] - a[1]).slice(0, 6) };
}

function analyse(input: AnalyseInput) {
  const { expectation, messages } = input;
  const accepted = messages.filter((m) => m.status === 201);
  const byKey = new Map<string, PeerSms[]>();
  for (const m of accepted) {
    const k = `${m.caseId}|${m.key}|${m.recipientId}`;
    const list = byKey.get(k);
    if (list) list.push(m);
    else byKey.set(k, [m]);
  }
  const caseById = new Map(cases.map((c) => [c.caseId, c]));

  // Lost: an expected message never accepted; split by whether the case's timeline shows the step at all.
  let lostMessages = 0;
  let lostStepNotRun = 0;
  const lostExamples: string[] = [];
  for (const [k, e] of expectation.expected) {
    if (byKey.has(k)) continue;
    lostMessages++;
    const view = caseById.get(e.caseId)?.view;
    const ran = e.kind === 'alert' ? view?.timeline.some((t) => t.type === 'alert') : view?.timeline.some((t) => t.type === e.kind && t.milestone === e.milestone && t.dueAt === new Date(e.dueAt).toISOString());
    if (!ran) lostStepNotRun++;
    if (lostExamples.length < 5) lostExamples.push(`${k} (due ${new Date(e.dueAt).toISOString()}, step ${ran ? 'in timeline' : 'not in timeline'})`);
  }

  // Duplicated: the same case, step and recipient accepted more than once. With kills: was a kill within the documented
  // window after the first copy (accepted, then the worker died before its heartbeat carried the progress)?
  let duplicated = 0;
  let duplicatedInKillWindow = 0;
  const duplicateExamples: string[] = [];
  for (const [k, list] of byKey) {
    if (list.length < 2) continue;
    duplicated += list.length - 1;
    const first = list[0]!;
    const inWindow = kills.some((t) => t >= first.at && t <= first.answeredAt + 1500);
    if (inWindow) duplicatedInKillWindow += list.length - 1;
    if (duplicateExamples.length < 5) duplicateExamples.push(`${k} ×${list.length} (first ${new Date(first.at).toISOString()}, ${inWindow ? 'a kill within 1.5 s after it' : 'no kill near'})`);
  }

  // Sent after arrival: an arrival-milestone message (alert, reminders, 催办 …) accepted more than ARRIVAL_GRACE_MS after
  // the arrival was recorded; split by whether the step itself had started before the arrival (its message in flight).
  let afterArrival = 0;
  let afterArrivalStepBefore = 0;
  let afterArrivalStepAfter = 0;
  const afterArrivalExamples: string[] = [];
  let unexpected = 0;
  const unexpectedExamples: string[] = [];
  for (const [k, list] of byKey) {
    const first = list[0]!;
    const c = first.caseId ? caseById.get(first.caseId) : undefined;
    const key = first.key ?? '';
    const isArrivalMessage = key === 'alert' || key.startsWith('arrival.');
    if (c?.arrival && isArrivalMessage) {
      const late = list.filter((m) => m.at > c.arrival!.reportedAt + ARRIVAL_GRACE_MS);
      if (late.length > 0) {
        afterArrival += late.length;
        const cs = expectation.perCase.get(c.caseId)!;
        const step = [...cs.must, ...cs.race, ...cs.cancelled].find((s) => s.key === key);
        const entry = key === 'alert' ? c.view?.timeline.find((t) => t.type === 'alert') : c.view?.timeline.find((t) => step && t.type === step.kind && t.milestone === 'arrival' && t.dueAt === new Date(step.dueAt).toISOString());
        const stepBefore = entry !== undefined && Date.parse(entry.at) <= c.arrival.reportedAt;
        if (stepBefore) afterArrivalStepBefore += late.length;
        else afterArrivalStepAfter += late.length;
        if (afterArrivalExamples.length < 5) afterArrivalExamples.push(`${k}: sent ${((late[0]!.at - c.arrival.reportedAt) / 1000).toFixed(1)} s after the arrival was recorded; step ${entry ? `ran at ${entry.at}` : 'not in timeline'} (${stepBefore ? 'before' : 'after'} the arrival)`);
      }
    }
    if (!expectation.expected.has(k)) {
      const cs = c ? expectation.perCase.get(c.caseId) : undefined;
      const inRace = cs?.race.some((s) => s.key === key);
      const inCancelled = cs?.cancelled.some((s) => s.key === key);
      if (!inRace && !inCancelled) {
        unexpected += list.length;
        if (unexpectedExamples.length < 5) unexpectedExamples.push(`${k} ×${list.length}`);
      }
    }
  }

  // Lateness: timeline entry at − dueAt for every ladder step that ran; the first accepted SMS − dueAt for every
  // expected step message; the alert from registration to its first SMS.
  const timelineLate: number[] = [];
  let stepsRun = 0;
  for (const c of cases) {
    for (const t of c.view?.timeline ?? []) {
      if (!t.dueAt) continue;
      stepsRun++;
      timelineLate.push(Date.parse(t.at) - Date.parse(t.dueAt));
    }
  }
  const smsLate: number[] = [];
  const alertLate: number[] = [];
  for (const [k, e] of expectation.expected) {
    const list = byKey.get(k);
    if (!list) continue;
    (e.kind === 'alert' ? alertLate : smsLate).push(list[0]!.at - e.dueAt);
  }

  const workerLogs = Array.from({ length: WORKERS }, (_, k) => countLogLines(join(logDir, `worker-${k + 1}.log`)));
  const apiLog = countLogLines(join(logDir, 'api.log'));
  const temporalLog = countLogLines(join(logDir, 'temporal.log'));
  const intakeLat = cases.map((c) => c.postMs);
  const arrivalLat = cases.flatMap((c) => (c.arrival ? [c.arrival.postMs] : []));
  const mb = (b: number): number => Math.round(b / 1048576);
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
      lost: lostMessages,
      lostStepNeverRan: lostStepNotRun,
      lostExamples,
      duplicated,
      duplicatedInKillWindow,
      duplicatedOutsideKillWindow: duplicated - duplicatedInKillWindow,
      duplicateExamples,
      sentAfterArrival: afterArrival,
      sentAfterArrivalStepStartedBefore: afterArrivalStepBefore,
      sentAfterArrivalStepStartedAfter: afterArrivalStepAfter,
      afterArrivalExamples,
      unexpected,
      unexpectedExamples,
      peerMaxInFlight: input.peerMaxInFlight,
    },
    lateness: { timelineStepMs: stats(timelineLate), stepsInTimelines: stepsRun, smsAfterDueMs: stats(smsLate), alertSmsAfterRegistrationMs: stats(alertLate) },
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
