// 催办单 / 督办单 numbers and files in PostgreSQL (the run's real server): one number per key under concurrency,
// gapless 1..n across keys, separate sequences per office and year, content written once.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AesGcmCodec, generateKey, parseKeySet } from '../src/codec.js';
import { renderOfficialNotice } from '../src/documents/officialNotice.js';
import { DocumentNumberTakenError, documentLoader, issueDocumentNumber, listCaseDocuments, readDocument, storeDocumentContent, type DocumentNumberRequest } from '../src/records/documents.js';
import { freshRecords } from './db.js';
import { docxParagraphs } from './docxText.js';

let t: Awaited<ReturnType<typeof freshRecords>>;
beforeAll(async () => {
  t = await freshRecords();
}, 30_000);
afterAll(async () => {
  await t?.close();
});

const FORMAT = '五信督〔{year}〕{number}号';
const req = (officeId: string, year: number, caseId: string, kind: 'urge' | 'supervise' = 'urge', milestone: 'arrival' | 'closureReport' = 'arrival'): DocumentNumberRequest => ({
  officeId,
  year,
  key: `${caseId}/${milestone}/${kind}`,
  caseId,
  kind,
  milestone,
  documentNumberFormat: FORMAT,
  issuedAt: `${year}-03-01T09:00:00.000Z`,
});
const counter = async (officeId: string, year: number): Promise<number | undefined> =>
  (await t.db.query<{ last_number: number }>('SELECT last_number FROM document_counters WHERE office_id = $1 AND year = $2', [officeId, year])).rows[0]?.last_number;
const rowCount = async (where: string, args: unknown[]): Promise<number> => Number((await t.db.query<{ n: string }>(`SELECT count(*) AS n FROM documents WHERE ${where}`, args)).rows[0]!.n);

