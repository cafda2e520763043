// The API's /metrics on a real PostgreSQL: open duties by kind, level, stage and colour (src/colour.ts with each case's
// pinned window, exact at a given instant), overdue, the optional scrape token, hidden from OpenAPI; the worker's
// metrics server; the step counter's once-per-entry rule. No Temporal is needed: nothing here starts a case.
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadApiKeys } from '../src/api/auth.js';
import { buildApiServer } from '../src/api/server.js';
import { COLOURS, colourOf } from '../src/colour.js';
import type { CaseRecord } from '../src/caseRecord.js';
import { ROOT, loadDirectoryFile, loadPolicyFile } from '../src/config.js';
import type { TimelineEntry } from '../src/messages.js';
import { StepCounter, openDutyCounts, registry, startMetricsServer, startWorkerMetrics, workerMetricsAddressFromEnv, sdkMetricsFromEnv } from '../src/metrics.js';
import { freePort } from '../src/net.js';
import { listCaseRows, recordCase } from '../src/records/cases.js';
import { freshRecords } from './db.js';
import { byLabel, parseMetrics, samples, total } from './metrics.scrape.js';

const H = 3_600_000;
const policy = loadPolicyFile(join(ROOT, 'config/policy.json'));
const directory = loadDirectoryFile(join(ROOT, 'config/units.sample.json'));
const TOKEN = 'scrape-token-for-tests';
process.env.DUBAN_METRICS_TOKEN = TOKEN;

let records: Awaited<ReturnType<typeof freshRecords>>;
let api: FastifyInstance;
beforeAll(async () => {
  records = await freshRecords();
  // No Temporal behind it: /metrics and the list read only the database.
  const client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }), namespace: 'default' });
  api = await buildApiServer({ client, records, namespace: 'default', taskQueue: 'duban-metrics', policy, directory, keys: loadApiKeys({}) });
});
afterAll(async () => {
  await api?.close();
  await records?.close();
});

function row(caseId: string, level: CaseRecord['level'], stage: string, deadline: number | null, yellowFrom: number | null, status: CaseRecord['status'] = 'open'): CaseRecord {
  const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());
  return { caseId, kind: 'escalatedVisit', unitId: 'wuli-gov', level, status, stage, receivedAt: '2026-11-25T01:00:00.000Z', deadline: iso(deadline), yellowFrom: iso(yellowFrom), overdue: false, closedAt: null, seq: 1, entries: [], points: [] };
}

async function scrape(headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }): Promise<{ status: number; body: string; type: string }> {
  const res = await api.inject({ method: 'GET', url: '/metrics', headers });
  return { status: res.statusCode, body: res.body, type: String(res.headers['content-type']) };
}

