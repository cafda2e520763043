// The ledger store against the run's real PostgreSQL: exact views, idempotency, reversal once, the close and its race, the import from the old workflows.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SYSTEM_ACTOR } from '../src/domain.js';
import { ErrorType } from '../src/errors.js';
import { yearEndMs } from '../src/ledger.js';
import { addLedgerEntrySignal, addLedgerEntryUpdate, addLedgerNoteUpdate, closeLedgerUpdate, ledgerQuery, reverseLedgerEntryUpdate, type LedgerEntry, type LedgerView } from '../src/messages.js';
import { AesGcmCodec, generateKey, parseKeySet } from '../src/codec.js';
import { LedgerRefusal, addNote, closeLedger, importLedgerView, readLedger, recordDeduction, reverseDeduction } from '../src/records/ledger.js';
import { importLedgers, listLedgerWorkflowIds } from '../src/records/ledgerImport.js';
import { freshRecords } from './db.js';
import { TASK_QUEUE, createDevServerEnv, startHarness, supervisor, until, type Harness } from './helpers.js';

let records: Awaited<ReturnType<typeof freshRecords>>;
beforeAll(async () => {
  records = await freshRecords();
});
afterAll(async () => {
  await records?.close();
});

const admin = { id: 'xfb-admin', role: 'admin' } as const;
const YEAR_OVER = yearEndMs(2025) + 3_600_000;
const key = { unitId: 'wuli-gov', year: 2025 };

function deduction(n: number, over: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    entryId: `visit:R-${n}/arrival/deduction`,
    kind: 'deduction',
    unitId: 'wuli-gov',
    caseId: `visit:R-${n}`,
    milestone: 'arrival',
    level: 'district',
    points: 1,
    at: '2025-05-01T01:00:00.000Z',
    actor: SYSTEM_ACTOR,
    reason: '接人逾期，经催办、督办仍未办结且无情况说明',
    ...over,
  };
}

async function refusalOf(p: Promise<unknown>): Promise<{ type: ErrorType; field: string | undefined; message: string }> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof LedgerRefusal)) throw new Error(`expected a LedgerRefusal, got ${String(err)}`);
  return { type: err.type, field: err.field, message: err.message };
}

