// Message texts (pure): SMS segment counts of every template, the e-mail's parts, arrival tokens, the policy's audience.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { arrivalLinkConfigFromEnv, arrivalLinkFor, fileTokenStore, memoryTokenStore, signArrivalToken, verifyArrivalToken } from '../src/arrivalLink.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ROOT } from '../src/config.js';
import { AUDIENCE, NOTIFICATION_EVENTS, notificationTitle, renderChat, renderEmail, renderNotification, renderSms, smsSegments, type NotificationEvent, type NotifyRequest, type RecipientContext } from '../src/notifications.js';
import { parsePolicy } from '../src/policy.js';
import { dingtalkSign } from '../activities/channels/robots.js';
import { channelConfigFromEnv } from '../activities/channels/index.js';
import { createHmac } from 'node:crypto';

const SECRET = 'k'.repeat(43);
const NOW = Date.parse('2026-11-25T01:30:00Z');
const DEADLINE = '2026-11-25T09:30:00Z'; // 17:30 in Beijing
const LINK = arrivalLinkFor({ baseUrl: 'https://duban.example.cn', secret: SECRET }, 'visit:N-2026-000123', 'wuli-gov-zhang', DEADLINE, NOW);

function request(event: NotificationEvent, milestone: 'arrival' | 'closureReport' | null = 'arrival'): NotifyRequest {
  return {
    caseId: 'visit:N-2026-000123',
    key: event,
    event,
    unitId: 'wuli-landres',
    unitName: '五里乡国土资源所', // a long unit name and the longest reception site: the worst case
    level: 'beijing',
    milestone,
    deadline: milestone ? DEADLINE : null,
    receptionSite: '国家信访局来访接待司接待大厅',
    detail: { points: 3, decision: 'reject', reason: '理由不充分', recipientId: 'dongcun-sun', recipientName: '孙德福', originalTitle: '接人通知' },
  };
}

const leaderWithLink: RecipientContext = { id: 'wuli-gov-zhang', name: '张建国', role: 'principal', title: '乡长', arrivalLink: LINK };
const leader: RecipientContext = { id: 'wuli-gov-zhang', name: '张建国', role: 'principal', title: '乡长' };
const contact: RecipientContext = { id: 'wuli-gov-chen', name: '陈晓燕', role: 'contact' };

describe('SMS segments (UCS-2: 70 single, 67 per part)', () => {
  test('the counter: GSM-7 and UCS-2 limits', () => {
    expect(smsSegments('a'.repeat(160))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsSegments('a'.repeat(161))).toEqual({ encoding: 'GSM-7', units: 161, segments: 2 });
    expect(smsSegments('€'.repeat(80))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsSegments('督'.repeat(70))).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 });
    expect(smsSegments('督'.repeat(71))).toEqual({ encoding: 'UCS-2', units: 71, segments: 2 });
    expect(smsSegments('督'.repeat(134))).toEqual({ encoding: 'UCS-2', units: 134, segments: 2 });
    expect(smsSegments('督'.repeat(135))).toEqual({ encoding: 'UCS-2', units: 135, segments: 3 });
    // One Chinese character makes the whole text UCS-2.
    expect(smsSegments('a'.repeat(69) + '督')).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 });
  });

  // [event, leader with arrival link, leader without link, contact] — segments of the arrival milestone's texts.
  const arrival: [NotificationEvent, number, number, number][] = [
    ['alert', 3, 2, 2],
    ['reminder', 3, 2, 2],
    ['urge', 3, 2, 2],
    ['supervise', 3, 2, 2],
    ['deduction', 1, 1, 1],
    ['overdueReminder', 3, 2, 2],
    ['explanationDecision', 3, 1, 1],
    ['extension', 3, 2, 1],
    ['reassignment', 3, 2, 2],
    ['cancel', 1, 1, 1],
    ['closure', 1, 1, 1],
    ['undeliverable', 1, 1, 1],
    ['ledgerRefused', 1, 1, 1],
  ];
  test('every event has a row', () => expect(arrival.map((r) => r[0]).sort()).toEqual([...NOTIFICATION_EVENTS].sort()));
  test.each(arrival)('%s (arrival): %i segments with the arrival link, %i without, %i to a contact', (event, withLink, without, toContact) => {
    const over = event === 'cancel' || event === 'closure';
    const req = request(event, over ? null : 'arrival');
    expect(smsSegments(renderSms(req, leaderWithLink)).segments).toBe(withLink);
    expect(smsSegments(renderSms(req, leader)).segments).toBe(without);
    expect(smsSegments(renderSms(req, contact)).segments).toBe(toContact);
  });

  const closureReport: [NotificationEvent, number][] = [
    ['reminder', 1],
    ['urge', 2],
    ['supervise', 2],
    ['deduction', 1],
    ['overdueReminder', 2],
    ['explanationDecision', 1],
    ['extension', 1],
    ['reassignment', 2],
  ];
  test.each(closureReport)('%s (closure report): %i segments, never a link', (event, segments) => {
    const text = renderSms(request(event, 'closureReport'), leaderWithLink);
    expect(text).not.toContain('https://');
    expect(smsSegments(text).segments).toBe(segments);
  });

  test('the alert SMS, word for word', () => {
    const text = renderSms(request('alert'), leaderWithLink);
    expect(text).toBe(`【督办】五里乡国土资源所：有群众进京上访，现在国家信访局来访接待司接待大厅。请主要领导或分管领导北京时间11月25日17:30前到场接回。案件号visit:N-2026-000123。到场报到：${LINK}`);
    expect(LINK).toMatch(/^https:\/\/duban\.example\.cn\/a\/N-2026-000123~wuli-gov-zhang~[0-9a-z]+~[A-Za-z0-9_-]{16}$/);
  });
});

