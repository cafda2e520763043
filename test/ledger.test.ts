// The unit-year score ledger in PostgreSQL, through its store and the case's activity (time-skipping server): idempotent entries, reversals, notes, the year-end close.
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createActivities } from '../activities/index.js';
import { SYSTEM_ACTOR, shanghaiYear, type Level } from '../src/domain.js';
import { ErrorType } from '../src/errors.js';
import { yearEndMs } from '../src/ledger.js';
import type { LedgerEntry, LedgerView } from '../src/messages.js';
import { LedgerRefusal, addNote, closeLedger, readLedger, recordDeduction, reverseDeduction } from '../src/records/ledger.js';
import type { DubanActivities } from '../src/activityTypes.js';
import { H, TASK_QUEUE, createTimeSkippingEnv, directory, sampleNotice, skipTo, startHarness, startVisit, supervisor, unitActor, view, type Harness } from './helpers.js';

let h: Harness;
let activities: DubanActivities;
beforeAll(async () => {
  h = await startHarness(await createTimeSkippingEnv());
  activities = createActivities({ directory: () => directory, client: h.env.client, records: h.records, taskQueue: TASK_QUEUE, outboxDir: h.outboxDir, dataDir: h.dataDir, log: () => undefined });
}, 90_000);
afterAll(async () => {
  await h?.stop();
});

const admin = { id: 'xfb-admin', role: 'admin' } as const;
let seq = 0;
/** A fresh unit ID per test, so each test has its own ledgers. */
const freshUnit = (): string => `unit-${process.pid}-${++seq}`;
/** The store's writes on one unit-year, with the harness's clock (the time-skipping server's). */
const ledger = (unitId: string, year: number) => {
  const key = { unitId, year };
  const now = async () => ({ now: await h.env.currentTimeMs() });
  return {
    deduct: (entry: unknown) => recordDeduction(h.records, key, entry),
    reverse: async (input: unknown) => reverseDeduction(h.records, key, input, await now()),
    note: async (input: unknown) => addNote(h.records, key, input, await now()),
    close: async (input: unknown) => closeLedger(h.records, key, input, await now()),
    read: async () => (await readLedger(h.records, unitId, year))!,
  };
};

function deduction(unitId: string, n: number, over: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    entryId: `visit:T-${n}/arrival/deduction`,
    kind: 'deduction',
    unitId,
    caseId: `visit:T-${n}`,
    milestone: 'arrival',
    level: 'city',
    points: 2,
    at: '2025-03-01T02:00:00.000Z',
    actor: SYSTEM_ACTOR,
    reason: '接人逾期，经催办、督办仍未办结且无情况说明',
    ...over,
  };
}

/** The ledger's refusal, as type, message and field details. */
async function refusal(p: Promise<unknown>): Promise<{ type: string | undefined | null; message: string; details: unknown }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof LedgerRefusal) return { type: err.type, message: err.message, details: err.issues };
    throw err;
  }
  throw new Error('the ledger did not refuse');
}

