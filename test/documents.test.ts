// 催办单 / 督办单 under time skipping: numbered per office and year without gaps in PostgreSQL, rendered, stored there,
// in the timeline, attached to the 催办 e-mail (a real SMTP peer), and a failed document does not stop the ladder.
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createActivities } from '../activities/index.js';
import type { OutboxMessage } from '../activities/outbox.js';
import { startEscalatedVisit, type StartVisitResult } from '../src/cases.js';
import type { Directory } from '../src/directory.js';
import type { OfficialDocumentRequest } from '../src/documents/types.js';
import { shanghaiYear } from '../src/domain.js';
import { reportArrivalUpdate, type CaseView, type TimelineEntry } from '../src/messages.js';
import { createDb } from '../src/records/db.js';
import { issueDocumentNumber, readDocument } from '../src/records/documents.js';
import { workflowsPath } from '../worker.js';
import { alertDirectory, channelConfigFor, freePort, startSmtpPeer, until, type SmtpPeer } from './alertHelpers.js';
import { docxParagraphs } from './docxText.js';
import { H, TASK_QUEUE, createTimeSkippingEnv, directory, hoursOf, intake, policy, sampleNotice, skipTo, startHarness, startVisit, unitActor, view, waitForStep, type Harness, updateThenRead } from './helpers.js';

const D = 24 * H;
let h: Harness;
let smtp: SmtpPeer;
const extraWorkers: { worker: Worker; running: Promise<void> }[] = [];
beforeAll(async () => {
  [h, smtp] = await Promise.all([createTimeSkippingEnv().then(startHarness), startSmtpPeer()]);
}, 60_000);
afterEach(async () => {
  await h.terminateOpen();
});
afterAll(async () => {
  for (const w of extraWorkers) {
    w.worker.shutdown();
    await w.running;
  }
  await smtp?.stop();
  await h?.stop();
});

/** "2026年11月25日 09:00" in Beijing time, written out here independently of src/time.ts. */
function local(ms: number): string {
  const d = new Date(ms + 8 * H);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const sec = d.getUTCSeconds() ? `:${p2(d.getUTCSeconds())}` : '';
  return `${d.getUTCFullYear()}年${p2(d.getUTCMonth() + 1)}月${p2(d.getUTCDate())}日 ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}${sec}`;
}
function dateOfIssue(ms: number): string {
  const d = new Date(ms + 8 * H);
  return `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月${d.getUTCDate()}日`;
}

/** Numbers given so far per year of issue in the harness's office (the tests below run in order). */
const given = new Map<number, number>();
const nextNumber = (year: number): number => {
  const n = (given.get(year) ?? 0) + 1;
  given.set(year, n);
  return n;
};

const docs = (v: CaseView): TimelineEntry[] => v.timeline.filter((e) => e.type === 'documentIssued');
/** The DOCX of a documentIssued entry, as stored in the harness's database. */
async function storedDocx(documentId: string): Promise<Buffer> {
  const d = await readDocument(h.records, documentId);
  if (!d?.content) throw new Error(`document ${documentId} has no stored DOCX`);
  return d.content;
}
const docBytes = (e: TimelineEntry): Promise<Buffer> => storedDocx(String(e.detail!.documentId));
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const counterOf = async (officeId: string, year: number): Promise<number | undefined> =>
  (await h.records.db.query<{ last_number: number }>('SELECT last_number FROM document_counters WHERE office_id = $1 AND year = $2', [officeId, year])).rows[0]?.last_number;

const request = (caseId: string, year: number): OfficialDocumentRequest => ({
  key: `${caseId}/arrival/urge`,
  caseId,
  kind: 'urge',
  milestone: 'arrival',
  level: 'city',
  unitId: 'wuli-gov',
  unitName: '五里乡人民政府',
  receptionSite: '市信访局接待大厅',
  headcount: 3,
  receivedAt: `${year}-03-01T01:00:00.000Z`,
  deadline: `${year}-03-01T09:00:00.000Z`,
  newTimeLimit: `${year}-03-01T13:00:00.000Z`,
  points: 2,
  issuedAt: `${year}-03-01T09:00:00.000Z`,
});
const activitiesFor = (officeId: string, dataDir: string, records = h.records): ReturnType<typeof createActivities> =>
  createActivities({ directory: () => ({ ...directory, office: { ...directory.office, id: officeId } }), client: h.env.client, records, taskQueue: TASK_QUEUE, outboxDir: join(dataDir, 'outbox'), dataDir, log: () => undefined });
