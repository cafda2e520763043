// The circular through the API on the dev server, with a real SMTP peer: validation naming the field, roles, a date
// range (on-time arrival counted), a quarter mailed with both attachments, downloads with the right headers.
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-return -- responses are read as untyped JSON */
import type { Worker } from '@temporalio/worker';
import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadApiKeys } from '../src/api/auth.js';
import { buildApiServer } from '../src/api/server.js';
import { localDateOf } from '../src/circular/period.js';
import { startEscalatedVisit, type StartVisitResult } from '../src/cases.js';
import { cancelUpdate, caseQuery, reportArrivalUpdate } from '../src/messages.js';
import { readCaseView, recordCaseView } from '../src/records/cases.js';
import { ensureNamespace } from '../src/temporal.js';
import { createDubanWorker } from '../worker.js';
import { channelConfigFor, startSmtpPeer, type SmtpPeer } from './alertHelpers.js';
import { TASK_QUEUE, createDevServerEnv, demoPolicy, directory, intake, sampleNotice, supervisor, unitActor, waitForStep, until as waitUntil } from './helpers.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { freshRecords } from './db.js';

const KEY = { supervisor: 'dev-supervisor-key', admin: 'dev-admin-key', viewer: 'dev-viewer-key', unit: 'dev-unit-wuli-gov-key', intake: 'dev-intake-key' } as const;
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

let env: TestWorkflowEnvironment;
const records = await freshRecords();
let worker: Worker;
let running: Promise<void>;
let api: FastifyInstance;
let smtp: SmtpPeer;
let dataDir: string;
const cases: StartVisitResult[] = [];

const day = (ms: number): string => localDateOf(ms).map((n, i) => String(n).padStart(i === 0 ? 4 : 2, '0')).join('-');
const today = day(Date.now());
const tomorrow = day(Date.now() + 86_400_000);
const rangeId = `range-${today.replaceAll('-', '')}-${today.replaceAll('-', '')}`;

const call = async (method: 'GET' | 'POST', url: string, key: string | null, body?: unknown): Promise<{ status: number; json: any; headers: Record<string, unknown>; raw: Buffer }> => {
  const res = await api.inject({ method, url, ...(key ? { headers: { authorization: `Bearer ${key}` } } : {}), ...(body !== undefined ? { payload: body as object } : {}) });
  const json = (res.headers['content-type'] as string | undefined)?.includes('json') ? JSON.parse(res.body) : null;
  return { status: res.statusCode, json, headers: res.headers, raw: res.rawPayload };
};

// Real-time waits on the dev server take longer than the default.
const until = <T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> => waitUntil(what, probe, ok, timeoutMs);

async function xlsxRows(buf: Buffer): Promise<unknown[][]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as unknown as ArrayBuffer);
  const rows: unknown[][] = [];
  wb.getWorksheet('通报')!.eachRow((r) => rows.push((r.values as unknown[]).slice(1)));
  return rows;
}