describe('entries are idempotent by entry ID', () => {
  test('the same entry ID twice is recorded once (a different body is ignored)', async () => {
    const unitId = freshUnit();
    const l = ledger(unitId, 2025);
    const first = await l.deduct(deduction(unitId, 1));
    const again = await l.deduct(deduction(unitId, 1, { points: 3 }));
    expect(again).toEqual(first);
    expect(again.entries).toEqual([deduction(unitId, 1)]);
    expect(again.totals.points).toBe(2);
  });

  test("the activity enters the deduction in its Shanghai year's ledger, and its retry of the same entry adds nothing", async () => {
    const unitId = freshUnit();
    const entry = deduction(unitId, 2, { at: '2025-12-31T15:59:59.000Z' });
    await activities.recordLedgerEntry(entry);
    await activities.recordLedgerEntry(entry);
    // 23:59:59 on 31 December in Asia/Shanghai: the 2025 ledger, and nothing in 2026's.
    expect((await ledger(unitId, 2025).read()).entries).toEqual([entry]);
    expect(await readLedger(h.records, unitId, 2026)).toBeNull();
    // A deduction in the first second of the Shanghai year goes to next year's ledger.
    await activities.recordLedgerEntry(deduction(unitId, 3, { at: '2025-12-31T16:00:00.000Z' }));
    expect((await ledger(unitId, 2026).read()).entries.map((e) => e.entryId)).toEqual(['visit:T-3/arrival/deduction']);
  });

  test('a real case that never arrives enters its deduction once, and a retry of the activity adds nothing', async () => {
    const t0 = await h.env.currentTimeMs();
    const c = await startVisit(h, sampleNotice('district', t0));
    const deadline = Date.now() + 20_000;
    while ((await view(c)).waitingFor === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    await skipTo(h, t0, 10);
    const v = await view(c);
    const at = v.deductions[0]!.at;
    const expected: LedgerEntry = {
      entryId: `${c.caseId}/arrival/deduction`,
      kind: 'deduction',
      unitId: 'wuli-gov',
      caseId: c.caseId,
      milestone: 'arrival',
      level: 'district',
      points: 1,
      at,
      actor: SYSTEM_ACTOR,
      reason: '接人逾期，经催办、督办仍未办结且无情况说明',
    };
    // The district ladder deducts at 9 h (within a second of its due moment).
    expect(Date.parse(v.timeline.find((e) => e.type === 'deduction')!.dueAt!) - t0).toBe(9 * H);
    expect(Date.parse(at) - t0 - 9 * H).toBeLessThan(1000);
    const l = ledger('wuli-gov', shanghaiYear(Date.parse(at)));
    expect((await l.read()).entries.filter((e) => e.caseId === c.caseId)).toEqual([expected]);
    await activities.recordLedgerEntry(expected);
    expect((await l.read()).entries.filter((e) => e.caseId === c.caseId)).toEqual([expected]);
    await h.terminateOpen();
  });

  test("a deduction must be duban's, of this unit and of this year (the field is named); the activity's refusal is final", async () => {
    const unitId = freshUnit();
    const l = ledger(unitId, 2025);
    expect(await refusal(l.deduct(deduction(unitId, 4, { at: '2024-06-01T00:00:00.000Z' })))).toEqual({
      type: ErrorType.InvalidInput,
      message: "at: falls in 2024 (Asia/Shanghai), not in the ledger's year 2025",
      details: [{ field: 'at', message: "falls in 2024 (Asia/Shanghai), not in the ledger's year 2025" }],
    });
    expect((await refusal(l.deduct(deduction('wuli-gov', 4)))).message).toBe(`unitId: this is the ledger of ${unitId}, not wuli-gov`);
    expect(await refusal(l.deduct(deduction(unitId, 4, { actor: supervisor })))).toEqual({
      type: ErrorType.NotAllowed,
      message: 'actor.role: role supervisor may not enter a deduction: only duban does',
      details: [{ field: 'actor.role', message: 'role supervisor may not enter a deduction: only duban does' }],
    });
    expect((await refusal(l.deduct(deduction(unitId, 4, { points: 0 })))).message).toBe('points: must be more than 0');
    expect(await readLedger(h.records, unitId, 2025)).toBeNull();
    const err = await activities.recordLedgerEntry(deduction(unitId, 4, { points: 0 })).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: ErrorType.InvalidInput, nonRetryable: true, message: 'points: must be more than 0', details: [[{ field: 'points', message: 'must be more than 0' }]] });
  });
});