/** The notice is received now (local times then print with seconds, as the document does). */
const roundNow = (): Promise<number> => h.env.currentTimeMs();

async function neverArrives(): Promise<{ c: StartVisitResult; t0: number; v: CaseView }> {
  const t0 = await roundNow();
  const c = await startVisit(h, sampleNotice('district', t0));
  await waitForStep(c, `arrival.reminder.1h@${t0 + 3 * H}`);
  await skipTo(h, t0, 5.5);
  return { c, t0, v: await view(c) };
}

describe('numbered documents at 催办 and 督办', () => {
  test('a district case that never arrives: 催办单 at 3 h and 督办单 at 5 h, numbered 1 and 2, stored as DOCX', async () => {
    const { c, t0, v } = await neverArrives();
    expect(hoursOf(v)).toEqual([
      ['registered', 0],
      ['alert', 0],
      ['reminder', 2],
      ['reminder', 2.5],
      ['urge', 3],
      ['documentIssued', 3],
      ['overdueReminder', 4],
      ['overdueReminder', 5],
      ['supervise', 5],
      ['documentIssued', 5],
    ]);
    const [urgeDoc, superviseDoc] = docs(v);
    const urge = v.timeline.find((e) => e.type === 'urge')!;
    const supervise = v.timeline.find((e) => e.type === 'supervise')!;
    // Dated at its step, recorded right after it (before the step's notice).
    expect(urgeDoc!.at).toBe(urge.at);
    expect(superviseDoc!.at).toBe(supervise.at);
    expect(urgeDoc!.seq).toBe(urge.seq + 1);
    expect(superviseDoc!.seq).toBe(supervise.seq + 1);

    const y1 = shanghaiYear(t0 + 3 * H);
    const y2 = shanghaiYear(t0 + 5 * H);
    const n1 = nextNumber(y1);
    const n2 = nextNumber(y2);
    expect(urgeDoc).toMatchObject({
      milestone: 'arrival',
      actor: { id: 'duban', role: 'system' },
      detail: {
        documentId: `wuli-xfb-${y1}-${String(n1).padStart(4, '0')}`,
        documentNumber: `五信督〔${y1}〕${n1}号`,
        kind: 'urge',
        fileName: `催办单（五信督〔${y1}〕${n1}号）.docx`,
        number: n1,
        year: y1,
      },
    });
    expect(superviseDoc!.detail).toEqual({
      documentId: `wuli-xfb-${y2}-${String(n2).padStart(4, '0')}`,
      documentNumber: `五信督〔${y2}〕${n2}号`,
      kind: 'supervise',
      fileName: `督办单（五信督〔${y2}〕${n2}号）.docx`,
      number: n2,
      year: y2,
    });
    if (y1 === y2) expect([n1, n2]).toEqual([1, 2]);

    expect(await docxParagraphs(await docBytes(urgeDoc!))).toEqual([
      '关于五里乡人民政府到区接人逾期的催办单',
      `五信督〔${y1}〕${n1}号`,
      '五里乡人民政府：',
      `${local(t0)}，本办接到通知：你单位有群众12人到区上访，现在市信访局接待大厅。按规定，你单位主要领导或分管领导应于${local(t0 + 3 * H)}前到达现场接回。截至${local(t0 + 3 * H)}，你单位领导仍未到达现场，已超过规定时限。`,
      `现予催办。请你单位主要领导或分管领导立即到达市信访局接待大厅接回，最迟于${local(t0 + 5 * H)}前到达；逾期仍未到达的，将予督办。`,
      `案件号：${c.caseId}`,
      '五里乡信访办',
      dateOfIssue(t0 + 3 * H),
    ]);
    expect(await docxParagraphs(await docBytes(superviseDoc!))).toEqual([
      '关于五里乡人民政府到区接人逾期的督办单',
      `五信督〔${y2}〕${n2}号`,
      '五里乡人民政府：',
      `${local(t0)}，本办接到通知：你单位有群众12人到区上访，现在市信访局接待大厅。按规定，你单位主要领导或分管领导应于${local(t0 + 3 * H)}前到达现场接回。截至${local(t0 + 3 * H)}，你单位领导仍未到达现场，已超过规定时限。`,
      `经催办仍未到达，现予督办。请你单位主要领导或分管领导立即到达市信访局接待大厅接回，最迟于${local(t0 + 9 * H)}前到达；确有特殊情况的，请于期限前提交情况说明。逾期未到达又无情况说明的，将在年终考核中扣1分。`,
      `案件号：${c.caseId}`,
      '五里乡信访办',
      dateOfIssue(t0 + 5 * H),
    ]);
    // The matter summary (free text) stays out of the document; only headcount and site.
    const all = (await docxParagraphs(await docBytes(urgeDoc!))).join('\n');
    expect(all).not.toContain('征地补偿款');

    // The step's notice names the document (outbox: the leaders' SMS and e-mail without credentials).
    const urged = outboxOf(h.outboxDir).filter((m) => m.caseId === c.caseId && m.event === 'urge');
    expect(urged.map((m) => m.recipientId).sort()).toEqual(['wuli-gov-wang', 'wuli-gov-zhang', 'xfb-li']);
    for (const m of urged) expect(m.text.endsWith(`已制发催办单（五信督〔${y1}〕${n1}号）。`)).toBe(true);
    // The store of record holds the documents: nothing is written to the worker's disk.
    expect(existsSync(join(h.dataDir, 'documents'))).toBe(false);
  }, 60_000);

  test('a second case continues the office-year numbering: 3 and 4, no gap, no repeat', async () => {
    const { t0, v } = await neverArrives();
    const y1 = shanghaiYear(t0 + 3 * H);
    const y2 = shanghaiYear(t0 + 5 * H);
    const expected = [
      [nextNumber(y1), y1],
      [nextNumber(y2), y2],
    ];
    expect(docs(v).map((e) => [e.detail!.number, e.detail!.year])).toEqual(expected);
    if (y1 === y2) expect(expected.map(([n]) => n)).toEqual([3, 4]);
    expect(docs(v).map((e) => e.detail!.documentNumber)).toEqual(expected.map(([n, y]) => `五信督〔${y}〕${n}号`));
    const rows = await h.records.db.query<{ document_id: string; stored: boolean }>('SELECT document_id, content IS NOT NULL AS stored FROM documents WHERE office_id = $1 AND year = $2 ORDER BY number', ['wuli-xfb', y1]);
    if (y1 === y2) expect(rows.rows).toEqual([1, 2, 3, 4].map((n) => ({ document_id: `wuli-xfb-${y1}-000${n}`, stored: true })));
  }, 60_000);

  test('closure report overdue: the 催办单 names the arrival and the written closure report', async () => {
    const t0 = await roundNow();
    const c = await startVisit(h, sampleNotice('district', t0));
    await waitForStep(c, `arrival.reminder.1h@${t0 + 3 * H}`);
    await skipTo(h, t0, 1);
    await c.handle.executeUpdate(reportArrivalUpdate, { args: [{ leaderId: 'wuli-gov-wang', arrivedAt: new Date(t0 + H).toISOString(), actor: unitActor }] });
    const deadline = t0 + H + 15 * D;
    await skipTo(h, t0, 1 + 15 * 24 + 1);
    const v = await view(c);
    expect(hoursOf(v).slice(-3)).toEqual([
      ['reminder', 1 + 14 * 24],
      ['urge', 1 + 15 * 24],
      ['documentIssued', 1 + 15 * 24],
    ]);
    const [doc] = docs(v);
    const year = shanghaiYear(deadline);
    const n = nextNumber(year);
    expect(doc).toMatchObject({ milestone: 'closureReport', detail: { kind: 'urge', number: n, documentNumber: `五信督〔${year}〕${n}号` } });
    expect(await docxParagraphs(await docBytes(doc!))).toEqual([
      '关于五里乡人民政府书面报结果逾期的催办单',
      `五信督〔${year}〕${n}号`,
      '五里乡人民政府：',
      `${local(t0)}，本办接到通知：你单位有群众12人到区上访（市信访局接待大厅）。你单位领导已于${local(t0 + H)}到达现场。按规定，你单位应于${local(deadline)}前书面报结果销案。截至${local(deadline)}，你单位仍未书面报结果，已超过规定时限。`,
      `现予催办。请你单位立即书面报结果销案，最迟于${local(deadline + 3 * D)}前报送；逾期仍未报送的，将予督办。`,
      `案件号：${c.caseId}`,
      '五里乡信访办',
      dateOfIssue(deadline),
    ]);
  }, 60_000);

  test('the store: a case\'s key asked again gets its document again; a new key the next number; a wrong key is refused naming the field', async () => {
    const year = shanghaiYear(await h.env.currentTimeMs());
    const a = activitiesFor('wuli-xfb', mkdtempSync(join(tmpdir(), 'duban-docs-again-')));
    expect(await counterOf('wuli-xfb', year)).toBe(given.get(year));
    const first = (await h.records.db.query<{ case_id: string; document_id: string }>('SELECT case_id, document_id FROM documents WHERE office_id = $1 AND year = $2 AND number = 1', ['wuli-xfb', year])).rows[0]!;
    const before = await storedDocx(first.document_id);
    expect(await a.issueOfficialDocument(request(first.case_id, year))).toEqual({
      documentId: first.document_id,
      documentNumber: `五信督〔${year}〕1号`,
      number: 1,
      year,
      kind: 'urge',
      milestone: 'arrival',
      fileName: `催办单（五信督〔${year}〕1号）.docx`,
    });
    expect(Buffer.compare(await storedDocx(first.document_id), before)).toBe(0);

    const next = given.get(year)! + 1;
    const once = await a.issueOfficialDocument(request('visit:N-retry', year));
    expect(once).toMatchObject({ documentId: `wuli-xfb-${year}-${String(next).padStart(4, '0')}`, number: next, documentNumber: `五信督〔${year}〕${next}号` });
    expect(await a.issueOfficialDocument(request('visit:N-retry', year))).toEqual(once);
    given.set(year, next);

    const wrong = a.issueOfficialDocument({ ...request('visit:N-retry', year), key: 'visit:N-other/arrival/urge' });
    await expect(wrong).rejects.toMatchObject({ type: 'InvalidInput', nonRetryable: true, message: 'key: must be <caseId>/<milestone>/<kind>' });
    expect(await counterOf('wuli-xfb', year)).toBe(next);
  }, 60_000);

  test('a new office-year asked by two activities at the same moment: 1 and 2', async () => {
    const a = activitiesFor('race-xfb', mkdtempSync(join(tmpdir(), 'duban-docs-race-')));
    const results = await Promise.all((['urge', 'supervise'] as const).map((kind) => a.issueOfficialDocument({ ...request('visit:N-race', 2031), key: `visit:N-race/arrival/${kind}`, kind })));
    expect(results.map((r) => [r.kind, r.year]).sort()).toEqual([
      ['supervise', 2031],
      ['urge', 2031],
    ]);
    expect(results.map((r) => r.number).sort()).toEqual([1, 2]);
    expect(await counterOf('race-xfb', 2031)).toBe(2);
  }, 60_000);
});

