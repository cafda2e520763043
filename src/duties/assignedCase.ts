// 交办案件: a case assigned from a higher level, handled under the statutory limits the office owes the petitioner
// (信访工作条例 2022: acceptance decision ≤ 15 days of receipt, handling ≤ 60 days of acceptance, extension ≤ 30 days
// with approval, 复查/复核 requested ≤ 30 days of the reply and answered ≤ 30 days). Pure: the workflow, the API, the
// CLI and the tests share its schemas, messages, deadlines and view.
import { defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { ACTOR_ROLES, MILESTONE_LABEL, SYSTEM_ACTOR, type Actor, type ExplanationStatus, type Milestone, type Stage, type StepKind } from '../domain.js';
import type { UnitSnapshot } from '../directory.js';
import { colourOf, type Colour } from '../colour.js';
import { dutyRecordOf, type CaseRecord } from '../caseRecord.js';
import { parseDuration } from '../duration.js';
import { planLadder, type MilestoneFacts, type MilestonePlan } from '../ladder.js';
import { toIso as iso } from '../time.js';
import { addDays, beijingDay, dayNumber, type HolidayCalendar } from '../deadlines/calendar.js';
import { computeDeadline, type ComputedDeadline } from '../deadlines/rules.js';
import type { AssignedCasePolicy, MilestoneLadder } from '../policy.js';

export type { AssignedCasePolicy, MilestoneLadder } from '../policy.js';
import type { CaseAck, TimelineEntry } from '../messages.js';

export const ASSIGNED_CASE_KIND = 'assignedCase';
export const ASSIGNED_CASE_ID_PREFIX = 'assignedCase:';

export function caseIdForAssignment(assignmentId: string): string {
  return `${ASSIGNED_CASE_ID_PREFIX}${assignmentId}`;
}

/** 中央、市、区交办. */
export const SOURCE_LEVELS = ['central', 'city', 'district'] as const;
export type SourceLevel = (typeof SOURCE_LEVELS)[number];
export const SOURCE_LEVEL_LABEL: Record<SourceLevel, string> = { central: '中央交办', city: '市交办', district: '区交办' };

/** 听证、鉴定: the time they take is not counted in the handling limit. */
export const PAUSE_KINDS = ['hearing', 'appraisal'] as const;
export type PauseKind = (typeof PAUSE_KINDS)[number];
export const PAUSE_LABEL: Record<PauseKind, string> = { hearing: '听证', appraisal: '鉴定' };

/** A joint letter signed by this many or more is a priority (联名信). */
export const JOINT_LETTER_SIGNATURES = 50;

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1–64 letters, digits, dot, dash or underscore');
const instant = z.string().datetime({ offset: true, message: 'must be an ISO 8601 time with an offset, e.g. 2026-11-25T09:30:00+08:00' });
const text = (max: number) => z.string().trim().min(1, 'is required').max(max);
const actorSchema = z.object({ id: z.string().min(1).max(100), role: z.enum(ACTOR_ROLES) }).strict();

/** What an intake system sends: the assignment and the unit's 五个一 — no petitioner's personal data. */
export const assignmentSchema = z
  .object({
    /** The assignment's ID in duban (the case is assignedCase:<assignmentId>). */
    assignmentId: id,
    sourceLevel: z.enum(SOURCE_LEVELS),
    /** 交办机关, e.g. 国家信访局. */
    assigningBody: text(200),
    /** 交办文号. */
    referenceNumber: text(100),
    /** When the office received the assignment (the acceptance limit counts from it). */
    receivedAt: instant,
    unitId: id,
    /** 包案领导: a principal leader or leader in charge of the unit. */
    leaderId: id,
    /** 工作专班: the officials on the case (names or IDs), at least one. */
    team: z.array(text(100)).min(1, 'needs at least one member').max(30),
    /** 化解方案 in brief. */
    plan: text(2000),
    /** The matter in brief (no names, IDs or addresses of the petitioner). */
    matterSummary: text(500),
    /** 挂牌督办. */
    listed: z.boolean().default(false),
    /** Signatures of a joint letter (1 for a single petitioner). */
    signatures: z.number().int().min(1).max(100_000).default(1),
  })
  .strict();
export type Assignment = z.infer<typeof assignmentSchema>;

export interface AssignedCaseInput {
  assignment: Assignment;
  policy: AssignedCasePolicy;
  /** The whole policy's version (config/policy.json). */
  policyVersion: string;
  /** The holiday calendar pinned at start, sliced to the years the case can reach. */
  calendar: HolidayCalendar;
  unit: UnitSnapshot;
  actor: Actor;
  /** When the API registered the case (UTC ISO, its clock). */
  registeredAt: string;
}

// Updates of an assigned case: each names who acts; the API sets actor from the caller's key.
export const decideAcceptanceSchema = z
  .object({
    decision: z.enum(['accepted', 'notAccepted']),
    /** When the written notice (受理告知书 / 不予受理告知书) went to the petitioner. */
    writtenNoticeAt: instant,
    reason: text(1000).optional(),
    actor: actorSchema,
  })
  .strict();
export const pauseClockSchema = z.object({ pauseKind: z.enum(PAUSE_KINDS), reason: text(1000), approverId: id, actor: actorSchema }).strict();
export const resumeClockSchema = z.object({ note: z.string().max(1000).optional(), actor: actorSchema }).strict();
export const extendHandlingSchema = z
  .object({
    days: z.number().int().min(1, 'must be at least 1 day').max(365),
    reason: text(1000),
    approverId: id,
    /** When the written notice of the extension went to the petitioner. */
    petitionerNotifiedAt: instant,
    actor: actorSchema,
  })
  .strict();
export const reportProgressSchema = z.object({ text: text(5000), actor: actorSchema }).strict();
export const submitReplySchema = z.object({ result: text(10_000), /** When the written reply (答复意见书) went to the petitioner. */ writtenReplyAt: instant, actor: actorSchema }).strict();
export const requestReviewSchema = z.object({ requestedAt: instant, actor: actorSchema }).strict();
export const submitOpinionSchema = z.object({ opinion: text(10_000), writtenOpinionAt: instant, actor: actorSchema }).strict();

/** A corrected holiday calendar (sliced to the case's years) sent to an open case by `POST /calendar/replan`. */
export const correctCalendarSchema = z
  .object({
    calendar: z
      .object({
        version: z.string().min(1).max(200),
        years: z.array(z.number().int().min(2000).max(2200)).max(20),
        holidays: z.record(z.string().regex(/^\d{4}-\d{2}-\d{2}$/), z.string().max(50)),
        workdays: z.record(z.string().regex(/^\d{4}-\d{2}-\d{2}$/), z.string().max(50)),
      })
      .strict(),
    actor: actorSchema,
  })
  .strict();
export type CorrectCalendarInput = z.infer<typeof correctCalendarSchema>;

export type DecideAcceptanceInput = z.infer<typeof decideAcceptanceSchema>;
export type PauseClockInput = z.infer<typeof pauseClockSchema>;
export type ResumeClockInput = z.infer<typeof resumeClockSchema>;
export type ExtendHandlingInput = z.infer<typeof extendHandlingSchema>;
export type ReportProgressInput = z.infer<typeof reportProgressSchema>;
export type SubmitReplyInput = z.infer<typeof submitReplySchema>;
export type RequestReviewInput = z.infer<typeof requestReviewSchema>;
export type SubmitOpinionInput = z.infer<typeof submitOpinionSchema>;

export const decideAcceptanceUpdate = defineUpdate<CaseAck, [DecideAcceptanceInput]>('decideAcceptance');
export const pauseClockUpdate = defineUpdate<CaseAck, [PauseClockInput]>('pauseClock');
export const resumeClockUpdate = defineUpdate<CaseAck, [ResumeClockInput]>('resumeClock');
export const extendHandlingUpdate = defineUpdate<CaseAck, [ExtendHandlingInput]>('extendHandling');
export const reportProgressUpdate = defineUpdate<CaseAck, [ReportProgressInput]>('reportProgress');
export const submitReplyUpdate = defineUpdate<CaseAck, [SubmitReplyInput]>('submitReply');
/** 复查 or 复核 requested, by the petitioner through the office (which records it). */
export const requestReviewUpdate = defineUpdate<CaseAck, [RequestReviewInput]>('requestReview');
/** The 复查 or 复核 opinion. */
export const submitOpinionUpdate = defineUpdate<CaseAck, [SubmitOpinionInput]>('submitOpinion');
/** A corrected holiday calendar: the running deadline (or the petitioner's window) is counted again over it. */
export const correctCalendarUpdate = defineUpdate<CaseAck, [CorrectCalendarInput]>('correctCalendar');

/** Where an assigned case stands: the milestones with a deadline, and the petitioner's windows (no duty then). */
export type AssignedCasePhase = 'acceptance' | 'handling' | 'reviewWindow' | 'review' | 'reexaminationWindow' | 'reexamination';

export interface Pause {
  pauseKind: PauseKind;
  reason: string;
  approverId: string;
  from: string;
  to: string | null;
}

export interface Extension {
  days: number;
  reason: string;
  approverId: string;
  petitionerNotifiedAt: string;
  at: string;
}

/** A deadline as it was set: the rule, the calendar and its result (recorded with every deadline). */
export interface DeadlineRecord {
  milestone: Milestone;
  deadline: string;
  rule: string;
  calendarVersion: string;
  calendarDataMissing: boolean;
  note: string;
}

export interface AssignedCaseView {
  caseId: string;
  kind: 'assignedCase';
  assignment: Assignment;
  unit: UnitSnapshot;
  policyVersion: string;
  calendarVersion: string;
  status: 'open' | 'closed' | 'cancelled';
  stage: Stage;
  phase: AssignedCasePhase | null;
  milestone: Milestone | null;
  /** The current milestone's deadline (UTC ISO); null in the petitioner's windows, while the clock is paused, or when over. */
  deadline: string | null;
  overdue: boolean;
  colour: Colour | null;
  yellowFrom: string | null;
  /** 挂牌督办 or a joint letter of 50 or more: the district leaders are told of every step. */
  priority: 'normal' | 'high';
  acceptance: { decision: 'accepted' | 'notAccepted'; decidedAt: string; writtenNoticeAt: string; onTime: boolean } | null;
  handling: { acceptedAt: string; budgetDays: number; extensionDays: number; pausedDays: number; pauses: Pause[]; extensions: Extension[]; lastProgressAt: string | null } | null;
  reply: { result: string; repliedAt: string; writtenReplyAt: string; onTime: boolean } | null;
  review: { requestedAt: string; opinion: string | null; opinionAt: string | null } | null;
  reexamination: { requestedAt: string; opinion: string | null; opinionAt: string | null } | null;
  /** The petitioner's window for 复查 / 复核: when it ends (the case closes then unless a request is recorded). */
  window: { kind: 'review' | 'reexamination'; endsAt: string } | null;
  /** Every deadline set so far, in order. */
  deadlines: DeadlineRecord[];
  explanation: { status: ExplanationStatus; milestone: Milestone | null; text?: string; reason?: string };
  deductions: { entryId: string; milestone: Milestone; points: number; at: string }[];
  waitingFor: { key: string; kind: StepKind; dueAt: string } | null;
  deductionHeld: boolean;
  timeline: TimelineEntry[];
}

export function isHighPriority(a: Pick<Assignment, 'listed' | 'signatures'>): boolean {
  return a.listed || a.signatures >= JOINT_LETTER_SIGNATURES;
}

export function priorityReasons(a: Pick<Assignment, 'listed' | 'signatures'>): string[] {
  return [...(a.listed ? ['挂牌督办'] : []), ...(a.signatures >= JOINT_LETTER_SIGNATURES ? [`联名信（${a.signatures}人签名）`] : [])];
}

/** Whole Beijing days a pause stopped the clock: from its day to the day it ended (a pause within one day: 0). */
export function pausedDays(pauses: readonly Pick<Pause, 'from' | 'to'>[]): number {
  let days = 0;
  for (const p of pauses) if (p.to !== null) days += Math.max(0, dayNumber(beijingDay(p.to)) - dayNumber(beijingDay(p.from)));
  return days;
}

/** The acceptance decision's deadline: calendar days from receipt, counted as the law counts them. */
export function acceptanceDeadline(policy: AssignedCasePolicy, receivedAt: string, calendar: HolidayCalendar): ComputedDeadline {
  return computeDeadline({ rule: 'calendarDays', days: policy.acceptance.days, weekendLastDayMoves: policy.weekendLastDayMoves }, receivedAt, calendar);
}

/**
 * The handling deadline: the budget (60 days), the approved extensions and the days the clock stood still, all
 * counted from acceptance as one period — derived from what is recorded, never set by hand.
 */
export function handlingDeadline(policy: AssignedCasePolicy, acceptedAt: string, extensionDays: number, pauses: readonly Pick<Pause, 'from' | 'to'>[], calendar: HolidayCalendar): ComputedDeadline {
  return computeDeadline({ rule: 'calendarDays', days: policy.handling.days + extensionDays + pausedDays(pauses), weekendLastDayMoves: policy.weekendLastDayMoves }, acceptedAt, calendar);
}

/** A 复查 / 复核 opinion's deadline, from the request. */
export function opinionDeadline(policy: AssignedCasePolicy, milestone: 'review' | 'reexamination', requestedAt: string, calendar: HolidayCalendar): ComputedDeadline {
  return computeDeadline({ rule: 'calendarDays', days: policy[milestone].days, weekendLastDayMoves: policy.weekendLastDayMoves }, requestedAt, calendar);
}

/** The end of the petitioner's window to request 复查 / 复核, from the reply or the 复查 opinion. */
export function requestWindowEnd(policy: AssignedCasePolicy, milestone: 'review' | 'reexamination', from: string, calendar: HolidayCalendar): ComputedDeadline {
  return computeDeadline({ rule: 'calendarDays', days: policy[milestone].requestWindowDays, weekendLastDayMoves: policy.weekendLastDayMoves }, from, calendar);
}

export function deadlineRecordOf(milestone: Milestone, computed: ComputedDeadline): DeadlineRecord {
  return { milestone, deadline: computed.deadline, rule: computed.rule.rule, calendarVersion: computed.calendarVersion, calendarDataMissing: computed.calendarDataMissing, note: computed.note };
}

/** The years a case received at `receivedAt` can reach (a year and a half of statutory periods): pinned with it. */
export function calendarYearsFor(receivedAt: string): [number, number] {
  const year = Number(beijingDay(receivedAt).slice(0, 4));
  return [year, year + 1];
}

/** The progress report due after the last one (or acceptance), at 24:00 Beijing of its day. */
export function progressDueAt(policy: AssignedCasePolicy, since: string): string {
  return `${addDays(beijingDay(since), policy.progressEveryDays)}T16:00:00.000Z`;
}

export const ASSIGNED_MILESTONE_TEXT: Partial<Record<Milestone, string>> = {
  acceptance: `${MILESTONE_LABEL.acceptance}（作出是否受理决定并书面告知）`,
  handling: `${MILESTONE_LABEL.handling}（办结并出具书面答复意见）`,
  review: `${MILESTONE_LABEL.review}（出具复查意见）`,
  reexamination: `${MILESTONE_LABEL.reexamination}（出具复核意见）`,
};

/** The ladder of a milestone of an assigned case. */
export function assignedLadder(policy: AssignedCasePolicy, milestone: Milestone): MilestoneLadder {
  switch (milestone) {
    case 'acceptance':
      return policy.acceptance.ladder;
    case 'review':
      return policy.review.ladder;
    case 'reexamination':
      return policy.reexamination.ladder;
    default:
      return policy.handling.ladder;
  }
}

/** Everything an assigned case's view is made of; the workflow keeps these as its state. */
export interface AssignedCaseParts {
  caseId: string;
  input: AssignedCaseInput;
  unit: UnitSnapshot;
  status: AssignedCaseView['status'];
  phase: AssignedCasePhase;
  milestone: Milestone;
  facts: MilestoneFacts;
  acceptance: AssignedCaseView['acceptance'];
  handling: AssignedCaseView['handling'];
  reply: AssignedCaseView['reply'];
  review: AssignedCaseView['review'];
  reexamination: AssignedCaseView['reexamination'];
  window: AssignedCaseView['window'];
  deadlines: DeadlineRecord[];
  explanation: AssignedCaseView['explanation'];
  deductions: AssignedCaseView['deductions'];
  waitingFor: AssignedCaseView['waitingFor'];
  timeline: TimelineEntry[];
}

/** The clock stands still: a pause without its end. */
export function isPaused(p: Pick<AssignedCaseParts, 'phase' | 'handling'>): boolean {
  return p.phase === 'handling' && (p.handling?.pauses.some((x) => x.to === null) ?? false);
}

/** A deadline runs: a milestone of the office's (not the petitioner's window), its clock not paused. */
export function deadlineRuns(p: Pick<AssignedCaseParts, 'status' | 'phase' | 'handling'>): boolean {
  return p.status === 'open' && p.phase !== 'reviewWindow' && p.phase !== 'reexaminationWindow' && !isPaused(p);
}

export function assignedPlan(policy: AssignedCasePolicy, facts: MilestoneFacts): MilestonePlan {
  return planLadder(assignedLadder(policy, facts.milestone), facts);
}

export function assignedStage(p: Pick<AssignedCaseParts, 'status' | 'phase' | 'handling' | 'milestone' | 'facts'>): Stage {
  if (p.status !== 'open') return p.status;
  if (p.phase === 'reviewWindow' || p.phase === 'reexaminationWindow') return p.phase;
  if (isPaused(p)) return 'paused';
  const d = p.facts.done;
  for (const kind of ['deduction', 'supervise', 'urge'] as const) if (d[`${p.milestone}.${kind}`] !== undefined) return `${p.milestone}.${kind}`;
  return `${p.milestone}.pending`;
}

export function assignedYellowFrom(policy: AssignedCasePolicy, milestone: Milestone, deadline: number): number {
  return deadline - parseDuration(assignedLadder(policy, milestone).yellowWindow);
}

export function assignedCaseViewOf(p: AssignedCaseParts, now: number): AssignedCaseView {
  const runs = deadlineRuns(p);
  const yellow = assignedYellowFrom(p.input.policy, p.milestone, p.facts.deadline);
  return {
    caseId: p.caseId,
    kind: 'assignedCase',
    assignment: p.input.assignment,
    unit: p.unit,
    policyVersion: p.input.policyVersion,
    calendarVersion: p.input.calendar.version,
    status: p.status,
    stage: assignedStage(p),
    phase: p.status === 'open' ? p.phase : null,
    milestone: p.status === 'open' ? p.milestone : null,
    deadline: runs ? iso(p.facts.deadline) : null,
    overdue: runs && now > p.facts.deadline,
    colour: runs ? colourOf(p.facts.deadline, yellow, now) : null,
    yellowFrom: runs ? iso(yellow) : null,
    priority: isHighPriority(p.input.assignment) ? 'high' : 'normal',
    acceptance: p.acceptance,
    handling: p.handling,
    reply: p.reply,
    review: p.review,
    reexamination: p.reexamination,
    window: p.status === 'open' ? p.window : null,
    deadlines: p.deadlines,
    explanation: p.explanation,
    deductions: p.deductions,
    waitingFor: p.waitingFor,
    deductionHeld: runs && assignedPlan(p.input.policy, p.facts).deductionHeld,
    timeline: p.timeline,
  };
}

/** The 'deadlineSet' entry of a computed deadline: the rule, the calendar version, and "节假日数据缺失" when it was. */
export function deadlineEntry(milestone: Milestone, computed: ComputedDeadline, at: string, seq: number): TimelineEntry {
  return {
    seq,
    type: 'deadlineSet',
    at,
    milestone,
    actor: SYSTEM_ACTOR,
    reason: computed.note,
    detail: { deadline: computed.deadline, rule: computed.rule.rule, calendarVersion: computed.calendarVersion, calendarDataMissing: computed.calendarDataMissing },
  };
}

/** The case at registration: the acceptance milestone, its deadline and the first entries (what a create answers). */
export function assignedOpening(caseId: string, input: AssignedCaseInput): AssignedCaseParts {
  const { assignment, policy, calendar, registeredAt } = input;
  const registered = Date.parse(registeredAt);
  const computed = acceptanceDeadline(policy, assignment.receivedAt, calendar);
  const deadline = Date.parse(computed.deadline);
  const at = iso(registered);
  return {
    caseId,
    input,
    unit: input.unit,
    status: 'open',
    phase: 'acceptance',
    milestone: 'acceptance',
    facts: { milestone: 'acceptance', startedAt: Date.parse(assignment.receivedAt), registeredAt: registered, deadline, deadlineSetAt: registered, explanation: 'none', done: {} },
    acceptance: null,
    handling: null,
    reply: null,
    review: null,
    reexamination: null,
    window: null,
    deadlines: [deadlineRecordOf('acceptance', computed)],
    explanation: { status: 'none', milestone: null },
    deductions: [],
    waitingFor: null,
    timeline: [
      {
        seq: 1,
        type: 'registered',
        milestone: 'acceptance',
        actor: input.actor,
        at,
        detail: { policyVersion: input.policyVersion, deadline: computed.deadline, receivedAt: iso(Date.parse(assignment.receivedAt)), priority: isHighPriority(assignment) ? 'high' : 'normal' },
      },
      deadlineEntry('acceptance', computed, at, 2),
      { seq: 3, type: 'alert', milestone: 'acceptance', actor: SYSTEM_ACTOR, at },
    ],
  };
}

export function assignedCaseOpeningView(caseId: string, input: AssignedCaseInput): AssignedCaseView {
  return assignedCaseViewOf(assignedOpening(caseId, input), Date.parse(input.registeredAt));
}

/** The store of record's row of an assigned case (src/caseRecord.ts has the visit's). */
export function assignedCaseRecordOf(view: AssignedCaseView, fromSeq: number, withView: boolean): CaseRecord {
  return dutyRecordOf(view, view.assignment.receivedAt, fromSeq, withView);
}
