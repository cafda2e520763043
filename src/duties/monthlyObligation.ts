// 月度工作: every unit's monthly duties (源文件 二(一) 矛盾纠纷排查月报 with its file; 七 领导班子每月研究信访工作, a
// record of the meeting), each a case per unit and month with one milestone, due by the policy's day of the next month,
// on the same ladder as every duty. Pure: the workflow, the API, the CLI and the tests share it.
import { defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { ACTOR_ROLES, MILESTONE_LABEL, SYSTEM_ACTOR, type Actor, type ExplanationStatus, type Milestone, type Stage, type StepKind } from '../domain.js';
import type { UnitSnapshot } from '../directory.js';
import { colourOf, type Colour } from '../colour.js';
import { dutyRecordOf, type CaseRecord } from '../caseRecord.js';
import { parseDuration } from '../duration.js';
import { planLadder, type MilestoneFacts, type MilestonePlan } from '../ladder.js';
import { toIso as iso } from '../time.js';
import type { HolidayCalendar } from '../deadlines/calendar.js';
import type { ComputedDeadline, DeadlineRule } from '../deadlines/rules.js';
import type { MonthlyObligationPolicy } from '../policy.js';
import type { CaseAck, TimelineEntry } from '../messages.js';
import { deadlineEntry, deadlineRecordOf, type DeadlineRecord } from './assignedCase.js';
import { MONTHLY_OBLIGATIONS, PERIOD_PATTERN, monthlyCaseKey, monthlyDueDate, type MonthlyObligation } from './monthlyPeriod.js';

export { MONTHLY_OBLIGATIONS, type MonthlyObligation } from './monthlyPeriod.js';
export type { MonthlyObligationPolicy } from '../policy.js';

export const MONTHLY_OBLIGATION_KIND = 'monthlyObligation';
export const MONTHLY_ID_PREFIX = 'monthlyObligation:';
export const OBLIGATION_LABEL: Record<MonthlyObligation, string> = { disputeScreening: MILESTONE_LABEL.disputeScreening, leadershipStudy: MILESTONE_LABEL.leadershipStudy };

export function caseIdForMonthly(unitId: string, obligation: MonthlyObligation, period: string): string {
  return `${MONTHLY_ID_PREFIX}${monthlyCaseKey(unitId, obligation, period)}`;
}

/** '2026-11' → '2026年11月'. */
export function periodLabel(period: string): string {
  const m = PERIOD_PATTERN.exec(period);
  return m ? `${m[1]}年${Number(m[2])}月` : period;
}

export interface MonthlyObligationInput {
  obligation: MonthlyObligation;
  /** The Beijing month the duty is for (YYYY-MM). */
  period: string;
  policy: MonthlyObligationPolicy;
  /** The whole policy's version (config/policy.json). */
  policyVersion: string;
  /** The holiday calendar pinned at start (the due date's year). */
  calendar: HolidayCalendar;
  unit: UnitSnapshot;
  actor: Actor;
  /** When the round opened the case (UTC ISO). */
  registeredAt: string;
}

export function monthlyDueRule(policy: MonthlyObligationPolicy): DeadlineRule {
  return { rule: 'dayOfNextMonth', day: policy.dueDay, holidayLastDayMoves: policy.holidayLastDayMoves, weekendLastDayMoves: policy.weekendLastDayMoves };
}

export function monthlyDue(input: Pick<MonthlyObligationInput, 'policy' | 'period' | 'calendar'>): ComputedDeadline {
  return monthlyDueDate(monthlyDueRule(input.policy), input.period, input.calendar);
}

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1–64 letters, digits, dot, dash or underscore');
const text = (max: number) => z.string().trim().min(1, 'is required').max(max);
const actorSchema = z.object({ id: z.string().min(1).max(100), role: z.enum(ACTOR_ROLES) }).strict();
export const DAY_PATTERN = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** The report's file as the store of record holds it (src/records/monthlyReports.ts); the bytes never enter a workflow. */
export const reportFileSchema = z
  .object({
    fileId: id,
    fileName: z.string().trim().min(1, 'is required').max(200),
    contentType: z.string().min(1).max(200),
    size: z.number().int().min(1),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in lower-case hex'),
  })
  .strict();
export type ReportFile = z.infer<typeof reportFileSchema>;

/** 矛盾纠纷排查月报: what the screening found, with its file. */
export const submitMonthlyReportSchema = z
  .object({ summary: text(5000), disputesFound: z.number().int().min(0).max(100_000), file: reportFileSchema, actor: actorSchema })
  .strict();
/** 领导班子研究信访工作: the meeting's day (Beijing), who attended (people of the unit) and what it studied. */
export const recordLeadershipStudySchema = z
  .object({
    meetingDate: z.string().regex(DAY_PATTERN, 'must be a day YYYY-MM-DD'),
    attendees: z.array(id).min(1, 'at least one attendee').max(50),
    topics: text(5000),
    actor: actorSchema,
  })
  .strict();
export type SubmitMonthlyReportInput = z.infer<typeof submitMonthlyReportSchema>;
export type RecordLeadershipStudyInput = z.infer<typeof recordLeadershipStudySchema>;

export const submitMonthlyReportUpdate = defineUpdate<CaseAck, [SubmitMonthlyReportInput]>('submitMonthlyReport');
export const recordLeadershipStudyUpdate = defineUpdate<CaseAck, [RecordLeadershipStudyInput]>('recordLeadershipStudy');

export interface MonthlyObligationView {
  caseId: string;
  kind: 'monthlyObligation';
  obligation: MonthlyObligation;
  period: string;
  unit: UnitSnapshot;
  policyVersion: string;
  calendarVersion: string;
  status: 'open' | 'closed' | 'cancelled';
  stage: Stage;
  milestone: Milestone | null;
  /** The due date (UTC ISO, 24:00 Beijing of its day); null once the case is over. */
  deadline: string | null;
  overdue: boolean;
  colour: Colour | null;
  yellowFrom: string | null;
  /** The due date as it was set: its rule, calendar version and whether holiday data was missing. */
  due: DeadlineRecord;
  report: { summary: string; disputesFound: number; file: ReportFile; submittedAt: string; onTime: boolean } | null;
  study: { meetingDate: string; attendees: string[]; topics: string; recordedAt: string; onTime: boolean } | null;
  explanation: { status: ExplanationStatus; milestone: Milestone | null; text?: string; reason?: string };
  deductions: { entryId: string; milestone: Milestone; points: number; at: string }[];
  waitingFor: { key: string; kind: StepKind; dueAt: string } | null;
  deductionHeld: boolean;
  timeline: TimelineEntry[];
}

/** Everything its view is made of; the workflow keeps these as its state. */
export interface MonthlyObligationParts {
  caseId: string;
  input: MonthlyObligationInput;
  unit: UnitSnapshot;
  status: MonthlyObligationView['status'];
  milestone: Milestone;
  facts: MilestoneFacts;
  due: DeadlineRecord;
  report: MonthlyObligationView['report'];
  study: MonthlyObligationView['study'];
  explanation: MonthlyObligationView['explanation'];
  deductions: MonthlyObligationView['deductions'];
  waitingFor: MonthlyObligationView['waitingFor'];
  timeline: TimelineEntry[];
}

export function monthlyPlan(policy: MonthlyObligationPolicy, facts: MilestoneFacts): MilestonePlan {
  return planLadder(policy.ladder, facts);
}

export function monthlyStage(p: Pick<MonthlyObligationParts, 'status' | 'milestone' | 'facts'>): Stage {
  if (p.status !== 'open') return p.status;
  for (const kind of ['deduction', 'supervise', 'urge'] as const) if (p.facts.done[`${p.milestone}.${kind}`] !== undefined) return `${p.milestone}.${kind}`;
  return `${p.milestone}.pending`;
}

export function monthlyYellowFrom(policy: MonthlyObligationPolicy, deadline: number): number {
  return deadline - parseDuration(policy.ladder.yellowWindow);
}

export function monthlyViewOf(p: MonthlyObligationParts, now: number): MonthlyObligationView {
  const open = p.status === 'open';
  const yellow = monthlyYellowFrom(p.input.policy, p.facts.deadline);
  return {
    caseId: p.caseId,
    kind: 'monthlyObligation',
    obligation: p.input.obligation,
    period: p.input.period,
    unit: p.unit,
    policyVersion: p.input.policyVersion,
    calendarVersion: p.input.calendar.version,
    status: p.status,
    stage: monthlyStage(p),
    milestone: open ? p.milestone : null,
    deadline: open ? iso(p.facts.deadline) : null,
    overdue: open && now > p.facts.deadline,
    colour: open ? colourOf(p.facts.deadline, yellow, now) : null,
    yellowFrom: open ? iso(yellow) : null,
    due: p.due,
    report: p.report,
    study: p.study,
    explanation: p.explanation,
    deductions: p.deductions,
    waitingFor: p.waitingFor,
    deductionHeld: open && monthlyPlan(p.input.policy, p.facts).deductionHeld,
    timeline: p.timeline,
  };
}

/** The case as the round opens it: its due date and the first entries (registered, deadlineSet, alert). */
export function monthlyOpening(input: MonthlyObligationInput): MonthlyObligationParts {
  const caseId = caseIdForMonthly(input.unit.id, input.obligation, input.period);
  const registered = Date.parse(input.registeredAt);
  const computed = monthlyDue(input);
  const at = iso(registered);
  const milestone: Milestone = input.obligation;
  return {
    caseId,
    input,
    unit: input.unit,
    status: 'open',
    milestone,
    facts: { milestone, startedAt: registered, registeredAt: registered, deadline: Date.parse(computed.deadline), deadlineSetAt: registered, explanation: 'none', done: {} },
    due: deadlineRecordOf(milestone, computed),
    report: null,
    study: null,
    explanation: { status: 'none', milestone: null },
    deductions: [],
    waitingFor: null,
    timeline: [
      { seq: 1, type: 'registered', milestone, actor: input.actor, at, detail: { policyVersion: input.policyVersion, deadline: computed.deadline, period: input.period, obligation: input.obligation } },
      deadlineEntry(milestone, computed, at, 2),
      { seq: 3, type: 'alert', milestone, actor: SYSTEM_ACTOR, at },
    ],
  };
}

export function monthlyOpeningView(input: MonthlyObligationInput): MonthlyObligationView {
  return monthlyViewOf(monthlyOpening(input), Date.parse(input.registeredAt));
}

/** The checks of a leadership study's facts the workflow can make itself: the day inside the period, not ahead. */
export function studyDateProblem(period: string, meetingDate: string, nowMs: number): string | null {
  if (!meetingDate.startsWith(`${period}-`)) return `must be a day of ${period}`;
  const today = new Date(nowMs + 8 * 3_600_000).toISOString().slice(0, 10);
  return meetingDate > today ? 'must not be in the future' : null;
}

/** The store of record's row of a monthly obligation: received when the round opened it. */
export function monthlyRecordOf(view: MonthlyObligationView, fromSeq: number, withView: boolean): CaseRecord {
  return dutyRecordOf(view, view.timeline[0]!.at, fromSeq, withView);
}

export function isMonthlyObligation(o: string): o is MonthlyObligation {
  return (MONTHLY_OBLIGATIONS as readonly string[]).includes(o);
}

/** What a Schedule's round carries: the obligation and the policy pinned when the Schedule was last ensured. */
export interface MonthlyRoundInput {
  obligation: MonthlyObligation;
  policy: MonthlyObligationPolicy;
  policyVersion: string;
  /** A round started by hand names its month; a scheduled one reports the month before its scheduled time. */
  period?: string;
}

/** What a round opens its cases with: the units and the calendar of the due date. */
export interface MonthlyRoundFacts {
  units: UnitSnapshot[];
  calendar: HolidayCalendar;
}

export interface MonthlyRoundResult {
  obligation: MonthlyObligation;
  period: string;
  /** Case IDs started by this round, and those an earlier round of the same month had started. */
  started: string[];
  existing: string[];
}

/** The years a period's due date can reach: its own and the next (December's report is due in January). */
export function monthlyCalendarYears(period: string): [number, number] {
  const year = Number(period.slice(0, 4));
  return [year, year + 1];
}

/** Each unit's case input of a round. */
export function monthlyRoundInputs(round: MonthlyRoundInput, period: string, facts: MonthlyRoundFacts, registeredAt: string): MonthlyObligationInput[] {
  return facts.units.map((unit) => ({ obligation: round.obligation, period, policy: round.policy, policyVersion: round.policyVersion, calendar: facts.calendar, unit, actor: SYSTEM_ACTOR, registeredAt }));
}