describe('one unit-year, step by step', () => {
  test('deductions, a retried deduction, a reversal once, a note, the close: exact views', async () => {
    const k = { unitId: 'dongcun', year: 2025 };
    expect(await readLedger(records, 'dongcun', 2025)).toBeNull();
    const d1 = deduction(1, { unitId: 'dongcun', level: 'beijing', points: 3, at: '2025-06-01T02:00:00.123Z' });
    const d2 = deduction(2, { unitId: 'dongcun', level: 'city', points: 2.5 });
    const first = await recordDeduction(records, k, d1);
    expect(first).toEqual({
      unitId: 'dongcun',
      year: 2025,
      entries: [d1],
      totals: { points: 3, deductions: 1, reversals: 0, notes: 0, byLevel: { district: 0, city: 0, beijing: 3 }, byKind: { deduction: 3, reversal: 0, note: 0 } },
      closed: null,
      refused: [],
    });
    // The same entryId again (a retried activity), even with another body: one entry, the same view.
    expect(await recordDeduction(records, k, { ...d1, points: 9 })).toEqual(first);
    await recordDeduction(records, k, d2);

    const reversed = await reverseDeduction(records, k, { requestId: 'rev-1', entryId: d1.entryId, reason: '进京非本单位责任', actor: supervisor }, { now: Date.parse('2025-07-01T08:00:00.000Z') });
    const reversal: LedgerEntry = {
      entryId: `${d1.entryId}/reversal`,
      kind: 'reversal',
      unitId: 'dongcun',
      caseId: 'visit:R-1',
      milestone: 'arrival',
      level: 'beijing',
      points: 3,
      at: '2025-07-01T08:00:00.000Z',
      actor: supervisor,
      reason: '进京非本单位责任',
      reverses: d1.entryId,
    };
    expect(reversed.entries).toEqual([d1, d2, reversal]);
    expect(reversed.totals).toEqual({ points: 2.5, deductions: 2, reversals: 1, notes: 0, byLevel: { district: 0, city: 2.5, beijing: 0 }, byKind: { deduction: 5.5, reversal: 3, note: 0 } });
    expect(await reverseDeduction(records, k, { requestId: 'rev-1', entryId: d1.entryId, reason: '进京非本单位责任', actor: supervisor })).toEqual(reversed);
    expect(await refusalOf(reverseDeduction(records, k, { requestId: 'rev-2', entryId: d1.entryId, reason: '再次撤销', actor: admin }))).toEqual({
      type: ErrorType.InvalidState,
      field: 'entryId',
      message: `entryId: deduction ${d1.entryId} was already reversed at 2025-07-01T08:00:00.000Z`,
    });

    const noted = await addNote(records, k, { requestId: 'note-1', text: '已约谈', actor: admin }, { now: Date.parse('2025-08-01T00:00:00.000Z') });
    expect(noted.entries.at(-1)).toEqual({ entryId: 'note/note-1', kind: 'note', unitId: 'dongcun', points: 0, at: '2025-08-01T00:00:00.000Z', actor: admin, reason: '已约谈' });
    expect(noted.totals.notes).toBe(1);

    // Not before 2026-01-01 00:00 Asia/Shanghai; from that instant on, once.
    expect(await refusalOf(closeLedger(records, k, { requestId: 'close-1', reason: '年度结账', actor: supervisor }, { now: yearEndMs(2025) - 1 }))).toEqual({
      type: ErrorType.InvalidState,
      field: 'year',
      message: 'year: the year 2025 is not over: its ledger may be closed from 2025-12-31T16:00:00.000Z (2026-01-01 00:00 Asia/Shanghai)',
    });
    const closed = await closeLedger(records, k, { requestId: 'close-1', reason: '年度结账', actor: supervisor }, { now: yearEndMs(2025) });
    expect(closed).toEqual({ ...noted, closed: { at: '2025-12-31T16:00:00.000Z', actor: supervisor, reason: '年度结账' } });
    expect(await readLedger(records, 'dongcun', 2025)).toEqual(closed);

    const closedRefusal = { type: ErrorType.LedgerClosed, field: 'year', message: 'year: the 2025 ledger of dongcun was closed at 2025-12-31T16:00:00.000Z: it takes no new entry' };
    expect(await refusalOf(recordDeduction(records, k, deduction(3, { unitId: 'dongcun' })))).toEqual(closedRefusal);
    expect(await refusalOf(reverseDeduction(records, k, { requestId: 'rev-3', entryId: d2.entryId, reason: '撤销', actor: admin }))).toEqual(closedRefusal);
    expect(await refusalOf(addNote(records, k, { requestId: 'note-2', text: '备注', actor: admin }))).toEqual(closedRefusal);
    expect(await refusalOf(closeLedger(records, k, { requestId: 'close-2', reason: '再次结账', actor: admin }))).toEqual(closedRefusal);
    // What was in before the close still answers the view: the retried deduction and the repeated requests.
    expect(await recordDeduction(records, k, d2)).toEqual(closed);
    expect(await addNote(records, k, { requestId: 'note-1', text: '已约谈', actor: admin })).toEqual(closed);
    expect(await closeLedger(records, k, { requestId: 'close-1', reason: '年度结账', actor: supervisor })).toEqual(closed);
    // Another unit and another year are untouched.
    expect(await readLedger(records, 'dongcun', 2026)).toBeNull();
    expect(await readLedger(records, 'wuli-landres', 2025)).toBeNull();
  });

  test('refusals name their field with the workflow\'s messages', async () => {
    const k = { unitId: 'wuli-landres', year: 2025 };
    expect(await refusalOf(recordDeduction(records, k, { ...deduction(1, { unitId: 'wuli-landres' }), caseId: undefined }))).toEqual({ type: ErrorType.InvalidInput, field: 'caseId', message: 'caseId: Required' });
    expect(await refusalOf(recordDeduction(records, k, deduction(1)))).toEqual({ type: ErrorType.InvalidInput, field: 'unitId', message: 'unitId: this is the ledger of wuli-landres, not wuli-gov' });
    expect(await refusalOf(recordDeduction(records, k, deduction(1, { unitId: 'wuli-landres', actor: admin })))).toEqual({
      type: ErrorType.NotAllowed,
      field: 'actor.role',
      message: 'actor.role: role admin may not enter a deduction: only duban does',
    });
    expect(await refusalOf(recordDeduction(records, k, deduction(1, { unitId: 'wuli-landres', at: '2025-12-31T16:00:00.000Z' })))).toEqual({
      type: ErrorType.InvalidInput,
      field: 'at',
      message: "at: falls in 2026 (Asia/Shanghai), not in the ledger's year 2025",
    });
    expect(await refusalOf(reverseDeduction(records, k, { requestId: 'r', entryId: 'visit:R-1/arrival/deduction', reason: '撤销', actor: { id: 'u', role: 'unit' } }))).toEqual({
      type: ErrorType.NotAllowed,
      field: 'actor.role',
      message: 'actor.role: role unit may not write the ledger: only a supervisor or an admin may',
    });
    expect(await refusalOf(reverseDeduction(records, k, { requestId: 'r', entryId: 'visit:R-1/arrival/deduction', reason: '撤销', actor: admin }))).toEqual({
      type: ErrorType.InvalidInput,
      field: 'entryId',
      message: 'entryId: no deduction visit:R-1/arrival/deduction in the 2025 ledger of wuli-landres',
    });
    expect(await refusalOf(addNote(records, k, { requestId: 'n', text: '  ', actor: admin }))).toEqual({ type: ErrorType.InvalidInput, field: 'text', message: 'text: is required' });
    expect(await refusalOf(closeLedger(records, k, { requestId: 'c', actor: admin }))).toEqual({ type: ErrorType.InvalidInput, field: 'reason', message: 'reason: Required' });
    expect(await readLedger(records, 'wuli-landres', 2025)).toBeNull();
  });
});