describe('reversals and notes', () => {
  test('a reversal needs a supervisor or an admin and a reason, refers to a deduction of this ledger, and happens once', async () => {
    const unitId = freshUnit();
    const l = ledger(unitId, 2025);
    await l.deduct(deduction(unitId, 1, { level: 'beijing', points: 3 }));
    const target = 'visit:T-1/arrival/deduction';

    expect(await refusal(l.reverse({ requestId: 'r1', entryId: target, reason: '情况属实，予以撤销', actor: unitActor }))).toEqual({
      type: ErrorType.NotAllowed,
      message: 'actor.role: role unit may not write the ledger: only a supervisor or an admin may',
      details: [{ field: 'actor.role', message: 'role unit may not write the ledger: only a supervisor or an admin may' }],
    });
    expect(await refusal(l.reverse({ requestId: 'r1', entryId: target, reason: '   ', actor: supervisor }))).toEqual({
      type: ErrorType.InvalidInput,
      message: 'reason: is required',
      details: [{ field: 'reason', message: 'is required' }],
    });
    expect((await refusal(l.reverse({ requestId: 'r1', entryId: target, actor: supervisor }))).message).toBe('reason: Required');
    expect((await refusal(l.reverse({ requestId: 'r1', entryId: 'visit:T-9/arrival/deduction', reason: '撤销', actor: supervisor }))).message).toBe(
      `entryId: no deduction visit:T-9/arrival/deduction in the 2025 ledger of ${unitId}`,
    );

    const now = await h.env.currentTimeMs();
    const reversed = await l.reverse({ requestId: 'r1', entryId: target, reason: '情况属实，予以撤销', actor: supervisor });
    const reversal = reversed.entries[1]!;
    expect(reversal).toEqual({
      entryId: `${target}/reversal`,
      kind: 'reversal',
      unitId,
      caseId: 'visit:T-1',
      milestone: 'arrival',
      level: 'beijing',
      points: 3,
      at: reversal.at,
      actor: supervisor,
      reason: '情况属实，予以撤销',
      reverses: target,
    });
    // The write's clock, at millisecond precision in UTC.
    expect(reversal.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Math.abs(Date.parse(reversal.at) - now)).toBeLessThan(60_000);
    expect(reversed.totals).toMatchObject({ points: 0, deductions: 1, reversals: 1, byLevel: { district: 0, city: 0, beijing: 0 } });

    // The same request again: the same view; a new request for the same deduction: refused.
    expect(await l.reverse({ requestId: 'r1', entryId: target, reason: '情况属实，予以撤销', actor: supervisor })).toEqual(reversed);
    expect(await refusal(l.reverse({ requestId: 'r2', entryId: target, reason: '再次撤销', actor: admin }))).toEqual({
      type: ErrorType.InvalidState,
      message: `entryId: deduction ${target} was already reversed at ${reversal.at}`,
      details: [{ field: 'entryId', message: `deduction ${target} was already reversed at ${reversal.at}` }],
    });
    // A reversal is not a deduction: it cannot be reversed.
    expect((await refusal(l.reverse({ requestId: 'r3', entryId: `${target}/reversal`, reason: '撤销', actor: admin }))).message).toBe(`entryId: no deduction ${target}/reversal in the 2025 ledger of ${unitId}`);
    expect(await l.read()).toEqual(reversed);
  });

  test('a note needs a supervisor or an admin and a text, carries 0 points, and is idempotent by request ID', async () => {
    const unitId = freshUnit();
    const l = ledger(unitId, 2025);
    expect((await refusal(l.note({ requestId: 'n1', text: '备注', actor: unitActor }))).type).toBe(ErrorType.NotAllowed);
    expect(await refusal(l.note({ requestId: 'n1', text: '', actor: supervisor }))).toMatchObject({ type: ErrorType.InvalidInput, message: 'text: is required' });
    const noted = await l.note({ requestId: 'n1', text: '该单位已整改', caseId: 'visit:T-1', actor: admin });
    expect(noted.entries).toEqual([{ entryId: 'note/n1', kind: 'note', unitId, caseId: 'visit:T-1', points: 0, at: noted.entries[0]!.at, actor: admin, reason: '该单位已整改' }]);
    const again = await l.note({ requestId: 'n1', text: '别的内容', actor: admin });
    expect(again).toEqual(noted);
    const second = await l.note({ requestId: 'n2', text: '年度情况良好', actor: supervisor });
    expect(second.entries[1]).toEqual({ entryId: 'note/n2', kind: 'note', unitId, points: 0, at: second.entries[1]!.at, actor: supervisor, reason: '年度情况良好' });
    expect(second.totals).toEqual({ points: 0, deductions: 0, reversals: 0, notes: 2, byLevel: { district: 0, city: 0, beijing: 0 }, byKind: { deduction: 0, reversal: 0, note: 0 } });
    // The same request ID in another unit's ledger is another note (entry IDs are per ledger).
    const other = freshUnit();
    expect((await ledger(other, 2025).note({ requestId: 'n1', text: '另一单位', actor: admin })).entries.map((e) => [e.entryId, e.unitId])).toEqual([['note/n1', other]]);
  });
});

