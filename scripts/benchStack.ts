// What the process benchmarks share (bench:load, bench:lateness, chaos): option parsing, figures, child processes
// (the Temporal dev server on its own SQLite file, worker.ts processes, api.ts), RSS sampling and log summaries.
// Every child gets a clean environment built by the caller: nothing from the caller's shell reaches a provider.
import { Connection } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { ROOT, temporalCliPath } from '../src/config.js';
import { parseDuration } from '../src/duration.js';
import { freePort } from '../src/net.js';
import { searchAttributeArgs } from '../src/searchAttributes.js';
import { ensureNamespace } from '../src/temporal.js';

export { freePort };

// --- figures -----------------------------------------------------------------------------------------------------------

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ');
export const pct = (xs: number[], p: number): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
};
export interface Stats {
  n: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
}
export const stats = (xs: number[]): Stats => ({ n: xs.length, p50: pct(xs, 50), p99: pct(xs, 99), max: xs.length ? xs.reduce((a, b) => Math.max(a, b), -Infinity) : null });
export const fmtMs = (v: number | null): string => (v === null ? '—' : Math.abs(v) >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);
export const mb = (b: number): number => Math.round(b / 1048576);

/** A logger prefixing each line with the seconds since `start`. */
export function benchLog(start: number): (line: string) => void {
  return (line) => console.log(`[${`${((Date.now() - start) / 1000).toFixed(1)} s`.padStart(7)}] ${line}`);
}

