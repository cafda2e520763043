// A worker process killed with SIGKILL in the middle of a multi-recipient send; another worker takes over after the
// heartbeat timeout. Messages whose acceptance reached a heartbeat are not repeated; the one in flight at the kill is:
// neither Twilio nor SMTP takes an idempotency key (docs/alerts.md, the remaining window). Dev server, real time.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startEscalatedVisit } from '../src/cases.js';
import { alertDirectory, channelConfigFor, notifyAttemptsIn, spawnWorkerProcess, startAlertWorker, startSmtpPeer, startTwilioPeer, until, type AlertWorker, type SmtpPeer, type TwilioPeer } from './alertHelpers.js';
import { createDevServerEnv, intake, policy, sampleNotice } from './helpers.js';
import { freshRecords } from './db.js';

const TASK_QUEUE = 'duban-alerts-crash';
let env: TestWorkflowEnvironment;
let smtp: SmtpPeer;
let twilioPeer: TwilioPeer;
let child: ChildProcess | undefined;
let takeover: AlertWorker | undefined;
let records: Awaited<ReturnType<typeof freshRecords>> | undefined;

beforeAll(async () => {
  [env, smtp, twilioPeer] = await Promise.all([createDevServerEnv(), startSmtpPeer(), startTwilioPeer()]);
}, 90_000);
afterAll(async () => {
  child?.kill('SIGKILL');
  await takeover?.stop();
  await Promise.all([smtp?.stop(), twilioPeer?.close()]);
  await records?.close();
  await env?.teardown();
});

test('SIGKILL mid-send: what was accepted before the kill is not sent again; only the message in flight is repeated', async () => {
  // The second leader's SMS takes Twilio 3 s: the worker process is killed while it waits.
  twilioPeer.respond = (req) => (req.form.To === '+8613800000102' ? { status: 201, body: undefined, delayMs: 3000 } : undefined);
  // Both workers hold one database, as two hosts do: the takeover sees the send keys the killed process recorded.
  records = await freshRecords();
  const proc = await spawnWorkerProcess(env, TASK_QUEUE, { twilio: twilioPeer, smtp }, records.url);
  child = proc.child;

  const directory = alertDirectory();
  const c = await startEscalatedVisit(sampleNotice('city', Date.now()), { client: env.client, taskQueue: TASK_QUEUE, policy, directory, actor: intake });
  await until('the second SMS in flight', () => twilioPeer.requests.filter((r) => r.form.To === '+8613800000102' && r.status === 0).length, (n) => n === 1);
  // The first leader's acceptance has reached the server as heartbeat details.
  await until('progress on the server', async () => JSON.stringify((await c.handle.describe()).raw.pendingActivities?.[0]?.heartbeatDetails ?? null), (d) => d !== 'null');
  await proc.kill();
  const out = proc.output();
  expect(out).toContain(`sms accepted alert case=${c.caseId} to=wuli-gov-zhang`);
  expect(out).not.toContain('to=wuli-gov-wang');
  // The store of record shows the window: the first SMS marked sent, the one in flight claimed with no outcome.
  const keys = async (): Promise<string[][]> => (await records!.db.query<{ idempotency_key: string; state: string }>('SELECT idempotency_key, state FROM send_keys ORDER BY 1')).rows.map((r) => [r.idempotency_key, r.state]);
  expect(await keys()).toEqual([
    [`${c.caseId}|alert|wuli-gov-wang|sms`, 'claimed'],
    [`${c.caseId}|alert|wuli-gov-zhang|sms`, 'sent'],
  ]);

  takeover = await startAlertWorker(env, { taskQueue: TASK_QUEUE, directory: () => directory, channels: channelConfigFor({ smtp, twilio: twilioPeer }), records });
  twilioPeer.respond = () => undefined;
  // Attempt 1 is lost with its worker: the server notices after the heartbeat timeout (10 s) and retries.
  await until('the contact’s e-mail', () => smtp.mails.length, (n) => n >= 1, 40_000);
  await until('notify completed', async () => (await c.handle.describe()).raw.pendingActivities?.length ?? 0, (n) => n === 0);

  const perPhone = (phone: string): number => twilioPeer.requests.filter((r) => r.form.To === phone).length;
  expect(perPhone('+8613800000101')).toBe(1); // accepted and heartbeated before the kill: not repeated
  expect(perPhone('+8613800000102')).toBe(2); // in flight at the kill: Twilio got it, nobody recorded it — sent again
  expect(smtp.mails.map((m) => m.envelopeTo)).toEqual([['chen.xiaoyan@wuli.example.cn']]);
  expect(takeover.logs.filter((l) => l.includes(c.caseId))).toEqual([`sms accepted alert case=${c.caseId} to=wuli-gov-wang`, `email accepted alert case=${c.caseId} to=wuli-gov-chen`]);
  expect(await keys()).toEqual([
    [`${c.caseId}|alert|wuli-gov-chen|email`, 'sent'],
    [`${c.caseId}|alert|wuli-gov-wang|sms`, 'sent'],
    [`${c.caseId}|alert|wuli-gov-zhang|sms`, 'sent'],
  ]);
  const history = await c.handle.fetchHistory();
  expect(notifyAttemptsIn(history)).toEqual([2]);
  await c.handle.terminate('test finished');
}, 120_000);