test('20 concurrent deductions racing the close: each is in the view or refused LedgerClosed, none lost, none twice', async () => {
  const k = { unitId: 'race-unit', year: 2025 };
  const entries = Array.from({ length: 20 }, (_, i) => deduction(100 + i, { unitId: 'race-unit' }));
  // The close is sent amid the deductions, so some usually land before it and some after.
  const writes = entries.slice(0, 10).map((e) => recordDeduction(records, k, e));
  const close = closeLedger(records, k, { requestId: 'race-close', reason: '年度结账', actor: supervisor }, { now: YEAR_OVER });
  writes.push(...entries.slice(10).map((e) => recordDeduction(records, k, e)));
  const settled = await Promise.allSettled(writes);
  const closedView = await close;
  const view = (await readLedger(records, 'race-unit', 2025))!;
  const inIds = entries.filter((_, i) => settled[i]!.status === 'fulfilled').map((e) => e.entryId);
  const refused = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
  expect(inIds.length + refused.length).toBe(20);
  for (const r of refused) {
    expect(r).toBeInstanceOf(LedgerRefusal);
    expect(r).toMatchObject({ type: ErrorType.LedgerClosed, field: 'year', message: `year: the 2025 ledger of race-unit was closed at ${new Date(YEAR_OVER).toISOString()}: it takes no new entry` });
  }
  // Everything in was in before the close: the close's own view already holds it.
  expect(view.entries.map((e) => e.entryId).sort()).toEqual([...inIds].sort());
  expect(closedView.entries.map((e) => e.entryId).sort()).toEqual([...inIds].sort());
  expect(view.totals.points).toBe(inIds.length);
  expect(view.closed).toEqual({ at: new Date(YEAR_OVER).toISOString(), actor: supervisor, reason: '年度结账' });
});

test('20 concurrent deductions of one unit-year, each sent twice: 20 entries', async () => {
  const k = { unitId: 'burst-unit', year: 2025 };
  const entries = Array.from({ length: 20 }, (_, i) => deduction(200 + i, { unitId: 'burst-unit', points: 0.5 }));
  await Promise.all([...entries, ...entries].map((e) => recordDeduction(records, k, e)));
  const view = (await readLedger(records, 'burst-unit', 2025))!;
  expect(view.entries.map((e) => e.entryId).sort()).toEqual(entries.map((e) => e.entryId).sort());
  expect(view.totals).toMatchObject({ points: 10, deductions: 20, byLevel: { district: 10, city: 0, beijing: 0 } });
});

