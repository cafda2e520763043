// A case's view, and what it is at the moment it is registered: pure, shared by the workflow and the API, so the API
// can answer a create with the very view the workflow holds after its first task, without waiting for a worker.
import { SYSTEM_ACTOR, type Milestone, type Stage } from './domain.js';
import { deadlineFor, plan, type MilestoneFacts } from './ladder.js';
import type { CaseView, EscalatedVisitInput, TimelineEntry, TimelineType } from './messages.js';
import { ladderSpecFor } from './policy.js';
import { colourOf, yellowFrom } from './colour.js';
import { toIso as iso } from './time.js';

/** Everything a view is made of; the workflow keeps these as its state. */
export interface CaseParts {
  caseId: string;
  input: EscalatedVisitInput;
  unit: CaseView['unit'];
  status: CaseView['status'];
  milestone: Milestone;
  facts: MilestoneFacts;
  arrival: CaseView['arrival'];
  explanation: CaseView['explanation'];
  closureReport: CaseView['closureReport'];
  deductions: CaseView['deductions'];
  waitingFor: CaseView['waitingFor'];
  timeline: TimelineEntry[];
}

export function stageOf(status: CaseView['status'], milestone: Milestone, facts: MilestoneFacts): Stage {
  if (status !== 'open') return status;
  const d = facts.done;
  if (d[`${milestone}.deduction`] !== undefined) return `${milestone}.deduction`;
  if (d[`${milestone}.supervise`] !== undefined) return `${milestone}.supervise`;
  if (d[`${milestone}.urge`] !== undefined) return `${milestone}.urge`;
  return `${milestone}.pending`;
}

export function caseViewOf(p: CaseParts, now: number): CaseView {
  const open = p.status === 'open';
  return {
    caseId: p.caseId,
    kind: 'escalatedVisit',
    notice: p.input.notice,
    unit: p.unit,
    policyVersion: p.input.policy.version,
    status: p.status,
    stage: stageOf(p.status, p.milestone, p.facts),
    milestone: open ? p.milestone : null,
    deadline: open ? iso(p.facts.deadline) : null,
    overdue: open && now > p.facts.deadline,
    colour: open ? colourOf(p.facts.deadline, yellowFrom(p.input.policy, p.milestone, p.input.notice.level, p.facts.deadline), now) : null,
    yellowFrom: open ? iso(yellowFrom(p.input.policy, p.milestone, p.input.notice.level, p.facts.deadline)) : null,
    arrival: p.arrival,
    explanation: p.explanation,
    closureReport: p.closureReport,
    deductions: p.deductions,
    waitingFor: p.waitingFor,
    deductionHeld: open && plan(p.input.policy, p.facts).deductionHeld,
    timeline: p.timeline,
  };
}

/** What a run that failed may have recorded for its notice to be registered again: the ladder's own steps, no person's act. */
const RESTORABLE: ReadonlySet<TimelineType> = new Set<TimelineType>([
  'registered', 'alert', 'reminder', 'overdueReminder', 'urge', 'supervise', 'deduction', 'reminderSkipped', 'documentIssued', 'documentFailed',
  'notificationFailed', 'notificationDelivered', 'notificationUndelivered', 'ledgerRefused', 'reregistered',
]);

/** The first entry of a failed run's timeline that a new run cannot take over (an arrival, an explanation …), if any. */
export function reregistrationBlocker(timeline: readonly TimelineEntry[]): TimelineEntry | undefined {
  return timeline.find((e) => !RESTORABLE.has(e.type));
}

/**
 * The arrival milestone's facts at registration. Registered again after a failed run, the plan keeps the first
 * registration and the steps that run recorded count as done (matched by kind and due time), so none comes twice.
 */