beforeAll(async () => {
  env = await createDevServerEnv();
  await ensureNamespace(env.connection, env.namespace ?? 'default');
  smtp = await startSmtpPeer();
  dataDir = mkdtempSync(join(tmpdir(), 'duban-api-circular-'));
  mkdirSync(join(dataDir, 'outbox'));
  worker = await createDubanWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue: TASK_QUEUE,
    activities: { directory: () => directory, client: env.client, records, taskQueue: TASK_QUEUE, outboxDir: join(dataDir, 'outbox'), dataDir, channels: channelConfigFor({ smtp }), log: () => undefined },
  });
  running = worker.run();
  api = await buildApiServer({ client: env.client, records, namespace: env.namespace ?? 'default', taskQueue: TASK_QUEUE, policy: demoPolicy, directory, keys: loadApiKeys({}), dataDir });

  const start = async (notice: ReturnType<typeof sampleNotice>): Promise<StartVisitResult> => {
    const c = await startEscalatedVisit(notice, { client: env.client, taskQueue: TASK_QUEUE, policy: demoPolicy, directory, actor: intake });
    cases.push(c);
    return c;
  };
  // Q3: a 到区 notice of 2026-09-30 registered now: 催办 at once; cancelled before the 督办.
  const q3 = await start(sampleNotice('district', Date.parse('2026-09-30T10:00:00+08:00'), { unitId: 'wuli-gov' }));
  // Today: the leader arrives on time, then the case is cancelled.
  const now = await start(sampleNotice('district', Date.now() - 1000, { unitId: 'dongcun' }));
  await waitForStep(q3, 'arrival.supervise');
  await q3.handle.executeUpdate(cancelUpdate, { args: [{ reason: '测试结束', actor: supervisor }] });
  await now.handle.executeUpdate(reportArrivalUpdate, { args: [{ leaderId: 'dongcun-sun', arrivedAt: new Date().toISOString(), actor: unitActor }] });
  await now.handle.executeUpdate(cancelUpdate, { args: [{ reason: '测试结束', actor: supervisor }] });
  // The workflow's recordCase activity (the lead's change) records the cases as they happen; until it lands everywhere,
  // their final views are recorded here too (idempotent: the same rows either way).
  for (const c of [q3, now]) await recordCaseView(records, await c.handle.query(caseQuery));
  await until('both cases recorded closed', () => Promise.all([q3, now].map((c) => readCaseView(records, c.caseId))), (vs) => vs.every((v) => v?.status === 'cancelled'));
}, 120_000);

afterAll(async () => {
  await api?.close();
  worker?.shutdown();
  await running;
  await smtp?.stop();
  await env?.teardown();
});

describe('POST /circulars refuses, naming the field', () => {
  const cases400: [string, unknown, string, string][] = [
    ['nothing asked', {}, 'quarter', 'give either quarter or from and to'],
    ['a malformed quarter', { quarter: '2026-Q5' }, 'quarter', 'must be a quarter such as 2026-Q3'],
    ['a quarter not ended', { quarter: '2026-Q4' }, 'quarter', '2026-Q4 has not ended yet (the current quarter is 2026-Q4)'],
    ['both kinds', { quarter: '2026-Q3', from: '2026-07-01', to: '2026-08-01' }, 'quarter', 'give either quarter or from and to, not both'],
    ['from alone', { from: '2026-10-01' }, 'to', 'is required with from'],
    ['to alone', { to: '2026-10-01' }, 'from', 'is required with to'],
    ['a date that does not exist', { from: '2026-02-30', to: '2026-03-02' }, 'from', 'is not a calendar date'],
    ['a malformed date', { from: '2026/10/01', to: '2026-10-02' }, 'from', 'must be a date YYYY-MM-DD (Asia/Shanghai), the first day counted'],
    ['to before from', { from: '2026-10-02', to: '2026-10-02' }, 'to', 'must be after from (to is the day after the last day counted)'],
    ['more than a year', { from: '2025-01-01', to: '2026-01-03' }, 'to', 'the range may cover at most 366 days'],
    ['a future range', { from: '2027-06-01', to: '2027-06-02' }, 'from', 'must not be in the future'],
    ['an unknown field', { quarter: '2026-Q3', year: 2026 }, 'year', 'is not a known field'],
    ['a wrong type', { quarter: '2026-Q3', mail: 'yes' }, 'mail', 'Expected boolean, received string'],
  ];
  for (const [what, body, field, message] of cases400) {
    it(what, async () => {
      const res = await call('POST', '/circulars', KEY.supervisor, body);
      expect(res.status).toBe(400);
      expect(res.json.errors).toEqual([{ field, message }]);
    });
  }

  it('roles: a viewer or unit cannot run one, a unit cannot read one, no key is a 401', async () => {
    expect((await call('POST', '/circulars', KEY.viewer, { quarter: '2026-Q3' })).status).toBe(403);
    expect((await call('POST', '/circulars', KEY.unit, { quarter: '2026-Q3' })).status).toBe(403);
    expect((await call('GET', '/circulars/2026-Q3', KEY.unit)).status).toBe(403);
    expect((await call('GET', '/circulars/2026-Q3', null)).status).toBe(401);
    const badId = await call('GET', '/circulars/2026-Q9', KEY.viewer);
    expect([badId.status, badId.json.errors]).toEqual([400, [{ field: 'circularId', message: 'must be a circular ID such as 2026-Q4 or range-20261001-20261231' }]]);
    const none = await call('GET', '/circulars/2025-Q1', KEY.viewer);
    expect([none.status, none.json.errors]).toEqual([404, [{ field: 'circularId', message: 'no such circular' }]]);
  });
});

