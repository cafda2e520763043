// A step fires at its time whatever the sends of earlier steps are doing (issue 14 item 5): the Twilio-shaped peer
// answers each SMS after 2.5 s, so the alert's messages take longer than the 2 s to the first reminder. The reminders
// (2 s and 2.5 s) are recorded at their time; their messages follow, in order per recipient, each exactly once.
// Dev server, real time, a real worker with real channels.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startEscalatedVisit } from '../src/cases.js';
import { cancelUpdate, caseQuery, type CaseView } from '../src/messages.js';
import type { Policy } from '../src/policy.js';
import { alertDirectory, channelConfigFor, startAlertWorker, startSmtpPeer, startTwilioPeer, until, type AlertWorker, type SmtpPeer, type TwilioPeer } from './alertHelpers.js';
import { createDevServerEnv, demoPolicy, intake, sampleNotice, supervisor } from './helpers.js';

const TASK_QUEUE = 'duban-sends-beside';
const SMS_ANSWER_MS = 2500;
let env: TestWorkflowEnvironment;
let smtp: SmtpPeer;
let twilioPeer: TwilioPeer;
let worker: AlertWorker | undefined;

beforeAll(async () => {
  [env, smtp, twilioPeer] = await Promise.all([createDevServerEnv(), startSmtpPeer(), startTwilioPeer()]);
}, 90_000);
afterAll(async () => {
  await worker?.stop();
  await Promise.all([smtp?.stop(), twilioPeer?.close()]);
  await env?.teardown();
});

// District: deadline 6 s, reminders 4 s and 3.5 s before it (at 2 s and 2.5 s).
const policy: Policy = {
  ...demoPolicy,
  version: 'sends-beside.1',
  arrival: { ...demoPolicy.arrival, levels: { ...demoPolicy.arrival.levels, district: { ...demoPolicy.arrival.levels.district, deadline: '6s', reminderOffsets: ['4s', '3500ms'] } } },
};

test('reminders due while the alert is still being sent fire at their time; every message once, in order per recipient', async () => {
  const directory = alertDirectory();
  worker = await startAlertWorker(env, { taskQueue: TASK_QUEUE, directory: () => directory, channels: channelConfigFor({ smtp, twilio: twilioPeer }) });
  twilioPeer.respond = () => ({ status: 201, body: undefined, delayMs: SMS_ANSWER_MS });
  const t0 = Date.now();
  const c = await startEscalatedVisit(sampleNotice('district', t0), { client: env.client, taskQueue: TASK_QUEUE, policy, directory, actor: intake, now: t0 });
  const twoReminders = (v: CaseView): boolean => v.timeline.filter((e) => e.type === 'reminder').length === 2;
  const reminded = await until('both reminders', () => c.handle.query(caseQuery), twoReminders, 20_000);
  await c.handle.executeUpdate(cancelUpdate, { args: [{ reason: '测试结束', actor: supervisor }] });
  const last = (await c.handle.result()) as CaseView;

  const reminders = reminded.timeline.filter((e) => e.type === 'reminder');
  expect(reminders.map((e) => e.dueAt)).toEqual([new Date(t0 + 2000).toISOString(), new Date(t0 + 2500).toISOString()]);
  const sms = [...twilioPeer.accepted()].sort((a, b) => a.at - b.at);
  const kindOf = (body: string): string => (body.includes('已撤销') ? 'cancel' : body.includes('将至') ? 'reminder' : 'alert');
  // The alert's last message was answered after both reminders had fired: the loop did not wait for its sends.
  const lastAlertAnswered = Math.max(...sms.filter((r) => kindOf(r.form.Body!) === 'alert').map((r) => r.at)) + SMS_ANSWER_MS;
  expect(Date.parse(reminders[1]!.at)).toBeLessThan(lastAlertAnswered);
  for (const r of reminders) expect(Date.parse(r.at)).toBeGreaterThanOrEqual(Date.parse(r.dueAt!));

  // Each recipient got alert, reminder, reminder, cancel — once each, in that order.
  const byRecipient = new Map<string, string[]>();
  for (const r of sms) byRecipient.set(r.form.To!, [...(byRecipient.get(r.form.To!) ?? []), r.form.Body!]);
  expect([...byRecipient.keys()].sort()).toEqual(['+8613800000101', '+8613800000102']);
  for (const bodies of byRecipient.values()) expect(bodies.map(kindOf)).toEqual(['alert', 'reminder', 'reminder', 'cancel']);
  expect(last.status).toBe('cancelled');
  expect(last.timeline.filter((e) => e.type === 'notificationFailed')).toEqual([]);
}, 90_000);
