// The unit-year score ledger on the time-skipping server: idempotent entries, reversals, notes, the year-end close, continue-as-new.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createActivities } from '../activities/index.js';
import { SYSTEM_ACTOR, ledgerIdFor, shanghaiYear, type Level } from '../src/domain.js';
import { ErrorType } from '../src/errors.js';
import { yearEndMs } from '../src/ledger.js';
import {
  addLedgerEntrySignal,
  addLedgerEntryUpdate,
  addLedgerNoteUpdate,
  closeLedgerUpdate,
  ledgerQuery,
  reverseLedgerEntryUpdate,
  type LedgerEntry,
  type LedgerInput,
  type LedgerView,
} from '../src/messages.js';
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
const handle = (unitId: string, year: number) => h.env.client.workflow.getHandle(ledgerIdFor(unitId, year));
const startLedger = (unitId: string, year: number, extra: Partial<LedgerInput> = {}) =>
  h.env.client.workflow.start('unitYearLedger', { workflowId: ledgerIdFor(unitId, year), taskQueue: TASK_QUEUE, args: [{ unitId, year, ...extra }] });

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

/** The ledger's refusal of an update, as type, message and field details. */
async function refusal(p: Promise<unknown>): Promise<{ type: string | undefined | null; message: string; details: unknown }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) return { type: err.cause.type, message: err.cause.message, details: err.cause.details?.[0] };
    throw err;
  }
  throw new Error('the ledger did not refuse');
}

