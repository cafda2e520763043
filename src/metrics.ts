// Prometheus metrics of duban's processes (docs/observability.md): counters the worker's activities and the API count
// in-process, gauges of open duties read from the store of record at scrape time, the /metrics answers and the
// worker's metrics server. Labels carry kinds, levels, stages, steps, channels and events — never a person or a matter.
import type { FastifyInstance } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Colour } from './colour.js';
import type { CaseRecord } from './caseRecord.js';
import type { CaseView, TimelineEntry } from './messages.js';
import { isDatabaseUnavailable, type Db } from './records/db.js';
import type { Records } from './records/index.js';

/** Everything this process counts; the API adds its case gauges from a registry of its own. */
export const registry = new Registry();

let processMetricsOn = false;
/** Node's process metrics (CPU, memory, event-loop lag, GC), once per process: only where /metrics is served. */
export function enableProcessMetrics(): void {
  if (processMetricsOn) return;
  processMetricsOn = true;
  collectDefaultMetrics({ register: registry });
}

// --- worker: ladder steps -----------------------------------------------------------------------------------------

export const stepLateness = new Histogram({
  name: 'duban_step_lateness_seconds',
  help: 'Ladder steps fired (timeline entries with a dueAt), by how late they ran: at − dueAt; _count is the number of steps fired',
  labelNames: ['kind', 'level', 'milestone', 'step'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800, 3600],
  registers: [registry],
});

/**
 * Counts each ladder step once per (case, seq) in this process, whichever record carries it (the notify it rides on,
 * the recorder, a retry, the whole view at the end). An entry dated before this process started was the business of
 * the process that ran then, so a restarted worker does not count a case's earlier steps again when its final view comes.
 */
export class StepCounter {
  private readonly seen = new Map<string, Set<number>>();

  constructor(
    private readonly startedAt = Date.now(),
    /** Cases remembered; the oldest seen is forgotten first (a case far past this many others is long over). */
    private readonly maxCases = 50_000,
  ) {}

  observe(c: { caseId: string; kind: string; level: string | null }, entries: readonly TimelineEntry[]): void {
    let seqs = this.seen.get(c.caseId);
    for (const e of entries) {
      if (!e.dueAt) continue;
      const at = Date.parse(e.at);
      if (at < this.startedAt || seqs?.has(e.seq)) continue;
      if (!seqs) {
        seqs = new Set();
        this.seen.set(c.caseId, seqs);
        if (this.seen.size > this.maxCases) this.seen.delete(this.seen.keys().next().value!);
      }
      seqs.add(e.seq);
      stepLateness.observe({ kind: c.kind, level: c.level ?? 'none', milestone: e.milestone ?? 'none', step: e.type }, Math.max(0, at - Date.parse(e.dueAt)) / 1000);
    }
  }
}

const steps = new StepCounter();

/** Called by the record activities with each record they are given (activities/index.ts). */
export function countRecordSteps(record: CaseRecord): void {
  steps.observe(record, record.entries);
}

/** The same for a whole view (recordCase, cases started before the records-delta patch). */
export function countViewSteps(view: CaseView): void {
  steps.observe({ caseId: view.caseId, kind: view.kind, level: view.notice.level }, view.timeline);
}

// --- worker: alerts -----------------------------------------------------------------------------------------------

export const alertsSent = new Counter({
  name: 'duban_alerts_sent_total',
  help: 'Messages a channel accepted (the provider, the SMTP server, the robot, or the outbox file written)',
  labelNames: ['channel', 'event'] as const,
  registers: [registry],
});
export const alertsFailed = new Counter({
  name: 'duban_alerts_failed_total',
  help: 'Sends a channel refused: permanent (the next channel of the person is tried) or transient (the attempt fails, Temporal retries)',
  labelNames: ['channel', 'event', 'failure'] as const,
  registers: [registry],
});
export const alertsDuplicate = new Counter({
  name: 'duban_alerts_duplicate_total',
  help: 'Sends skipped because the message was already accepted (send key or provider said so)',
  labelNames: ['channel', 'event'] as const,
  registers: [registry],
});
export const alertsUnreachable = new Counter({
  name: 'duban_alerts_unreachable_total',
  help: 'Recipients none of whose channels accepted a message (reported to the supervisors)',
  labelNames: ['event'] as const,
  registers: [registry],
});

// --- database errors ----------------------------------------------------------------------------------------------

export const dbErrors = new Counter({
  name: 'duban_db_errors_total',
  help: "Failed database calls of this process: unavailable (connection refused, dropped, timed out) or query (the statement's own error, by SQLSTATE)",
  labelNames: ['kind', 'code'] as const,
  registers: [registry],
});

function countDbError(err: unknown): void {
  const code = (err as { code?: unknown } | null)?.code;
  dbErrors.inc({ kind: isDatabaseUnavailable(err) ? 'unavailable' : 'query', code: typeof code === 'string' && /^[A-Z0-9_]{1,32}$/.test(code) ? code : 'none' });
}

