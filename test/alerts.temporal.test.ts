// Alerts end to end on a real worker and the time-skipping test server, with real peers: Twilio's Messages API
// (local HTTP), SMTP (smtp-server), the delivery plugin on its own fastify instance (status callbacks, arrival links).
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from 'vitest';
import { deliveryRoutes } from '../src/api/deliveryRoutes.js';
import { signArrivalToken } from '../src/arrivalLink.js';
import { startEscalatedVisit, type StartVisitResult } from '../src/cases.js';
import type { Directory } from '../src/directory.js';
import { caseQuery, reassignUnitUpdate, type CaseView, type TimelineEntry } from '../src/messages.js';
import {
  ARRIVAL_SECRET,
  INVALID_NUMBER,
  TWILIO_TOKEN,
  alertDirectory,
  channelConfigFor,
  freePort,
  notifyAttemptsIn,
  startAlertWorker,
  startSmtpPeer,
  startTwilioPeer,
  twilioError,
  until,
  type AlertWorker,
  type SmtpPeer,
  type TwilioPeer,
} from './alertHelpers.js';
import { createTimeSkippingEnv, intake, policy, sampleNotice, supervisor } from './helpers.js';

const TASK_QUEUE = 'duban-alerts';
let env: TestWorkflowEnvironment;
let smtp: SmtpPeer;
let twilioPeer: TwilioPeer;
let api: FastifyInstance;
let apiUrl: string;
let worker: AlertWorker;
let directory: Directory = alertDirectory();
const started: StartVisitResult[] = [];

beforeAll(async () => {
  [env, smtp, twilioPeer] = await Promise.all([createTimeSkippingEnv(), startSmtpPeer(), startTwilioPeer()]);
  // The plugin on its own fastify instance, as the main API will register it; its clock is the test server's.
  const port = await freePort();
  apiUrl = `http://127.0.0.1:${port}`;
  worker = await startAlertWorker(env, {
    taskQueue: TASK_QUEUE,
    directory: () => directory,
    channels: channelConfigFor({ smtp, twilio: twilioPeer, statusCallbackBase: apiUrl }),
    arrivalLinks: { baseUrl: apiUrl, secret: ARRIVAL_SECRET },
  });
  // Used tokens in the worker's database, as the API and the workers share one store of record.
  api = Fastify();
  await api.register(deliveryRoutes({ client: env.client, db: worker.records.db, publicBaseUrl: apiUrl, twilioAuthToken: TWILIO_TOKEN, arrivalSecret: ARRIVAL_SECRET, now: () => env.currentTimeMs() }));
  await api.listen({ port, host: '127.0.0.1' });
}, 90_000);

beforeEach(() => {
  directory = alertDirectory();
  smtp.mails.length = 0;
  twilioPeer.requests.length = 0;
  twilioPeer.respond = () => undefined;
  twilioPeer.deliverCallbacks = false;
  twilioPeer.callbackResults.length = 0;
});
afterEach(async () => {
  for (const c of started.splice(0)) {
    const { status } = await c.handle.describe();
    if (status.name === 'RUNNING') await c.handle.terminate('test finished');
  }
});
afterAll(async () => {
  await worker?.stop();
  await api?.close();
  await Promise.all([smtp?.stop(), twilioPeer?.close()]);
  await env?.teardown();
});

async function startCase(unitId = 'wuli-gov', usePolicy = policy): Promise<StartVisitResult> {
  const c = await startEscalatedVisit(sampleNotice('city', await env.currentTimeMs(), { unitId }), {
    client: env.client,
    taskQueue: TASK_QUEUE,
    policy: usePolicy,
    directory,
    actor: intake,
    now: await env.currentTimeMs(),
  });
  started.push(c);
  return c;
}

const view = (c: StartVisitResult): Promise<CaseView> => c.handle.query(caseQuery);
const entries = async (c: StartVisitResult, type: TimelineEntry['type']): Promise<TimelineEntry[]> => (await view(c)).timeline.filter((e) => e.type === type);
const smsTo = (phone: string): string[] => twilioPeer.accepted().filter((r) => r.form.To === phone).map((r) => r.form.Body!);
const mailTo = (address: string): number => smtp.mails.filter((m) => m.envelopeTo.includes(address)).length;

/** Attempts of each notify activity, from the case's history. */
async function notifyAttempts(c: StartVisitResult): Promise<number[]> {
  return notifyAttemptsIn(await c.handle.fetchHistory());
}