describe('issueDocumentNumber', () => {
  test('the first request of a key gets number 1 with its 文号, ID and file name; asked again it is the same row', async () => {
    const first = await issueDocumentNumber(t.db, req('one-xfb', 2026, 'visit:N-1'));
    expect(first).toEqual({
      documentId: 'one-xfb-2026-0001',
      key: 'visit:N-1/arrival/urge',
      officeId: 'one-xfb',
      year: 2026,
      number: 1,
      caseId: 'visit:N-1',
      kind: 'urge',
      milestone: 'arrival',
      documentNumber: '五信督〔2026〕1号',
      fileName: '催办单（五信督〔2026〕1号）.docx',
      issuedAt: '2026-03-01T09:00:00.000Z',
      hasContent: false,
      contentSha256: null,
      repeated: false,
    });
    expect(await issueDocumentNumber(t.db, req('one-xfb', 2026, 'visit:N-1'))).toEqual({ ...first, repeated: true });
    // A retry that comes later (another issuedAt) still gets the first answer: the key decides, nothing else.
    expect(await issueDocumentNumber(t.db, { ...req('one-xfb', 2026, 'visit:N-1'), issuedAt: '2026-03-02T00:00:00.000Z' })).toEqual({ ...first, repeated: true });
    expect(await counter('one-xfb', 2026)).toBe(1);
  });

  test('50 concurrent requests for the same key: one number, one row, the counter at 1', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, () => issueDocumentNumber(t.db, req('same-xfb', 2026, 'visit:N-same', 'supervise'))));
    const first = { ...answers[0]!, repeated: false };
    for (const a of answers) expect({ ...a, repeated: false }).toEqual(first);
    expect(first).toMatchObject({ documentId: 'same-xfb-2026-0001', number: 1, documentNumber: '五信督〔2026〕1号', fileName: '督办单（五信督〔2026〕1号）.docx' });
    expect(answers.filter((a) => !a.repeated)).toHaveLength(1);
    expect(await rowCount('office_id = $1', ['same-xfb'])).toBe(1);
    expect(await counter('same-xfb', 2026)).toBe(1);
  }, 30_000);

  test('50 concurrent requests for 50 different keys: exactly the numbers 1..50, no gap, no repeat', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => issueDocumentNumber(t.db, req('many-xfb', 2026, `visit:N-many-${i}`))));
    expect(answers.map((a) => a.number).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(answers.every((a) => !a.repeated)).toBe(true);
    expect(new Set(answers.map((a) => a.key)).size).toBe(50);
    for (const a of answers) {
      expect(a.documentId).toBe(`many-xfb-2026-${String(a.number).padStart(4, '0')}`);
      expect(a.documentNumber).toBe(`五信督〔2026〕${a.number}号`);
    }
    const stored = await t.db.query<{ number: number }>('SELECT number FROM documents WHERE office_id = $1 AND year = $2 ORDER BY number', ['many-xfb', 2026]);
    expect(stored.rows.map((r) => r.number)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(await counter('many-xfb', 2026)).toBe(50);
  }, 30_000);

  test('50 concurrent requests over 10 keys, 5 each: numbers 1..10, each key always the same number', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => issueDocumentNumber(t.db, req('mix-xfb', 2026, `visit:N-mix-${i % 10}`))));
    const byKey = new Map<string, Set<number>>();
    for (const a of answers) byKey.set(a.key, (byKey.get(a.key) ?? new Set()).add(a.number));
    expect([...byKey.values()].map((s) => s.size)).toEqual(Array.from({ length: 10 }, () => 1));
    expect([...byKey.values()].map((s) => [...s][0]!).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(answers.filter((a) => !a.repeated)).toHaveLength(10);
    expect(await counter('mix-xfb', 2026)).toBe(10);
  }, 30_000);

  test('offices and years count separately', async () => {
    const a1 = await issueDocumentNumber(t.db, req('sep-a', 2027, 'visit:N-sep-1'));
    const b1 = await issueDocumentNumber(t.db, req('sep-b', 2027, 'visit:N-sep-2'));
    const a1y = await issueDocumentNumber(t.db, req('sep-a', 2028, 'visit:N-sep-3'));
    const a2 = await issueDocumentNumber(t.db, req('sep-a', 2027, 'visit:N-sep-4', 'supervise', 'closureReport'));
    expect([a1, b1, a1y, a2].map((d) => [d.documentId, d.documentNumber])).toEqual([
      ['sep-a-2027-0001', '五信督〔2027〕1号'],
      ['sep-b-2027-0001', '五信督〔2027〕1号'],
      ['sep-a-2028-0001', '五信督〔2028〕1号'],
      ['sep-a-2027-0002', '五信督〔2027〕2号'],
    ]);
    expect([await counter('sep-a', 2027), await counter('sep-b', 2027), await counter('sep-a', 2028)]).toEqual([2, 1, 1]);
  });

  test('a number the counter gives that another document already holds is refused, never reused, and rolls back', async () => {
    await issueDocumentNumber(t.db, req('back-xfb', 2029, 'visit:N-back-1'));
    // Set back by hand: the next number (1) is taken.
    await t.db.query('UPDATE document_counters SET last_number = 0 WHERE office_id = $1 AND year = $2', ['back-xfb', 2029]);
    const refused = await issueDocumentNumber(t.db, req('back-xfb', 2029, 'visit:N-back-2')).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(DocumentNumberTakenError);
    expect(refused).toMatchObject({ documentId: 'back-xfb-2029-0001', documentNumber: '五信督〔2029〕1号' });
    expect(await counter('back-xfb', 2029)).toBe(0);
    expect(await rowCount('office_id = $1', ['back-xfb'])).toBe(1);
  });
});