describe('the activity on its own: the store of record', () => {
  test('a retried activity returns the same document and leaves the stored DOCX as first written; nothing on disk', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'duban-docs-retry-'));
    const a = activitiesFor('retry-xfb', dataDir);
    const first = await a.issueOfficialDocument(request('visit:N-file-1', 2032));
    expect(first).toEqual({ documentId: 'retry-xfb-2032-0001', documentNumber: '五信督〔2032〕1号', number: 1, year: 2032, kind: 'urge', milestone: 'arrival', fileName: '催办单（五信督〔2032〕1号）.docx' });
    const stored = (await readDocument(h.records, first.documentId))!;
    expect(stored).toMatchObject({ key: 'visit:N-file-1/arrival/urge', caseId: 'visit:N-file-1', officeId: 'retry-xfb', issuedAt: '2032-03-01T09:00:00.000Z', hasContent: true, contentSha256: sha256(stored.content!) });
    expect((await docxParagraphs(stored.content!)).slice(0, 3)).toEqual(['关于五里乡人民政府到市接人逾期的催办单', '五信督〔2032〕1号', '五里乡人民政府：']);
    const again = await a.issueOfficialDocument(request('visit:N-file-1', 2032));
    expect(again).toEqual(first);
    expect(Buffer.compare((await readDocument(h.records, first.documentId))!.content!, stored.content!)).toBe(0);
    expect(existsSync(join(dataDir, 'documents'))).toBe(false);
    const second = await a.issueOfficialDocument(request('visit:N-file-2', 2032));
    expect(second.number).toBe(2);
  }, 30_000);

  test('a retry after the number was given but before the DOCX was stored renders and stores it now', async () => {
    const row = await issueDocumentNumber(h.records.db, { officeId: 'late-xfb', year: 2037, key: 'visit:N-late/arrival/urge', caseId: 'visit:N-late', kind: 'urge', milestone: 'arrival', documentNumberFormat: directory.office.documentNumberFormat, issuedAt: '2037-03-01T09:00:00.000Z' });
    expect(row.hasContent).toBe(false);
    const a = activitiesFor('late-xfb', mkdtempSync(join(tmpdir(), 'duban-docs-late-')));
    expect(await a.issueOfficialDocument(request('visit:N-late', 2037))).toEqual({ documentId: 'late-xfb-2037-0001', documentNumber: '五信督〔2037〕1号', number: 1, year: 2037, kind: 'urge', milestone: 'arrival', fileName: '催办单（五信督〔2037〕1号）.docx' });
    const stored = (await readDocument(h.records, 'late-xfb-2037-0001'))!;
    expect(await docxParagraphs(stored.content!)).toEqual([
      '关于五里乡人民政府到市接人逾期的催办单',
      '五信督〔2037〕1号',
      '五里乡人民政府：',
      '2037年03月01日 09:00，本办接到通知：你单位有群众3人到市上访，现在市信访局接待大厅。按规定，你单位主要领导或分管领导应于2037年03月01日 17:00前到达现场接回。截至2037年03月01日 17:00，你单位领导仍未到达现场，已超过规定时限。',
      '现予催办。请你单位主要领导或分管领导立即到达市信访局接待大厅接回，最迟于2037年03月01日 21:00前到达；逾期仍未到达的，将予督办。',
      '案件号：visit:N-late',
      '五里乡信访办',
      '2037年3月1日',
    ]);
    expect(await counterOf('late-xfb', 2037)).toBe(1);
  }, 30_000);

  test('a key not made of its fields fails for good, naming the field; no number is taken', async () => {
    const a = activitiesFor('refuse-xfb', mkdtempSync(join(tmpdir(), 'duban-docs-refuse-')));
    await expect(a.issueOfficialDocument({ ...request('visit:N-r', 2036), key: 'visit:N-other/arrival/urge' })).rejects.toMatchObject({
      type: 'InvalidInput',
      nonRetryable: true,
      message: 'key: must be <caseId>/<milestone>/<kind>',
    });
    await expect(a.issueOfficialDocument({ ...request('visit:N-r', 2036), issuedAt: 'not a time' })).rejects.toMatchObject({ type: 'InvalidInput', nonRetryable: true, message: 'issuedAt: must be an ISO time' });
    expect(await counterOf('refuse-xfb', 2036)).toBeUndefined();
  }, 30_000);

  test('a number another document holds (a counter set back by hand) is refused, the old document never overwritten', async () => {
    const a = activitiesFor('taken-xfb', mkdtempSync(join(tmpdir(), 'duban-docs-taken-')));
    const old = await a.issueOfficialDocument(request('visit:N-old', 2033));
    const oldBytes = (await readDocument(h.records, old.documentId))!.content!;
    await h.records.db.query('UPDATE document_counters SET last_number = 0 WHERE office_id = $1 AND year = $2', ['taken-xfb', 2033]);
    await expect(a.issueOfficialDocument(request('visit:N-new', 2033))).rejects.toMatchObject({ type: 'DocumentNumberTaken', nonRetryable: true, message: '文号五信督〔2033〕1号已有文书（taken-xfb-2033-0001），不予重复使用' });
    const after = (await readDocument(h.records, 'taken-xfb-2033-0001'))!;
    expect([after.key, Buffer.compare(after.content!, oldBytes)]).toEqual(['visit:N-old/arrival/urge', 0]);
    expect(await counterOf('taken-xfb', 2033)).toBe(0);
  }, 30_000);

  test('the database unreachable: a retryable failure, so the activity tries again under its policy', async () => {
    const port = await freePort();
    const down = createDb(`postgres://duban@127.0.0.1:${port}/duban`, { connectTimeoutMs: 1000 });
    try {
      const a = activitiesFor('down-xfb', mkdtempSync(join(tmpdir(), 'duban-docs-down-')), { ...h.records, db: down });
      await expect(a.issueOfficialDocument(request('visit:N-down', 2038))).rejects.toMatchObject({
        type: 'DatabaseUnavailable',
        nonRetryable: false,
        message: `store of record unavailable: connect ECONNREFUSED 127.0.0.1:${port}`,
      });
    } finally {
      await down.end();
    }
  }, 30_000);
});

