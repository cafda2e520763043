// /metrics after a real ladder: the dev server, duban's worker as its own process (worker.ts main(): the metrics server
// on DUBAN_WORKER_METRICS_PORT and Temporal's Prometheus exporter on DUBAN_SDK_METRICS_ADDRESS), real SMTP and Twilio
// peers, the real PostgreSQL, the API in this process. One district case under the seconds-scale demo policy climbs
// the whole ladder, then arrival and the closure report end it; the counters are checked exactly, and against what the
// peers received.
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadApiKeys } from '../src/api/auth.js';
import { buildApiServer } from '../src/api/server.js';
import { createDataConverter, loadCodec } from '../src/codec.js';
import { ROOT } from '../src/config.js';
import type { CaseView } from '../src/messages.js';
import { freePort } from '../src/net.js';
import { openRecords, type Records } from '../src/records/index.js';
import { ensureNamespace } from '../src/temporal.js';
import { INVALID_NUMBER, TWILIO_FROM, TWILIO_SID, TWILIO_TOKEN, alertDirectory, startSmtpPeer, startTwilioPeer, twilioError, type SmtpPeer, type TwilioPeer } from './alertHelpers.js';
import { startScript, type ScriptProcess } from './processHelpers.js';
import { freshDatabase } from './db.js';
import { createDevServerEnv, demoPolicy, policy, until } from './helpers.js';
import { byLabel, parseMetrics, samples, total, type Sample } from './metrics.scrape.js';

const TASK_QUEUE = 'duban-metrics';
let env: TestWorkflowEnvironment;
let smtp: SmtpPeer;
let twilioPeer: TwilioPeer;
let worker: ScriptProcess | undefined;
let records: Records | undefined;
let api: FastifyInstance | undefined;
let client: Client;
let workerPort = 0;
let sdkPort = 0;

beforeAll(async () => {
  [env, smtp, twilioPeer] = await Promise.all([createDevServerEnv(), startSmtpPeer(), startTwilioPeer()]);
  await ensureNamespace(env.connection, env.namespace ?? 'default');
  const database = await freshDatabase();
  await database.close();
  const keys = JSON.stringify({ current: 'k1', keys: { k1: randomBytes(32).toString('base64') } });
  const codec = loadCodec({ DUBAN_CODEC_KEYS: keys });
  client = new Client({ connection: env.connection, namespace: env.namespace ?? 'default', dataConverter: createDataConverter(codec) });
  records = await openRecords(codec.codec, { url: database.url });
  const dir = mkdtempSync(join(tmpdir(), 'duban-metrics-'));
  const directoryFile = join(dir, 'units.json');
  writeFileSync(directoryFile, JSON.stringify(alertDirectory()));
  [workerPort, sdkPort] = [await freePort(), await freePort()];
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_NAMESPACE: env.namespace ?? 'default',
    DUBAN_TASK_QUEUE: TASK_QUEUE,
    DUBAN_DATABASE_URL: database.url,
    DUBAN_CODEC_KEYS: keys,
    DUBAN_POLICY_FILE: join(ROOT, 'config/policy.demo.json'),
    DUBAN_DIRECTORY_FILE: directoryFile,
    DUBAN_DATA_DIR: dir,
    DUBAN_WORKER_METRICS_PORT: String(workerPort),
    DUBAN_SDK_METRICS_ADDRESS: `127.0.0.1:${sdkPort}`,
    TWILIO_ACCOUNT_SID: TWILIO_SID,
    TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
    TWILIO_FROM,
    TWILIO_API_BASE_URL: twilioPeer.baseUrl,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtp.port),
    SMTP_FROM: '督办系统 <duban@xfb.example.cn>',
  };
  delete childEnv.DUBAN_METRICS_TOKEN;
  worker = await startScript('worker.ts', childEnv, 'duban worker: namespace');
  api = await buildApiServer({ client, records, namespace: env.namespace ?? 'default', taskQueue: TASK_QUEUE, policy: demoPolicy, directory: alertDirectory(), keys: loadApiKeys({}) });
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await api?.close();
  await records?.db.end();
  await Promise.all([smtp?.stop(), twilioPeer?.close()]);
  await env?.teardown();
}, 60_000);

const scrapeWorker = async (): Promise<Sample[]> => parseMetrics(await (await fetch(`http://127.0.0.1:${workerPort}/metrics`)).text());
const scrapeSdk = async (): Promise<Sample[]> => parseMetrics(await (await fetch(`http://127.0.0.1:${sdkPort}/metrics`)).text());
const scrapeApi = async (): Promise<Sample[]> => parseMetrics((await api!.inject({ method: 'GET', url: '/metrics' })).body);
const call = async (method: 'GET' | 'POST', url: string, key: string, payload?: unknown): Promise<{ status: number; json: CaseView }> => {
  const res = await api!.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
  return { status: res.statusCode, json: res.json<CaseView>() };
};

