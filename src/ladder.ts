// The escalation ladder as one pure planner: the workflow, the API's preview and the tests all call it.
import type { ExplanationStatus, Level, Milestone, StepKind } from './domain.js';
import { parseDuration } from './duration.js';
import { ladderSpecFor, type LadderSpec, type Policy } from './policy.js';

export interface MilestoneFacts {
  milestone: Milestone;
  /** A visit's level (its ladder per level); absent for other duties. */
  level?: Level;
  /** When the milestone's clock started: notice receipt for arrival, the arrival for the closure report. */
  startedAt: number;
  /** When duban learned of the milestone: reminders due before this moment are never sent. */
  registeredAt: number;
  /** Current deadline (the policy's, or a supervisor's extension). */
  deadline: number;
  /** When the deadline was last set; reminders due before it are not sent. */
  deadlineSetAt: number;
  explanation: ExplanationStatus;
  explanationDecidedAt?: number;
  /** Steps already executed: step key → execution time (ms). */
  done: Record<string, number>;
}

export interface PlannedStep {
  key: string;
  kind: StepKind;
  milestone: Milestone;
  dueAt: number;
  doneAt?: number;
}

export interface MilestonePlan {
  steps: PlannedStep[];
  /** A deduction waits while an explanation awaits a supervisor's decision. */
  deductionHeld: boolean;
  /** An accepted explanation cancels the deduction (it stays in the record). */
  deductionCancelled: boolean;
}

/** Beyond this, a step ran late (a worker outage), and the next step's grace counts from when it really ran. */
export const LATE_EXECUTION_MS = 60_000;

function effectiveTime(step: PlannedStep): number {
  return step.doneAt !== undefined && step.doneAt - step.dueAt > LATE_EXECUTION_MS ? step.doneAt : step.dueAt;
}

const KIND_ORDER: Record<StepKind, number> = { reminder: 0, urge: 1, overdueReminder: 2, supervise: 3, deduction: 4 };

export function deadlineFor(policy: Policy, milestone: Milestone, level: Level, startedAt: number): number {
  return startedAt + parseDuration(ladderSpecFor(policy, milestone, level).deadline);
}

export function stepKey(milestone: Milestone, kind: StepKind, suffix?: string | number): string {
  return suffix === undefined ? `${milestone}.${kind}` : `${milestone}.${kind}.${suffix}`;
}

/** Every step of one milestone of an escalated visit with its due time, given the pinned policy and the facts so far. */
export function plan(policy: Policy, facts: MilestoneFacts): MilestonePlan {
  return planLadder(ladderSpecFor(policy, facts.milestone, facts.level!), facts);
}

/** Every step of one milestone of any duty with its due time, given the milestone's ladder and the facts so far. */
export function planLadder(spec: Pick<LadderSpec, 'reminderOffsets' | 'superviseAfter' | 'deductAfter' | 'overdueReminderEvery' | 'maxOverdueReminders'>, facts: MilestoneFacts): MilestonePlan {
  const { milestone, deadline, done } = facts;
  const steps: PlannedStep[] = [];
  const add = (kind: StepKind, dueAt: number, suffix?: string | number): PlannedStep => {
    const key = stepKey(milestone, kind, suffix);
    const step: PlannedStep = { key, kind, milestone, dueAt };
    if (done[key] !== undefined) step.doneAt = done[key];
    steps.push(step);
    return step;
  };

  // Reminders are keyed by the deadline they announce, so an extension brings fresh ones.
  for (const offset of spec.reminderOffsets) {
    const dueAt = deadline - parseDuration(offset);
    const key = stepKey(milestone, 'reminder', `${offset}@${deadline}`);
    if (dueAt >= facts.deadlineSetAt || done[key] !== undefined) add('reminder', dueAt, `${offset}@${deadline}`);
  }

  // 催办 at the deadline, or at once for a notice registered after it; each later step keeps its full grace.
  const urge = add('urge', Math.max(deadline, facts.registeredAt));
  const urgeAt = effectiveTime(urge);
  const superviseAfter = parseDuration(spec.superviseAfter);
  const supervise = add('supervise', Math.max(deadline, urgeAt) + superviseAfter);
  const superviseAt = effectiveTime(supervise);
  const deductAfter = parseDuration(spec.deductAfter);

  const overdueBase = Math.max(deadline, urgeAt);
  const every = parseDuration(spec.overdueReminderEvery);
  for (let k = 1; k <= spec.maxOverdueReminders; k++) add('overdueReminder', overdueBase + k * every, k);

  let deductionHeld = false;
  const deductionCancelled = facts.explanation === 'accepted' && done[stepKey(milestone, 'deduction')] === undefined;
  if (!deductionCancelled) {
    let dueAt = Math.max(deadline + superviseAfter, superviseAt) + deductAfter;
    if (facts.explanation === 'rejected' && facts.explanationDecidedAt !== undefined) {
      dueAt = Math.max(dueAt, facts.explanationDecidedAt);
    }
    if (facts.explanation === 'pending' && done[stepKey(milestone, 'deduction')] === undefined) deductionHeld = true;
    else add('deduction', dueAt);
  }

  steps.sort((a, b) => a.dueAt - b.dueAt || KIND_ORDER[a.kind] - KIND_ORDER[b.kind]);
  return { steps, deductionHeld, deductionCancelled };
}

/** The first step not yet executed, or undefined when nothing more is planned. */
export function nextStep(milestonePlan: MilestonePlan): PlannedStep | undefined {
  return milestonePlan.steps.find((s) => s.doneAt === undefined);
}