describe('e-mail', () => {
  test('subject, plain text and HTML carry the same facts; the deadline in Beijing time', () => {
    const mail = renderEmail(request('alert'), leaderWithLink);
    expect(mail.subject).toBe('【督办】接人通知：五里乡国土资源所（案件号visit:N-2026-000123）');
    expect(mail.text).toBe(
      [
        '张建国乡长：',
        '',
        '【督办】五里乡国土资源所：有群众进京上访，现于国家信访局来访接待司接待大厅。请主要领导或分管领导于北京时间2026年11月25日 17:30前到达现场接回。案件号visit:N-2026-000123。',
        '',
        '案件号：visit:N-2026-000123',
        '责任单位：五里乡国土资源所',
        '级别：进京',
        '接待地点：国家信访局来访接待司接待大厅',
        '当前事项：到达现场',
        '期限：北京时间2026年11月25日 17:30',
        '下一步：请主要领导或分管领导在期限前到达国家信访局来访接待司接待大厅接回群众；到达后打开下方链接报告到达（链接仅限本人使用，一次有效）。',
        `报告到达：${LINK}`,
        '',
        '本邮件由督办系统自动发送，请勿直接回复。',
        '',
      ].join('\n'),
    );
    expect(mail.html).toContain(`<a href="${LINK}">${LINK}</a>`);
    expect(mail.html).toContain('<th align="left" style="padding:4px 12px 4px 0;white-space:nowrap">期限</th><td style="padding:4px 0">北京时间2026年11月25日 17:30</td>');
  });

  test('the closure-report reminder asks for the written report, not for leaders to arrive', () => {
    const mail = renderEmail(request('reminder', 'closureReport'), leader);
    expect(mail.subject).toBe('【督办】报结果提醒：五里乡国土资源所（案件号visit:N-2026-000123）');
    expect(mail.text.split('\n').slice(0, 3)).toEqual([
      '张建国乡长：',
      '',
      '【督办】五里乡国土资源所：本案书面报结果期限将至，请于北京时间2026年11月25日 17:30前书面报告处理结果、办理销案。案件号visit:N-2026-000123。',
    ]);
    expect(mail.html).toContain('<h2>报结果提醒</h2>');
    expect(renderChat(request('reminder', 'closureReport'), leader).split('\n')[0]).toBe('【督办】报结果提醒（致张建国）');
    expect(notificationTitle('reminder', 'closureReport')).toBe('报结果提醒');
    // The arrival reminder keeps its words.
    expect(renderEmail(request('reminder'), leader).subject).toBe('【督办】到期提醒：五里乡国土资源所（案件号visit:N-2026-000123）');
    expect(renderNotification(request('reminder'))).toBe('【督办】五里乡国土资源所：进京接人期限将至，请于北京时间2026年11月25日 17:30前到达现场。案件号visit:N-2026-000123。');
  });

  test('HTML escapes what it shows', () => {
    const req = { ...request('cancel', null), unitName: '<b>单位</b>&' };
    expect(renderEmail(req, contact).html).toContain('&lt;b&gt;单位&lt;/b&gt;&amp;');
    expect(renderEmail(req, contact).html).not.toContain('<b>单位');
  });
});

describe('arrival tokens', () => {
  const claim = { caseId: 'visit:N-1', leaderId: 'wuli-gov-zhang', expiresAt: NOW + 3_600_000 };
  test('a good token verifies and names case and leader', () => {
    const token = signArrivalToken(SECRET, claim);
    expect(verifyArrivalToken(SECRET, token, NOW)).toMatchObject({ ok: true, claim });
  });
  test('a changed leader, a changed expiry, another secret or garbage are refused; an old token is expired', () => {
    const token = signArrivalToken(SECRET, claim);
    expect(verifyArrivalToken(SECRET, token.replace('wuli-gov-zhang', 'wuli-gov-wang'), NOW)).toEqual({ ok: false, reason: 'badSignature' });
    const [n, l, exp, mac] = token.split('~') as [string, string, string, string];
    expect(verifyArrivalToken(SECRET, [n, l, (parseInt(exp, 36) + 86_400).toString(36), mac].join('~'), NOW)).toEqual({ ok: false, reason: 'badSignature' });
    expect(verifyArrivalToken('another secret', token, NOW)).toEqual({ ok: false, reason: 'badSignature' });
    expect(verifyArrivalToken(SECRET, 'not-a-token', NOW)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyArrivalToken(SECRET, token, claim.expiresAt)).toEqual({ ok: false, reason: 'expired' });
  });
  test('a link stays valid 24 h after the deadline by default', () => {
    const token = LINK.split('/a/')[1]!;
    const check = verifyArrivalToken(SECRET, token, NOW);
    expect(check.ok && check.claim.expiresAt).toBe(Date.parse(DEADLINE) + 24 * 3_600_000);
  });
});

