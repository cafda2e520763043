// Client side of the unit-year ledger (activities and API): read it, and send it an update, starting the ledger when the year has none yet.
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { ledgerIdFor } from './domain.js';
import { ledgerQuery, type LedgerInput, type LedgerView } from './messages.js';

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

/**
 * Runs the update on the year's ledger; when there is no ledger yet, starts it first (a start that lost the race
 * is fine). REJECT_DUPLICATE: a ledger that has ended (terminated by hand) is never started afresh, so a closed year
 * can never be reopened empty by a late deduction. The Java test server has no update-with-start, hence two calls.
 */
export async function executeLedgerUpdate<Arg>(target: LedgerTarget, update: UpdateDefinition<LedgerView, [Arg]>, arg: Arg): Promise<LedgerView> {
  const workflowId = ledgerIdFor(target.unitId, target.year);
  const handle: WorkflowHandle = target.client.workflow.getHandle(workflowId);
  try {
    return await handle.executeUpdate(update, { args: [arg] });
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  const input: LedgerInput = { unitId: target.unitId, year: target.year };
  try {
    await target.client.workflow.start('unitYearLedger', { workflowId, taskQueue: target.taskQueue, args: [input], workflowIdReusePolicy: 'REJECT_DUPLICATE' });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  return await target.client.workflow.getHandle(workflowId).executeUpdate(update, { args: [arg] });
}
