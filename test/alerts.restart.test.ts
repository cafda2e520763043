// The worker goes away in the middle of a multi-recipient send, a new one takes over: each recipient gets the alert once.
// Real workers on the Temporal dev server (temporal server start-dev: sticky queues handed back on shutdown, heartbeat
// details kept when an attempt fails), a slow Twilio peer; progress travels only in the activity's heartbeat details.
import { defaultPayloadConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startEscalatedVisit } from '../src/cases.js';
import { caseQuery } from '../src/messages.js';
import {
  alertDirectory,
  channelConfigFor,
  notifyAttemptsIn,
  startAlertWorker,
  startSmtpPeer,
  startTwilioPeer,
  until,
  type AlertWorker,
  type SmtpPeer,
  type TwilioPeer,
} from './alertHelpers.js';
import { createDevServerEnv, intake, policy, sampleNotice } from './helpers.js';

const TASK_QUEUE = 'duban-alerts-restart';
let env: TestWorkflowEnvironment;
let smtp: SmtpPeer;
let twilioPeer: TwilioPeer;
const workers: AlertWorker[] = [];

beforeAll(async () => {
  [env, smtp, twilioPeer] = await Promise.all([createDevServerEnv(), startSmtpPeer(), startTwilioPeer()]);
}, 90_000);
afterAll(async () => {
  for (const w of workers) await w.stop();
  await Promise.all([smtp?.stop(), twilioPeer?.close()]);
  await env?.teardown();
});

test('the worker shuts down while the second of three messages is in flight; a new worker sends only the rest', async () => {
  const directory = alertDirectory();
  const channels = channelConfigFor({ smtp, twilio: twilioPeer });
  // Twilio takes 1.5 s to accept the second leader's SMS: the worker is told to stop meanwhile.
  twilioPeer.respond = (req) => (req.form.To === '+8613800000102' ? { status: 201, body: undefined, delayMs: 1500 } : undefined);

  const first = await startAlertWorker(env, { taskQueue: TASK_QUEUE, directory: () => directory, channels, shutdownGraceTime: '200ms' });
  workers.push(first);
  // The alert: SMS to the principal and the leader in charge, e-mail to the contact.
  const c = await startEscalatedVisit(sampleNotice('city', await env.currentTimeMs()), { client: env.client, taskQueue: TASK_QUEUE, policy, directory, actor: intake, now: await env.currentTimeMs() });

  await until('the second SMS to be in flight', () => twilioPeer.requests.filter((r) => r.form.To === '+8613800000102' && r.status === 0).length, (n) => n === 1);
  expect(twilioPeer.accepted().map((r) => r.form.To)).toEqual(['+8613800000101']);
  await first.stop(); // returns once the activity gave up: it finished the send in flight, then saw the cancellation
  expect(first.logs.filter((l) => l.includes(c.caseId))).toEqual([`sms accepted alert case=${c.caseId} to=wuli-gov-zhang`, `sms accepted alert case=${c.caseId} to=wuli-gov-wang`]);
  expect(smtp.mails).toHaveLength(0);
  // The progress the next attempt starts from: both SMS accepted, by the message IDs Twilio gave them.
  const details = (await c.handle.describe()).raw.pendingActivities?.[0]?.heartbeatDetails?.payloads ?? [];
  expect(twilioPeer.accepted().map((r) => r.form.To)).toEqual(['+8613800000101', '+8613800000102']);
  const [zhangSid, wangSid] = twilioPeer.accepted().map((r) => r.sid);
  expect([zhangSid, wangSid]).toEqual([expect.stringMatching(/^SM[0-9a-f]{32}$/), expect.stringMatching(/^SM[0-9a-f]{32}$/)]);
  expect(details.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([
    {
      v: 1,
      done: {
        'wuli-gov-zhang': { recipientId: 'wuli-gov-zhang', channel: 'sms', status: 'accepted', providerId: zhangSid },
        'wuli-gov-wang': { recipientId: 'wuli-gov-wang', channel: 'sms', status: 'accepted', providerId: wangSid },
      },
      // No channel failed for either leader; the contact's slot was never reached.
      failed: { 'wuli-gov-zhang': [], 'wuli-gov-wang': [] },
    },
  ]);

  const second = await startAlertWorker(env, { taskQueue: TASK_QUEUE, directory: () => directory, channels });
  workers.push(second);
  await until('the contact’s e-mail', () => smtp.mails.length, (n) => n >= 1);
  await until('notify completed', async () => (await c.handle.describe()).raw.pendingActivities?.length ?? 0, (n) => n === 0);

  expect(second.logs.filter((l) => l.includes(c.caseId))).toEqual([`email accepted alert case=${c.caseId} to=wuli-gov-chen`]);
  const perPhone = (phone: string): number => twilioPeer.requests.filter((r) => r.form.To === phone).length;
  expect(perPhone('+8613800000101')).toBe(1);
  expect(perPhone('+8613800000102')).toBe(1);
  expect(smtp.mails.map((m) => m.envelopeTo)).toEqual([['chen.xiaoyan@wuli.example.cn']]);
  // The completed attempt reaches the history a moment after the activity leaves the pending list.
  const attempts = await until('the completed notify in the history', async () => notifyAttemptsIn(await c.handle.fetchHistory()), (a) => a.length > 0);
  expect(attempts).toEqual([2]);
  expect((await c.handle.query(caseQuery)).timeline.filter((e) => e.type === 'notificationFailed')).toEqual([]);
  await c.handle.terminate('test finished');
}, 60_000);
