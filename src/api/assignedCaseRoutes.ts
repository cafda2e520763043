// The HTTP side of assigned cases (交办): intake, its own actions (the common ones — explanation, decision, cancel,
// reassignment — take any duty's case), its view's shape, and its deadline preview.
import { z } from 'zod';
import { COLOURS } from '../colour.js';
import {
  assignedOpening,
  assignedPlan,
  assignmentSchema,
  deadlineRecordOf,
  handlingDeadline,
  decideAcceptanceSchema,
  decideAcceptanceUpdate,
  extendHandlingSchema,
  extendHandlingUpdate,
  pauseClockSchema,
  pauseClockUpdate,
  reportProgressSchema,
  reportProgressUpdate,
  requestReviewSchema,
  requestReviewUpdate,
  resumeClockSchema,
  resumeClockUpdate,
  submitOpinionSchema,
  submitOpinionUpdate,
  submitReplySchema,
  submitReplyUpdate,
} from '../duties/assignedCase.js';
import { assignedCaseInput, validateAssignment } from '../duties/intake.js';
import type { Directory } from '../directory.js';
import type { Policy } from '../policy.js';
import type { HolidayCalendar } from '../deadlines/calendar.js';
import { SYSTEM_ACTOR } from '../domain.js';

const at = z.string().describe('UTC ISO 8601');
const actorOut = z.object({ id: z.string(), role: z.string() });
const timelineEntry = z.object({ seq: z.number(), at, type: z.string(), milestone: z.string().optional(), actor: actorOut, reason: z.string().optional(), dueAt: at.optional(), detail: z.record(z.union([z.string(), z.number(), z.boolean()])).optional() });
const opinion = z.object({ requestedAt: at, opinion: z.string().nullable(), opinionAt: at.nullable() }).nullable();

/** AssignedCaseView (src/duties/assignedCase.ts) as the API answers it: every field, so nothing is dropped. */
export const assignedCaseSchema = z
  .object({
    caseId: z.string(),
    kind: z.literal('assignedCase'),
    assignment: z.object({
      assignmentId: z.string(),
      sourceLevel: z.string(),
      assigningBody: z.string(),
      referenceNumber: z.string(),
      receivedAt: z.string(),
      unitId: z.string(),
      leaderId: z.string(),
      team: z.array(z.string()),
      plan: z.string(),
      matterSummary: z.string(),
      listed: z.boolean(),
      signatures: z.number(),
    }),
    unit: z.object({ id: z.string(), name: z.string(), leaders: z.array(z.object({ id: z.string(), role: z.string() })) }),
    policyVersion: z.string(),
    calendarVersion: z.string(),
    status: z.enum(['open', 'closed', 'cancelled']),
    stage: z.string(),
    phase: z.string().nullable(),
    milestone: z.string().nullable(),
    deadline: at.nullable().describe("the current milestone's deadline; null in the petitioner's windows, while paused, or when over"),
    overdue: z.boolean(),
    colour: z.enum(COLOURS).nullable(),
    yellowFrom: at.nullable(),
    priority: z.enum(['normal', 'high']),
    acceptance: z.object({ decision: z.string(), decidedAt: at, writtenNoticeAt: at, onTime: z.boolean() }).nullable(),
    handling: z
      .object({
        acceptedAt: at,
        budgetDays: z.number(),
        extensionDays: z.number(),
        pausedDays: z.number(),
        pauses: z.array(z.object({ pauseKind: z.string(), reason: z.string(), approverId: z.string(), from: at, to: at.nullable() })),
        extensions: z.array(z.object({ days: z.number(), reason: z.string(), approverId: z.string(), petitionerNotifiedAt: at, at })),
        lastProgressAt: at.nullable(),
      })
      .nullable(),
    reply: z.object({ result: z.string(), repliedAt: at, writtenReplyAt: at, onTime: z.boolean() }).nullable(),
    review: opinion,
    reexamination: opinion,
    window: z.object({ kind: z.string(), endsAt: at }).nullable(),
    deadlines: z.array(z.object({ milestone: z.string(), deadline: at, rule: z.string(), calendarVersion: z.string(), calendarDataMissing: z.boolean(), note: z.string() })),
    explanation: z.object({ status: z.enum(['none', 'pending', 'accepted', 'rejected']), milestone: z.string().nullable(), text: z.string().optional(), reason: z.string().optional() }),
    deductions: z.array(z.object({ entryId: z.string(), milestone: z.string(), points: z.number(), at })),
    waitingFor: z.object({ key: z.string(), kind: z.string(), dueAt: at }).nullable(),
    deductionHeld: z.boolean(),
    timeline: z.array(timelineEntry),
  })
  .describe('AssignedCaseView: 交办案件 — statutory deadlines with their rule and calendar, pauses, extensions, reply, 复查/复核');

