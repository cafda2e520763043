// Pure rules of the unit-year score ledger, shared by its workflow, the API and tests (no I/O: workflows import it).
import { LEVELS, type Level } from './domain.js';
import { LEDGER_KINDS, type LedgerEntry, type LedgerKind, type LedgerTotals, type LedgerView } from './messages.js';

/** Roles that may reverse a deduction, add a note or close the year. */
export const LEDGER_WRITER_ROLES = ['supervisor', 'admin'] as const;

/** Default number of handled messages after which a ledger run continues as new. */
export const LEDGER_CONTINUE_AS_NEW_AFTER = 1000;

/** How many refused signals a ledger keeps (the latest). */
export const LEDGER_REFUSALS_KEPT = 100;

const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

/** The first instant of year+1 in Asia/Shanghai (UTC ms): from then on the year's ledger may be closed. */
export function yearEndMs(year: number): number {
  return Date.UTC(year + 1, 0, 1) - SHANGHAI_OFFSET_MS;
}

/** Entry ID of the (single) reversal of a deduction. */
export function reversalIdFor(deductionEntryId: string): string {
  return `${deductionEntryId}/reversal`;
}

/** Entry ID of a note made by a request. */
export function noteIdFor(requestId: string): string {
  return `note/${requestId}`;
}

// Points may be fractional in a policy: sums are kept to two decimals so 0.1 + 0.2 reads 0.3.
const round2 = (x: number): number => Math.round(x * 100) / 100;

export function ledgerTotals(entries: readonly LedgerEntry[]): LedgerTotals {
  const byLevel = Object.fromEntries(LEVELS.map((l) => [l, 0])) as Record<Level, number>;
  const byKind = Object.fromEntries(LEDGER_KINDS.map((k) => [k, 0])) as Record<LedgerKind, number>;
  const count: Record<LedgerKind, number> = { deduction: 0, reversal: 0, note: 0 };
  for (const e of entries) {
    count[e.kind]++;
    byKind[e.kind] += e.points;
    const signed = e.kind === 'deduction' ? e.points : e.kind === 'reversal' ? -e.points : 0;
    if (e.level && signed !== 0) byLevel[e.level] += signed;
  }
  for (const l of LEVELS) byLevel[l] = round2(byLevel[l]);
  for (const k of LEDGER_KINDS) byKind[k] = round2(byKind[k]);
  return {
    points: round2(byKind.deduction - byKind.reversal),
    deductions: count.deduction,
    reversals: count.reversal,
    notes: count.note,
    byLevel,
    byKind,
  };
}

/** The view of a ledger nobody has written to yet (the API answers it for a year without a ledger workflow). */
export function emptyLedgerView(unitId: string, year: number): LedgerView {
  return { unitId, year, entries: [], totals: ledgerTotals([]), closed: null, refused: [] };
}