function outboxOf(dir: string): OutboxMessage[] {
  return readdirSync(dir).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as OutboxMessage);
}

async function extraWorker(taskQueue: string, directory: Directory, override: Partial<ReturnType<typeof createActivities>> = {}, smtpPeer?: SmtpPeer): Promise<{ dataDir: string; outboxDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'duban-docs-'));
  const outboxDir = join(dataDir, 'outbox');
  mkdirSync(outboxDir);
  const activities = createActivities({ directory: () => directory, client: h.env.client, records: h.records, taskQueue, outboxDir, dataDir, log: () => undefined, ...(smtpPeer ? { channels: channelConfigFor({ smtp: smtpPeer }) } : {}) });
  const worker = await Worker.create({ connection: h.env.nativeConnection, namespace: h.env.namespace ?? 'default', taskQueue, workflowsPath, activities: { ...activities, ...override } });
  extraWorkers.push({ worker, running: worker.run() });
  return { dataDir, outboxDir };
}

async function startOn(taskQueue: string, directory: Directory, t0: number): Promise<StartVisitResult> {
  const c = await startEscalatedVisit(sampleNotice('district', t0), { client: h.env.client, taskQueue, policy, directory, actor: intake, now: await h.env.currentTimeMs() });
  h.started.push(c);
  return c;
}