test('one district ladder: steps fired, alerts by channel and event, intake, open duties, exactly', async () => {
  const noticeId = `M-${process.pid}-${Date.now()}`;
  const notice = { noticeId, level: 'district', receivedAt: new Date().toISOString(), unitId: 'wuli-gov', receptionSite: '区信访局', headcount: 4, matterSummary: '工资拖欠' };
  expect((await call('POST', '/cases', 'dev-intake-key', notice)).status).toBe(201);
  // The same notice again (200) and a notice without a unit (400): each timed under its status.
  expect((await call('POST', '/cases', 'dev-intake-key', notice)).status).toBe(200);
  expect((await call('POST', '/cases', 'dev-intake-key', { ...notice, noticeId: `${noticeId}-bad`, unitId: undefined })).status).toBe(400);
  const caseId = `visit:${noticeId}`;
  const handle = client.workflow.getHandle(caseId);

  await until('the deduction', () => call('GET', `/cases/${caseId}`, 'dev-viewer-key'), (r) => r.json.deductions?.length === 1, 90_000);
  // While the case sits at its deduction: one open duty, red, overdue — once the worker has recorded the stage.
  const atDeduction = await until('the red duty', scrapeApi, (m) => total(m, 'duban_open_duties', { stage: 'arrival.deduction', colour: 'red' }) === 1, 20_000);
  expect(samples(atDeduction, 'duban_open_duties').map((s) => [s.labels, s.value])).toEqual([[{ kind: 'escalatedVisit', level: 'district', stage: 'arrival.deduction', colour: 'red' }, 1]]);
  expect(samples(atDeduction, 'duban_overdue_duties').map((s) => [s.labels, s.value])).toEqual([[{ kind: 'escalatedVisit', level: 'district', duty: 'arrival' }, 1]]);
  expect(total(atDeduction, 'duban_case_metrics_up')).toBe(1);

  expect((await call('POST', `/cases/${caseId}/arrival`, 'dev-unit-wuli-gov-key', { leaderId: 'wuli-gov-zhang', arrivedAt: new Date().toISOString() })).status).toBe(200);
  expect((await call('POST', `/cases/${caseId}/closure-report`, 'dev-unit-wuli-gov-key', { result: '已接回，矛盾已化解' })).status).toBe(200);
  expect(((await handle.result()) as CaseView).status).toBe('closed');

  // 18 SMS and 5 e-mails: every send counted once, as the peers received them.
  const m = await until('every send counted', scrapeWorker, (x) => total(x, 'duban_alerts_sent_total') >= 23, 30_000);
  expect(byLabel(m, 'duban_alerts_sent_total', 'channel')).toEqual({ sms: 18, email: 5 });
  expect(twilioPeer.accepted()).toHaveLength(18);
  expect(smtp.mails).toHaveLength(5);
  const sent = (event: string): Record<string, number> => byLabel(m, 'duban_alerts_sent_total', 'channel', { event });
  expect(sent('alert')).toEqual({ sms: 2, email: 1 });
  expect(sent('reminder')).toEqual({ sms: 4 });
  expect(sent('urge')).toEqual({ sms: 2, email: 1 });
  expect(sent('overdueReminder')).toEqual({ sms: 4 });
  expect(sent('supervise')).toEqual({ sms: 2, email: 1 });
  expect(sent('deduction')).toEqual({ sms: 2, email: 1 });
  expect(sent('closure')).toEqual({ sms: 2, email: 1 });
  expect(total(m, 'duban_alerts_failed_total')).toBe(0);
  expect(total(m, 'duban_alerts_duplicate_total')).toBe(0);
  expect(total(m, 'duban_alerts_unreachable_total')).toBe(0);

  // Seven ladder steps, each once, though the records that carry them overlap (ride-along, recorder, the final view).
  const steps = { kind: 'escalatedVisit', level: 'district', milestone: 'arrival' };
  expect(byLabel(m, 'duban_step_lateness_seconds_count', 'step', steps)).toEqual({ reminder: 2, urge: 1, overdueReminder: 2, supervise: 1, deduction: 1 });
  expect(total(m, 'duban_step_lateness_seconds_count')).toBe(7);
  // The histogram's +Inf bucket holds every step; the sum is the lateness the timeline shows, to the millisecond.
  expect(total(m, 'duban_step_lateness_seconds_bucket', { ...steps, le: '+Inf' })).toBe(7);
  const timeline = ((await handle.result()) as CaseView).timeline.filter((e) => e.dueAt);
  const late = timeline.reduce((a, e) => a + (Date.parse(e.at) - Date.parse(e.dueAt!)) / 1000, 0);
  expect(total(m, 'duban_step_lateness_seconds_sum')).toBeCloseTo(late, 3);
  expect(total(m, 'duban_db_errors_total')).toBe(0);

  // The API: three intakes timed by status, no database error; the case closed leaves no open duty.
  const a = await until('no open duty', scrapeApi, (x) => total(x, 'duban_open_duties') === 0, 20_000);
  expect(byLabel(a, 'duban_intake_duration_seconds_count', 'status')).toEqual({ '201': 1, '200': 1, '400': 1 });
  expect(total(a, 'duban_db_errors_total')).toBe(0);
  expect(samples(a, 'duban_overdue_duties')).toEqual([]);

  // Temporal's own worker metrics from Core's exporter: the one case completed on this task queue.
  const sdk = await until('the SDK metrics', scrapeSdk, (x) => total(x, 'temporal_workflow_completed_total', { workflow_type: 'escalatedVisit' }) >= 1, 20_000);
  expect(total(sdk, 'temporal_workflow_completed_total', { workflow_type: 'escalatedVisit', task_queue: TASK_QUEUE })).toBe(1);
  // Every Temporal metric the Grafana dashboard queries is one this exporter answers with.
  const dashboard = readFileSync(join(ROOT, 'docs/grafana-duban.json'), 'utf8');
  const sdkNames = new Set(sdk.map((x) => x.name));
  const queried = [...new Set([...dashboard.matchAll(/\b(temporal_[a-z0-9_]+)/g)].map((x) => x[1]!))];
  expect(queried.length).toBeGreaterThanOrEqual(6);
  for (const name of queried) expect(sdkNames, name).toContain(name);
  expect(worker!.output()).toContain(`duban worker: metrics on http://127.0.0.1:${workerPort}/metrics, Temporal SDK metrics on http://127.0.0.1:${sdkPort}/metrics`);
}, 180_000);

