// The logger never writes personal data: personal fields are redacted by name, phone numbers, e-mail addresses and
// ID numbers are masked in every string (messages, errors, stacks, nested values), including Temporal's own lines.
import { Client, Connection } from '@temporalio/client';
import type { FastifyPluginAsync } from 'fastify';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadApiKeys } from '../src/api/auth.js';
import { buildApiServer } from '../src/api/server.js';
import { ROOT, loadDirectoryFile, loadPolicyFile } from '../src/config.js';
import { PinoTemporalLogger, REDACTED, activityLog, createLogger, maskPersonalData } from '../src/log.js';
import { freshRecords } from './db.js';

function capture(): { lines: () => Record<string, unknown>[]; raw: () => string; log: ReturnType<typeof createLogger> } {
  const out: string[] = [];
  const log = createLogger({ destination: { write: (s: string) => void out.push(s) }, level: 'trace' });
  return { log, raw: () => out.join(''), lines: () => out.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const PERSON = { id: 'wuli-gov-zhang', name: '张建国', phone: '+8613800000101', email: 'zhang.jianguo@wuli.example.cn', title: '乡长' };
const NOTICE = { noticeId: 'N-1', unitId: 'wuli-gov', matterSummary: '征地补偿款发放争议', receptionSite: '市信访局接待大厅', headcount: 12 };

describe('maskPersonalData', () => {
  test.each([
    ['call +8613800000101 now', 'call [phone] now'],
    ['+86 138-0000-0101', '[phone]'],
    ['13800000101', '[phone]'],
    ['mail zhang.jianguo@wuli.example.cn.', 'mail [email].'],
    ['id 11010119900307123X ok', 'id [id-number] ok'],
    ['case visit:N-2026-0001 at 2026-11-25T09:30:00+08:00, 12 people', 'case visit:N-2026-0001 at 2026-11-25T09:30:00+08:00, 12 people'],
  ])('%s', (input, expected) => {
    expect(maskPersonalData(input)).toBe(expected);
  });
});

describe('createLogger', () => {
  test('redacts personal fields by name, at the top level and one level down', () => {
    const c = capture();
    c.log.info({ person: PERSON, notice: NOTICE, text: '情况说明正文', phone: '+8613800000102' }, 'notice registered');
    const [line] = c.lines();
    expect(line).toMatchObject({
      msg: 'notice registered',
      person: { id: 'wuli-gov-zhang', name: REDACTED, phone: REDACTED, email: REDACTED, title: REDACTED },
      notice: { noticeId: 'N-1', unitId: 'wuli-gov', matterSummary: REDACTED, receptionSite: REDACTED, headcount: 12 },
      text: REDACTED,
      phone: REDACTED,
    });
    for (const s of ['张建国', '+8613800000101', 'zhang.jianguo', '征地补偿款', '市信访局接待大厅', '情况说明正文']) expect(c.raw()).not.toContain(s);
  });

  test('masks deeper fields and phone numbers or e-mails inside any string, message arguments included', () => {
    const c = capture();
    c.log.warn({ a: { b: { c: { phone: '+8613800000103', note: 'ring 13800000104' } } }, list: ['x@y.cn'] }, 'sent to %s and %s', '+8613800000105', 'li.weidong@xfb.example.cn');
    const raw = c.raw();
    for (const s of ['+8613800000103', '13800000104', 'x@y.cn', '+8613800000105', 'li.weidong']) expect(raw).not.toContain(s);
    expect(c.lines()[0]).toMatchObject({ msg: 'sent to [phone] and [email]', a: { b: { c: { phone: REDACTED, note: 'ring [phone]' } } }, list: ['[email]'] });
  });

  test('errors logged directly or as fields keep their type but lose personal data from message and stack', () => {
    const c = capture();
    c.log.error(new Error('SMS to +8613800000101 failed for zhang.jianguo@wuli.example.cn'));
    c.log.error({ err: new TypeError('bad 13800000101') }, 'delivery failed');
    const raw = c.raw();
    expect(raw).not.toContain('8613800000101');
    expect(raw).not.toContain('13800000101');
    expect(raw).not.toContain('zhang.jianguo');
    const [first, second] = c.lines();
    expect(first).toMatchObject({ msg: 'SMS to [phone] failed for [email]', err: { type: 'Error', message: 'SMS to [phone] failed for [email]' } });
    expect(second).toMatchObject({ msg: 'delivery failed', err: { type: 'TypeError', message: 'bad [phone]' } });
  });

  test("Temporal's Runtime lines and the activities' lines go through the same redaction", () => {
    const c = capture();
    new PinoTemporalLogger(c.log).warn('Activity failed', { error: new Error('to +8613800000101'), workflowId: 'visit:N-1', sdkComponent: 'worker', person: PERSON });
    activityLog(c.log)('outbox wrote alert case=visit:N-1 to=wuli-gov-zhang (+8613800000101)');
    const [temporal, activity] = c.lines();
    expect(temporal).toMatchObject({ level: 40, component: 'temporal', workflowId: 'visit:N-1', err: { message: 'to [phone]' }, person: { name: REDACTED, phone: REDACTED } });
    expect(activity).toMatchObject({ level: 30, component: 'activities', msg: 'outbox wrote alert case=visit:N-1 to=wuli-gov-zhang ([phone])' });
    expect(c.raw()).not.toContain('张建国');
    expect(c.raw()).not.toContain('8613800000101');
  });
});

describe("the API's own log", () => {
  test('an unexpected error goes through the same pino logger, masked; refusals and ordinary requests write no line', async () => {
    const c = capture();
    const client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }), namespace: 'default' });
    // A route that fails the way a bug would, with personal data in its message. A clock months before the holiday
    // data runs out, so the API has no calendar warning to log at start.
    const failing: FastifyPluginAsync = (app) => {
      app.get('/boom', () => {
        throw new Error('lookup of +8613800000101 (zhang.jianguo@wuli.example.cn) failed');
      });
      return Promise.resolve();
    };
    const api = await buildApiServer({ client, records: await freshRecords(), namespace: 'default', taskQueue: 'q', policy: loadPolicyFile(join(ROOT, 'config/policy.json')), directory: loadDirectoryFile(join(ROOT, 'config/units.sample.json')), keys: loadApiKeys({}), plugins: [failing], logger: c.log, now: () => Date.parse('2026-06-01T00:00:00.000Z') });
    try {
      expect((await api.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      expect((await api.inject({ method: 'POST', url: '/cases', headers: { authorization: 'Bearer dev-intake-key' }, payload: { headcount: 'x' } })).statusCode).toBe(400);
      expect(c.lines()).toEqual([]);
      const res = await api.inject({ method: 'GET', url: '/boom' });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toMatchObject({ status: 500, detail: 'an unexpected error occurred; read the case before repeating the request' });
      const lines = c.lines();
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 50, msg: 'unexpected error', err: { type: 'Error', message: 'lookup of [phone] ([email]) failed' } });
      expect(c.raw()).not.toContain('8613800000101');
      expect(c.raw()).not.toContain('zhang.jianguo');
    } finally {
      await api.close();
    }
  });
});
