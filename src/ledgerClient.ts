// Client side of the unit-year ledger (activities and API): read it, and send it an update, starting the ledger when the year has none yet.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { ledgerIdFor } from './domain.js';
import { ledgerQuery, type LedgerInput, type LedgerView } from './messages.js';
import { executeUpdateStartingWorkflow } from './temporal.js';

export interface LedgerTarget {
  client: Client;
  taskQueue: string;
  unitId: string;
  year: number;
}

/** The ledger's view, or null when the unit has no ledger for the year yet. */
export async function readLedger(client: Client, unitId: string, year: number): Promise<LedgerView | null> {
  try {
    return await client.workflow.getHandle(ledgerIdFor(unitId, year)).query(ledgerQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}

/** Runs the update on the year's ledger, starting the ledger when the year has none yet (src/temporal.ts). */
export function executeLedgerUpdate<Arg>(target: LedgerTarget, update: UpdateDefinition<LedgerView, [Arg]>, arg: Arg): Promise<LedgerView> {
  const input: LedgerInput = { unitId: target.unitId, year: target.year };
  return executeUpdateStartingWorkflow(target.client, { workflowType: 'unitYearLedger', workflowId: ledgerIdFor(target.unitId, target.year), taskQueue: target.taskQueue, input }, update, arg);
}