describe('content, reading and listing', () => {
  test('the DOCX is stored once with its sha256: a second store does not overwrite it', async () => {
    const doc = await issueDocumentNumber(t.db, req('file-xfb', 2026, 'visit:N-file'));
    const first = Buffer.from('first rendering');
    const sha = createHash('sha256').update(first).digest('hex');
    expect(await storeDocumentContent(t, doc.documentId, first)).toEqual({ stored: true, contentSha256: sha });
    expect(await storeDocumentContent(t, doc.documentId, Buffer.from('second rendering'))).toEqual({ stored: false, contentSha256: sha });
    const read = await readDocument(t, doc.documentId);
    expect(read).toEqual({ ...doc, repeated: undefined, hasContent: true, contentSha256: sha, content: first });
    expect(await issueDocumentNumber(t.db, req('file-xfb', 2026, 'visit:N-file'))).toEqual({ ...doc, hasContent: true, contentSha256: sha, repeated: true });
    expect(await documentLoader(t)(doc.documentId)).toEqual(first);
  });

  test('concurrent stores of one document: exactly one wins, and its bytes stay', async () => {
    const doc = await issueDocumentNumber(t.db, req('race-xfb', 2026, 'visit:N-race'));
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => storeDocumentContent(t, doc.documentId, Buffer.from(`rendering ${i}`))));
    const winners = results.map((r, i) => [r.stored, i] as const).filter(([stored]) => stored);
    expect(winners).toHaveLength(1);
    const winner = winners[0]![1];
    expect((await readDocument(t, doc.documentId))?.content).toEqual(Buffer.from(`rendering ${winner}`));
    expect(new Set(results.map((r) => r.contentSha256))).toEqual(new Set([createHash('sha256').update(`rendering ${winner}`).digest('hex')]));
  });

  test('unknown documents: readDocument and the loader give undefined; a document without content loads as undefined; storing to none throws', async () => {
    expect(await readDocument(t, 'none-xfb-2026-0001')).toBeUndefined();
    expect(await documentLoader(t)('none-xfb-2026-0001')).toBeUndefined();
    const bare = await issueDocumentNumber(t.db, req('bare-xfb', 2026, 'visit:N-bare'));
    expect(await documentLoader(t)(bare.documentId)).toBeUndefined();
    await expect(storeDocumentContent(t, 'none-xfb-2026-0001', Buffer.from('x'))).rejects.toThrow('document none-xfb-2026-0001 is not recorded');
  });

  test("a case's documents in order of issue, only its own", async () => {
    const urge = await issueDocumentNumber(t.db, { ...req('list-xfb', 2026, 'visit:N-list'), issuedAt: '2026-05-01T03:00:00.000Z' });
    await issueDocumentNumber(t.db, { ...req('list-xfb', 2026, 'visit:N-other'), issuedAt: '2026-05-01T04:00:00.000Z' });
    const supervise = await issueDocumentNumber(t.db, { ...req('list-xfb', 2026, 'visit:N-list', 'supervise'), issuedAt: '2026-05-01T05:00:00.000Z' });
    const listed = await listCaseDocuments(t.db, 'visit:N-list');
    expect(listed.map((d) => [d.documentId, d.kind, d.issuedAt])).toEqual([
      [urge.documentId, 'urge', '2026-05-01T03:00:00.000Z'],
      [supervise.documentId, 'supervise', '2026-05-01T05:00:00.000Z'],
    ]);
    expect(listed.map((d) => d.number)).toEqual([1, 3]);
    expect(await listCaseDocuments(t.db, 'visit:N-nobody')).toEqual([]);
  });
});

