// A case's view, and what it is at the moment it is registered: pure, shared by the workflow and the API, so the API
// can answer a create with the very view the workflow holds after its first task, without waiting for a worker.
import { SYSTEM_ACTOR, type Milestone, type Stage } from './domain.js';
import { deadlineFor, plan, type MilestoneFacts } from './ladder.js';
import type { CaseView, EscalatedVisitInput, TimelineEntry } from './messages.js';
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
    arrival: p.arrival,
    explanation: p.explanation,
    closureReport: p.closureReport,
    deductions: p.deductions,
    waitingFor: p.waitingFor,
    deductionHeld: open && plan(p.input.policy, p.facts).deductionHeld,
    timeline: p.timeline,
  };
}

/** The arrival milestone's facts at registration. */
export function openingFacts(input: EscalatedVisitInput, registeredAt: number): MilestoneFacts {
  const receivedAt = Date.parse(input.notice.receivedAt);
  return {
    milestone: 'arrival',
    level: input.notice.level,
    startedAt: receivedAt,
    registeredAt,
    deadline: deadlineFor(input.policy, 'arrival', input.notice.level, receivedAt),
    deadlineSetAt: registeredAt,
    explanation: 'none',
    done: {},
  };
}

/** The first two timeline entries, both dated at registration: the case is registered and its alert queued. */
export function openingTimeline(input: EscalatedVisitInput, facts: MilestoneFacts): TimelineEntry[] {
  const at = iso(facts.registeredAt);
  return [
    { seq: 1, type: 'registered', milestone: 'arrival', actor: input.actor, at, detail: { policyVersion: input.policy.version, deadline: iso(facts.deadline), receivedAt: iso(facts.startedAt) } },
    { seq: 2, type: 'alert', milestone: 'arrival', actor: SYSTEM_ACTOR, at },
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
      deductions: [],
      waitingFor: null,
      timeline: openingTimeline(input, facts),
    },
    registeredAt,
  );
}