async function alertDone(c: StartVisitResult): Promise<void> {
  await until('the alert to be sent', () => worker.logs.filter((l) => l.includes(`case=${c.caseId}`) && / (accepted|wrote) alert /.test(l)).length, (n) => n >= 3);
  // The log line comes before the completion reaches the history; attempts are read from the history.
  await until('the completed notify in the history', () => notifyAttempts(c), (a) => a.length > 0);
}

test('an alert goes out on each person’s first channel; leaders’ SMS carry their arrival link; Twilio’s signed receipts land in the timeline', async () => {
  twilioPeer.deliverCallbacks = true;
  const c = await startCase();
  await alertDone(c);
  const [zhang] = smsTo('+8613800000101');
  expect(smsTo('+8613800000101')).toHaveLength(1);
  expect(smsTo('+8613800000102')).toHaveLength(1);
  expect(zhang).toMatch(new RegExp(`^【督办】五里乡人民政府：有群众到市上访，现在市信访局接待大厅。请主要领导或分管领导北京时间\\d+月\\d+日\\d\\d:\\d\\d(:\\d\\d)?前到场接回。案件号${c.caseId}。到场报到：${apiUrl}/a/${c.caseId.slice(6)}~wuli-gov-zhang~[0-9a-z]+~[A-Za-z0-9_-]{16}$`));
  expect(twilioPeer.accepted()[0]!.form.StatusCallback).toBe(`${apiUrl}/twilio/status?caseId=${encodeURIComponent(c.caseId)}&key=alert&recipientId=wuli-gov-zhang`);
  expect(mailTo('chen.xiaoyan@wuli.example.cn')).toBe(1); // the contact prefers e-mail
  expect(smsTo('+8613800000103')).toHaveLength(0);

  const delivered = await until('both receipts in the timeline', () => entries(c, 'notificationDelivered'), (e) => e.length === 2);
  expect(twilioPeer.callbackResults.map((r) => r.status)).toEqual([200, 200]);
  expect(delivered.map((e) => e.detail!.recipientId).sort()).toEqual(['wuli-gov-wang', 'wuli-gov-zhang']);
  expect(delivered[0]!.detail).toMatchObject({ key: 'alert', channel: 'sms', status: 'delivered', providerId: expect.stringMatching(/^SM[0-9a-f]{32}$/) as string });
  expect(await notifyAttempts(c)).toEqual([1]);
});

test('a status callback with a bad signature is refused; a good one is recorded once, however often Twilio repeats it', async () => {
  const c = await startCase();
  await alertDone(c);
  const sid = twilioPeer.accepted()[0]!.sid!;
  const url = `${apiUrl}/twilio/status?caseId=${encodeURIComponent(c.caseId)}&key=alert&recipientId=wuli-gov-zhang`;
  const params = { AccountSid: twilioPeer.accepted()[0]!.accountSid, MessageSid: sid, MessageStatus: 'undelivered', ErrorCode: '30003', To: '+8613800000101' };
  const post = (signature: string, body = params): Promise<Response> =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body: new URLSearchParams(body).toString() });

  expect((await post('bm90IGEgc2lnbmF0dXJl')).status).toBe(403);
  // Signed for other parameters (a forged status): refused.
  expect((await post(getExpectedTwilioSignature(TWILIO_TOKEN, url, params), { ...params, MessageStatus: 'delivered' })).status).toBe(403);
  // Signed with another account's token: refused.
  expect((await post(getExpectedTwilioSignature('another-token', url, params))).status).toBe(403);
  expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params).toString() })).status).toBe(403);
  expect(await entries(c, 'notificationUndelivered')).toEqual([]);

  const good = await post(getExpectedTwilioSignature(TWILIO_TOKEN, url, params));
  expect(good.status).toBe(200);
  expect(await good.json()).toEqual({ recorded: true });
  expect((await post(getExpectedTwilioSignature(TWILIO_TOKEN, url, params))).status).toBe(200);
  const undelivered = await until('the receipt in the timeline', () => entries(c, 'notificationUndelivered'), (e) => e.length >= 1);
  await new Promise((r) => setTimeout(r, 300));
  expect(await entries(c, 'notificationUndelivered')).toHaveLength(1);
  expect(undelivered[0]).toMatchObject({ actor: { id: 'duban', role: 'system' }, detail: { key: 'alert', recipientId: 'wuli-gov-zhang', channel: 'sms', providerId: sid, status: 'undelivered', errorCode: '30003' } });
  expect(JSON.stringify(await view(c))).not.toContain('+8613800000101');

  // Intermediate statuses are acknowledged and not recorded.
  const sent = { ...params, MessageStatus: 'sent' };
  const r = await post(getExpectedTwilioSignature(TWILIO_TOKEN, url, sent), sent);
  expect(await r.json()).toEqual({ recorded: false, reason: 'status sent is not final' });
});

