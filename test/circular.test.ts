// The quarterly circular on the time-skipping server (facts from fixed case views recorded in the real PostgreSQL store,
// read by the real collect activity), plus the pure period, aggregation and rendering rules with exact values.
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import ExcelJS from 'exceljs';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { circularRecipients, createCircularActivities } from '../activities/circular.js';
import { createActivities } from '../activities/index.js';
import { aggregateCircular } from '../src/circular/aggregate.js';
import { AesGcmCodec, generateKey, parseKeySet } from '../src/codec.js';
import { circularIdFor, circularTitle, localDateStart, periodText, quarterOf, quarterPeriod, quarterReportedAt, rangePeriod } from '../src/circular/period.js';
import { circularRows, renderCircularDocx, renderCircularXlsx } from '../src/circular/render.js';
import { recordCaseView } from '../src/records/cases.js';
import { putCircularRecord, readCircularMail, readCircularRecord, readStoredCircular } from '../src/records/circularFacts.js';
import type { CircularView, QuarterlyCircularResult } from '../src/circular/types.js';
import { ensureNamespace } from '../src/temporal.js';
import { workflowsPath } from '../worker.js';
import { fakeView } from './circularFixtures.js';
import { docxParagraphs } from './docxText.js';
import { createTimeSkippingEnv, directory } from './helpers.js';
import { freshRecords } from './db.js';

const units = directory.units.map((u) => ({ id: u.id, name: u.name }));
const q3 = quarterPeriod('2026-Q3');
const cutoff = '2026-10-08T00:00:00.000Z';

// Q3 2026 in Shanghai is [2026-06-30T16:00Z, 2026-09-30T16:00Z): E and G fall just outside it.
const views = [
  fakeView({ id: 'A', unitId: 'wuli-gov', level: 'district', receivedAt: '2026-07-01T01:00:00.000Z', arrival: 'onTime' }),
  fakeView({ id: 'B', unitId: 'wuli-gov', level: 'district', receivedAt: '2026-09-30T15:59:59.999Z', arrival: 'late', urges: 1, supervises: 1, deductions: [1] }),
  fakeView({ id: 'C', unitId: 'wuli-gov', level: 'beijing', receivedAt: '2026-08-01T00:00:00.000Z', urges: 2, supervises: 2, deductions: [3, 1], status: 'open', deadline: '2026-10-01T00:00:00.000Z' }),
  fakeView({ id: 'D', unitId: 'wuli-landres', level: 'city', receivedAt: '2026-09-01T00:00:00.000Z', arrival: 'onTime', status: 'open', deadline: '2026-10-09T00:00:00.000Z' }),
  fakeView({ id: 'E', unitId: 'dongcun', level: 'district', receivedAt: '2026-09-30T16:00:00.000Z', arrival: 'late', urges: 5 }),
  fakeView({ id: 'F', unitId: 'old-unit', unitName: '旧单位', level: 'city', receivedAt: '2026-07-15T00:00:00.000Z', arrival: 'late', urges: 1, deductions: [2], status: 'cancelled' }),
  fakeView({ id: 'G', unitId: 'wuli-gov', level: 'city', receivedAt: '2026-06-30T15:59:59.999Z', arrival: 'onTime' }),
];
const zero = [0, 0, 0, 0, 0, 0, 0, 0];
const expectedRows = [
  ['五里乡人民政府', '到区', 2, 1, 1, 1, 1, 1, 1, 0],
  ['五里乡人民政府', '到市', ...zero],
  ['五里乡人民政府', '进京', 1, 0, 0, 2, 2, 2, 4, 1],
  ['五里乡人民政府', '小计', 3, 1, 1, 3, 3, 3, 5, 1],
  ['五里乡国土资源所', '到区', ...zero],
  ['五里乡国土资源所', '到市', 1, 1, 0, 0, 0, 0, 0, 0],
  ['五里乡国土资源所', '进京', ...zero],
  ['五里乡国土资源所', '小计', 1, 1, 0, 0, 0, 0, 0, 0],
  ['东村村委会', '到区', ...zero],
  ['东村村委会', '到市', ...zero],
  ['东村村委会', '进京', ...zero],
  ['东村村委会', '小计', ...zero],
  ['旧单位', '到区', ...zero],
  ['旧单位', '到市', 1, 0, 1, 1, 0, 1, 2, 0],
  ['旧单位', '进京', ...zero],
  ['旧单位', '小计', 1, 0, 1, 1, 0, 1, 2, 0],
  ['合计', '', 5, 2, 2, 4, 3, 4, 7, 1],
];
const HEADERS = ['责任单位', '级别', '交办数', '按时到达', '逾期到达', '催办（次）', '督办（次）', '扣分（次）', '扣分（分）', '逾期未办结'];
const SUMMARY = [
  '2026年7月1日至2026年9月30日，共交办信访督办事项5件（进京1件、到市2件、到区2件）；责任单位领导按时到达现场2件、逾期到达2件；发出催办4次、督办3次；扣分4次，共计7分；截至2026年10月8日 08:00，仍有1件逾期未办结。',
  '被扣分单位：五里乡人民政府（5分）、旧单位（2分）。',
  '逾期未办结事项所在单位：五里乡人民政府（1件），请抓紧办理并书面报送结果。',
  '请各单位对照通报情况，认真落实领导接人、书面报结等要求，切实提高信访督办事项办理质效。',
];