test('the 催办 e-mail carries the 催办单 as a DOCX attachment, byte for byte the stored file', async () => {
  const directory: Directory = { ...alertDirectory(), office: { ...alertDirectory().office, id: 'mail-xfb' } };
  const { dataDir } = await extraWorker('duban-docs-mail', directory, {}, smtp);
  const t0 = await roundNow();
  const c = await startOn('duban-docs-mail', directory, t0);
  await waitForStep(c, `arrival.reminder.1h@${t0 + 3 * H}`);
  await skipTo(h, t0, 3.5);
  const v = await view(c);
  const [doc] = docs(v);
  const year = shanghaiYear(t0 + 3 * H);
  expect(doc!.detail).toEqual({ documentId: `mail-xfb-${year}-0001`, documentNumber: `〔${year}〕1号`, kind: 'urge', fileName: `催办单（〔${year}〕1号）.docx`, number: 1, year });
  const stored = await docBytes(doc!);
  expect(existsSync(join(dataDir, 'documents'))).toBe(false);
  // The supervisor hears 催办 by e-mail (the leaders' SMS has no credentials here and goes to the outbox).
  const mails = await until('the urge e-mail', () => smtp.mails.filter((m) => m.parsed.subject?.startsWith('【督办】催办通知') && m.parsed.text?.includes(c.caseId) === true), (m) => m.length >= 1);
  expect(mails.map((m) => m.envelopeTo)).toEqual([['li.weidong@xfb.example.cn']]);
  const mail = mails[0]!.parsed;
  expect(mail.attachments.map((a) => [a.filename, a.contentType])).toEqual([[`催办单（〔${year}〕1号）.docx`, 'application/vnd.openxmlformats-officedocument.wordprocessingml.document']]);
  expect(Buffer.compare(mail.attachments[0]!.content, stored)).toBe(0);
  expect(mail.text).toContain(`文书：催办单（〔${year}〕1号）`);
  // The alert at 0 h had no document and no attachment.
  const alert = smtp.mails.find((m) => m.parsed.subject?.startsWith('【督办】接人通知') && m.parsed.text?.includes(c.caseId) === true);
  expect(alert?.parsed.attachments).toEqual([]);
}, 60_000);