test('Twilio answers 500, then 201: the SMS is sent once, after Temporal retried the activity', async () => {
  let failed = false;
  twilioPeer.respond = (req) => {
    if (req.form.To === '+8613800000101' && !failed) {
      failed = true;
      return twilioError(500, 20500, 'Internal Server Error');
    }
    return undefined;
  };
  const c = await startCase();
  await alertDone(c);
  expect(twilioPeer.requests.filter((r) => r.form.To === '+8613800000101').map((r) => r.status)).toEqual([500, 201]);
  expect(smsTo('+8613800000101')).toHaveLength(1);
  expect(smsTo('+8613800000102')).toHaveLength(1);
  expect(mailTo('chen.xiaoyan@wuli.example.cn')).toBe(1);
  expect(await notifyAttempts(c)).toEqual([2]);
  expect(await entries(c, 'notificationFailed')).toEqual([]);
});

test('Twilio answers 400 (21211, invalid number): no retry, the leader gets the alert by e-mail', async () => {
  directory = alertDirectory({ phones: { zhang: INVALID_NUMBER } });
  twilioPeer.respond = (req) => (req.form.To === INVALID_NUMBER ? twilioError(400, 21211, `The 'To' number ${INVALID_NUMBER} is not a valid phone number.`) : undefined);
  const c = await startCase();
  await alertDone(c);
  expect(twilioPeer.requests.filter((r) => r.form.To === INVALID_NUMBER).map((r) => r.status)).toEqual([400]);
  expect(mailTo('zhang.jianguo@wuli.example.cn')).toBe(1);
  const mail = smtp.mails.find((m) => m.envelopeTo.includes('zhang.jianguo@wuli.example.cn'))!;
  expect(mail.parsed.subject).toBe(`【督办】接人通知：五里乡人民政府（案件号${c.caseId}）`);
  expect(mail.parsed.text).toContain(`报告到达：${apiUrl}/a/${c.caseId.slice(6)}~wuli-gov-zhang~`);
  expect(smsTo('+8613800000102')).toHaveLength(1);
  expect(await notifyAttempts(c)).toEqual([1]);
  expect(await entries(c, 'notificationFailed')).toEqual([]);
});

test('SMTP down, then back: the retried activity sends the e-mail once and does not repeat the SMS already accepted', async () => {
  await smtp.stop();
  const c = await startCase();
  await until('SMS to both leaders', () => twilioPeer.accepted().length, (n) => n === 2);
  await until('a retry of notify', async () => (await c.handle.describe()).raw.pendingActivities?.[0]?.attempt ?? 0, (a) => a >= 2);
  expect(smtp.mails).toHaveLength(0);
  await smtp.start();
  await until('the e-mail after recovery', () => mailTo('chen.xiaoyan@wuli.example.cn'), (n) => n >= 1);
  await until('notify completed', async () => (await c.handle.describe()).raw.pendingActivities?.length ?? 0, (n) => n === 0);
  expect(mailTo('chen.xiaoyan@wuli.example.cn')).toBe(1);
  expect(smsTo('+8613800000101')).toHaveLength(1);
  expect(smsTo('+8613800000102')).toHaveLength(1);
  expect((await notifyAttempts(c))[0]).toBeGreaterThanOrEqual(2);
  expect(await entries(c, 'notificationFailed')).toEqual([]);
}, 60_000);

test('a leader nobody can reach is named (by ID) in the timeline and reported to the supervisor', async () => {
  twilioPeer.respond = (req) => (req.form.To === INVALID_NUMBER ? twilioError(400, 21211, 'invalid') : undefined);
  const c = await startCase('dongcun');
  const failed = await until('notificationFailed', () => entries(c, 'notificationFailed'), (e) => e.length === 1);
  expect(failed[0]).toMatchObject({
    milestone: 'arrival',
    actor: { id: 'duban', role: 'system' },
    reason: '通知未能送达：dongcun-sun',
    detail: { event: 'alert', key: 'alert', recipientId: 'dongcun-sun', channels: 'sms', reportedTo: 1 },
  });
  expect(JSON.stringify((await view(c)).timeline)).not.toContain(INVALID_NUMBER);
  const report = smtp.mails.find((m) => m.envelopeTo.includes('li.weidong@xfb.example.cn'))!;
  expect(report.parsed.subject).toBe(`【督办】通知未送达：东村村委会（案件号${c.caseId}）`);
  expect(mailTo('zhou.hong@wuli.example.cn')).toBe(1);
  expect(await notifyAttempts(c)).toEqual([1]);
});