async function xlsxRows(buf: Buffer): Promise<unknown[][]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as unknown as ArrayBuffer);
  const ws = wb.getWorksheet('通报')!;
  const rows: unknown[][] = [];
  ws.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
  return rows;
}

describe('periods in Asia/Shanghai', () => {
  it('a quarter starts at local midnight; the scheduled run reports the quarter before its scheduled time', () => {
    expect(quarterPeriod('2026-Q4')).toEqual({ quarter: '2026-Q4', from: '2026-09-30T16:00:00.000Z', to: '2026-12-31T16:00:00.000Z' });
    expect(quarterPeriod('2026-Q1')).toEqual({ quarter: '2026-Q1', from: '2025-12-31T16:00:00.000Z', to: '2026-03-31T16:00:00.000Z' });
    expect(quarterOf(Date.parse('2026-12-31T15:59:59.999Z'))).toBe('2026-Q4');
    expect(quarterOf(Date.parse('2026-12-31T16:00:00.000Z'))).toBe('2027-Q1');
    expect(quarterReportedAt(Date.parse('2026-12-31T16:00:00.000Z'))).toBe('2026-Q4');
    expect(quarterReportedAt(Date.parse('2027-01-03T09:00:00.000Z'))).toBe('2026-Q4'); // a late catch-up fire
    expect(quarterReportedAt(Date.parse('2026-12-31T15:59:59.999Z'))).toBe('2026-Q3');
    expect(quarterReportedAt(Date.parse('2026-03-31T16:00:00.000Z'))).toBe('2026-Q1');
  });

  it('ranges of local dates: [from, to), the ID names the first and last day, impossible dates refused', () => {
    const r = rangePeriod('2026-10-01', '2027-01-01');
    expect(r).toEqual({ from: '2026-09-30T16:00:00.000Z', to: '2026-12-31T16:00:00.000Z' });
    expect(circularIdFor(r)).toBe('range-20261001-20261231');
    expect(periodText(r)).toBe('2026年10月1日至2026年12月31日');
    expect(circularTitle(r)).toBe('关于2026年10月1日至2026年12月31日信访督办情况的通报');
    expect(circularTitle(quarterPeriod('2026-Q4'))).toBe('关于2026年第四季度信访督办情况的通报');
    expect(periodText(rangePeriod('2026-07-01', '2026-07-02'))).toBe('2026年7月1日');
    expect(localDateStart('2026-02-30')).toBeNull();
    expect(localDateStart('2026-2-3')).toBeNull();
  });
});