test('a document that cannot be issued is recorded as a failure; the 催办 notice still goes out and the ladder goes on', async () => {
  const failing = {
    issueOfficialDocument: () => Promise.reject(ApplicationFailure.create({ type: 'DocumentStoreFailed', message: '文书存储不可用', nonRetryable: true })),
  };
  const { outboxDir } = await extraWorker('duban-docs-fail', alertDirectory(), failing);
  const t0 = await roundNow();
  const c = await startOn('duban-docs-fail', alertDirectory(), t0);
  await waitForStep(c, `arrival.reminder.1h@${t0 + 3 * H}`);
  await skipTo(h, t0, 5.5);
  const v = await view(c);
  expect(hoursOf(v)).toEqual([
    ['registered', 0],
    ['alert', 0],
    ['reminder', 2],
    ['reminder', 2.5],
    ['urge', 3],
    ['documentFailed', 3],
    ['overdueReminder', 4],
    ['overdueReminder', 5],
    ['supervise', 5],
    ['documentFailed', 5],
  ]);
  expect(v.timeline.filter((e) => e.type === 'documentFailed')).toMatchObject([
    { milestone: 'arrival', reason: '催办单制发失败：文书存储不可用', detail: { event: 'urge', key: `${c.caseId}/arrival/urge`, document: 'urge' } },
    { milestone: 'arrival', reason: '督办单制发失败：文书存储不可用', detail: { event: 'supervise', key: `${c.caseId}/arrival/supervise`, document: 'supervise' } },
  ]);
  expect(v.stage).toBe('arrival.supervise');
  const urged = outboxOf(outboxDir).filter((m) => m.caseId === c.caseId && m.event === 'urge');
  expect(urged.map((m) => m.recipientId).sort()).toEqual(['wuli-gov-wang', 'wuli-gov-zhang', 'xfb-li']);
  for (const m of urged) expect(m.text).not.toContain('已制发');
}, 60_000);