/** Number of runs of a workflow, walking back from its current run along continuedExecutionRunId. */
async function runsOf(workflowId: string): Promise<number> {
  let runId: string | undefined = (await h.env.client.workflow.getHandle(workflowId).describe()).runId;
  let runs = 0;
  while (runId) {
    runs++;
    const history = await h.env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  return runs;
}

describe('entries are idempotent by entry ID', () => {
  test('the same entry ID twice through the update is recorded once (a different body is ignored)', async () => {
    const unitId = freshUnit();
    await startLedger(unitId, 2025);
    const first = await handle(unitId, 2025).executeUpdate(addLedgerEntryUpdate, { args: [deduction(unitId, 1)] });
    const again = await handle(unitId, 2025).executeUpdate(addLedgerEntryUpdate, { args: [deduction(unitId, 1, { points: 3 })] });
    expect(again).toEqual(first);
    expect(again.entries).toEqual([deduction(unitId, 1)]);
    expect(again.totals.points).toBe(2);
  });

  test('the activity starts the year\'s ledger on its first deduction, and its retry of the same entry adds nothing', async () => {
    const unitId = freshUnit();
    const entry = deduction(unitId, 2, { at: '2025-12-31T15:59:59.000Z' });
    await activities.recordLedgerEntry(entry);
    await activities.recordLedgerEntry(entry);
    // 23:59:59 on 31 December in Asia/Shanghai: the 2025 ledger, and no 2026 one.
    const view = await handle(unitId, 2025).query(ledgerQuery);
    expect(view.entries).toEqual([entry]);
    await expect(handle(unitId, 2026).describe()).rejects.toThrow(/not found/i);
    // A deduction in the first second of the Shanghai year goes to next year's ledger.
    await activities.recordLedgerEntry(deduction(unitId, 3, { at: '2025-12-31T16:00:00.000Z' }));
    expect((await handle(unitId, 2026).query(ledgerQuery)).entries.map((e) => e.entryId)).toEqual(['visit:T-3/arrival/deduction']);
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
    const l = handle('wuli-gov', shanghaiYear(Date.parse(at)));
    expect((await l.query(ledgerQuery)).entries.filter((e) => e.caseId === c.caseId)).toEqual([expected]);
    await activities.recordLedgerEntry(expected);
    expect((await l.query(ledgerQuery)).entries.filter((e) => e.caseId === c.caseId)).toEqual([expected]);
    await h.terminateOpen();
  });

  test('a deduction must be duban\'s, of this unit and of this year (the field is named)', async () => {
    const unitId = freshUnit();
    await startLedger(unitId, 2025);
    expect(await refusal(handle(unitId, 2025).executeUpdate(addLedgerEntryUpdate, { args: [deduction(unitId, 4, { at: '2024-06-01T00:00:00.000Z' })] }))).toEqual({
      type: ErrorType.InvalidInput,
      message: "at: falls in 2024 (Asia/Shanghai), not in the ledger's year 2025",
      details: [{ field: 'at', message: "falls in 2024 (Asia/Shanghai), not in the ledger's year 2025" }],
    });
    expect((await refusal(handle(unitId, 2025).executeUpdate(addLedgerEntryUpdate, { args: [deduction('wuli-gov', 4)] }))).message).toBe(`unitId: this is the ledger of ${unitId}, not wuli-gov`);
    expect((await refusal(handle(unitId, 2025).executeUpdate(addLedgerEntryUpdate, { args: [deduction(unitId, 4, { actor: supervisor })] }))).message).toBe(
      'actor.role: role supervisor may not enter a deduction: only duban does',
    );
    expect((await refusal(handle(unitId, 2025).executeUpdate(addLedgerEntryUpdate, { args: [deduction(unitId, 4, { points: 0 })] }))).message).toBe('points: must be more than 0');
    expect((await handle(unitId, 2025).query(ledgerQuery)).entries).toEqual([]);
  });
});

describe('reversals and notes', () => {
  test('a reversal needs a supervisor or an admin and a reason, refers to a deduction of this ledger, and happens once', async () => {
    const unitId = freshUnit();
    await startLedger(unitId, 2025);
    const l = handle(unitId, 2025);
    await l.executeUpdate(addLedgerEntryUpdate, { args: [deduction(unitId, 1, { level: 'beijing', points: 3 })] });
    const target = 'visit:T-1/arrival/deduction';

    expect(await refusal(l.executeUpdate(reverseLedgerEntryUpdate, { args: [{ requestId: 'r1', entryId: target, reason: '情况属实，予以撤销', actor: unitActor }] }))).toEqual({
      type: ErrorType.NotAllowed,
      message: 'actor.role: role unit may not write the ledger: only a supervisor or an admin may',
      details: [{ field: 'actor.role', message: 'role unit may not write the ledger: only a supervisor or an admin may' }],
    });
    expect(await refusal(l.executeUpdate(reverseLedgerEntryUpdate, { args: [{ requestId: 'r1', entryId: target, reason: '   ', actor: supervisor }] }))).toEqual({
      type: ErrorType.InvalidInput,
      message: 'reason: is required',
      details: [{ field: 'reason', message: 'is required' }],
    });
    expect((await refusal(l.executeUpdate(reverseLedgerEntryUpdate, { args: [{ requestId: 'r1', entryId: target, actor: supervisor } as never] }))).message).toBe('reason: Required');
    expect((await refusal(l.executeUpdate(reverseLedgerEntryUpdate, { args: [{ requestId: 'r1', entryId: 'visit:T-9/arrival/deduction', reason: '撤销', actor: supervisor }] }))).message).toBe(
      `entryId: no deduction visit:T-9/arrival/deduction in the 2025 ledger of ${unitId}`,
    );

    const reversed = await l.executeUpdate(reverseLedgerEntryUpdate, { args: [{ requestId: 'r1', entryId: target, reason: '情况属实，予以撤销', actor: supervisor }] });
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
    expect(Math.abs(Date.parse(reversal.at) - (await h.env.currentTimeMs()))).toBeLessThan(60_000);
    expect(reversed.totals).toMatchObject({ points: 0, deductions: 1, reversals: 1, byLevel: { district: 0, city: 0, beijing: 0 } });

    // The same request again: the same view; a new request for the same deduction: refused.
    expect(await l.executeUpdate(reverseLedgerEntryUpdate, { args: [{ requestId: 'r1', entryId: target, reason: '情况属实，予以撤销', actor: supervisor }] })).toEqual(reversed);
    expect(await refusal(l.executeUpdate(reverseLedgerEntryUpdate, { args: [{ requestId: 'r2', entryId: target, reason: '再次撤销', actor: admin }] }))).toEqual({
      type: ErrorType.InvalidState,
      message: `entryId: deduction ${target} was already reversed at ${reversal.at}`,
      details: [{ field: 'entryId', message: `deduction ${target} was already reversed at ${reversal.at}` }],
    });
    // A reversal is not a deduction: it cannot be reversed.
    expect((await refusal(l.executeUpdate(reverseLedgerEntryUpdate, { args: [{ requestId: 'r3', entryId: `${target}/reversal`, reason: '撤销', actor: admin }] }))).message).toBe(
      `entryId: no deduction ${target}/reversal in the 2025 ledger of ${unitId}`,
    );
  });

  test('a note needs a supervisor or an admin and a text, carries 0 points, and is idempotent by request ID', async () => {
    const unitId = freshUnit();
    await startLedger(unitId, 2025);
    const l = handle(unitId, 2025);
    expect((await refusal(l.executeUpdate(addLedgerNoteUpdate, { args: [{ requestId: 'n1', text: '备注', actor: unitActor }] }))).type).toBe(ErrorType.NotAllowed);
    expect(await refusal(l.executeUpdate(addLedgerNoteUpdate, { args: [{ requestId: 'n1', text: '', actor: supervisor }] }))).toMatchObject({ type: ErrorType.InvalidInput, message: 'text: is required' });
    const noted = await l.executeUpdate(addLedgerNoteUpdate, { args: [{ requestId: 'n1', text: '该单位已整改', caseId: 'visit:T-1', actor: admin }] });
    expect(noted.entries).toEqual([{ entryId: 'note/n1', kind: 'note', unitId, caseId: 'visit:T-1', points: 0, at: noted.entries[0]!.at, actor: admin, reason: '该单位已整改' }]);
    const again = await l.executeUpdate(addLedgerNoteUpdate, { args: [{ requestId: 'n1', text: '别的内容', actor: admin }] });
    expect(again).toEqual(noted);
    const second = await l.executeUpdate(addLedgerNoteUpdate, { args: [{ requestId: 'n2', text: '年度情况良好', actor: supervisor }] });
    expect(second.entries[1]).toEqual({ entryId: 'note/n2', kind: 'note', unitId, points: 0, at: second.entries[1]!.at, actor: supervisor, reason: '年度情况良好' });
    expect(second.totals).toEqual({ points: 0, deductions: 0, reversals: 0, notes: 2, byLevel: { district: 0, city: 0, beijing: 0 }, byKind: { deduction: 0, reversal: 0, note: 0 } });
  });
});

test('totals by level and by kind are exact', async () => {
  const unitId = freshUnit();
  await startLedger(unitId, 2025);
  const l = handle(unitId, 2025);
  const plan: [number, Level, number][] = [
    [1, 'district', 1],
    [2, 'district', 1],
    [3, 'city', 2],
    [4, 'beijing', 3],
    [5, 'beijing', 3],
  ];
  for (const [n, level, points] of plan) await l.executeUpdate(addLedgerEntryUpdate, { args: [deduction(unitId, n, { level, points })] });
  await l.executeUpdate(reverseLedgerEntryUpdate, { args: [{ requestId: 'rev-4', entryId: 'visit:T-4/arrival/deduction', reason: '进京非本单位责任', actor: supervisor }] });
  await l.executeUpdate(reverseLedgerEntryUpdate, { args: [{ requestId: 'rev-1', entryId: 'visit:T-1/arrival/deduction', reason: '已提交情况说明', actor: admin }] });
  const view = await l.executeUpdate(addLedgerNoteUpdate, { args: [{ requestId: 'note-1', text: '复核完毕', actor: supervisor }] });
  expect(view.totals).toEqual({
    points: 6,
    deductions: 5,
    reversals: 2,
    notes: 1,
    byLevel: { district: 1, city: 2, beijing: 3 },
    byKind: { deduction: 10, reversal: 4, note: 0 },
  });
  expect(view.entries.map((e) => [e.kind, e.entryId, e.points])).toEqual([
    ['deduction', 'visit:T-1/arrival/deduction', 1],
    ['deduction', 'visit:T-2/arrival/deduction', 1],
    ['deduction', 'visit:T-3/arrival/deduction', 2],
    ['deduction', 'visit:T-4/arrival/deduction', 3],
    ['deduction', 'visit:T-5/arrival/deduction', 3],
    ['reversal', 'visit:T-4/arrival/deduction/reversal', 3],
    ['reversal', 'visit:T-1/arrival/deduction/reversal', 1],
    ['note', 'note/note-1', 0],
  ]);
  expect(await l.query(ledgerQuery)).toEqual(view);
});

test('continue-as-new with a small threshold keeps every entry, request and refusal, once', async () => {
  const unitId = freshUnit();
  const started = await startLedger(unitId, 2025, { continueAsNewAfter: 3 });
  const l = handle(unitId, 2025);
  for (let n = 1; n <= 10; n++) await l.executeUpdate(addLedgerEntryUpdate, { args: [deduction(unitId, n, { level: n % 2 ? 'district' : 'city', points: n % 2 ? 1 : 2 })] });
  await l.executeUpdate(reverseLedgerEntryUpdate, { args: [{ requestId: 'rev-2', entryId: 'visit:T-2/arrival/deduction', reason: '撤销', actor: supervisor }] });
  await l.executeUpdate(addLedgerNoteUpdate, { args: [{ requestId: 'note-1', text: '备注', actor: supervisor }] });
  // Repeats after the runs changed: the first deduction, the reversal's and the note's requests are all known.
  await l.executeUpdate(addLedgerEntryUpdate, { args: [deduction(unitId, 1, { points: 9 })] });
  await l.executeUpdate(reverseLedgerEntryUpdate, { args: [{ requestId: 'rev-2', entryId: 'visit:T-2/arrival/deduction', reason: '撤销', actor: supervisor }] });
  await l.executeUpdate(addLedgerNoteUpdate, { args: [{ requestId: 'note-1', text: '备注', actor: supervisor }] });
  await l.signal(addLedgerEntrySignal, deduction(unitId, 11, { at: '2024-01-01T00:00:00.000Z' }));
  await l.signal(addLedgerEntrySignal, deduction(unitId, 3));

  const view = await l.query(ledgerQuery);
  expect(view.entries.map((e) => e.entryId)).toEqual([...Array.from({ length: 10 }, (_, i) => `visit:T-${i + 1}/arrival/deduction`), 'visit:T-2/arrival/deduction/reversal', 'note/note-1']);
  expect(view.totals).toEqual({ points: 13, deductions: 10, reversals: 1, notes: 1, byLevel: { district: 5, city: 8, beijing: 0 }, byKind: { deduction: 15, reversal: 2, note: 0 } });
  expect(view.refused.map((r) => [r.entryId, r.message])).toEqual([['visit:T-11/arrival/deduction', "at: falls in 2024 (Asia/Shanghai), not in the ledger's year 2025"]]);
  const described = await l.describe();
  expect(described.runId).not.toBe(started.firstExecutionRunId);
  // 17 messages, each run ends right after its 3rd: five full runs and the current one with 2.
  expect(await runsOf(ledgerIdFor(unitId, 2025))).toBe(6);
});

test('concurrent deductions across continue-as-new: each entry once, none lost', async () => {
  const unitId = freshUnit();
  await startLedger(unitId, 2025, { continueAsNewAfter: 3 });
  // 30 updates at once, 20 distinct entry IDs (every third repeats one): the client follows the ledger to its newest run.
  const ids = Array.from({ length: 30 }, (_, i) => (i % 3 === 2 ? i - 1 : i));
  await Promise.all(ids.map((n) => handle(unitId, 2025).executeUpdate(addLedgerEntryUpdate, { args: [deduction(unitId, n)] })));
  const view = await handle(unitId, 2025).query(ledgerQuery);
  expect(view.entries.map((e) => e.entryId).sort()).toEqual([...new Set(ids)].map((n) => `visit:T-${n}/arrival/deduction`).sort());
  expect(view.totals.points).toBe(40);
  expect(await runsOf(ledgerIdFor(unitId, 2025))).toBeGreaterThan(1);
});

describe('the year-end close', () => {
  test('a closed year refuses every new entry with LedgerClosed naming the year; known IDs still answer; a signal is kept as refused', async () => {
    const unitId = freshUnit();
    await startLedger(unitId, 2025);
    const l = handle(unitId, 2025);
    await l.executeUpdate(addLedgerEntryUpdate, { args: [deduction(unitId, 1)] });
    await l.executeUpdate(addLedgerNoteUpdate, { args: [{ requestId: 'n1', text: '备注', actor: supervisor }] });
    expect((await refusal(l.executeUpdate(closeLedgerUpdate, { args: [{ requestId: 'c1', reason: '年度结账', actor: unitActor }] }))).type).toBe(ErrorType.NotAllowed);
    expect((await refusal(l.executeUpdate(closeLedgerUpdate, { args: [{ requestId: 'c1', reason: '', actor: supervisor }] }))).message).toBe('reason: is required');
    const closed = await l.executeUpdate(closeLedgerUpdate, { args: [{ requestId: 'c1', reason: '2025 年度结账', actor: supervisor }] });
    expect(closed.closed).toEqual({ at: closed.closed!.at, actor: supervisor, reason: '2025 年度结账' });
    const closedAt = closed.closed!.at;
    const message = `year: the 2025 ledger of ${unitId} was closed at ${closedAt}: it takes no new entry`;
    const closedRefusal = { type: ErrorType.LedgerClosed, message, details: [{ field: 'year', message: message.slice('year: '.length) }] };

    expect(await refusal(l.executeUpdate(addLedgerEntryUpdate, { args: [deduction(unitId, 2)] }))).toEqual(closedRefusal);
    expect(await refusal(l.executeUpdate(reverseLedgerEntryUpdate, { args: [{ requestId: 'r1', entryId: 'visit:T-1/arrival/deduction', reason: '撤销', actor: supervisor }] }))).toEqual(closedRefusal);
    expect(await refusal(l.executeUpdate(addLedgerNoteUpdate, { args: [{ requestId: 'n2', text: '备注', actor: supervisor }] }))).toEqual(closedRefusal);
    expect(await refusal(l.executeUpdate(closeLedgerUpdate, { args: [{ requestId: 'c2', reason: '再次结账', actor: admin }] }))).toEqual(closedRefusal);
    // Retries of what was recorded before the close answer the view, unchanged.
    expect(await l.executeUpdate(addLedgerEntryUpdate, { args: [deduction(unitId, 1)] })).toEqual(closed);
    expect(await l.executeUpdate(addLedgerNoteUpdate, { args: [{ requestId: 'n1', text: '备注', actor: supervisor }] })).toEqual(closed);
    expect(await l.executeUpdate(closeLedgerUpdate, { args: [{ requestId: 'c1', reason: '2025 年度结账', actor: supervisor }] })).toEqual(closed);

    // The activity reports the closed year as a non-retryable LedgerClosed failure: the case records it, never retries.
    const err = await activities.recordLedgerEntry(deduction(unitId, 3)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: ErrorType.LedgerClosed, nonRetryable: true, message });

    await l.signal(addLedgerEntrySignal, deduction(unitId, 4));
    const after = await l.query(ledgerQuery);
    expect(after.entries.map((e) => e.entryId)).toEqual(['visit:T-1/arrival/deduction', 'note/n1']);
    expect(after.refused.map((r) => [r.entryId, r.message])).toEqual([['visit:T-4/arrival/deduction', message]]);
    expect((await l.describe()).status.name).toBe('RUNNING');
  });

  // Last in the file: it skips the server's clock past the Shanghai new year.
  test('a year can be closed only once it is over in Asia/Shanghai (time skipped to the new year)', async () => {
    const unitId = freshUnit();
    const now = await h.env.currentTimeMs();
    const year = shanghaiYear(now);
    await startLedger(unitId, year);
    const l = handle(unitId, year);
    const from = new Date(yearEndMs(year)).toISOString();
    expect(from).toBe(`${year}-12-31T16:00:00.000Z`);
    expect(await refusal(l.executeUpdate(closeLedgerUpdate, { args: [{ requestId: 'c1', reason: '提前结账', actor: supervisor }] }))).toEqual({
      type: ErrorType.InvalidState,
      message: `year: the year ${year} is not over: its ledger may be closed from ${from} (${year + 1}-01-01 00:00 Asia/Shanghai)`,
      details: [{ field: 'year', message: `the year ${year} is not over: its ledger may be closed from ${from} (${year + 1}-01-01 00:00 Asia/Shanghai)` }],
    });
    await h.env.sleep(yearEndMs(year) - now + 1000);
    const closed: LedgerView = await l.executeUpdate(closeLedgerUpdate, { args: [{ requestId: 'c1', reason: '年度结账', actor: supervisor }] });
    expect(Date.parse(closed.closed!.at)).toBeGreaterThanOrEqual(yearEndMs(year));
    expect(closed.closed).toMatchObject({ actor: supervisor, reason: '年度结账' });
  });
});