describe('aggregation and rendering', () => {
  const figures = aggregateCircular(views, { circularId: '2026-Q3', period: q3, cutoff, units });

  it('counts per unit and level only the notices received in the period; units of the directory first, zeros included', () => {
    expect(circularRows(figures)).toEqual(expectedRows);
    expect(figures.byLevel).toEqual({
      district: { escalated: 2, arrivedOnTime: 1, arrivedLate: 1, urged: 1, supervised: 1, deductions: 1, deductionPoints: 1, overdueOpen: 0 },
      city: { escalated: 2, arrivedOnTime: 1, arrivedLate: 1, urged: 1, supervised: 0, deductions: 1, deductionPoints: 2, overdueOpen: 0 },
      beijing: { escalated: 1, arrivedOnTime: 0, arrivedLate: 0, urged: 2, supervised: 2, deductions: 2, deductionPoints: 4, overdueOpen: 1 },
    });
    // The same case open past its deadline is not overdue at a cut-off before that deadline.
    const early = aggregateCircular(views, { circularId: '2026-Q3', period: q3, cutoff: '2026-09-30T23:59:59.999Z', units });
    expect(early.total.overdueOpen).toBe(0);
  });

  it('XLSX: sheet 通报 with title, period, headers and exactly the rows', async () => {
    const rows = await xlsxRows(await renderCircularXlsx(figures, { officeName: '五里乡信访办', issuedAt: cutoff }));
    // Title and period rows are merged across the table's width: every cell of a merge reads its value.
    expect(rows[0]).toEqual(Array(10).fill('关于2026年第三季度信访督办情况的通报'));
    expect(rows[1]).toEqual(Array(10).fill('通报期间：2026年7月1日至2026年9月30日　统计截至：2026年10月8日 08:00　五里乡信访办'));
    expect(rows[2]).toEqual(HEADERS);
    expect(rows.slice(3)).toEqual(expectedRows);
  });

  it('DOCX: title, 文号, summary, the same table, issuer and date', async () => {
    const paragraphs = await docxParagraphs(await renderCircularDocx(figures, { officeName: '五里乡信访办', issuedAt: cutoff, documentNumber: '五信通〔2026〕3号' }));
    expect(paragraphs).toEqual([
      '关于2026年第三季度信访督办情况的通报',
      '五信通〔2026〕3号',
      '各责任单位：',
      '现将2026年第三季度（2026年7月1日至2026年9月30日）信访督办事项办理情况通报如下。',
      ...SUMMARY,
      '附表：信访督办情况统计表',
      ...HEADERS,
      ...expectedRows.flat().filter((c) => c !== '').map(String),
      '五里乡信访办',
      '2026年10月8日',
    ]);
  });
});

describe('mail', () => {
  it('goes to the office list, else to the supervisors with an e-mail address', () => {
    expect(circularRecipients(directory)).toEqual(['li.weidong@xfb.example.cn']);
    expect(circularRecipients({ ...directory, office: { ...directory.office, circularRecipients: [] }, supervisors: [...directory.supervisors, { id: 'xfb-wu', name: '吴', role: 'supervisor', channels: ['sms'], phone: '+8613800000902' }] })).toEqual(['li.weidong@xfb.example.cn']);
  });

  it('is sent once: a retry after a send (the worker died before completing) sends nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'duban-circular-mail-'));
    const outboxDir = join(dir, 'outbox');
    const records = await freshRecords();
    const acts = createCircularActivities({ directory: () => directory, client: undefined as never, records, taskQueue: 'x', outboxDir, dataDir: dir, log: () => undefined });
    const figures = aggregateCircular(views, { circularId: '2026-Q3', period: q3, cutoff, units });
    const request = { circularId: '2026-Q3', period: q3, requestedBy: { id: 'duban', role: 'system' as const }, mail: true };
    const env = new MockActivityEnvironment();
    const run = <A, R>(fn: (a: A) => Promise<R>, a: A): Promise<R> => env.run<[A], R, (a: A) => Promise<R>>(fn, a);
    const files = await run(acts.renderCircular.bind(acts), { request, figures });
    expect(files.map((f) => [f.name, f.downloadName, f.bytes > 0])).toEqual([
      ['circular-2026-Q3.xlsx', '2026年第三季度信访督办情况通报.xlsx', true],
      ['circular-2026-Q3.docx', '2026年第三季度信访督办情况通报.docx', true],
    ]);
    const first = await run(acts.mailCircular.bind(acts), { request, figures, files });
    const second = await run(acts.mailCircular.bind(acts), { request, figures, files });
    expect(first).toEqual({ channel: 'outbox', to: ['li.weidong@xfb.example.cn'], messageId: 'circular_2026-Q3.json', duplicate: false });
    expect(second).toEqual({ ...first, duplicate: true });
    expect(readdirSync(outboxDir)).toEqual(['circular_2026-Q3.json']);
    // Kept in the database, not on disk: the files, their description and how it was mailed; one mailed marker.
    expect(existsSync(join(dir, 'circulars'))).toBe(false);
    const names = await records.db.query<{ name: string }>('SELECT name FROM circular_files WHERE circular_id = $1 ORDER BY name', ['2026-Q3']);
    expect(names.rows.map((r) => r.name)).toEqual(['circular-2026-Q3.docx', 'circular-2026-Q3.xlsx', 'figures.json', 'mail.json']);
    expect((await records.db.query('SELECT circular_id FROM circular_mailings')).rows).toEqual([{ circular_id: '2026-Q3' }]);
    expect(await readCircularMail(records, '2026-Q3')).toEqual(first);
    expect(await readStoredCircular(records, '2026-Q3')).toEqual({ request, figures, files });
    expect((await xlsxRows((await readCircularRecord(records, '2026-Q3', 'circular-2026-Q3.xlsx'))!)).slice(3)).toEqual(expectedRows);
    await records.close();
  });

  it('two workers mailing at once send one mail: the second waits on the marker of the first and finds it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'duban-circular-mail2-'));
    const outboxDir = join(dir, 'outbox');
    const records = await freshRecords();
    const logs: string[] = [];
    const worker = (): ReturnType<typeof createCircularActivities> => createCircularActivities({ directory: () => directory, client: undefined as never, records, taskQueue: 'x', outboxDir, log: (l) => logs.push(l) });
    const figures = aggregateCircular(views, { circularId: '2026-Q3', period: q3, cutoff, units });
    const request = { circularId: '2026-Q3', period: q3, requestedBy: { id: 'duban', role: 'system' as const }, mail: true };
    const env = new MockActivityEnvironment();
    const run = <A, R>(fn: (a: A) => Promise<R>, a: A): Promise<R> => env.run<[A], R, (a: A) => Promise<R>>(fn, a);
    const [a, b] = [worker(), worker()];
    const files = await run(a.renderCircular.bind(a), { request, figures });
    const results = await Promise.all([run(a.mailCircular.bind(a), { request, figures, files }), run(b.mailCircular.bind(b), { request, figures, files })]);
    expect(results.map((r) => r.duplicate).sort()).toEqual([false, true]);
    expect(logs).toEqual(['circular 2026-Q3: mailed by outbox to 1 recipient(s)']);
    expect((await records.db.query<{ n: number }>('SELECT count(*)::int AS n FROM circular_mailings')).rows).toEqual([{ n: 1 }]);
    await records.close();
  });
});

