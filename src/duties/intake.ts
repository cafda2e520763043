// Starting an assigned case: the assignment checked against the schema, the directory and the clock, the policy and
// the holiday calendar pinned, the workflow started without waiting for a worker (the view is the pure opening view).
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type Client, type WorkflowHandle } from '@temporalio/client';
import { createHash } from 'node:crypto';
import { CLOCK_SKEW_MS } from '../messages.js';
import type { Actor } from '../domain.js';
import { findUnit, unitSnapshot, type Directory } from '../directory.js';
import { InputError, fieldIssues } from '../errors.js';
import type { Policy } from '../policy.js';
import { sliceCalendar, type HolidayCalendar } from '../deadlines/calendar.js';
import { colourKey, deadlineKey, kindKey, overdueKey, receivedAtKey, stageKey, unitKey } from '../searchAttributes.js';
import { assignedCaseOpeningView, assignmentSchema, calendarYearsFor, caseIdForAssignment, type AssignedCaseInput, type AssignedCaseView, type Assignment } from './assignedCase.js';

export interface StartAssignedCaseOptions {
  client: Client;
  taskQueue: string;
  policy: Policy;
  directory: Directory;
  calendar: HolidayCalendar;
  actor: Actor;
  now?: number;
}

export interface StartAssignedCaseResult {
  caseId: string;
  created: boolean;
  handle: WorkflowHandle;
  opening: AssignedCaseView;
}

/** The same assignment sent twice is one case; a different one under the same ID is refused (409). */
export class AssignmentConflictError extends Error {
  constructor(readonly caseId: string) {
    super(`${caseId} is already registered with different facts`);
    this.name = 'AssignmentConflictError';
  }
}

const MEMO_KEY = 'dubanAssignment';
interface StartMemo {
  digest: string;
  registeredAt: string;
}

function digestOf(a: Assignment): string {
  return createHash('sha256').update(JSON.stringify(a)).digest('hex');
}

/** Validates an assignment; throws InputError naming each bad field. */
export function validateAssignment(raw: unknown, directory: Directory, now: number): Assignment {
  const result = assignmentSchema.safeParse(raw);
  if (!result.success) throw new InputError(fieldIssues(result.error));
  const a = result.data;
  const unit = findUnit(directory, a.unitId);
  if (!unit) throw new InputError([{ field: 'unitId', message: `unknown unit ${a.unitId}` }]);
  if (!unit.people.some((p) => p.id === a.leaderId && (p.role === 'principal' || p.role === 'inCharge'))) {
    throw new InputError([{ field: 'leaderId', message: `is not a principal leader or leader in charge of unit ${a.unitId}` }]);
  }
  if (Date.parse(a.receivedAt) > now + CLOCK_SKEW_MS) throw new InputError([{ field: 'receivedAt', message: 'must not be in the future' }]);
  return a;
}

export function assignedCaseInput(a: Assignment, options: Pick<StartAssignedCaseOptions, 'policy' | 'directory' | 'calendar' | 'actor'>, registeredAt: string): AssignedCaseInput {
  const [from, to] = calendarYearsFor(a.receivedAt);
  const years = options.calendar.years.filter((y) => y >= from && y <= to);
  // The years the case can reach, as far as the calendar knows them; a year it lacks is counted as calendar days.
  const calendar = years.length > 0 ? sliceCalendar(options.calendar, years[0]!, years[years.length - 1]!) : { ...options.calendar, years: [], holidays: {}, workdays: {} };
  return { assignment: a, policy: options.policy.assignedCase, policyVersion: options.policy.version, calendar, unit: unitSnapshot(findUnit(options.directory, a.unitId)!), actor: options.actor, registeredAt };
}

export async function startAssignedCase(raw: unknown, options: StartAssignedCaseOptions): Promise<StartAssignedCaseResult> {
  const now = options.now ?? Date.now();
  const assignment = validateAssignment(raw, options.directory, now);
  const caseId = caseIdForAssignment(assignment.assignmentId);
  const registeredAt = new Date(now).toISOString();
  const input = assignedCaseInput(assignment, options, registeredAt);
  const opening = assignedCaseOpeningView(caseId, input);
  const memo: StartMemo = { digest: digestOf(assignment), registeredAt };
  try {
    const handle = await options.client.workflow.start('assignedCase', {
      workflowId: caseId,
      taskQueue: options.taskQueue,
      args: [input],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      memo: { [MEMO_KEY]: memo },
      typedSearchAttributes: [
        { key: kindKey, value: 'assignedCase' },
        { key: unitKey, value: assignment.unitId },
        { key: stageKey, value: opening.stage },
        { key: deadlineKey, value: new Date(opening.deadline!) },
        { key: overdueKey, value: opening.overdue },
        { key: receivedAtKey, value: new Date(assignment.receivedAt) },
        ...(opening.colour ? [{ key: colourKey, value: opening.colour }] : []),
      ],
    });
    return { caseId, created: true, handle, opening };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const handle = options.client.workflow.getHandle(caseId);
    const first = (await handle.describe()).memo?.[MEMO_KEY] as StartMemo | undefined;
    if (!first || first.digest !== memo.digest) throw new AssignmentConflictError(caseId);
    return { caseId, created: false, handle, opening: assignedCaseOpeningView(caseId, { ...input, registeredAt: first.registeredAt }) };
  }
}
