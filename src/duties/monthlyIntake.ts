// Starting a monthly obligation's case: its ID names unit, obligation and month, so a case already there is kept as
// it is (a second round, a retried activity); the search attributes are the opening view's, like every intake.
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import { colourKey, deadlineKey, kindKey, overdueKey, receivedAtKey, stageKey, unitKey } from '../searchAttributes.js';
import { caseIdForMonthly, monthlyOpeningView, type MonthlyObligationInput } from './monthlyObligation.js';

export async function startMonthlyCase(client: Client, taskQueue: string, input: MonthlyObligationInput): Promise<{ caseId: string; created: boolean }> {
  const caseId = caseIdForMonthly(input.unit.id, input.obligation, input.period);
  const opening = monthlyOpeningView(input);
  try {
    await client.workflow.start('monthlyObligation', {
      workflowId: caseId,
      taskQueue,
      args: [input],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [
        { key: kindKey, value: 'monthlyObligation' },
        { key: unitKey, value: input.unit.id },
        { key: stageKey, value: opening.stage },
        { key: deadlineKey, value: new Date(opening.deadline!) },
        { key: overdueKey, value: opening.overdue },
        { key: receivedAtKey, value: new Date(input.registeredAt) },
        ...(opening.colour ? [{ key: colourKey, value: opening.colour }] : []),
      ],
    });
    return { caseId, created: true };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { caseId, created: false };
    throw err;
  }
}