describe('sealed at rest: the circular files, figures.json and mail.json are never in the clear in the database', () => {
  const RECIPIENT = 'li.weidong@xfb.example.cn';
  const CLEAR = ['五里乡人民政府', '旧单位', RECIPIENT, '2026年第三季度信访督办情况通报'];
  const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

  it('with the AES-GCM codec no row is a ZIP or holds a unit name or an address; the module reads back exactly what was rendered and mailed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'duban-circular-sealed-'));
    const records = await freshRecords(new AesGcmCodec(parseKeySet({ current: 'k1', keys: { k1: generateKey() } }, 'test')));
    const acts = createCircularActivities({ directory: () => directory, client: undefined as never, records, taskQueue: 'x', outboxDir: join(dir, 'outbox'), dataDir: dir, log: () => undefined });
    const figures = aggregateCircular(views, { circularId: '2026-Q3', period: q3, cutoff, units });
    const request = { circularId: '2026-Q3', period: q3, requestedBy: { id: 'duban', role: 'system' as const }, mail: true };
    const env = new MockActivityEnvironment();
    const run = <A, R>(fn: (a: A) => Promise<R>, a: A): Promise<R> => env.run<[A], R, (a: A) => Promise<R>>(fn, a);
    const files = await run(acts.renderCircular.bind(acts), { request, figures });
    const mailed = await run(acts.mailCircular.bind(acts), { request, figures, files });
    expect(mailed).toEqual({ channel: 'outbox', to: [RECIPIENT], messageId: 'circular_2026-Q3.json', duplicate: false });

    const raw = await records.db.query<{ name: string; content: Buffer; content_sealed: boolean; t: string }>('SELECT name, content, content_sealed, f::text AS t FROM circular_files f ORDER BY name');
    expect(raw.rows.map((r) => [r.name, r.content_sealed])).toEqual([
      ['circular-2026-Q3.docx', true],
      ['circular-2026-Q3.xlsx', true],
      ['figures.json', true],
      ['mail.json', true],
    ]);
    for (const r of raw.rows) {
      expect(r.content.subarray(0, 2).toString('latin1')).not.toBe('PK');
      expect(r.content.indexOf(Buffer.from('binary/encrypted'))).toBeGreaterThan(-1);
      for (const clear of [Buffer.from('PK\x03\x04', 'latin1'), Buffer.from('[Content_Types].xml'), Buffer.from('"circularId"'), ...CLEAR.map((c) => Buffer.from(c, 'utf8'))]) {
        expect(r.content.indexOf(clear)).toBe(-1);
        expect(Buffer.from(r.t).indexOf(clear)).toBe(-1);
      }
    }

    // Read back through the module: the same description, the same mail, the files byte for byte as rendered.
    expect(await readStoredCircular(records, '2026-Q3')).toEqual({ request, figures, files });
    expect(await readCircularMail(records, '2026-Q3')).toEqual(mailed);
    const xlsx = (await readCircularRecord(records, '2026-Q3', 'circular-2026-Q3.xlsx'))!;
    const docx = (await readCircularRecord(records, '2026-Q3', 'circular-2026-Q3.docx'))!;
    expect([Buffer.isBuffer(xlsx), xlsx.length, sha256(xlsx)]).toEqual([true, files[0]!.bytes, files[0]!.sha256]);
    expect([Buffer.isBuffer(docx), docx.length, sha256(docx)]).toEqual([true, files[1]!.bytes, files[1]!.sha256]);
    expect(xlsx.subarray(0, 2).toString('latin1')).toBe('PK');
    expect((await xlsxRows(xlsx)).slice(3)).toEqual(expectedRows);
    const paragraphs = await docxParagraphs(docx);
    const from = paragraphs.indexOf(SUMMARY[0]!);
    expect(paragraphs.slice(from, from + SUMMARY.length)).toEqual(SUMMARY);

    // A record put and read directly: exactly its bytes; a replacement (a failed circular run again) is sealed as well.
    const bytes = Buffer.from('通报附件：五里乡人民政府', 'utf8');
    await putCircularRecord(records, '2026-Q3', 'extra.txt', bytes);
    expect(await readCircularRecord(records, '2026-Q3', 'extra.txt')).toEqual(bytes);
    await putCircularRecord(records, '2026-Q3', 'extra.txt', Buffer.from('替换：旧单位', 'utf8'));
    expect(await readCircularRecord(records, '2026-Q3', 'extra.txt')).toEqual(Buffer.from('替换：旧单位', 'utf8'));
    const extra = (await records.db.query<{ content: Buffer; content_sealed: boolean }>("SELECT content, content_sealed FROM circular_files WHERE name = 'extra.txt'")).rows[0]!;
    expect(extra.content_sealed).toBe(true);
    expect(extra.content.indexOf(Buffer.from('旧单位', 'utf8'))).toBe(-1);
    await records.close();
  });

  it('records stored before migration 004 (in the clear, content_sealed false) still read as they were', async () => {
    const records = await freshRecords(new AesGcmCodec(parseKeySet({ current: 'k1', keys: { k1: generateKey() } }, 'test')));
    const mail = { channel: 'outbox', to: [RECIPIENT], messageId: 'circular_2026-Q2.json', duplicate: false };
    await records.db.query("INSERT INTO circular_files (circular_id, name, content) VALUES ('2026-Q2', 'mail.json', $1), ('2026-Q2', 'a.xlsx', $2)", [Buffer.from(JSON.stringify(mail)), Buffer.from('PK old bytes')]);
    await records.db.query("INSERT INTO circular_mailings (circular_id) VALUES ('2026-Q2')");
    expect(await readCircularMail(records, '2026-Q2')).toEqual(mail);
    expect(await readCircularRecord(records, '2026-Q2', 'a.xlsx')).toEqual(Buffer.from('PK old bytes'));
    await records.close();
  });
});