describe('sealed at rest: reasons, note texts and the close are never in the clear in the database', () => {
  // Distinctive strings: none may appear, as UTF-8, in any byte the ledger rows hold.
  const GROUNDS = '接人逾期：甲乙丙丁戊己庚辛';
  const REVERSAL = '撤销理由：群众赵钱孙李已由家属接回';
  const NOTE = '约谈记录：周吴郑王电话一三九';
  const CLOSE = '年度结账：冯陈褚卫复核';
  const IMPORTED = '导入备注：蒋沈韩杨';
  const SECRETS = [GROUNDS, REVERSAL, NOTE, CLOSE, IMPORTED];
  let sealed: Awaited<ReturnType<typeof freshRecords>>;
  beforeAll(async () => {
    sealed = await freshRecords(new AesGcmCodec(parseKeySet({ current: 'k1', keys: { k1: generateKey() } }, 'test')));
  });
  afterAll(async () => {
    await sealed?.close();
  });

  /** Every byte of the ledger rows: the sealed columns as they are and every row as its text form. */
  const rowBytes = async (r: typeof sealed): Promise<Buffer> => {
    const bytes = await r.db.query<{ b: Buffer }>('SELECT reason_sealed AS b FROM ledger_entries WHERE reason_sealed IS NOT NULL UNION ALL SELECT reason_sealed FROM ledger_closes WHERE reason_sealed IS NOT NULL');
    const text = await r.db.query<{ t: string }>('SELECT e::text AS t FROM ledger_entries e UNION ALL SELECT c::text FROM ledger_closes c');
    return Buffer.concat([...bytes.rows.map((x) => x.b), ...text.rows.map((x) => Buffer.from(x.t))]);
  };

  test('a deduction, a reversal, a note and the close with the AES-GCM codec: no clear reason in any row, the view reads back exactly', async () => {
    const k = { unitId: 'sealed-unit', year: 2025 };
    const d = deduction(700, { unitId: 'sealed-unit', level: 'city', points: 2, reason: GROUNDS });
    await recordDeduction(sealed, k, d);
    await reverseDeduction(sealed, k, { requestId: 'rev-s', entryId: d.entryId, reason: REVERSAL, actor: supervisor }, { now: Date.parse('2025-07-01T08:00:00.000Z') });
    await addNote(sealed, k, { requestId: 'note-s', text: NOTE, caseId: 'visit:R-700', actor: admin }, { now: Date.parse('2025-08-01T00:00:00.000Z') });
    const closed = await closeLedger(sealed, k, { requestId: 'close-s', reason: CLOSE, actor: supervisor }, { now: yearEndMs(2025) });
    const expected: LedgerView = {
      unitId: 'sealed-unit',
      year: 2025,
      entries: [
        d,
        { entryId: `${d.entryId}/reversal`, kind: 'reversal', unitId: 'sealed-unit', caseId: 'visit:R-700', milestone: 'arrival', level: 'city', points: 2, at: '2025-07-01T08:00:00.000Z', actor: supervisor, reason: REVERSAL, reverses: d.entryId },
        { entryId: 'note/note-s', kind: 'note', unitId: 'sealed-unit', caseId: 'visit:R-700', points: 0, at: '2025-08-01T00:00:00.000Z', actor: admin, reason: NOTE },
      ],
      totals: { points: 0, deductions: 1, reversals: 1, notes: 1, byLevel: { district: 0, city: 0, beijing: 0 }, byKind: { deduction: 2, reversal: 2, note: 0 } },
      closed: { at: '2025-12-31T16:00:00.000Z', actor: supervisor, reason: CLOSE },
      refused: [],
    };
    expect(closed).toEqual(expected);
    expect(await readLedger(sealed, 'sealed-unit', 2025)).toEqual(expected);
    // The clear columns hold no text; the sealed ones are payloads under the current key.
    const raw = await sealed.db.query<{ kind: string; reason: string | null; sealed: boolean }>("SELECT kind, reason, reason_sealed IS NOT NULL AS sealed FROM ledger_entries WHERE unit_id = 'sealed-unit' ORDER BY seq");
    expect(raw.rows).toEqual([
      { kind: 'deduction', reason: null, sealed: true },
      { kind: 'reversal', reason: null, sealed: true },
      { kind: 'note', reason: null, sealed: true },
    ]);
    expect((await sealed.db.query("SELECT reason, reason_sealed IS NOT NULL AS sealed FROM ledger_closes WHERE unit_id = 'sealed-unit'")).rows).toEqual([{ reason: null, sealed: true }]);
    const bytes = await rowBytes(sealed);
    expect(bytes.length).toBeGreaterThan(500);
    for (const secret of SECRETS) expect(bytes.indexOf(Buffer.from(secret, 'utf8'))).toBe(-1);
    expect(bytes.indexOf(Buffer.from('binary/encrypted'))).toBeGreaterThan(-1);
  });

  test('the import seals too: the imported view reads back exactly, its texts nowhere in the clear', async () => {
    const view: LedgerView = {
      unitId: 'sealed-import',
      year: 2025,
      entries: [
        deduction(701, { unitId: 'sealed-import', reason: GROUNDS }),
        { entryId: 'note/imp-1', kind: 'note', unitId: 'sealed-import', points: 0, at: '2025-09-01T00:00:00.000Z', actor: admin, reason: IMPORTED },
      ],
      totals: { points: 1, deductions: 1, reversals: 0, notes: 1, byLevel: { district: 1, city: 0, beijing: 0 }, byKind: { deduction: 1, reversal: 0, note: 0 } },
      closed: { at: '2026-01-02T00:00:00.000Z', actor: supervisor, reason: CLOSE },
      refused: [],
    };
    expect(await importLedgerView(sealed, view)).toEqual({ entriesInserted: 2, entriesKnown: 0, closeInserted: true });
    expect(await readLedger(sealed, 'sealed-import', 2025)).toEqual(view);
    const bytes = await rowBytes(sealed);
    for (const secret of SECRETS) expect(bytes.indexOf(Buffer.from(secret, 'utf8'))).toBe(-1);
  });

  test('rows written before migration 004 (reason in the clear) still read as they were', async () => {
    await sealed.db.query(
      `INSERT INTO ledger_entries (entry_id, unit_id, year, kind, points, at, actor_id, actor_role, reason, request_id)
       VALUES ('note/old-1', 'legacy-unit', 2024, 'note', 0, '2024-05-01T00:00:00.000Z', 'xfb-admin', 'admin', '旧备注', 'old-1')`,
    );
    await sealed.db.query("INSERT INTO ledger_closes (unit_id, year, at, actor_id, actor_role, reason) VALUES ('legacy-unit', 2024, '2025-01-01T00:00:00.000Z', 'xfb-li', 'supervisor', '旧结账')");
    expect(await readLedger(sealed, 'legacy-unit', 2024)).toEqual({
      unitId: 'legacy-unit',
      year: 2024,
      entries: [{ entryId: 'note/old-1', kind: 'note', unitId: 'legacy-unit', points: 0, at: '2024-05-01T00:00:00.000Z', actor: admin, reason: '旧备注' }],
      totals: { points: 0, deductions: 0, reversals: 0, notes: 1, byLevel: { district: 0, city: 0, beijing: 0 }, byKind: { deduction: 0, reversal: 0, note: 0 } },
      closed: { at: '2025-01-01T00:00:00.000Z', actor: supervisor, reason: '旧结账' },
      refused: [],
    });
  });

  test('without a codec (the control) the same search finds the note: the search itself works', async () => {
    await addNote(records, { unitId: 'control-unit', year: 2025 }, { requestId: 'note-c', text: NOTE, actor: admin }, { now: Date.parse('2025-08-01T00:00:00.000Z') });
    expect((await rowBytes(records)).indexOf(Buffer.from(NOTE, 'utf8'))).toBeGreaterThan(-1);
  });
});