test('totals by level and by kind are exact', async () => {
  const unitId = freshUnit();
  const l = ledger(unitId, 2025);
  const plan: [number, Level, number][] = [
    [1, 'district', 1],
    [2, 'district', 1],
    [3, 'city', 2],
    [4, 'beijing', 3],
    [5, 'beijing', 3],
  ];
  for (const [n, level, points] of plan) await l.deduct(deduction(unitId, n, { level, points }));
  await l.reverse({ requestId: 'rev-4', entryId: 'visit:T-4/arrival/deduction', reason: '进京非本单位责任', actor: supervisor });
  await l.reverse({ requestId: 'rev-1', entryId: 'visit:T-1/arrival/deduction', reason: '已提交情况说明', actor: admin });
  const v = await l.note({ requestId: 'note-1', text: '复核完毕', actor: supervisor });
  expect(v.totals).toEqual({
    points: 6,
    deductions: 5,
    reversals: 2,
    notes: 1,
    byLevel: { district: 1, city: 2, beijing: 3 },
    byKind: { deduction: 10, reversal: 4, note: 0 },
  });
  expect(v.entries.map((e) => [e.kind, e.entryId, e.points])).toEqual([
    ['deduction', 'visit:T-1/arrival/deduction', 1],
    ['deduction', 'visit:T-2/arrival/deduction', 1],
    ['deduction', 'visit:T-3/arrival/deduction', 2],
    ['deduction', 'visit:T-4/arrival/deduction', 3],
    ['deduction', 'visit:T-5/arrival/deduction', 3],
    ['reversal', 'visit:T-4/arrival/deduction/reversal', 3],
    ['reversal', 'visit:T-1/arrival/deduction/reversal', 1],
    ['note', 'note/note-1', 0],
  ]);
  expect(await l.read()).toEqual(v);
});

test('fractional points are summed to two decimals and read back as numbers', async () => {
  const unitId = freshUnit();
  const l = ledger(unitId, 2025);
  await l.deduct(deduction(unitId, 1, { points: 0.1 }));
  const v = await l.deduct(deduction(unitId, 2, { points: 0.2 }));
  expect(v.entries.map((e) => e.points)).toEqual([0.1, 0.2]);
  expect(v.totals).toMatchObject({ points: 0.3, byLevel: { district: 0, city: 0.3, beijing: 0 }, byKind: { deduction: 0.3, reversal: 0, note: 0 } });
});

test('repeats of deductions, reversals and notes add nothing, whatever came between', async () => {
  const unitId = freshUnit();
  const l = ledger(unitId, 2025);
  for (let n = 1; n <= 10; n++) await l.deduct(deduction(unitId, n, { level: n % 2 ? 'district' : 'city', points: n % 2 ? 1 : 2 }));
  await l.reverse({ requestId: 'rev-2', entryId: 'visit:T-2/arrival/deduction', reason: '撤销', actor: supervisor });
  await l.note({ requestId: 'note-1', text: '备注', actor: supervisor });
  await l.deduct(deduction(unitId, 1, { points: 9 }));
  await l.reverse({ requestId: 'rev-2', entryId: 'visit:T-2/arrival/deduction', reason: '撤销', actor: supervisor });
  await l.note({ requestId: 'note-1', text: '备注', actor: supervisor });
  // A request ID already used by the reversal answers the view when it comes back as a note (one ID, one action).
  await l.note({ requestId: 'rev-2', text: '另一个备注', actor: supervisor });

  const v = await l.read();
  expect(v.entries.map((e) => e.entryId)).toEqual([...Array.from({ length: 10 }, (_, i) => `visit:T-${i + 1}/arrival/deduction`), 'visit:T-2/arrival/deduction/reversal', 'note/note-1']);
  expect(v.totals).toEqual({ points: 13, deductions: 10, reversals: 1, notes: 1, byLevel: { district: 5, city: 8, beijing: 0 }, byKind: { deduction: 15, reversal: 2, note: 0 } });
  expect(v.refused).toEqual([]);
});