test('an arrival reported while the 催办单 is being issued does not change what the 催办 notice says', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let entered!: () => void;
  const inside = new Promise<void>((r) => (entered = r));
  const slowDirectory: Directory = { ...directory, office: { ...directory.office, id: 'slow-xfb' } };
  const real = createActivities({ directory: () => slowDirectory, client: h.env.client, records: h.records, taskQueue: 'duban-docs-slow', outboxDir: mkdtempSync(join(tmpdir(), 'duban-docs-slow-o-')), dataDir: mkdtempSync(join(tmpdir(), 'duban-docs-slow-')), log: () => undefined });
  const slow = {
    issueOfficialDocument: async (req: OfficialDocumentRequest) => {
      entered();
      await gate;
      return real.issueOfficialDocument(req);
    },
  };
  const { outboxDir } = await extraWorker('duban-docs-slow', slowDirectory, slow);
  const t0 = await roundNow();
  const c = await startOn('duban-docs-slow', directory, t0);
  await waitForStep(c, `arrival.reminder.1h@${t0 + 3 * H}`);
  const skipping = skipTo(h, t0, 3);
  await inside;
  await skipping;
  const arrived = await updateThenRead(c.handle, reportArrivalUpdate, { leaderId: 'wuli-gov-wang', arrivedAt: new Date(t0 + 3 * H).toISOString(), actor: unitActor });
  expect(arrived.milestone).toBe('closureReport');
  release();
  const v = await until('the document', () => view(c), (x) => docs(x).length === 1);
  expect(v.timeline.map((e) => e.type)).toEqual(['registered', 'alert', 'reminder', 'reminder', 'urge', 'arrival', 'documentIssued']);
  const urged = await until('the urge notices', () => outboxOf(outboxDir).filter((m) => m.caseId === c.caseId && m.event === 'urge'), (m) => m.length === 3);
  // The notice names the arrival's 催办 whatever the arrival did meanwhile; it carries the 文号 when the gated document
  // came within the 2 s grace (a loaded machine can take longer to apply the arrival: the notice then goes without it).
  for (const m of urged) expect(m.text).toMatch(/^【督办】五里乡人民政府：到达现场已超过期限（北京时间.*），现予催办，请立即办理。案件号[^。]*。(已制发催办单（五信督〔\d{4}〕1号）。)?$/);
}, 60_000);