test('alerts that fail: a transient refusal retried, a permanent one, the unreachable leader reported — counted by channel and event', async () => {
  // 东村's 孙德福 has only SMS, on a number Twilio refuses for good (21211); his first send gets a 503 (retried).
  let first = true;
  twilioPeer.respond = (req) => {
    if (req.form.To !== INVALID_NUMBER) return undefined;
    if (first) {
      first = false;
      return twilioError(503, 20503, 'Service Unavailable');
    }
    return twilioError(400, 21211, "The 'To' number is not a valid phone number.");
  };
  // The three-hour policy: no ladder step comes between the alert and the cancel.
  const slow = await buildApiServer({ client, records: records!, namespace: env.namespace ?? 'default', taskQueue: TASK_QUEUE, policy, directory: alertDirectory(), keys: loadApiKeys({}) });
  try {
    const before = await scrapeWorker();
    const delta = (after: Sample[], name: string, match: Record<string, string>): number => total(after, name, match) - total(before, name, match);
    const noticeId = `F-${process.pid}-${Date.now()}`;
    const notice = { noticeId, level: 'district', receivedAt: new Date().toISOString(), unitId: 'dongcun', receptionSite: '区信访局', headcount: 2, matterSummary: '土地纠纷' };
    expect((await slow.inject({ method: 'POST', url: '/cases', headers: { authorization: 'Bearer dev-intake-key' }, payload: notice })).statusCode).toBe(201);
    const caseId = `visit:${noticeId}`;
    // The alert: 周红 by e-mail, 孙德福 nowhere, so 李卫东 (supervisor) is told by e-mail.
    await until('the alert done', scrapeWorker, (x) => delta(x, 'duban_alerts_sent_total', { event: 'undeliverable' }) >= 1, 30_000);
    const cancelled = await slow.inject({ method: 'POST', url: `/cases/${caseId}/cancellation`, headers: { authorization: 'Bearer dev-supervisor-key' }, payload: { reason: '重复登记' } });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(((await client.workflow.getHandle(caseId).result()) as CaseView).status).toBe('cancelled');
    const m = await until('the cancel done', scrapeWorker, (x) => delta(x, 'duban_alerts_sent_total', { event: 'undeliverable' }) >= 2, 30_000);

    expect(delta(m, 'duban_alerts_failed_total', { channel: 'sms', event: 'alert', failure: 'transient' })).toBe(1);
    expect(delta(m, 'duban_alerts_failed_total', { channel: 'sms', event: 'alert', failure: 'permanent' })).toBe(1);
    expect(delta(m, 'duban_alerts_failed_total', { channel: 'sms', event: 'cancel', failure: 'permanent' })).toBe(1);
    expect(delta(m, 'duban_alerts_failed_total', {})).toBe(3);
    expect(delta(m, 'duban_alerts_unreachable_total', { event: 'alert' })).toBe(1);
    expect(delta(m, 'duban_alerts_unreachable_total', { event: 'cancel' })).toBe(1);
    expect(delta(m, 'duban_alerts_sent_total', { channel: 'email', event: 'alert' })).toBe(1);
    expect(delta(m, 'duban_alerts_sent_total', { channel: 'email', event: 'cancel' })).toBe(1);
    expect(delta(m, 'duban_alerts_sent_total', { channel: 'email', event: 'undeliverable' })).toBe(2);
    expect(delta(m, 'duban_alerts_sent_total', { channel: 'sms' })).toBe(0);
    expect(delta(m, 'duban_alerts_sent_total', {})).toBe(4);
    // The retried attempt did not send 周红's e-mail again: the refusal came before her turn.
    expect(delta(m, 'duban_alerts_duplicate_total', {})).toBe(0);
    expect(delta(m, 'duban_step_lateness_seconds_count', {})).toBe(0);
  } finally {
    twilioPeer.respond = () => undefined;
    await slow.close();
  }
}, 120_000);