describe('the import from the old unitYearLedger workflows (dev server, real worker)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(await createDevServerEnv());
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  test('copies entries and closes once, by the given IDs or by visibility; a rerun inserts nothing; the store then keeps the rules', async () => {
    const start = (unitId: string, year: number) => h.env.client.workflow.start('unitYearLedger', { workflowId: `ledger:${unitId}:${year}`, taskQueue: TASK_QUEUE, args: [{ unitId, year }] });
    const a = await start('wuli-gov', 2025);
    await a.executeUpdate(addLedgerEntryUpdate, { args: [deduction(1)] });
    await a.executeUpdate(addLedgerEntryUpdate, { args: [deduction(2, { level: 'city', points: 2 })] });
    await a.executeUpdate(reverseLedgerEntryUpdate, { args: [{ requestId: 'rev-1', entryId: deduction(1).entryId, reason: '撤销', actor: supervisor }] });
    await a.executeUpdate(addLedgerNoteUpdate, { args: [{ requestId: 'note-1', text: '备注', actor: admin }] });
    // The workflow's clock is the real one (December 2026): 2025 is over and may be closed.
    await a.executeUpdate(closeLedgerUpdate, { args: [{ requestId: 'close-1', reason: '2025 年度结账', actor: supervisor }] });
    await a.signal(addLedgerEntrySignal, deduction(3));
    const b = await start('dongcun', 2026);
    await b.executeUpdate(addLedgerEntryUpdate, { args: [deduction(4, { unitId: 'dongcun', at: '2026-03-01T00:00:00.000Z' })] });
    // The same note request ID in another ledger: its own entry.
    await b.executeUpdate(addLedgerNoteUpdate, { args: [{ requestId: 'note-1', text: '另一单位的备注', actor: admin }] });
    const viewA: LedgerView = await until('the refused signal', () => a.query(ledgerQuery), (v) => v.refused.length === 1);
    const viewB = await b.query(ledgerQuery);

    const lines: string[] = [];
    const first = await importLedgers(h.env.client, h.records, { workflowIds: ['ledger:wuli-gov:2025', 'ledger:nobody:2025'], log: (l) => lines.push(l) });
    expect(first).toEqual({ ledgers: 1, entriesInserted: 4, entriesKnown: 0, closesInserted: 1, refusedNotImported: 1, missing: ['ledger:nobody:2025'] });
    expect(lines).toEqual(['ledger:wuli-gov:2025: 4 entries inserted, 0 already there, close inserted, 1 refused signals not imported', 'ledger:nobody:2025: no such workflow']);
    expect(await readLedger(h.records, 'wuli-gov', 2025)).toEqual({ ...viewA, refused: [] });

    // Without IDs: every unitYearLedger workflow visibility lists (the first one again: nothing new from it).
    await until('visibility', () => listLedgerWorkflowIds(h.env.client), (ids) => ids.length === 2);
    expect(await listLedgerWorkflowIds(h.env.client)).toEqual(['ledger:dongcun:2026', 'ledger:wuli-gov:2025']);
    expect(await importLedgers(h.env.client, h.records)).toEqual({ ledgers: 2, entriesInserted: 2, entriesKnown: 4, closesInserted: 0, refusedNotImported: 1, missing: [] });
    expect(await readLedger(h.records, 'dongcun', 2026)).toEqual(viewB);
    expect(await importLedgers(h.env.client, h.records)).toEqual({ ledgers: 2, entriesInserted: 0, entriesKnown: 6, closesInserted: 0, refusedNotImported: 1, missing: [] });

    // The imported ledgers follow the store's rules: the closed year refuses, the open one's note request is known.
    const closedAt = viewA.closed!.at;
    expect(await refusalOf(recordDeduction(h.records, key, deduction(5)))).toEqual({ type: ErrorType.LedgerClosed, field: 'year', message: `year: the 2025 ledger of wuli-gov was closed at ${closedAt}: it takes no new entry` });
    expect(await recordDeduction(h.records, key, deduction(2))).toEqual({ ...viewA, refused: [] });
    expect(await addNote(h.records, { unitId: 'dongcun', year: 2026 }, { requestId: 'note-1', text: '重复', actor: admin })).toEqual(viewB);
    expect(await readLedger(h.records, 'wuli-landres', 2025)).toBeNull();
  });
});
