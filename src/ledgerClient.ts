// Reads a unit-year ledger kept by the old unitYearLedger workflow (the one-off import, src/records/ledgerImport.ts); new entries go to src/records/ledger.ts.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ledgerIdFor } from './domain.js';
import { ledgerQuery, type LedgerView } from './messages.js';

/** The workflow ledger's view, or null when the unit has no ledger workflow for the year. */
export async function readLedger(client: Client, unitId: string, year: number): Promise<LedgerView | null> {
  try {
    return await client.workflow.getHandle(ledgerIdFor(unitId, year)).query(ledgerQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}