export function openingFacts(input: EscalatedVisitInput, registeredAt: number): MilestoneFacts {
  const receivedAt = Date.parse(input.notice.receivedAt);
  const previous = input.reregistration?.timeline ?? [];
  const firstRegistered = previous.find((e) => e.type === 'registered');
  const planFrom = firstRegistered ? Date.parse(firstRegistered.at) : registeredAt;
  const facts: MilestoneFacts = {
    milestone: 'arrival',
    level: input.notice.level,
    startedAt: receivedAt,
    registeredAt: planFrom,
    deadline: deadlineFor(input.policy, 'arrival', input.notice.level, receivedAt),
    deadlineSetAt: planFrom,
    explanation: 'none',
    done: {},
  };
  // A later step's due time depends on when the earlier ones ran: match, re-plan, until nothing more matches.
  for (let matched = true; matched; ) {
    matched = false;
    for (const step of plan(input.policy, facts).steps) {
      if (step.doneAt !== undefined) continue;
      const ran = previous.find((e) => (e.type === step.kind || (e.type === 'reminderSkipped' && step.kind === 'reminder')) && e.milestone === step.milestone && e.dueAt === iso(step.dueAt));
      if (!ran) continue;
      facts.done = { ...facts.done, [step.key]: Date.parse(ran.at) };
      matched = true;
    }
  }
  return facts;
}

/** The deduction a failed run already entered in the ledger (its step done and not refused), kept by the new run. */
export function openingDeductions(input: EscalatedVisitInput, facts: MilestoneFacts, caseId: string): CaseView['deductions'] {
  const previous = input.reregistration?.timeline ?? [];
  const deduction = previous.find((e) => e.type === 'deduction' && e.milestone === 'arrival');
  if (!deduction || facts.done['arrival.deduction'] === undefined || previous.some((e) => e.type === 'ledgerRefused' && e.milestone === 'arrival')) return [];
  return [{ entryId: `${caseId}/arrival/deduction`, milestone: 'arrival', points: ladderSpecFor(input.policy, 'arrival', input.notice.level).points, at: deduction.at }];
}

const PREVIOUS_STATUS_LABEL: Record<NonNullable<EscalatedVisitInput['reregistration']>['previousStatus'], string> = { FAILED: '运行失败', TERMINATED: '被终止', TIMED_OUT: '运行超时' };

/**
 * The first timeline entries, dated at registration: the case is registered and its alert queued. A notice registered
 * again after a failed or terminated run keeps that run's recorded entries first, then says so.
 */
export function openingTimeline(input: EscalatedVisitInput, registeredAt: number): TimelineEntry[] {
  const at = iso(registeredAt);
  const deadline = deadlineFor(input.policy, 'arrival', input.notice.level, Date.parse(input.notice.receivedAt));
  const previous = input.reregistration;
  const before: TimelineEntry[] = previous
    ? [
        ...previous.timeline,
        {
          seq: previous.timeline.length + 1,
          type: 'reregistered',
          actor: input.actor,
          at,
          reason: `前次办理${PREVIOUS_STATUS_LABEL[previous.previousStatus]}，通知重新登记，各期限仍按原通知时间计算`,
          detail: { previousRunId: previous.previousRunId, previousStatus: previous.previousStatus },
        },
      ]
    : [];
  const n = before.length;
  return [
    ...before,
    { seq: n + 1, type: 'registered', milestone: 'arrival', actor: input.actor, at, detail: { policyVersion: input.policy.version, deadline: iso(deadline), receivedAt: iso(Date.parse(input.notice.receivedAt)) } },
    { seq: n + 2, type: 'alert', milestone: 'arrival', actor: SYSTEM_ACTOR, at },
  ];
}

/** The view the workflow holds once its first task has run: what a create answers. */
export function openingView(caseId: string, input: EscalatedVisitInput, registeredAt: number): CaseView {
  const facts = openingFacts(input, registeredAt);
  return caseViewOf(
    {
      caseId,
      input,
      unit: input.unit,
      status: 'open',
      milestone: 'arrival',
      facts,
      arrival: null,
      explanation: { status: 'none', milestone: null },
      closureReport: null,
      deductions: openingDeductions(input, facts, caseId),
      waitingFor: null,
      timeline: openingTimeline(input, registeredAt),
    },
    registeredAt,
  );
}