export const durationOpt = (name: string, text: string): number => {
  const t = /^\d+$/.test(text) ? `${text}s` : text;
  try {
    return parseDuration(t);
  } catch {
    throw new Error(`--${name}: not a duration: ${text} (e.g. 10s, 2m, 500ms)`);
  }
};
export const intOpt = (name: string, text: string, min: number): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}`);
  return n;
};

export async function pool(n: number, concurrency: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) await job(next++);
    }),
  );
}

export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

export const logHas = (file: string, text: string): boolean => existsSync(file) && readFileSync(file, 'utf8').includes(text);

/** A process's resident set in bytes, or null when it is gone. */
export function sampleRss(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) a process has used so far, or null when it is gone. */
export function cpuSeconds(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 a second on Linux)
  } catch {
    return null;
  }
}

export interface LogSummary {
  lines: number;
  warn: number;
  error: number;
  top: [string, number][];
}

/** Warning and error lines of a pino (or plain) log, grouped by message with IDs, numbers and times blurred. */
export function countLogLines(file: string): LogSummary {
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
    const shape = msg.replace(/visit:[\w.-]+/g, 'visit:…').replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<uuid>').replace(/\d+(\.\d+)?/g, 'N').slice(0, 160);
    counts.set(shape, (counts.get(shape) ?? 0) + 1);
  }
  return { lines, warn, error, top: [...counts].sort((a, b) => b[1] - a[1]).slice(0, 6) };
}

// --- child processes -----------------------------------------------------------------------------------------------------

export interface Proc {
  name: string;
  child: ChildProcess;
  logFile: string;
  startedAt: number;
  readyAt?: number;
  exited: Promise<void>;
}

export const isRunning = (p: Proc): boolean => p.child.exitCode === null && p.child.signalCode === null;

/** The children of one run: each logs to its own file; an unexpected exit (not SIGKILL, not while stopping) is logged. */
export class ProcessSet {
  readonly procs: Proc[] = [];
  stopping = false;
  constructor(private readonly log: (line: string) => void) {}

  launch(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): Proc {
    const fd = openSync(logFile, 'a');
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const proc: Proc = { name, child, logFile, startedAt: Date.now(), exited };
    this.procs.push(proc);
    child.once('exit', (code, signal) => {
      if (!this.stopping && signal !== 'SIGKILL') this.log(`${name} (pid ${child.pid}) exited: ${signal ?? `code ${code}`} — see ${logFile}`);
    });
    return proc;
  }

  /** SIGTERM (or `signal`), SIGKILL after 10 s. */
  async stop(p: Proc, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!isRunning(p)) return;
    p.child.kill(signal);
    const timer = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
    await p.exited;
    clearTimeout(timer);
  }

  /** Every child, the last started first (workers and API before the dev server). */
  async stopAll(): Promise<void> {
    this.stopping = true;
    for (const p of [...this.procs].reverse()) await this.stop(p);
  }
}

export interface DevServer {
  address: string;
  proc: Proc;
  /** SIGKILL: the server dies as in a crash; its SQLite file (WAL) stays. */
  kill(): Promise<void>;
  /** Starts it again on the same file and ports; resolves once it answers. */
  start(): Promise<void>;
}

/** The Temporal dev server on its own SQLite file (WAL, synchronous=NORMAL, as make start runs it) and free ports. */
export async function startDevServer(procs: ProcessSet, options: { dbFile: string; logFile: string; namespace: string; home: string }): Promise<DevServer> {
  const [grpcPort, httpPort, metricsPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const address = `127.0.0.1:${grpcPort}`;
  const args = [
    'server', 'start-dev',
    '--db-filename', options.dbFile,
    '--sqlite-pragma', 'journal_mode=WAL',
    '--sqlite-pragma', 'synchronous=NORMAL',
    '--namespace', options.namespace,
    '--ip', '127.0.0.1',
    '--port', String(grpcPort),
    '--http-port', String(httpPort),
    '--metrics-port', String(metricsPort),
    '--headless',
    '--log-level', 'warn',
    ...searchAttributeArgs(),
  ];
  const server: DevServer = {
    address,
    proc: undefined as unknown as Proc,
    async kill() {
      server.proc.child.kill('SIGKILL');
      await server.proc.exited;
    },
    async start() {
      server.proc = procs.launch('Temporal dev server', temporalCliPath(), args, { PATH: process.env.PATH ?? '', HOME: options.home }, options.logFile);
      let connection: Connection | undefined;
      await waitFor('Temporal dev server', async () => {
        try {
          connection = await Connection.connect({ address, connectTimeout: 1000 });
          return true;
        } catch {
          return false;
        }
      }, 60_000);
      await ensureNamespace(connection!, options.namespace);
      await connection!.close();
    },
  };
  await server.start();
  return server;
}

/** worker.ts processes in numbered slots; each is ready once it prints its start line (bundle built, polling). */
export class WorkerSlots {
  readonly workers: Proc[] = [];
  readonly starts: { startedAt: number; readyMs?: number }[] = [];
  constructor(
    private readonly procs: ProcessSet,
    private readonly env: NodeJS.ProcessEnv,
    private readonly logDir: string,
  ) {}

  start(slot: number): Proc {
    const p = this.procs.launch(`worker ${slot + 1}`, process.execPath, ['--import', 'tsx', join(ROOT, 'worker.ts')], this.env, join(this.logDir, `worker-${slot + 1}.log`));
    const entry: { startedAt: number; readyMs?: number } = { startedAt: p.startedAt };
    this.starts.push(entry);
    void (async () => {
      while (isRunning(p)) {
        if (logHas(p.logFile, 'duban worker: namespace')) {
          p.readyAt = Date.now();
          entry.readyMs = p.readyAt - p.startedAt;
          return;
        }
        await sleep(200);
      }
    })();
    this.workers[slot] = p;
    return p;
  }

  /** SIGKILL the worker in `slot` and start it again at once. */
  async killAndRestart(slot: number): Promise<void> {
    const w = this.workers[slot]!;
    w.child.kill('SIGKILL');
    await w.exited;
    this.start(slot);
  }

  allReady(): boolean {
    return this.workers.every((w) => w.readyAt !== undefined);
  }

  /** Sum of the running workers' RSS in bytes (0 when none runs). */
  rss(): number {
    let total = 0;
    for (const w of this.workers) {
      const v = isRunning(w) ? sampleRss(w.child.pid) : null;
      if (v !== null) total += v;
    }
    return total;
  }
}

/** The tuning variables of the caller's environment (DUBAN_WORKER_*), passed to the worker processes as they are. */
export function workerTuningEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('DUBAN_WORKER_') && k !== 'DUBAN_WORKER_METRICS_PORT'));
}

// --- the bench directory ----------------------------------------------------------------------------------------------------

export interface BenchUnit {
  id: string;
  principal: string;
  inCharge: string;
  contact: string;
}

/**
 * `count` units, each with a principal and a leader in charge reached by SMS (then e-mail) and a contact by e-mail,
 * and one supervisor by e-mail. Phones and addresses are fake and unique.
 */
export function benchDirectory(count: number): { directory: unknown; units: BenchUnit[]; phoneOf: Map<string, string>; emailOf: Map<string, string> } {
  const units: BenchUnit[] = [];
  const phoneOf = new Map<string, string>();
  const emailOf = new Map<string, string>();
  const directory = {
    office: { id: 'load-xfb', name: '压测信访办', documentNumberFormat: '压信督〔{year}〕{number}号', circularRecipients: [] },
    units: Array.from({ length: count }, (_, u) => {
      const id = `load-u${u}`;
      const phone = (r: number): string => `+861390${String(u).padStart(4, '0')}${String(r).padStart(3, '0')}`;
      const people = [
        { id: `${id}-principal`, name: `主要领导${u}`, role: 'principal', title: '主任', phone: phone(1), email: `u${u}.principal@load.example.cn`, channels: ['sms', 'email'] },
        { id: `${id}-incharge`, name: `分管领导${u}`, role: 'inCharge', title: '副主任', phone: phone(2), email: `u${u}.incharge@load.example.cn`, channels: ['sms', 'email'] },
        { id: `${id}-contact`, name: `联络员${u}`, role: 'contact', title: '信访专干', email: `u${u}.contact@load.example.cn`, channels: ['email'] },
      ];
      units.push({ id, principal: people[0]!.id, inCharge: people[1]!.id, contact: people[2]!.id });
      for (const p of people) {
        if (p.phone) phoneOf.set(p.phone, p.id);
        emailOf.set(p.email, p.id);
      }
      return { id, name: `压测单位${u + 1}`, people };
    }),
    supervisors: [{ id: 'load-supervisor', name: '督查员', role: 'supervisor', title: '督查科科长', email: 'supervisor@load.example.cn', channels: ['email'] }],
  };
  emailOf.set('supervisor@load.example.cn', 'load-supervisor');
  return { directory, units, phoneOf, emailOf };
}