describe('open duties by colour', () => {
  // Each case's yellow window is pinned in its row (yellow_from), as the case's view and the board have it.
  const N = Date.parse('2026-11-25T06:00:00.000Z');
  const cases: [string, CaseRecord['level'], string, number | null, number | null, CaseRecord['status']?][] = [
    ['visit:C-green', 'district', 'arrival.pending', N + 2 * H, N + H],
    ['visit:C-edge-yellow', 'district', 'arrival.pending', N + H, N],
    ['visit:C-just-green', 'district', 'arrival.pending', N + H, N + 1],
    ['visit:C-at-deadline', 'district', 'arrival.pending', N, N - H],
    ['visit:C-red', 'district', 'arrival.urge', N - 1, N - H - 1],
    ['visit:C-no-window', 'district', 'arrival.pending', N + 10 * 60_000, null],
    ['visit:C-city-yellow', 'city', 'arrival.pending', N + 1.5 * H, N - 0.5 * H],
    ['visit:C-city-green', 'city', 'arrival.pending', N + 2.5 * H, N + 0.5 * H],
    ['visit:C-bj-yellow', 'beijing', 'arrival.pending', N + 3 * H, N - H],
    ['visit:C-bj-red', 'beijing', 'arrival.deduction', N - 10 * H, N - 14 * H],
    ['visit:C-report-yellow', 'city', 'closureReport.pending', N + 48 * H, N - 24 * H],
    ['visit:C-report-green', 'city', 'closureReport.pending', N + 96 * H, N + 24 * H],
    ['visit:C-report-red', 'city', 'closureReport.supervise', N - H, N - 73 * H],
    ['visit:C-closed', 'district', 'closed', null, null, 'closed'],
    ['visit:C-cancelled', 'district', 'cancelled', null, null, 'cancelled'],
  ];

  beforeAll(async () => {
    for (const [id, level, stage, deadline, yellowFrom, status] of cases) await recordCase(records, row(id, level, stage, deadline, yellowFrom, status ?? 'open'));
  });

  test('counted in SQL exactly as src/colour.ts colours each case, at a given instant', async () => {
    expect(await openDutyCounts(records, N)).toEqual([
      { kind: 'escalatedVisit', level: 'beijing', stage: 'arrival.deduction', colour: 'red', count: 1 },
      { kind: 'escalatedVisit', level: 'beijing', stage: 'arrival.pending', colour: 'yellow', count: 1 },
      { kind: 'escalatedVisit', level: 'city', stage: 'arrival.pending', colour: 'green', count: 1 },
      { kind: 'escalatedVisit', level: 'city', stage: 'arrival.pending', colour: 'yellow', count: 1 },
      { kind: 'escalatedVisit', level: 'city', stage: 'closureReport.pending', colour: 'green', count: 1 },
      { kind: 'escalatedVisit', level: 'city', stage: 'closureReport.pending', colour: 'yellow', count: 1 },
      { kind: 'escalatedVisit', level: 'city', stage: 'closureReport.supervise', colour: 'red', count: 1 },
      { kind: 'escalatedVisit', level: 'district', stage: 'arrival.pending', colour: 'green', count: 3 },
      { kind: 'escalatedVisit', level: 'district', stage: 'arrival.pending', colour: 'red', count: 1 },
      { kind: 'escalatedVisit', level: 'district', stage: 'arrival.pending', colour: 'yellow', count: 1 },
      { kind: 'escalatedVisit', level: 'district', stage: 'arrival.urge', colour: 'red', count: 1 },
    ]);
    // The same as the one rule (src/colour.ts colourOf) case by case.
    const byRule: Record<string, number> = {};
    for (const [, level, stage, deadline, yellowFrom, status] of cases) {
      if ((status ?? 'open') !== 'open') continue;
      const key = `${level}|${stage}|${colourOf(deadline, yellowFrom, N) ?? 'none'}`;
      byRule[key] = (byRule[key] ?? 0) + 1;
    }
    const sql: Record<string, number> = {};
    for (const c of await openDutyCounts(records, N)) sql[`${c.level}|${c.stage}|${c.colour}`] = c.count;
    expect(sql).toEqual(byRule);
  });

  test('GET /metrics answers the gauges (now), hidden from OpenAPI, only with the scrape token', async () => {
    // Relative to the real clock with hours of margin: the colours cannot change during the test.
    const now = Date.now();
    await recordCase(records, row('visit:R-now-red', 'district', 'arrival.supervise', now - 3 * H, now - 4 * H));
    await recordCase(records, row('visit:R-now-green', 'beijing', 'arrival.pending', now + 20 * H, now + 16 * H));

    const res = await scrape();
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    const m = parseMetrics(res.body);
    expect(total(m, 'duban_case_metrics_up')).toBe(1);
    // Every fixed row above lies in the past or the future by hours or days of real time from the fixed instant N
    // (2026-11-25T06:00Z): what is red now is the rows whose deadline has passed.
    const red = samples(m, 'duban_open_duties', { colour: 'red' }).map((s) => [s.labels.level, s.labels.stage, s.value]);
    const expectedRed = cases.filter(([, , , d, , s]) => (s ?? 'open') === 'open' && d !== null && d <= now).length + 1;
    expect(red.reduce((a, r) => a + (r[2] as number), 0)).toBe(expectedRed);
    expect(total(m, 'duban_open_duties', { level: 'district', stage: 'arrival.supervise', colour: 'red' })).toBe(1);
    expect(total(m, 'duban_open_duties', { level: 'beijing', stage: 'arrival.pending' })).toBe(2);
    // All 13 open rows and the 2 added, nothing closed or cancelled.
    expect(total(m, 'duban_open_duties')).toBe(15);
    // The list's own colour filter (GET /cases?colour=) finds as many of each colour now.
    for (const colour of COLOURS) expect(total(m, 'duban_open_duties', { colour }), colour).toBe((await listCaseRows(records, { limit: 100, status: 'open', colour })).length);
    expect(samples(m, 'duban_open_duties', { stage: 'closed' })).toEqual([]);
    expect(total(m, 'duban_overdue_duties')).toBe(expectedRed);
    expect(total(m, 'duban_overdue_duties', { level: 'district', duty: 'arrival' })).toBe(total(m, 'duban_open_duties', { level: 'district', colour: 'red' }));
    // The label sets carry kinds, levels, stages and colours only.
    for (const s of samples(m, 'duban_open_duties')) expect(Object.keys(s.labels).sort()).toEqual(['colour', 'kind', 'level', 'stage']);
    // The process's own metrics come with it.
    expect(samples(m, 'process_resident_memory_bytes')).toHaveLength(1);

    expect((await scrape({})).status).toBe(401);
    expect((await scrape({ authorization: 'Bearer dev-admin-key' })).status).toBe(401);
    expect((await scrape({ authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
    const denied = await api.inject({ method: 'GET', url: '/metrics' });
    expect(denied.json()).toMatchObject({ status: 401, title: 'Unauthorized 未认证' });
    const doc = (await api.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(doc.paths)).not.toContain('/metrics');
  });
});

describe('the worker metrics server', () => {
  test('GET /metrics with the token; anything else 404; 0 turns it off', async () => {
    const port = await freePort();
    const server = await startMetricsServer({ host: '127.0.0.1', port }, TOKEN);
    try {
      const ok = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(ok.status).toBe(200);
      expect(parseMetrics(await ok.text()).some((s) => s.name === 'nodejs_heap_size_used_bytes')).toBe(true);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(401);
      expect((await fetch(`http://127.0.0.1:${port}/other`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
    } finally {
      await server.close();
    }
    expect(workerMetricsAddressFromEnv({ DUBAN_WORKER_METRICS_PORT: '0' })).toBeNull();
    expect(workerMetricsAddressFromEnv({})).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(workerMetricsAddressFromEnv({ DUBAN_WORKER_METRICS_PORT: '9500', DUBAN_WORKER_METRICS_HOST: '0.0.0.0' })).toEqual({ host: '0.0.0.0', port: 9500 });
    expect(() => workerMetricsAddressFromEnv({ DUBAN_WORKER_METRICS_PORT: 'nine' })).toThrow('DUBAN_WORKER_METRICS_PORT must be a port number (0 turns the metrics server off), got nine');
    expect(sdkMetricsFromEnv({})).toBeUndefined();
    expect(sdkMetricsFromEnv({ DUBAN_SDK_METRICS_ADDRESS: '0.0.0.0:9465' })).toEqual({ prometheus: { bindAddress: '0.0.0.0:9465', countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true } });
    expect(() => sdkMetricsFromEnv({ DUBAN_SDK_METRICS_ADDRESS: '9465' })).toThrow('DUBAN_SDK_METRICS_ADDRESS must be host:port, e.g. 0.0.0.0:9465, got 9465');
  });

  test('a second worker on the host: the default port taken leaves it without metrics; a port asked for must be free', async () => {
    const port = await freePort();
    const first = await startWorkerMetrics({ host: '127.0.0.1', port }, {});
    try {
      expect(first.line).toBe(`metrics on http://127.0.0.1:${port}/metrics`);
      expect(await startWorkerMetrics({ host: '127.0.0.1', port }, {})).toEqual({ line: `no metrics server: the default port ${port} is in use (set DUBAN_WORKER_METRICS_PORT to a free port, or 0)` });
      await expect(startWorkerMetrics({ host: '127.0.0.1', port }, { DUBAN_WORKER_METRICS_PORT: String(port) })).rejects.toMatchObject({ code: 'EADDRINUSE' });
      expect(await startWorkerMetrics(null, {})).toEqual({ line: 'no metrics server (DUBAN_WORKER_METRICS_PORT=0)' });
    } finally {
      await first.server?.close();
    }
  });
});

describe('steps fired', () => {
  const entry = (seq: number, type: TimelineEntry['type'], at: number, dueAt?: number): TimelineEntry => ({
    seq,
    at: new Date(at).toISOString(),
    type,
    milestone: 'arrival',
    actor: { id: 'system', role: 'system' },
    ...(dueAt === undefined ? {} : { dueAt: new Date(dueAt).toISOString() }),
  });

  test('each ladder entry once per case, whichever record brings it; entries from before the process started are not counted', async () => {
    const t = Date.parse('2026-11-25T02:00:00.000Z');
    const counter = new StepCounter(t);
    const c = { caseId: 'visit:S-1', kind: 'escalatedVisit', level: 'city' };
    const received = entry(1, 'registered', t - 60_000);
    const before = entry(2, 'reminder', t - 1000, t - 1200);
    const reminder = entry(3, 'reminder', t + 300, t);
    const urge = entry(4, 'urge', t + 3_600_000 + 2500, t + 3_600_000);
    counter.observe(c, [received, before, reminder]);
    // The recorder's retry, then the whole view at the end: nothing new but the 催办.
    counter.observe(c, [reminder]);
    counter.observe(c, [received, before, reminder, urge]);
    counter.observe({ ...c, caseId: 'visit:S-2' }, [entry(3, 'reminder', t + 100, t)]);
    const m = parseMetrics(await registry.getSingleMetricAsString('duban_step_lateness_seconds'));
    expect(byLabel(m, 'duban_step_lateness_seconds_count', 'step', { level: 'city', milestone: 'arrival', kind: 'escalatedVisit' })).toEqual({ reminder: 2, urge: 1 });
    expect(total(m, 'duban_step_lateness_seconds_sum', { step: 'reminder' })).toBeCloseTo(0.4, 6);
    expect(total(m, 'duban_step_lateness_seconds_sum', { step: 'urge' })).toBeCloseTo(2.5, 6);
    expect(total(m, 'duban_step_lateness_seconds_bucket', { step: 'urge', le: '2' })).toBe(0);
    expect(total(m, 'duban_step_lateness_seconds_bucket', { step: 'urge', le: '5' })).toBe(1);
    expect(total(m, 'duban_step_lateness_seconds_bucket', { step: 'reminder', le: '0.25' })).toBe(1);
    expect(total(m, 'duban_step_lateness_seconds_bucket', { step: 'reminder', le: '0.5' })).toBe(2);
  });
});

describe('the Grafana dashboard', () => {
  test('is JSON, and every duban_, process_ and nodejs_ metric its queries use is one the API or the worker exports', async () => {
    const { readFileSync } = await import('node:fs');
    const dashboard = JSON.parse(readFileSync(join(ROOT, 'docs/grafana-duban.json'), 'utf8')) as { panels: { targets?: { expr: string }[] }[] };
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(20);
    const used = new Set(exprs.flatMap((e) => [...e.matchAll(/\b((?:duban|process|nodejs)_[a-z0-9_]+)/g)].map((m) => m[1]!)));
    // What this process's registry defines (the worker's counters, the intake histogram, Node's process metrics) and the API's case gauges.
    const res = await scrape();
    const defined = new Set([...res.body.matchAll(/^# TYPE (\S+) (\S+)$/gm)].flatMap((m) => (m[2] === 'histogram' ? [`${m[1]}_bucket`, `${m[1]}_sum`, `${m[1]}_count`] : [m[1]!])));
    for (const name of used) expect(defined, name).toContain(name);
    expect([...used].filter((n) => n.startsWith('duban_')).sort()).toEqual([
      'duban_alerts_duplicate_total', 'duban_alerts_failed_total', 'duban_alerts_sent_total', 'duban_alerts_unreachable_total', 'duban_case_metrics_up', 'duban_db_errors_total',
      'duban_intake_duration_seconds_bucket', 'duban_intake_duration_seconds_count', 'duban_open_duties', 'duban_overdue_duties',
      'duban_step_lateness_seconds_bucket', 'duban_step_lateness_seconds_count', 'duban_step_lateness_seconds_sum',
    ]);
  });
});