describe('sealed at rest: the DOCX is never in the clear in the database', () => {
  const SITE = '国家信访局来访接待司（测试接待点甲乙丙）';
  const UNIT = '五里乡人民政府';
  let sealed: Awaited<ReturnType<typeof freshRecords>>;
  beforeAll(async () => {
    sealed = await freshRecords(new AesGcmCodec(parseKeySet({ current: 'k1', keys: { k1: generateKey() } }, 'test')));
  });
  afterAll(async () => {
    await sealed?.close();
  });

  const render = (documentNumber: string): Promise<Buffer> =>
    renderOfficialNotice({
      key: 'visit:N-sealed/arrival/urge',
      caseId: 'visit:N-sealed',
      kind: 'urge',
      milestone: 'arrival',
      level: 'beijing',
      unitId: 'wuli-gov',
      unitName: UNIT,
      receptionSite: SITE,
      headcount: 3,
      receivedAt: '2026-03-01T01:00:00.000Z',
      deadline: '2026-03-02T01:00:00.000Z',
      newTimeLimit: '2026-03-02T05:00:00.000Z',
      points: 2,
      issuedAt: '2026-03-02T01:00:00.000Z',
      documentNumber,
      officeName: '五里乡信访办',
    });

  test('with the AES-GCM codec the content column is no ZIP and holds no text of the notice; readDocument and the loader give the exact bytes', async () => {
    const doc = await issueDocumentNumber(sealed.db, req('sealed-xfb', 2026, 'visit:N-sealed'));
    const docx = await render(doc.documentNumber);
    expect(docx.subarray(0, 2).toString('latin1')).toBe('PK');
    expect((await docxParagraphs(docx)).some((p) => p.includes(SITE))).toBe(true);
    const sha = createHash('sha256').update(docx).digest('hex');
    expect(await storeDocumentContent(sealed, doc.documentId, docx)).toEqual({ stored: true, contentSha256: sha });

    const raw = (await sealed.db.query<{ content: Buffer; content_sealed: boolean; t: string }>('SELECT content, content_sealed, d::text AS t FROM documents d WHERE document_id = $1', [doc.documentId])).rows[0]!;
    expect(raw.content_sealed).toBe(true);
    expect(raw.content.length).toBeGreaterThan(docx.length);
    expect(raw.content.subarray(0, 2).toString('latin1')).not.toBe('PK');
    // No ZIP inside either: no local file header, no part names, none of the DOCX's own bytes, no text of the notice.
    for (const clear of [Buffer.from('PK\x03\x04', 'latin1'), Buffer.from('word/document.xml'), docx.subarray(0, 64), docx.subarray(docx.length - 64), Buffer.from(SITE, 'utf8'), Buffer.from(UNIT, 'utf8')]) {
      expect(raw.content.indexOf(clear)).toBe(-1);
      expect(Buffer.from(raw.t).indexOf(clear)).toBe(-1);
    }
    expect(raw.content.indexOf(Buffer.from('binary/encrypted'))).toBeGreaterThan(-1);

    const read = (await readDocument(sealed, doc.documentId))!;
    expect(Buffer.isBuffer(read.content)).toBe(true);
    expect(Buffer.compare(read.content!, docx)).toBe(0);
    expect(read).toEqual({ ...doc, repeated: undefined, hasContent: true, contentSha256: sha, content: docx });
    expect(Buffer.compare((await documentLoader(sealed)(doc.documentId))!, docx)).toBe(0);
    // A second store changes nothing, sealed or not.
    expect(await storeDocumentContent(sealed, doc.documentId, Buffer.from('second rendering'))).toEqual({ stored: false, contentSha256: sha });
    expect(Buffer.compare((await readDocument(sealed, doc.documentId))!.content!, docx)).toBe(0);
  });

  test('a DOCX stored before migration 004 (in the clear, content_sealed false) still reads as it was', async () => {
    const doc = await issueDocumentNumber(sealed.db, req('legacy-xfb', 2026, 'visit:N-legacy'));
    const docx = await render(doc.documentNumber);
    await sealed.db.query('UPDATE documents SET content = $2, content_sha256 = $3 WHERE document_id = $1', [doc.documentId, docx, 'legacy-sha']);
    const read = (await readDocument(sealed, doc.documentId))!;
    expect(Buffer.compare(read.content!, docx)).toBe(0);
    expect(read).toMatchObject({ hasContent: true, contentSha256: 'legacy-sha' });
    // It is stored: a later store does not replace it.
    expect(await storeDocumentContent(sealed, doc.documentId, Buffer.from('new rendering'))).toEqual({ stored: false, contentSha256: 'legacy-sha' });
  });
});