test('arrival by link: a confirmation page, then the validated update; a reused, forged or expired link is refused', async () => {
  const c = await startCase();
  await alertDone(c);
  const linkOf = (phone: string): string => /(http:\/\/\S+\/a\/\S+)$/.exec(smsTo(phone)[0]!)![1]!;
  const zhangLink = linkOf('+8613800000101');
  const wangLink = linkOf('+8613800000102');
  const json = { accept: 'application/json' };

  // Opening the link (or a link preview fetching it) changes nothing.
  const page = await fetch(zhangLink);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<form method="post"><button type="submit"');
  expect((await view(c)).arrival).toBeNull();

  const forged = zhangLink.replace('wuli-gov-zhang', 'wuli-gov-wang');
  expect((await fetch(forged, { method: 'POST', headers: json })).status).toBe(403);
  const expiredToken = signArrivalToken(ARRIVAL_SECRET, { caseId: c.caseId, leaderId: 'wuli-gov-zhang', expiresAt: (await env.currentTimeMs()) - 1000 });
  expect((await fetch(`${apiUrl}/a/${expiredToken}`, { method: 'POST', headers: json })).status).toBe(410);
  expect((await view(c)).arrival).toBeNull();

  const ok = await fetch(zhangLink, { method: 'POST', headers: json });
  expect(ok.status).toBe(200);
  expect(await ok.json()).toMatchObject({ caseId: c.caseId, leaderId: 'wuli-gov-zhang', stage: 'closureReport.pending', arrival: { leaderId: 'wuli-gov-zhang', leaderRole: 'principal', onTime: true } });
  const arrival = (await entries(c, 'arrival'))[0]!;
  expect(arrival).toMatchObject({ actor: { id: 'wuli-gov-zhang', role: 'unit' }, reason: '通过到达链接报告' });

  // The same link again: the used-token check refuses it. The other leader's unused link: the workflow refuses it.
  expect((await fetch(zhangLink, { method: 'POST', headers: json })).status).toBe(409);
  const second = await fetch(wangLink, { method: 'POST', headers: json });
  expect(second.status).toBe(409);
  expect(await second.json()).toMatchObject({ type: 'InvalidState', error: 'leaderId: arrival was already reported' });
  expect(await entries(c, 'arrival')).toHaveLength(1);
});

test('after a reassignment the old unit’s leader link is refused by the workflow (not this unit’s leader)', async () => {
  const c = await startCase();
  await alertDone(c);
  const link = /(http:\/\/\S+\/a\/\S+)$/.exec(smsTo('+8613800000101')[0]!)![1]!;
  await c.handle.executeUpdate(reassignUnitUpdate, { args: [{ unitId: 'dongcun', reason: '改由东村负责', actor: supervisor }] });
  const refused = await fetch(link, { method: 'POST', headers: { accept: 'application/json' } });
  expect(refused.status).toBe(422);
  expect(await refused.json()).toMatchObject({ type: 'InvalidInput', error: 'leaderId: is not a principal leader or leader in charge of unit dongcun' });
  expect((await view(c)).arrival).toBeNull();
});

test('the pinned policy’s audience decides who hears an event', async () => {
  const c = await startCase('wuli-gov', { ...policy, version: 'audience-test', audience: { ...policy.audience, alert: ['principal', 'supervisor'] } });
  await until('the alert to be sent', () => worker.logs.filter((l) => l.includes(`case=${c.caseId}`)).length, (n) => n >= 2);
  await new Promise((r) => setTimeout(r, 300));
  expect(worker.logs.filter((l) => l.includes(`case=${c.caseId}`)).sort()).toEqual([`email accepted alert case=${c.caseId} to=xfb-li`, `sms accepted alert case=${c.caseId} to=wuli-gov-zhang`]);
  expect(smsTo('+8613800000102')).toHaveLength(0);
  expect(mailTo('chen.xiaoyan@wuli.example.cn')).toBe(0);
});