type QueryFn = (...args: unknown[]) => unknown;
const instrumented = new WeakSet<object>();

function instrumentClient(client: { query: QueryFn }): void {
  if (instrumented.has(client)) return;
  instrumented.add(client);
  const query = client.query;
  client.query = function (this: unknown, ...args: unknown[]): unknown {
    const last = args.at(-1);
    if (typeof last === 'function') {
      // The pool's own query() passes a callback.
      args[args.length - 1] = (err: unknown, res: unknown) => {
        if (err) countDbError(err);
        (last as (e: unknown, r: unknown) => void)(err, res);
      };
      return query.apply(this, args);
    }
    const result = query.apply(this, args);
    if (result instanceof Promise) result.then(undefined, countDbError);
    return result;
  };
}

/** Counts every failed connect and query of a pool (pool.query and transactions alike) in duban_db_errors_total; once per pool. */
export function instrumentDb(db: Db): void {
  if (instrumented.has(db)) return;
  instrumented.add(db);
  const connect = db.connect.bind(db) as (cb?: (err: unknown, client: unknown, release: unknown) => void) => unknown;
  (db as unknown as { connect: (cb?: (err: unknown, client: unknown, release: unknown) => void) => unknown }).connect = (cb) => {
    if (typeof cb === 'function') {
      return connect((err, client, release) => {
        if (err) countDbError(err);
        else if (client) instrumentClient(client as { query: QueryFn });
        cb(err, client, release);
      });
    }
    return (connect() as Promise<{ query: QueryFn }>).then(
      (client) => {
        instrumentClient(client);
        return client;
      },
      (err: unknown) => {
        countDbError(err);
        throw err;
      },
    );
  };
}

// --- API: intake and the case gauges ------------------------------------------------------------------------------