test.each([
  ['memory', memoryTokenStore()],
  ['file', fileTokenStore(mkdtempSync(join(tmpdir(), 'duban-tokens-')))],
])('used-token store (%s): a token is claimed once; a released one can be claimed again', async (_name, store) => {
  const exp = Date.now() + 60_000;
  expect(await store.claim('abc', exp)).toBe(true);
  expect(await store.claim('abc', exp)).toBe(false);
  expect(await store.claim('def', exp)).toBe(true);
  await store.release('abc');
  expect(await store.claim('abc', exp)).toBe(true);
});

describe('policy audience', () => {
  const base = JSON.parse(readFileSync(join(ROOT, 'config/policy.json'), 'utf8')) as Record<string, unknown>;
  test('absent: every event takes the default AUDIENCE', () => {
    const expected = Object.fromEntries(Object.entries(AUDIENCE).filter(([event]) => event !== 'undeliverable' && event !== 'ledgerRefused'));
    expect(parsePolicy(base).audience).toEqual(expected);
  });
  test('one event overridden, the others default; an unknown event or role is named', () => {
    const p = parsePolicy({ ...base, audience: { alert: ['principal'] } });
    expect(p.audience.alert).toEqual(['principal']);
    expect(p.audience.urge).toEqual(AUDIENCE.urge);
    expect(() => parsePolicy({ ...base, audience: { alrt: ['principal'] } })).toThrow("audience: Unrecognized key(s) in object: 'alrt'");
    expect(() => parsePolicy({ ...base, audience: { alert: ['mayor'] } })).toThrow(/audience\.alert\.0: Invalid enum value/);
  });
});

test('DingTalk signature: HMAC-SHA256 keyed by the secret over timestamp + "\\n" + secret, base64', () => {
  const expected = createHmac('sha256', 'SEC123').update('1700000000000\nSEC123').digest('base64');
  expect(dingtalkSign('SEC123', 1_700_000_000_000)).toBe(expected);
});

describe('channel configuration from the environment', () => {
  test('nothing set: every channel is the outbox, and the notes name the variables', () => {
    const { config, notes } = channelConfigFromEnv({});
    expect(config).toEqual({});
    expect(notes).toEqual([
      'sms → outbox (set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID)',
      'email → outbox (set SMTP_HOST and SMTP_FROM; SMTP_PORT, SMTP_SECURE, SMTP_USER, SMTP_PASS as needed)',
      'wecom → outbox (set WECOM_WEBHOOK_URL)',
      'dingtalk → outbox (set DINGTALK_WEBHOOK_URL, DINGTALK_SECRET)',
    ]);
    expect(arrivalLinkConfigFromEnv({})).toBeUndefined();
  });
  test('everything set', () => {
    const env = {
      TWILIO_ACCOUNT_SID: 'AC1',
      TWILIO_AUTH_TOKEN: 'tok',
      TWILIO_MESSAGING_SERVICE_SID: 'MG1',
      SMTP_HOST: 'smtp.example.cn',
      SMTP_SECURE: 'true',
      SMTP_USER: 'u',
      SMTP_PASS: 'p',
      SMTP_FROM: '督办 <duban@example.cn>',
      WECOM_WEBHOOK_URL: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k',
      DINGTALK_WEBHOOK_URL: 'https://oapi.dingtalk.com/robot/send?access_token=t',
      DINGTALK_SECRET: 'SEC1',
      DUBAN_PUBLIC_URL: 'https://duban.example.cn',
      DUBAN_ARRIVAL_SECRET: 's'.repeat(32),
    };
    const { config, notes } = channelConfigFromEnv(env);
    expect(notes).toEqual([]);
    expect(config).toEqual({
      twilio: { accountSid: 'AC1', authToken: 'tok', messagingServiceSid: 'MG1', statusCallbackBase: 'https://duban.example.cn' },
      smtp: { host: 'smtp.example.cn', port: 465, secure: true, from: '督办 <duban@example.cn>', user: 'u', pass: 'p' },
      wecom: { webhookUrl: env.WECOM_WEBHOOK_URL },
      dingtalk: { webhookUrl: env.DINGTALK_WEBHOOK_URL, secret: 'SEC1' },
    });
    expect(arrivalLinkConfigFromEnv(env)).toEqual({ baseUrl: 'https://duban.example.cn', secret: 's'.repeat(32) });
    expect(() => arrivalLinkConfigFromEnv({ ...env, DUBAN_ARRIVAL_SECRET: 'short' })).toThrow('DUBAN_ARRIVAL_SECRET must be at least 32 characters');
  });
});
