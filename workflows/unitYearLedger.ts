// One unit's score ledger for one year: append-only, idempotent by entry / request ID, closed at year end, continues as new before it grows large.
import type { ApplicationFailure } from '@temporalio/common';
import { allHandlersFinished, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import { shanghaiYear, type Actor } from '../src/domain.js';
import { ErrorType, businessFailure, parseOrReject } from '../src/errors.js';
import { toIso as iso } from '../src/time.js';
import { LEDGER_CONTINUE_AS_NEW_AFTER, LEDGER_REFUSALS_KEPT, LEDGER_WRITER_ROLES, ledgerTotals, noteIdFor, reversalIdFor, yearEndMs } from '../src/ledger.js';
import {
  addLedgerEntrySignal,
  addLedgerEntryUpdate,
  addLedgerNoteSchema,
  addLedgerNoteUpdate,
  closeLedgerSchema,
  closeLedgerUpdate,
  deductionEntrySchema,
  ledgerQuery,
  reverseLedgerEntrySchema,
  reverseLedgerEntryUpdate,
  type LedgerClosure,
  type LedgerEntry,
  type LedgerInput,
  type LedgerRefusal,
  type LedgerView,
} from '../src/messages.js';

function requireWriter(actor: Actor): void {
  if (!(LEDGER_WRITER_ROLES as readonly string[]).includes(actor.role)) {
    throw businessFailure(ErrorType.NotAllowed, `role ${actor.role} may not write the ledger: only a supervisor or an admin may`, 'actor.role');
  }
}

export async function unitYearLedger(input: LedgerInput): Promise<void> {
  const { unitId, year } = input;
  const entries: LedgerEntry[] = [...(input.entries ?? [])];
  const byId = new Map(entries.map((e) => [e.entryId, e]));
  const requests: Record<string, string> = { ...(input.requests ?? {}) };
  let closed: LedgerClosure | null = input.closed ?? null;
  const refused: LedgerRefusal[] = [...(input.refused ?? [])];
  /** Messages handled by this run: past the threshold the run continues as new. */
  let handled = 0;

  const view = (): LedgerView => ({ unitId, year, entries, totals: ledgerTotals(entries), closed, refused });
  const append = (entry: LedgerEntry): void => {
    entries.push(entry);
    byId.set(entry.entryId, entry);
  };
  const requireOpen = (): void => {
    if (closed) throw businessFailure(ErrorType.LedgerClosed, `the ${year} ledger of ${unitId} was closed at ${closed.at}: it takes no new entry`, 'year');
  };

  /** The deduction's refusal, or null when the ledger takes it (a known entryId is taken: as a no-op). */
  const checkDeduction = (raw: unknown): { entry: LedgerEntry; failure: null } | { entry: null; failure: ApplicationFailure } => {
    try {
      const entry = parseOrReject(deductionEntrySchema, raw);
      if (byId.has(entry.entryId)) return { entry, failure: null };
      if (entry.actor.role !== 'system') throw businessFailure(ErrorType.NotAllowed, `role ${entry.actor.role} may not enter a deduction: only duban does`, 'actor.role');
      if (entry.unitId !== unitId) throw businessFailure(ErrorType.InvalidInput, `this is the ledger of ${unitId}, not ${entry.unitId}`, 'unitId');
      const entryYear = shanghaiYear(Date.parse(entry.at));
      if (entryYear !== year) throw businessFailure(ErrorType.InvalidInput, `falls in ${entryYear} (Asia/Shanghai), not in the ledger's year ${year}`, 'at');
      requireOpen();
      return { entry, failure: null };
    } catch (err) {
      return { entry: null, failure: err as ApplicationFailure };
    }
  };
  const addDeduction = (entry: LedgerEntry): void => {
    if (byId.has(entry.entryId)) return;
    append({ ...entry, at: iso(Date.parse(entry.at)) });
  };

  setHandler(ledgerQuery, view);

  // Old histories and in-flight signals: same rules; a refusal is kept in the view because a signal cannot answer.
  setHandler(addLedgerEntrySignal, (raw) => {
    handled++;
    const checked = checkDeduction(raw);
    if (checked.entry) return addDeduction(checked.entry);
    const entryId = typeof (raw as { entryId?: unknown })?.entryId === 'string' ? (raw as { entryId: string }).entryId : '(none)';
    if (refused.some((r) => r.entryId === entryId)) return;
    refused.push({ entryId, at: iso(Date.now()), message: checked.failure.message });
    if (refused.length > LEDGER_REFUSALS_KEPT) refused.splice(0, refused.length - LEDGER_REFUSALS_KEPT);
  });

  setHandler(
    addLedgerEntryUpdate,
    (raw) => {
      handled++;
      addDeduction(deductionEntrySchema.parse(raw));
      return Promise.resolve(view());
    },
    {
      validator: (raw) => {
        const checked = checkDeduction(raw);
        if (checked.failure) throw checked.failure;
      },
    },
  );

  setHandler(
    reverseLedgerEntryUpdate,
    (raw) => {
      handled++;
      const input = reverseLedgerEntrySchema.parse(raw);
      if (requests[input.requestId] !== undefined) return Promise.resolve(view());
      const deduction = byId.get(input.entryId)!;
      const entryId = reversalIdFor(deduction.entryId);
      requests[input.requestId] = entryId;
      append({
        entryId,
        kind: 'reversal',
        unitId,
        ...(deduction.caseId !== undefined ? { caseId: deduction.caseId } : {}),
        ...(deduction.milestone !== undefined ? { milestone: deduction.milestone } : {}),
        ...(deduction.level !== undefined ? { level: deduction.level } : {}),
        points: deduction.points,
        at: iso(Date.now()),
        actor: input.actor,
        reason: input.reason,
        reverses: deduction.entryId,
      });
      return Promise.resolve(view());
    },
    {
      validator: (raw) => {
        const input = parseOrReject(reverseLedgerEntrySchema, raw);
        requireWriter(input.actor);
        if (requests[input.requestId] !== undefined) return;
        requireOpen();
        const target = byId.get(input.entryId);
        if (!target || target.kind !== 'deduction') throw businessFailure(ErrorType.InvalidInput, `no deduction ${input.entryId} in the ${year} ledger of ${unitId}`, 'entryId');
        const reversal = byId.get(reversalIdFor(target.entryId));
        if (reversal) throw businessFailure(ErrorType.InvalidState, `deduction ${target.entryId} was already reversed at ${reversal.at}`, 'entryId');
      },
    },
  );

  setHandler(
    addLedgerNoteUpdate,
    (raw) => {
      handled++;
      const input = addLedgerNoteSchema.parse(raw);
      if (requests[input.requestId] !== undefined) return Promise.resolve(view());
      const entryId = noteIdFor(input.requestId);
      requests[input.requestId] = entryId;
      append({ entryId, kind: 'note', unitId, ...(input.caseId !== undefined ? { caseId: input.caseId } : {}), points: 0, at: iso(Date.now()), actor: input.actor, reason: input.text });
      return Promise.resolve(view());
    },
    {
      validator: (raw) => {
        const input = parseOrReject(addLedgerNoteSchema, raw);
        requireWriter(input.actor);
        if (requests[input.requestId] !== undefined) return;
        requireOpen();
      },
    },
  );

  setHandler(
    closeLedgerUpdate,
    (raw) => {
      handled++;
      const input = closeLedgerSchema.parse(raw);
      if (requests[input.requestId] !== undefined) return Promise.resolve(view());
      requests[input.requestId] = 'close';
      closed = { at: iso(Date.now()), actor: input.actor, reason: input.reason };
      return Promise.resolve(view());
    },
    {
      validator: (raw) => {
        const input = parseOrReject(closeLedgerSchema, raw);
        requireWriter(input.actor);
        if (requests[input.requestId] !== undefined) return;
        requireOpen();
        const from = yearEndMs(year);
        if (Date.now() < from) throw businessFailure(ErrorType.InvalidState, `the year ${year} is not over: its ledger may be closed from ${iso(from)} (${year + 1}-01-01 00:00 Asia/Shanghai)`, 'year');
      },
    },
  );

  // A closed ledger stays open as a workflow, so a closed year keeps refusing entries and is never started afresh.
  const threshold = input.continueAsNewAfter ?? LEDGER_CONTINUE_AS_NEW_AFTER;
  await condition(() => handled > 0 && (handled >= threshold || workflowInfo().continueAsNewSuggested));
  await condition(allHandlersFinished);
  await continueAsNew<typeof unitYearLedger>({
    unitId,
    year,
    entries,
    requests,
    closed,
    refused,
    ...(input.continueAsNewAfter !== undefined ? { continueAsNewAfter: input.continueAsNewAfter } : {}),
  });
}