export const intakeDuration = new Histogram({
  name: 'duban_intake_duration_seconds',
  help: 'POST /cases from request to response, by HTTP status',
  labelNames: ['status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export type DutyColour = Colour | 'none';

export interface OpenDutyCount {
  kind: string;
  level: string;
  stage: string;
  colour: DutyColour;
  count: number;
}

// src/colour.ts colourOf at $1 with each case's pinned yellow_from, as the list's SQL (src/records/cases.ts COLOUR_NOW):
// red once the deadline is reached, yellow from the window's start, else green; no deadline: none.
const OPEN_DUTIES_SQL = `
SELECT kind, coalesce(level, 'none') AS level, stage,
  CASE WHEN deadline IS NULL THEN 'none'
       WHEN deadline <= $1 THEN 'red'
       WHEN yellow_from IS NOT NULL AND yellow_from <= $1 THEN 'yellow'
       ELSE 'green' END AS colour,
  count(*)::int AS count
FROM cases
WHERE status = 'open'
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 3, 4`;

/** Open cases by kind, level, stage and colour at `now` (each case's own pinned window: the colour its view and the board show). */
export async function openDutyCounts(records: Records, now: number): Promise<OpenDutyCount[]> {
  const { rows } = await records.db.query<OpenDutyCount>(OPEN_DUTIES_SQL, [new Date(now)]);
  return rows;
}

export interface CaseGauges {
  registry: Registry;
  /** Reads the open duties now; on a database error the gauges are emptied and duban_case_metrics_up is 0. */
  refresh(): Promise<void>;
}

export function caseGauges(records: Records, now: () => number = Date.now): CaseGauges {
  const own = new Registry();
  const open = new Gauge({ name: 'duban_open_duties', help: 'Open cases by kind, level, stage (its current duty and step) and colour (red: deadline reached, yellow: inside the window pinned for the case, green, none: no deadline)', labelNames: ['kind', 'level', 'stage', 'colour'] as const, registers: [own] });
  const overdue = new Gauge({ name: 'duban_overdue_duties', help: 'Open cases whose current deadline is reached (the red ones), by kind, level and duty (arrival, closureReport)', labelNames: ['kind', 'level', 'duty'] as const, registers: [own] });
  const up = new Gauge({ name: 'duban_case_metrics_up', help: '1 when the open-duty gauges were read from the database at this scrape, 0 when the database did not answer', registers: [own] });
  return {
    registry: own,
    async refresh() {
      open.reset();
      overdue.reset();
      try {
        const rows = await openDutyCounts(records, now());
        const late = new Map<string, { kind: string; level: string; duty: string; count: number }>();
        for (const r of rows) {
          open.set({ kind: r.kind, level: r.level, stage: r.stage, colour: r.colour }, r.count);
          if (r.colour !== 'red') continue;
          const duty = r.stage.split('.')[0]!;
          const key = `${r.kind}|${r.level}|${duty}`;
          const o = late.get(key) ?? { kind: r.kind, level: r.level, duty, count: 0 };
          o.count += r.count;
          late.set(key, o);
        }
        for (const o of late.values()) overdue.set({ kind: o.kind, level: o.level, duty: o.duty }, o.count);
        up.set(1);
      } catch {
        // Counted in duban_db_errors_total by the pool; /metrics still answers with the rest.
        up.set(0);
      }
    },
  };
}

// --- serving ------------------------------------------------------------------------------------------------------

/** DUBAN_METRICS_TOKEN: when set, /metrics wants `Authorization: Bearer <token>`; unset, /metrics is open (keep the port internal). */
export function metricsTokenFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const t = env.DUBAN_METRICS_TOKEN?.trim();
  return t ? t : undefined;
}

export function metricsAuthorized(token: string | undefined, headers: IncomingHttpHeaders): boolean {
  if (token === undefined) return true;
  const given = Buffer.from(headers.authorization ?? '');
  const wanted = Buffer.from(`Bearer ${token}`);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

const UNAUTHORIZED = { type: 'about:blank', title: 'Unauthorized 未认证', status: 401, detail: 'metrics need Authorization: Bearer <DUBAN_METRICS_TOKEN>', errors: [] };

/**
 * GET /metrics on the API (hidden from OpenAPI) and the intake timer of POST /cases. No API key: Prometheus scrapes
 * with none, and the answer holds counts only; DUBAN_METRICS_TOKEN guards it when the port is reachable from outside.
 */
export function registerApiMetrics(app: FastifyInstance, deps: { records: Records }, env: NodeJS.ProcessEnv = process.env): void {
  enableProcessMetrics();
  instrumentDb(deps.records.db);
  const gauges = caseGauges(deps.records);
  const token = metricsTokenFromEnv(env);
  app.addHook('onResponse', (request, reply, done) => {
    if (request.method === 'POST' && request.routeOptions.url === '/cases') intakeDuration.observe({ status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (!metricsAuthorized(token, request.headers)) return reply.status(401).type('application/problem+json').send(UNAUTHORIZED);
    await gauges.refresh();
    const text = (await registry.metrics()) + (await gauges.registry.metrics());
    return reply.type(registry.contentType).send(text);
  });
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/** The worker's metrics port: DUBAN_WORKER_METRICS_PORT (default 9464; 0 turns it off) on DUBAN_WORKER_METRICS_HOST (default 127.0.0.1). */
export function workerMetricsAddressFromEnv(env: NodeJS.ProcessEnv = process.env): { host: string; port: number } | null {
  const raw = env.DUBAN_WORKER_METRICS_PORT?.trim() || '9464';
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`DUBAN_WORKER_METRICS_PORT must be a port number (0 turns the metrics server off), got ${raw}`);
  if (port === 0) return null;
  return { host: env.DUBAN_WORKER_METRICS_HOST?.trim() || '127.0.0.1', port };
}

/** A small HTTP server answering GET /metrics with this process's registry (the worker's). */
export async function startMetricsServer(address: { host: string; port: number }, token: string | undefined = metricsTokenFromEnv()): Promise<MetricsServer> {
  enableProcessMetrics();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: GET /metrics\n');
      return;
    }
    if (!metricsAuthorized(token, req.headers)) {
      res.writeHead(401, { 'content-type': 'application/problem+json' }).end(JSON.stringify(UNAUTHORIZED));
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`metrics failed: ${(err as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => resolve());
  });
  return { port: (server.address() as AddressInfo).port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/**
 * The worker's metrics server and the line start-up prints about it. The default port already taken (a second worker on
 * the host) leaves the worker without metrics rather than without its alerts; a port that was asked for must be free.
 */
export async function startWorkerMetrics(address: { host: string; port: number } | null, env: NodeJS.ProcessEnv = process.env): Promise<{ server?: MetricsServer; line: string }> {
  if (!address) return { line: 'no metrics server (DUBAN_WORKER_METRICS_PORT=0)' };
  try {
    const server = await startMetricsServer(address, metricsTokenFromEnv(env));
    return { server, line: `metrics on http://${address.host}:${server.port}/metrics` };
  } catch (err) {
    const asked = env.DUBAN_WORKER_METRICS_PORT?.trim();
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || asked) throw err;
    return { line: `no metrics server: the default port ${address.port} is in use (set DUBAN_WORKER_METRICS_PORT to a free port, or 0)` };
  }
}

/** Temporal's own worker metrics (Core's Prometheus exporter) when DUBAN_SDK_METRICS_ADDRESS (host:port) is set. */
export function sdkMetricsFromEnv(env: NodeJS.ProcessEnv = process.env): { prometheus: { bindAddress: string; countersTotalSuffix: boolean; unitSuffix: boolean; useSecondsForDurations: boolean } } | undefined {
  const bindAddress = env.DUBAN_SDK_METRICS_ADDRESS?.trim();
  if (!bindAddress) return undefined;
  if (!/^[^\s:]+:\d{1,5}$/.test(bindAddress) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(bindAddress)) throw new Error(`DUBAN_SDK_METRICS_ADDRESS must be host:port, e.g. 0.0.0.0:9465, got ${bindAddress}`);
  return { prometheus: { bindAddress, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true } };
}
