// One unit's score ledger for one year: append-only, idempotent by entry ID, continues as new before it grows large.
import { allHandlersFinished, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import { addLedgerEntrySignal, ledgerQuery, type LedgerEntry, type LedgerInput, type LedgerView } from '../src/messages.js';

export async function unitYearLedger(input: LedgerInput): Promise<void> {
  const entries: LedgerEntry[] = [...(input.entries ?? [])];
  const seen = new Set(entries.map((e) => e.entryId));

  const view = (): LedgerView => ({
    unitId: input.unitId,
    year: input.year,
    entries,
    totalPoints: entries.reduce((sum, e) => sum + (e.kind === 'deduction' ? e.points : e.kind === 'reversal' ? -e.points : 0), 0),
  });

  setHandler(addLedgerEntrySignal, (entry) => {
    if (seen.has(entry.entryId)) return;
    seen.add(entry.entryId);
    entries.push(entry);
  });
  setHandler(ledgerQuery, view);

  await condition(() => workflowInfo().continueAsNewSuggested);
  await condition(allHandlersFinished);
  await continueAsNew<typeof unitYearLedger>({ unitId: input.unitId, year: input.year, entries });
}
