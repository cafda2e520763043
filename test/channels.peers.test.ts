// Each channel against a real protocol peer on loopback: SMTP (smtp-server + mailparser), Twilio's Messages API (a
// local HTTP peer, and Prism serving Twilio's own OpenAPI description), WeCom and DingTalk robot webhooks.
import { createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { deliver, type NotifyProgress } from '../activities/channels/deliver.js';
import { messageIdFor } from '../activities/channels/email.js';
import { createChannels, createOutboxChannel, type ChannelSet, PermanentDeliveryError, TransientDeliveryError, type OutgoingMessage } from '../activities/channels/index.js';
import { createDingtalkChannel, createWecomChannel } from '../activities/channels/robots.js';
import { createSmsChannel } from '../activities/channels/sms.js';
import type { Person } from '../src/directory.js';
import { sendKeyStore } from '../src/records/sendKeys.js';
import { renderChat, renderEmail, renderSms, type NotifyRequest } from '../src/notifications.js';
import {
  INVALID_NUMBER,
  TWILIO_FROM,
  TWILIO_SID,
  TWILIO_TOKEN,
  alertDirectory,
  channelConfigFor,
  freePort,
  startPrism,
  startSmtpPeer,
  startTwilioPeer,
  startWebhookPeer,
  twilioError,
  type SmtpPeer,
  type TwilioPeer,
  type WebhookPeer,
} from './alertHelpers.js';
import { freshRecords } from './db.js';

const directory = alertDirectory();
const zhang = directory.units[0]!.people[0]!;
const wang = directory.units[0]!.people[1]!;
const FROM = '督办系统 <duban@xfb.example.cn>';

function alertRequest(caseId = 'visit:N-PEER-1'): NotifyRequest {
  return {
    caseId,
    key: 'alert',
    event: 'alert',
    unitId: 'wuli-gov',
    unitName: '五里乡人民政府',
    level: 'city',
    milestone: 'arrival',
    deadline: '2026-11-25T09:30:00.000Z',
    receptionSite: '市信访局接待大厅',
  };
}

function message(person: Person, channel: string, request = alertRequest()): OutgoingMessage {
  return {
    idempotencyKey: `${request.caseId}|${request.key}|${person.id}|${channel}`,
    request,
    event: request.event,
    recipient: person,
    context: { id: person.id, name: person.name, role: person.role, ...(person.title ? { title: person.title } : {}) },
  };
}

let smtp: SmtpPeer;
let twilioPeer: TwilioPeer;
let robots: WebhookPeer;
beforeAll(async () => {
  [smtp, twilioPeer, robots] = await Promise.all([startSmtpPeer(), startTwilioPeer(), startWebhookPeer()]);
});
afterAll(async () => {
  await Promise.all([smtp?.stop(), twilioPeer?.close(), robots?.close()]);
});
beforeEach(() => {
  smtp.mails.length = 0;
  smtp.rejectRecipients.clear();
  smtp.deferRecipients.clear();
  twilioPeer.requests.length = 0;
  twilioPeer.respond = () => undefined;
  robots.hits.length = 0;
  robots.respond = () => ({ status: 200, body: { errcode: 0, errmsg: 'ok' } });
});

describe('e-mail (nodemailer → smtp-server)', () => {
  test('one mail: envelope and To, UTF-8 subject, plain-text and HTML parts, Chinese text exactly, Message-ID from the key', async () => {
    const channels = createChannels(channelConfigFor({ smtp }), mkdtempSync(join(tmpdir(), 'duban-o-')));
    try {
      const m = message(zhang, 'email');
      const receipt = await channels.get('email')!.send(m);
      expect(smtp.mails).toHaveLength(1);
      const mail = smtp.mails[0]!;
      const expected = renderEmail(m.request, m.context);
      expect(mail.envelopeFrom).toBe('duban@xfb.example.cn');
      expect(mail.envelopeTo).toEqual(['zhang.jianguo@wuli.example.cn']);
      expect(mail.parsed.to).toMatchObject({ value: [{ address: 'zhang.jianguo@wuli.example.cn', name: '张建国' }] });
      expect(mail.parsed.from).toMatchObject({ value: [{ address: 'duban@xfb.example.cn', name: '督办系统' }] });
      expect(mail.parsed.subject).toBe('【督办】接人通知：五里乡人民政府（案件号visit:N-PEER-1）');
      expect(mail.raw).toMatch(/^Subject: =\?UTF-8\?/im); // encoded word, UTF-8
      expect(mail.parsed.text).toBe(expected.text);
      expect(mail.parsed.text).toContain('期限：北京时间2026年11月25日 17:30');
      expect(mail.parsed.html).toBe(expected.html);
      expect(mail.raw).toMatch(/Content-Type: multipart\/alternative/i);
      expect(mail.parsed.messageId).toBe(messageIdFor(m.idempotencyKey, FROM));
      expect(receipt.providerId).toBe(mail.parsed.messageId);
      expect(mail.parsed.headers.get('x-duban-idempotency-key')).toBe('visit:N-PEER-1|alert|wuli-gov-zhang|email');
    } finally {
      await channels.close();
    }
  });

  test('a mailbox refused with 550 is permanent; 451 and a server that is down are transient', async () => {
    const channels = createChannels(channelConfigFor({ smtp }), mkdtempSync(join(tmpdir(), 'duban-o-')));
    smtp.rejectRecipients.add('wang.lixin@wuli.example.cn');
    await expect(channels.get('email')!.send(message(wang, 'email'))).rejects.toMatchObject({ name: 'PermanentDeliveryError', code: 550 });
    smtp.deferRecipients.add('zhang.jianguo@wuli.example.cn');
    await expect(channels.get('email')!.send(message(zhang, 'email'))).rejects.toMatchObject({ name: 'TransientDeliveryError', code: 451 });
    expect(smtp.mails).toHaveLength(0);
    await channels.close();
    const down = createChannels({ smtp: { host: '127.0.0.1', port: await freePort(), secure: false, from: FROM, timeoutMs: 2000 } }, mkdtempSync(join(tmpdir(), 'duban-o-')));
    await expect(down.get('email')!.send(message(wang, 'email'))).rejects.toBeInstanceOf(TransientDeliveryError);
    await down.close();
  });
});

describe('SMS (twilio SDK → local Messages API)', () => {
  const sms = (): ReturnType<typeof createSmsChannel> => createSmsChannel({ accountSid: TWILIO_SID, authToken: TWILIO_TOKEN, from: TWILIO_FROM, apiBaseUrl: twilioPeer.baseUrl, statusCallbackBase: 'https://duban.example.cn', timeoutMs: 2000 });

  test("the SDK's real request: path, basic auth, To, From, Body, StatusCallback; the MessageSid comes back", async () => {
    const m = message(zhang, 'sms');
    const receipt = await sms().send(m);
    expect(twilioPeer.requests).toHaveLength(1);
    const r = twilioPeer.requests[0]!;
    expect(r).toMatchObject({ method: 'POST', path: `/2010-04-01/Accounts/${TWILIO_SID}/Messages.json`, authorized: true, status: 201 });
    expect(r.form).toEqual({
      To: '+8613800000101',
      From: TWILIO_FROM,
      Body: renderSms(m.request, m.context),
      StatusCallback: 'https://duban.example.cn/twilio/status?caseId=visit%3AN-PEER-1&key=alert&recipientId=wuli-gov-zhang',
    });
    expect(r.form.Body).toBe('【督办】五里乡人民政府：有群众到市上访，现在市信访局接待大厅。请主要领导或分管领导北京时间11月25日17:30前到场接回。案件号visit:N-PEER-1。到场后请报告区信访办。');
    expect(receipt.providerId).toBe(r.sid);
    expect(receipt.providerId).toMatch(/^SM[0-9a-f]{32}$/);
  });

  test('400 with Twilio error 21211 (invalid number) is permanent; 500 and 429 are transient; a closed port is transient', async () => {
    twilioPeer.respond = (req) =>
      req.form.To === INVALID_NUMBER ? twilioError(400, 21211, `The 'To' number ${INVALID_NUMBER} is not a valid phone number.`) : req.n === 2 ? twilioError(500, 20500, 'Internal Server Error') : twilioError(429, 20429, 'Too Many Requests');
    const sun = directory.units[1]!.people[0]!;
    const err = (await sms().send(message(sun, 'sms')).catch((e: unknown) => e)) as PermanentDeliveryError;
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(err.code).toBe(21211);
    expect(err.message).toBe("Twilio 400 error 21211: The 'To' number [phone] is not a valid phone number."); // no phone number in errors
    await expect(sms().send(message(zhang, 'sms'))).rejects.toMatchObject({ name: 'TransientDeliveryError', code: 20500 });
    await expect(sms().send(message(zhang, 'sms'))).rejects.toMatchObject({ name: 'TransientDeliveryError', code: 20429 });
    expect(twilioPeer.requests.map((r) => r.status)).toEqual([400, 500, 429]); // the SDK itself did not retry
    const closed = createSmsChannel({ accountSid: TWILIO_SID, authToken: TWILIO_TOKEN, from: TWILIO_FROM, apiBaseUrl: `http://127.0.0.1:${await freePort()}`, timeoutMs: 2000 });
    await expect(closed.send(message(zhang, 'sms'))).rejects.toBeInstanceOf(TransientDeliveryError);
  });

  test('a timeout is transient', async () => {
    twilioPeer.respond = () => ({ status: 201, body: {}, delayMs: 1500 });
    const slow = createSmsChannel({ accountSid: TWILIO_SID, authToken: TWILIO_TOKEN, from: TWILIO_FROM, apiBaseUrl: twilioPeer.baseUrl, timeoutMs: 300 });
    await expect(slow.send(message(zhang, 'sms'))).rejects.toBeInstanceOf(TransientDeliveryError);
  });
});

describe('SMS validated by Prism against Twilio’s OpenAPI description', () => {
  test("the SDK's request passes Twilio's own schema and gets a Twilio-shaped 201; a request the schema refuses is permanent", async () => {
    const prism = await startPrism();
    try {
      const channel = createSmsChannel({ accountSid: TWILIO_SID, authToken: TWILIO_TOKEN, from: TWILIO_FROM, apiBaseUrl: prism.baseUrl, statusCallbackBase: 'https://duban.example.cn', timeoutMs: 10_000 });
      const receipt = await channel.send(message(zhang, 'sms'));
      expect(receipt.providerId).toMatch(/^(SM|MM)[0-9a-fA-F]{32}$/);
      expect(prism.output()).toContain('The request passed the validation rules');
      expect(prism.output()).not.toContain('Request did not pass the validation rules');
      // A StatusCallback that is not a URI violates Twilio's schema: Prism answers 422, a 4xx the channel does not retry.
      const bad = createSmsChannel({ accountSid: TWILIO_SID, authToken: TWILIO_TOKEN, from: TWILIO_FROM, apiBaseUrl: prism.baseUrl, statusCallbackBase: 'not a url', timeoutMs: 10_000 });
      await expect(bad.send(message(zhang, 'sms'))).rejects.toBeInstanceOf(PermanentDeliveryError);
      expect(prism.output()).toContain('Request body property StatusCallback must match format "uri"');
    } finally {
      await prism.stop();
    }
  }, 90_000);
});

describe('chat robots', () => {
  test('WeCom: a text message @-mentioning the recipient by mobile; errcode 45009 is transient, 93000 permanent', async () => {
    const wecom = createWecomChannel({ webhookUrl: robots.url('/cgi-bin/webhook/send?key=abc') });
    const m = message(zhang, 'wecom');
    await wecom.send(m);
    expect(robots.hits).toHaveLength(1);
    expect(robots.hits[0]).toMatchObject({ path: '/cgi-bin/webhook/send', query: { key: 'abc' }, contentType: 'application/json; charset=utf-8' });
    expect(robots.hits[0]!.body).toEqual({ msgtype: 'text', text: { content: renderChat(m.request, m.context), mentioned_mobile_list: ['13800000101'] } });
    expect(renderChat(m.request, m.context)).toContain('期限：北京时间2026年11月25日 17:30');
    robots.respond = () => ({ status: 200, body: { errcode: 45009, errmsg: 'api freq out of limit' } });
    await expect(wecom.send(m)).rejects.toBeInstanceOf(TransientDeliveryError);
    robots.respond = () => ({ status: 200, body: { errcode: 93000, errmsg: 'invalid webhook url' } });
    await expect(wecom.send(m)).rejects.toBeInstanceOf(PermanentDeliveryError);
  });

  test('DingTalk: timestamp and sign query parameters (HMAC-SHA256 of timestamp + "\\n" + secret), at.atMobiles', async () => {
    const secret = 'SECb1f2c3d4e5f60718293a4b5c6d7e8f9';
    const dingtalk = createDingtalkChannel({ webhookUrl: robots.url('/robot/send?access_token=tok'), secret });
    const before = Date.now();
    const m = message(wang, 'dingtalk');
    await dingtalk.send(m);
    const hit = robots.hits[0]!;
    expect(hit.path).toBe('/robot/send');
    expect(hit.query.access_token).toBe('tok');
    const ts = Number(hit.query.timestamp);
    expect(ts).toBeGreaterThanOrEqual(before);
    expect(ts).toBeLessThanOrEqual(Date.now());
    // The receiver's check, written independently: the decoded sign equals base64(HMAC-SHA256(secret, ts\nsecret)).
    expect(hit.query.sign).toBe(createHmac('sha256', secret).update(`${ts}\n${secret}`).digest('base64'));
    expect(hit.body).toEqual({ msgtype: 'text', text: { content: renderChat(m.request, m.context) }, at: { atMobiles: ['13800000102'], isAtAll: false } });
    robots.respond = () => ({ status: 200, body: { errcode: 310000, errmsg: 'sign not match' } });
    await expect(dingtalk.send(m)).rejects.toBeInstanceOf(PermanentDeliveryError);
    robots.respond = () => ({ status: 502, body: {} });
    await expect(dingtalk.send(m)).rejects.toBeInstanceOf(TransientDeliveryError);
  });
});

describe('deliver: fallback, unreachable recipients, progress', () => {
  let channels: ChannelSet;
  let outboxDir: string;
  beforeEach(() => {
    outboxDir = mkdtempSync(join(tmpdir(), 'duban-o-'));
    channels = createChannels(channelConfigFor({ smtp, twilio: twilioPeer }), outboxDir);
  });

  test('SMS refused as an invalid number (21211) falls back to e-mail for that person only', async () => {
    twilioPeer.respond = (req) => (req.form.To === '+8613800000102' ? twilioError(400, 21211, 'invalid') : undefined);
    const result = await deliver(alertRequest('visit:N-FALLBACK'), { directory, channels, log: () => {} });
    expect(result.deliveries.map((d) => [d.recipientId, d.channel, d.status, d.fellBackFrom ?? []])).toEqual([
      ['wuli-gov-zhang', 'sms', 'accepted', []],
      ['wuli-gov-wang', 'email', 'accepted', ['sms']],
      ['wuli-gov-chen', 'email', 'accepted', []],
    ]);
    expect(twilioPeer.requests.map((r) => [r.form.To, r.status])).toEqual([
      ['+8613800000101', 201],
      ['+8613800000102', 400],
    ]);
    expect(smtp.mails.map((m) => m.envelopeTo[0])).toEqual(['wang.lixin@wuli.example.cn', 'chen.xiaoyan@wuli.example.cn']);
    await channels.close();
  });

  test('a person nobody can reach is reported to the supervisors, by name, on their channel', async () => {
    twilioPeer.respond = (req) => (req.form.To === INVALID_NUMBER ? twilioError(400, 21211, 'invalid') : undefined);
    const request = { ...alertRequest('visit:N-UNREACH'), unitId: 'dongcun', unitName: '东村村委会' };
    const result = await deliver(request, { directory, channels, log: () => {} });
    expect(result.deliveries.map((d) => [d.recipientId, d.status])).toEqual([
      ['dongcun-sun', 'failed'],
      ['dongcun-zhou', 'accepted'],
    ]);
    expect(result.reports).toEqual([{ recipientId: 'xfb-li', channel: 'email', status: 'accepted', providerId: expect.any(String) as string, about: 'dongcun-sun' }]);
    const report = smtp.mails.find((m) => m.envelopeTo[0] === 'li.weidong@xfb.example.cn')!;
    expect(report.parsed.subject).toBe('【督办】通知未送达：东村村委会（案件号visit:N-UNREACH）');
    expect(report.parsed.text).toContain('【督办】孙德福（东村村委会）未能收到本案的接人通知，各渠道均发送失败，请电话通知。');
    await channels.close();
  });

  test('a second attempt with the first one’s progress sends only to those not yet accepted', async () => {
    let progress: NotifyProgress | undefined;
    twilioPeer.respond = (req) => (req.form.To === '+8613800000102' ? twilioError(503, 20503, 'Service Unavailable') : undefined);
    await expect(deliver(alertRequest('visit:N-PROGRESS'), { directory, channels, log: () => {}, checkpoint: (p) => (progress = structuredClone(p)) })).rejects.toBeInstanceOf(TransientDeliveryError);
    expect(Object.keys(progress!.done)).toEqual(['wuli-gov-zhang']);
    twilioPeer.respond = () => undefined;
    const second = await deliver(alertRequest('visit:N-PROGRESS'), { directory, channels, log: () => {}, prior: progress, attempt: 2 });
    expect(second.deliveries.map((d) => [d.recipientId, d.channel, d.status])).toEqual([
      ['wuli-gov-zhang', 'sms', 'accepted'],
      ['wuli-gov-wang', 'sms', 'accepted'],
      ['wuli-gov-chen', 'email', 'accepted'],
    ]);
    expect(twilioPeer.accepted().map((r) => r.form.To)).toEqual(['+8613800000101', '+8613800000102']);
    await channels.close();
  });

  test('after transientFallbackAttempt attempts a provider that keeps failing is given up for the next channel', async () => {
    twilioPeer.respond = () => twilioError(500, 20500, 'down');
    const result = await deliver(alertRequest('visit:N-GIVEUP'), { directory, channels, log: () => {}, attempt: 6, transientFallbackAttempt: 6 });
    expect(result.deliveries.map((d) => [d.recipientId, d.channel, d.fellBackFrom ?? []])).toEqual([
      ['wuli-gov-zhang', 'email', ['sms']],
      ['wuli-gov-wang', 'email', ['sms']],
      ['wuli-gov-chen', 'email', []],
    ]);
    await channels.close();
  });

  test('channels without credentials are the outbox; the outbox writes each key once (the send key, not the file)', async () => {
    const none = createChannels({}, outboxDir);
    const records = await freshRecords();
    const sendKeys = sendKeyStore(records.db);
    const first = await deliver(alertRequest('visit:N-OUTBOX'), { directory, channels: none, sendKeys, log: () => {} });
    const again = await deliver(alertRequest('visit:N-OUTBOX'), { directory, channels: none, sendKeys, log: () => {} });
    await records.close();
    expect(first.deliveries.map((d) => [d.channel, d.status])).toEqual([
      ['outbox', 'accepted'],
      ['outbox', 'accepted'],
      ['outbox', 'accepted'],
    ]);
    expect(again.deliveries.map((d) => d.status)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect(readdirSync(outboxDir).sort()).toEqual([
      'visit_N-OUTBOX_alert_wuli-gov-chen_outbox.json',
      'visit_N-OUTBOX_alert_wuli-gov-wang_outbox.json',
      'visit_N-OUTBOX_alert_wuli-gov-zhang_outbox.json',
    ]);
    expect(createOutboxChannel(outboxDir).canReach(zhang)).toBe(true);
  });
});