describe('the scheduled run on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let dataDir: string;
  let outboxDir: string;
  let records: Awaited<ReturnType<typeof freshRecords>>;
  const collected: string[] = [];

  let client: Client;
  /** Runs a workflow and reads its result once it has finished, with a plain client: the environment's result() lets the server skip time. */
  async function run<R>(workflowType: string, workflowId: string, args: unknown[]): Promise<R> {
    await client.workflow.start(workflowType, { taskQueue: 'circular-ts', workflowId, args });
    return (await finished(workflowId)) as R;
  }
  async function finished(workflowId: string): Promise<unknown> {
    const handle = client.workflow.getHandle(workflowId);
    const deadline = Date.now() + 20_000;
    while ((await handle.describe()).status.name === 'RUNNING') {
      if (Date.now() > deadline) throw new Error(`${workflowId} did not finish`);
      await new Promise((r) => setTimeout(r, 25));
    }
    return handle.result();
  }

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    await ensureNamespace(env.connection, env.namespace ?? 'default');
    client = new Client({ connection: env.connection, namespace: env.namespace ?? 'default' });
    dataDir = mkdtempSync(join(tmpdir(), 'duban-circular-'));
    outboxDir = join(dataDir, 'outbox');
    mkdirSync(outboxDir);
    records = await freshRecords();
    for (const v of views) await recordCaseView(records, v);
    const real = createActivities({ directory: () => directory, client: env.client, records, taskQueue: 'circular-ts', outboxDir, dataDir, log: () => undefined });
    worker = await Worker.create({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue: 'circular-ts',
      workflowsPath,
      activities: {
        ...real,
        // The real collect (SQL over the recorded views), counted to show it runs once.
        collectCircularFacts: (input: { circularId: string; period: typeof q3 }) => {
          collected.push(input.circularId);
          return real.collectCircularFacts(input);
        },
      },
    });
    running = worker.run();
  }, 60_000);

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    await records?.close();
  });

  it('at 2027-01-01 00:00 Shanghai the run produces 2026-Q4 once; a second run finds it and does nothing', async () => {
    const boundary = Date.parse('2027-01-01T00:00:00+08:00');
    await env.sleep(boundary - (await env.currentTimeMs()));
    const first = await run<QuarterlyCircularResult>('quarterlyCircular', 'quarterly-circular-1', []);
    expect(first).toEqual({ circularId: '2026-Q4', outcome: 'produced' });
    const produced = (await finished('circular:2026-Q4')) as CircularView;
    expect(produced.period).toEqual({ quarter: '2026-Q4', from: '2026-09-30T16:00:00.000Z', to: '2026-12-31T16:00:00.000Z' });
    expect(produced.status).toBe('done');
    expect(produced.files.map((f) => f.name)).toEqual(['circular-2026-Q4.xlsx', 'circular-2026-Q4.docx']);
    expect(produced.mail).toMatchObject({ channel: 'outbox', to: ['li.weidong@xfb.example.cn'], duplicate: false });

    const second = await run<QuarterlyCircularResult>('quarterlyCircular', 'quarterly-circular-2', []);
    expect(second).toEqual({ circularId: '2026-Q4', outcome: 'alreadyProduced' });
    const explicit = await run<QuarterlyCircularResult>('quarterlyCircular', 'quarterly-circular-3', [{ quarter: '2026-Q4' }]);
    expect(explicit).toEqual({ circularId: '2026-Q4', outcome: 'alreadyProduced' });

    // One run of the circular: facts collected once, one set of files, one mail.
    expect(collected).toEqual(['2026-Q4']);
    expect(existsSync(join(dataDir, 'circulars'))).toBe(false);
    const stored = await records.db.query<{ circular_id: string; name: string }>('SELECT circular_id, name FROM circular_files ORDER BY circular_id, name');
    expect(stored.rows.map((r) => `${r.circular_id}/${r.name}`)).toEqual(['2026-Q4/circular-2026-Q4.docx', '2026-Q4/circular-2026-Q4.xlsx', '2026-Q4/figures.json', '2026-Q4/mail.json']);
    expect((await records.db.query('SELECT circular_id FROM circular_mailings')).rows).toEqual([{ circular_id: '2026-Q4' }]);
    const mails = readdirSync(outboxDir);
    expect(mails).toEqual(['circular_2026-Q4.json']);
    const mail = JSON.parse(readFileSync(join(outboxDir, mails[0]!), 'utf8')) as { to: string[]; title: string; attachments: { filename: string }[] };
    expect(mail.to).toEqual(['li.weidong@xfb.example.cn']);
    expect(mail.title).toBe('关于2026年第四季度信访督办情况的通报');
    expect(mail.attachments.map((a) => a.filename)).toEqual(['2026年第四季度信访督办情况通报.xlsx', '2026年第四季度信访督办情况通报.docx']);
    const rows = (await xlsxRows((await readCircularRecord(records, '2026-Q4', 'circular-2026-Q4.xlsx'))!)).slice(3);
    // The fixed views are Q3 notices: the Q4 circular counts none of them except E, received at Q4's first instant.
    const figures = aggregateCircular(views, { circularId: '2026-Q4', period: quarterPeriod('2026-Q4'), cutoff: produced.figures!.cutoff, units });
    expect(produced.figures).toEqual(figures);
    expect(rows).toEqual(circularRows(figures));
    expect(rows.at(-1)).toEqual(['合计', '', 1, 0, 1, 5, 0, 0, 0, 0]);
  });
});