test('concurrent deductions: each entry once, none lost', async () => {
  const unitId = freshUnit();
  // 30 writes at once, 20 distinct entry IDs (every third repeats one), on one unit-year.
  const ids = Array.from({ length: 30 }, (_, i) => (i % 3 === 2 ? i - 1 : i));
  await Promise.all(ids.map((n) => ledger(unitId, 2025).deduct(deduction(unitId, n))));
  const v = await ledger(unitId, 2025).read();
  expect(v.entries.map((e) => e.entryId).sort()).toEqual([...new Set(ids)].map((n) => `visit:T-${n}/arrival/deduction`).sort());
  expect(v.totals.points).toBe(40);
});

describe('the year-end close', () => {
  test('a closed year refuses every new entry with LedgerClosed naming the year; known IDs still answer', async () => {
    const unitId = freshUnit();
    const l = ledger(unitId, 2025);
    await l.deduct(deduction(unitId, 1));
    await l.note({ requestId: 'n1', text: '备注', actor: supervisor });
    expect((await refusal(l.close({ requestId: 'c1', reason: '年度结账', actor: unitActor }))).type).toBe(ErrorType.NotAllowed);
    expect((await refusal(l.close({ requestId: 'c1', reason: '', actor: supervisor }))).message).toBe('reason: is required');
    const closed = await l.close({ requestId: 'c1', reason: '2025 年度结账', actor: supervisor });
    expect(closed.closed).toEqual({ at: closed.closed!.at, actor: supervisor, reason: '2025 年度结账' });
    const closedAt = closed.closed!.at;
    const message = `year: the 2025 ledger of ${unitId} was closed at ${closedAt}: it takes no new entry`;
    const closedRefusal = { type: ErrorType.LedgerClosed, message, details: [{ field: 'year', message: message.slice('year: '.length) }] };

    expect(await refusal(l.deduct(deduction(unitId, 2)))).toEqual(closedRefusal);
    expect(await refusal(l.reverse({ requestId: 'r1', entryId: 'visit:T-1/arrival/deduction', reason: '撤销', actor: supervisor }))).toEqual(closedRefusal);
    expect(await refusal(l.note({ requestId: 'n2', text: '备注', actor: supervisor }))).toEqual(closedRefusal);
    expect(await refusal(l.close({ requestId: 'c2', reason: '再次结账', actor: admin }))).toEqual(closedRefusal);
    // Retries of what was recorded before the close answer the view, unchanged.
    expect(await l.deduct(deduction(unitId, 1))).toEqual(closed);
    expect(await l.note({ requestId: 'n1', text: '备注', actor: supervisor })).toEqual(closed);
    expect(await l.close({ requestId: 'c1', reason: '2025 年度结账', actor: supervisor })).toEqual(closed);

    // The activity reports the closed year as a non-retryable LedgerClosed failure: the case records it, never retries.
    const err = await activities.recordLedgerEntry(deduction(unitId, 3)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: ErrorType.LedgerClosed, nonRetryable: true, message });
    expect((await l.read()).entries.map((e) => e.entryId)).toEqual(['visit:T-1/arrival/deduction', 'note/n1']);
  });

  // Last in the file: it skips the server's clock past the Shanghai new year.
  test('a year can be closed only once it is over in Asia/Shanghai (time skipped to the new year)', async () => {
    const unitId = freshUnit();
    const now = await h.env.currentTimeMs();
    const year = shanghaiYear(now);
    const l = ledger(unitId, year);
    const from = new Date(yearEndMs(year)).toISOString();
    expect(from).toBe(`${year}-12-31T16:00:00.000Z`);
    expect(await refusal(l.close({ requestId: 'c1', reason: '提前结账', actor: supervisor }))).toEqual({
      type: ErrorType.InvalidState,
      message: `year: the year ${year} is not over: its ledger may be closed from ${from} (${year + 1}-01-01 00:00 Asia/Shanghai)`,
      details: [{ field: 'year', message: `the year ${year} is not over: its ledger may be closed from ${from} (${year + 1}-01-01 00:00 Asia/Shanghai)` }],
    });
    await h.env.sleep(yearEndMs(year) - now + 1000);
    const closed: LedgerView = await l.close({ requestId: 'c1', reason: '年度结账', actor: supervisor });
    expect(Date.parse(closed.closed!.at)).toBeGreaterThanOrEqual(yearEndMs(year));
    expect(closed.closed).toMatchObject({ actor: supervisor, reason: '年度结账' });
  });
});