/** Its own updates; bodies are the workflow's schemas without `actor` (the actor comes from the key). */
export const ASSIGNED_CASE_ACTION_ROUTES = [
  { path: 'acceptance', action: 'dutyReport', body: decideAcceptanceSchema.omit({ actor: true }), update: decideAcceptanceUpdate },
  { path: 'progress', action: 'dutyReport', body: reportProgressSchema.omit({ actor: true }), update: reportProgressUpdate },
  { path: 'reply', action: 'dutyReport', body: submitReplySchema.omit({ actor: true }), update: submitReplyUpdate },
  { path: 'opinion', action: 'dutyReport', body: submitOpinionSchema.omit({ actor: true }), update: submitOpinionUpdate },
  { path: 'pause', action: 'dutyClock', body: pauseClockSchema.omit({ actor: true }), update: pauseClockUpdate },
  { path: 'resumption', action: 'dutyClock', body: resumeClockSchema.omit({ actor: true }), update: resumeClockUpdate },
  { path: 'handling-extension', action: 'dutyClock', body: extendHandlingSchema.omit({ actor: true }), update: extendHandlingUpdate },
  { path: 'review-request', action: 'dutyClock', body: requestReviewSchema.omit({ actor: true }), update: requestReviewUpdate },
] as const;

export { assignmentSchema };

/** `POST /policy/preview` for an assigned case: what the acceptance limit and its ladder would be for a receipt. */
export const assignedPreviewBodySchema = z.object({ kind: z.literal('assignedCase'), receivedAt: z.string().datetime({ offset: true, message: 'must be an ISO 8601 time with an offset, e.g. 2026-11-25T09:30:00+08:00' }) }).strict();

export const assignedPreviewSchema = z.object({
  kind: z.literal('assignedCase'),
  policyVersion: z.string(),
  deadlines: z.array(z.object({ milestone: z.string(), deadline: at, rule: z.string(), calendarVersion: z.string(), calendarDataMissing: z.boolean(), note: z.string() })),
  steps: z.array(z.object({ milestone: z.string(), kind: z.string(), dueAt: at })),
});

/**
 * Every deadline an assignment received at `receivedAt` would get if each milestone were met at its limit (the
 * handling limit counted from the acceptance limit), with the acceptance ladder's steps, by the same pure code.
 */
export function previewAssignedCase(receivedAt: string, deps: { policy: Policy; directory: Directory; calendar: HolidayCalendar }): z.infer<typeof assignedPreviewSchema> {
  const unit = deps.directory.units[0]!;
  const leader = unit.people.find((p) => p.role === 'principal' || p.role === 'inCharge')!;
  const assignment = validateAssignment(
    { assignmentId: 'preview', sourceLevel: 'district', assigningBody: '预览', referenceNumber: '预览', receivedAt, unitId: unit.id, leaderId: leader.id, team: ['预览'], plan: '预览', matterSummary: '预览' },
    deps.directory,
    Number.MAX_SAFE_INTEGER,
  );
  const input = assignedCaseInput(assignment, { ...deps, actor: SYSTEM_ACTOR }, new Date(receivedAt).toISOString());
  const opening = assignedOpening('assignedCase:preview', input);
  const acceptance = opening.deadlines[0]!;
  // The latest the handling limit can fall without an extension or a pause: counted from the acceptance limit.
  // Accepted in the last moment of its limit's day (the limit itself is 24:00, i.e. the next day's start).
  const lastMoment = new Date(Date.parse(acceptance.deadline) - 1).toISOString();
  // The pinned calendar covers the receipt's year and the next, which every limit counted from it reaches.
  const handling = deadlineRecordOf('handling', handlingDeadline(input.policy, lastMoment, 0, [], input.calendar));
  return {
    kind: 'assignedCase',
    policyVersion: deps.policy.version,
    deadlines: [acceptance, handling],
    steps: assignedPlan(input.policy, opening.facts).steps.map((s) => ({ milestone: s.milestone, kind: s.kind, dueAt: new Date(s.dueAt).toISOString() })),
  };
}