describe('circulars on demand', () => {
  it('a date range covering today: 202 with its location, figures with the on-time arrival, files to download, no mail', async () => {
    const started = await call('POST', '/circulars', KEY.supervisor, { from: today, to: tomorrow });
    expect(started.status).toBe(202);
    expect(started.headers.location).toBe(`/circulars/${rangeId}`);
    expect(started.json).toEqual({ circularId: rangeId, workflowId: `circular:${rangeId}`, created: true, status: 'collecting', location: `/circulars/${rangeId}` });
    const done = await until('the range circular', () => call('GET', `/circulars/${rangeId}`, KEY.viewer), (r) => r.json?.status === 'done');
    expect(done.json.requestedBy).toEqual({ id: 'dev-supervisor', role: 'supervisor' });
    expect(done.json.mail).toBeNull();
    expect(done.json.figures.total).toEqual({ escalated: 1, arrivedOnTime: 1, arrivedLate: 0, urged: 0, supervised: 0, deductions: 0, deductionPoints: 0, overdueOpen: 0 });
    expect((done.json.figures.units as any[]).map((u) => [u.unitName, u.total.escalated])).toEqual([
      ['五里乡人民政府', 0],
      ['五里乡国土资源所', 0],
      ['东村村委会', 1],
    ]);
    expect((done.json.files as any[]).map((f) => [f.name, f.contentType, f.url])).toEqual([
      [`circular-${rangeId}.xlsx`, XLSX, `/circulars/${rangeId}/files/circular-${rangeId}.xlsx`],
      [`circular-${rangeId}.docx`, DOCX, `/circulars/${rangeId}/files/circular-${rangeId}.docx`],
    ]);

    const again = await call('POST', '/circulars', KEY.admin, { from: today, to: tomorrow });
    expect([again.status, again.json.created, again.json.status]).toEqual([200, false, 'done']);

    const xlsx = await call('GET', String(done.json.files[0].url), KEY.viewer);
    expect(xlsx.status).toBe(200);
    expect(xlsx.headers['content-type']).toBe(XLSX);
    const [y, m, d] = localDateOf(Date.now());
    const name = `${y}年${m}月${d}日信访督办情况通报.xlsx`;
    expect(xlsx.headers['content-disposition']).toBe(`attachment; filename="circular-${rangeId}.xlsx"; filename*=UTF-8''${encodeURIComponent(name)}`);
    const rows = await xlsxRows(xlsx.raw);
    expect(rows.filter((r) => r[0] === '东村村委会' || r[0] === '合计')).toEqual([
      ['东村村委会', '到区', 1, 1, 0, 0, 0, 0, 0, 0],
      ['东村村委会', '到市', 0, 0, 0, 0, 0, 0, 0, 0],
      ['东村村委会', '进京', 0, 0, 0, 0, 0, 0, 0, 0],
      ['东村村委会', '小计', 1, 1, 0, 0, 0, 0, 0, 0],
      ['合计', '', 1, 1, 0, 0, 0, 0, 0, 0],
    ]);
    const docx = await call('GET', String(done.json.files[1].url), KEY.supervisor);
    expect([docx.status, docx.headers['content-type'], docx.raw.subarray(0, 2).toString()]).toEqual([200, DOCX, 'PK']);
    const missing = await call('GET', `/circulars/${rangeId}/files/circular-2026-Q3.xlsx`, KEY.viewer);
    expect([missing.status, missing.json.errors]).toEqual([404, [{ field: 'name', message: 'is not a file of this circular' }]]);
    const traversal = await call('GET', `/circulars/${rangeId}/files/..%2Ffigures.json`, KEY.viewer);
    expect([traversal.status, traversal.json.errors[0].field]).toEqual([400, 'name']);
  }, 60_000);

  it('a circular whose mail the server refused for good is failed (files kept) and can be run again', async () => {
    smtp.rejectRecipients.add('li.weidong@xfb.example.cn');
    const id = 'range-20260701-20260701';
    const started = await call('POST', '/circulars', KEY.supervisor, { from: '2026-07-01', to: '2026-07-02', mail: true });
    expect([started.status, started.json.circularId]).toEqual([202, id]);
    const failed = await until('the refused circular', () => call('GET', `/circulars/${id}`, KEY.viewer), (r) => r.json?.status === 'failed');
    expect([failed.json.mail, failed.json.figures.total.escalated, failed.json.files.length]).toEqual([null, 0, 2]);
    const described = await env.client.workflow.getHandle(`circular:${id}`).describe();
    expect(described.status.name).toBe('FAILED');

    smtp.rejectRecipients.delete('li.weidong@xfb.example.cn');
    const again = await call('POST', '/circulars', KEY.supervisor, { from: '2026-07-01', to: '2026-07-02', mail: true });
    expect([again.status, again.json.created]).toEqual([202, true]);
    const done = await until('the circular run again', () => call('GET', `/circulars/${id}`, KEY.viewer), (r) => r.json?.status === 'done');
    expect(done.json.mail).toMatchObject({ channel: 'email', to: ['li.weidong@xfb.example.cn'], duplicate: false });
    expect(smtp.mails.filter((m) => m.parsed.subject === '关于2026年7月1日信访督办情况的通报')).toHaveLength(1);
  }, 60_000);

  it('a quarter: mailed over SMTP to the office recipients with both files attached', async () => {
    const started = await call('POST', '/circulars', KEY.supervisor, { quarter: '2026-Q3', documentNumber: '五信通〔2026〕3号' });
    expect([started.status, started.headers.location]).toEqual([202, '/circulars/2026-Q3']);
    const done = await until('the Q3 circular', () => call('GET', '/circulars/2026-Q3', KEY.viewer), (r) => r.json?.status === 'done');
    expect(done.json.title).toBe('关于2026年第三季度信访督办情况的通报');
    expect(done.json.period).toEqual({ quarter: '2026-Q3', from: '2026-06-30T16:00:00.000Z', to: '2026-09-30T16:00:00.000Z' });
    expect(done.json.figures.total).toEqual({ escalated: 1, arrivedOnTime: 0, arrivedLate: 0, urged: 1, supervised: 0, deductions: 0, deductionPoints: 0, overdueOpen: 0 });
    expect(done.json.mail).toMatchObject({ channel: 'email', to: ['li.weidong@xfb.example.cn'], duplicate: false });

    // The cases' own alerts go over the same SMTP peer: the circular is the one mail with its title.
    const circularMails = (): typeof smtp.mails => smtp.mails.filter((m) => m.parsed.subject === '关于2026年第三季度信访督办情况的通报');
    expect(circularMails()).toHaveLength(1);
    const mail = circularMails()[0]!;
    expect(mail.envelopeTo).toEqual(['li.weidong@xfb.example.cn']);
    expect(mail.parsed.messageId).toBe(String(done.json.mail.messageId));
    expect(mail.parsed.attachments.map((a) => [a.filename, a.contentType])).toEqual([
      ['2026年第三季度信访督办情况通报.xlsx', XLSX],
      ['2026年第三季度信访督办情况通报.docx', DOCX],
    ]);
    const stored = await call('GET', '/circulars/2026-Q3/files/circular-2026-Q3.xlsx', KEY.viewer);
    expect(Buffer.compare(mail.parsed.attachments[0]!.content, stored.raw)).toBe(0);
    const rows = await xlsxRows(mail.parsed.attachments[0]!.content);
    expect(rows.at(-1)).toEqual(['合计', '', 1, 0, 0, 1, 0, 0, 0, 0]);
    expect(mail.parsed.text).toContain('2026年7月1日至2026年9月30日，共交办信访督办事项1件（进京0件、到市0件、到区1件）');

    // Asking again finds it: no second workflow, no second mail.
    const again = await call('POST', '/circulars', KEY.supervisor, { quarter: '2026-Q3' });
    expect([again.status, again.json.created, again.json.status]).toEqual([200, false, 'done']);
    expect(circularMails()).toHaveLength(1);
  }, 60_000);
});
