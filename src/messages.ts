// Every message of duban's workflows and its types, in one module: the API and tests import this, never a workflow file.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { ACTOR_ROLES, LEADER_ROLES, LEVELS, MILESTONES, type Actor, type ExplanationStatus, type Level, type Milestone, type Stage, type StepKind } from './domain.js';
import type { UnitSnapshot } from './directory.js';
import { CASE_ID_MESSAGE, CASE_ID_PATTERN } from './duties/registry.js';
import type { Colour } from './colour.js';
import type { Policy } from './policy.js';

/** Tolerated clock difference between a reporting system and the workflow's clock. */
export const CLOCK_SKEW_MS = 60_000;

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1–64 letters, digits, dot, dash or underscore');
const instant = z.string().datetime({ offset: true, message: 'must be an ISO 8601 time with an offset, e.g. 2026-11-25T09:30:00+08:00' });
const reason = z.string().trim().min(1, 'is required').max(1000);

export const actorSchema = z.object({ id: z.string().min(1).max(100), role: z.enum(ACTOR_ROLES) }).strict();

export const noticeSchema = z
  .object({
    noticeId: id,
    level: z.enum(LEVELS),
    receivedAt: instant,
    unitId: id,
    receptionSite: z.string().trim().min(1, 'is required').max(200),
    headcount: z.number().int().min(1).max(100_000),
    matterSummary: z.string().trim().min(1, 'is required').max(500),
  })
  .strict();
export type Notice = z.infer<typeof noticeSchema>;

export interface EscalatedVisitInput {
  notice: Notice;
  /** The policy in force when the case started, pinned for the case's whole life. */
  policy: Policy;
  unit: UnitSnapshot;
  actor: Actor;
  /** When the API started the case (UTC ISO, its clock): the case's registration time and the first entries' time. */
  registeredAt?: string;
  /** Set when the notice is registered again after its case's run failed or was terminated. */
  reregistration?: Reregistration;
}

/** A failed or terminated case registered again: the new run starts over from the notice and continues its timeline. */
export interface Reregistration {
  previousRunId: string;
  /** How the previous run ended, as Temporal reports it. */
  previousStatus: 'FAILED' | 'TERMINATED' | 'TIMED_OUT';
  /** The previous run's timeline as the store of record has it (seq 1 … n). */
  timeline: TimelineEntry[];
}

export const reportArrivalSchema = z.object({ leaderId: id, arrivedAt: instant, note: z.string().max(1000).optional(), actor: actorSchema }).strict();
export const submitExplanationSchema = z.object({ text: z.string().trim().min(1, 'is required').max(5000), actor: actorSchema }).strict();
export const decideExplanationSchema = z.object({ decision: z.enum(['accept', 'reject']), reason, actor: actorSchema }).strict();
export const extendDeadlineSchema = z.object({ newDeadline: instant, reason, actor: actorSchema }).strict();
const unitSnapshotSchema = z.object({ id, name: z.string().min(1).max(200), leaders: z.array(z.object({ id, role: z.enum(LEADER_ROLES) }).strict()).max(50) }).strict();
/** `unit`: the new unit as the API's directory has it (set by the API, never by a caller); without it the worker looks it up. */
export const reassignUnitSchema = z.object({ unitId: id, reason, actor: actorSchema, unit: unitSnapshotSchema.optional() }).strict();
export const cancelSchema = z.object({ reason, actor: actorSchema }).strict();
export const submitClosureReportSchema = z.object({ result: z.string().trim().min(1, 'is required').max(10_000), actor: actorSchema }).strict();

export type ReportArrivalInput = z.infer<typeof reportArrivalSchema>;
export type SubmitExplanationInput = z.infer<typeof submitExplanationSchema>;
export type DecideExplanationInput = z.infer<typeof decideExplanationSchema>;
export type ExtendDeadlineInput = z.infer<typeof extendDeadlineSchema>;
export type ReassignUnitInput = z.infer<typeof reassignUnitSchema>;
export type CancelInput = z.infer<typeof cancelSchema>;
export type SubmitClosureReportInput = z.infer<typeof submitClosureReportSchema>;

export type TimelineType =
  | 'registered'
  | 'alert'
  | StepKind
  | 'arrival'
  | 'explanationSubmitted'
  | 'explanationAccepted'
  | 'explanationRejected'
  | 'deductionCancelled'
  | 'deadlineExtended'
  | 'reassigned'
  | 'cancelled'
  | 'closureReport'
  | 'closed'
  | 'notificationFailed'
  | 'documentFailed'
  | 'notificationDelivered'
  | 'notificationUndelivered'
  /** A numbered 催办单 / 督办单 was issued; detail names the document (documentId, documentNumber). */
  | 'documentIssued'
  /** The ledger refused the deduction (e.g. the unit's year already closed): it could not be entered; supervisors are told. */
  | 'ledgerRefused'
  /** The notice was registered again after the case's previous run failed or was terminated: the timeline continues. */
  | 'reregistered'
  /** A "期限将至" reminder that came due only after its deadline (e.g. no worker ran across it): not sent. */
  | 'reminderSkipped'
  // Assigned cases (src/duties/assignedCase.ts):
  /** A deadline was set from its rule: detail names the rule, the calendar version and whether holiday data was missing. */
  | 'deadlineSet'
  /** 受理 or 不予受理 decided, the written notice to the petitioner recorded. */
  | 'acceptanceDecided'
  /** The clock stopped for a 听证 or 鉴定 (reason, approver), or started again. */
  | 'clockPaused'
  | 'clockResumed'
  | 'progressReported'
  /** No progress report came within the policy's interval: the unit was reminded. */
  | 'progressOverdue'
  /** The written reply (答复意见书) went to the petitioner. */
  | 'replied'
  /** 复查 or 复核 requested by the petitioner (recorded by the office). */
  | 'reviewRequested'
  /** The 复查 or 复核 opinion was given. */
  | 'opinionGiven'
  /** The petitioner's window for 复查 / 复核 ended without a request. */
  | 'windowLapsed'
  /** A corrected holiday calendar reached the case: its running deadline was counted again (reason: before → after). */
  | 'calendarCorrected'
  // Monthly obligations (src/duties/monthlyObligation.ts):
  /** 矛盾纠纷排查月报 submitted with its file (detail: the file's ID, name, size, SHA-256; onTime). */
  | 'monthlyReportSubmitted'
  /** 领导班子研究信访工作 recorded: the meeting's day and attendees (detail), onTime. */
  | 'leadershipStudyRecorded';

export interface TimelineEntry {
  seq: number;
  /** When it happened, UTC ISO. */
  at: string;
  type: TimelineType;
  milestone?: Milestone;
  actor: Actor;
  reason?: string;
  /** For ladder steps: the moment the policy set for it. */
  dueAt?: string;
  detail?: Record<string, string | number | boolean>;
}

export interface CaseView {
  caseId: string;
  kind: 'escalatedVisit';
  notice: Notice;
  unit: UnitSnapshot;
  policyVersion: string;
  status: 'open' | 'closed' | 'cancelled';
  stage: Stage;
  milestone: Milestone | null;
  /** Current milestone's deadline (UTC ISO), null when the case is over. */
  deadline: string | null;
  overdue: boolean;
  /** 三色预警 at the moment the view was made (src/colour.ts); null when the case is over. */
  colour: Colour | null;
  /** When the current milestone turns yellow (UTC ISO; the pinned policy's window before the deadline). */
  yellowFrom: string | null;
  arrival: { leaderId: string; leaderRole: string; arrivedAt: string; onTime: boolean } | null;
  explanation: { status: ExplanationStatus; milestone: Milestone | null; text?: string; reason?: string };
  closureReport: { result: string; reportedAt: string } | null;
  deductions: { entryId: string; milestone: Milestone; points: number; at: string }[];
  /** The step the workflow is waiting for, if any: tests and dashboards read it. */
  waitingFor: { key: string; kind: StepKind; dueAt: string } | null;
  deductionHeld: boolean;
  timeline: TimelineEntry[];
}

/**
 * What an update answers: a small acknowledgement, so a case's history does not grow with the square of its updates.
 * The case itself is read by `caseQuery` (the API does so after each update).
 */
export interface CaseAck {
  /** The timeline's last seq once the update was applied. */
  seq: number;
  status: CaseView['status'];
  stage: Stage;
  /** The current milestone's deadline (UTC ISO), null when the case is over. */
  deadline: string | null;
}

export const reportArrivalUpdate = defineUpdate<CaseAck, [ReportArrivalInput]>('reportArrival');
export const submitExplanationUpdate = defineUpdate<CaseAck, [SubmitExplanationInput]>('submitExplanation');
export const decideExplanationUpdate = defineUpdate<CaseAck, [DecideExplanationInput]>('decideExplanation');
export const extendDeadlineUpdate = defineUpdate<CaseAck, [ExtendDeadlineInput]>('extendDeadline');
export const reassignUnitUpdate = defineUpdate<CaseAck, [ReassignUnitInput]>('reassignUnit');
export const cancelUpdate = defineUpdate<CaseAck, [CancelInput]>('cancel');
export const submitClosureReportUpdate = defineUpdate<CaseAck, [SubmitClosureReportInput]>('submitClosureReport');
export const caseQuery = defineQuery<CaseView>('case');

/** A provider's delivery receipt for one message of a case (Twilio status callback), checked and sent by the API. */
export const deliveryReceiptSchema = z
  .object({
    /** The notice's key within the case (NotifyRequest.key). */
    key: z.string().min(1).max(200),
    recipientId: id,
    channel: z.enum(['sms']),
    /** Twilio MessageSid. */
    providerId: z.string().regex(/^[A-Za-z0-9]{1,64}$/),
    status: z.enum(['delivered', 'undelivered', 'failed']),
    /** Twilio ErrorCode, e.g. 30003 (unreachable handset). */
    errorCode: z.string().regex(/^\d{1,10}$/).optional(),
    /** When the API received the receipt. */
    receivedAt: instant,
  })
  .strict();
export type DeliveryReceipt = z.infer<typeof deliveryReceiptSchema>;
/** Recorded in the case's timeline as notificationDelivered / notificationUndelivered (repeats of a receipt are ignored). */
export const deliveryReceiptSignal = defineSignal<[DeliveryReceipt]>('deliveryReceipt');

// The unit-year score ledger.
export const LEDGER_KINDS = ['deduction', 'reversal', 'note'] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

export interface LedgerEntry {
  /** Idempotency key: the same entry ID is recorded once, whatever the retries (a known ID is ignored, whatever the body). */
  entryId: string;
  kind: LedgerKind;
  unitId: string;
  /** The case the entry concerns: always for deductions and reversals; a note may concern none. */
  caseId?: string;
  /** Deductions and reversals only. */
  milestone?: Milestone;
  /** Deductions and reversals only: the visit's level (到区/到市/进京). */
  level?: Level;
  /** Points deducted (deduction) or given back (reversal), never negative; a note carries 0. */
  points: number;
  /** UTC ISO */
  at: string;
  actor: Actor;
  /** The deduction's grounds, the reversal's reason, or the note's text. */
  reason?: string;
  /** A reversal's deduction (its entryId). */
  reverses?: string;
}

/** The year-end close: after it the ledger takes no new entry (ErrorType.LedgerClosed). */
export interface LedgerClosure {
  /** UTC ISO */
  at: string;
  actor: Actor;
  reason: string;
}

/** A deduction sent by the old addLedgerEntry signal that the ledger could not take (signals cannot answer). */
export interface LedgerRefusal {
  entryId: string;
  /** UTC ISO, when it was refused. */
  at: string;
  message: string;
}

export interface LedgerInput {
  unitId: string;
  year: number;
  /** Carried across continue-as-new. */
  entries?: LedgerEntry[];
  /** Carried: request IDs of reversals, notes and the close already handled, with the entry ID they made ('close' for the close). */
  requests?: Record<string, string>;
  /** Carried: the year-end close. */
  closed?: LedgerClosure | null;
  /** Carried: refused signals (the latest 100). */
  refused?: LedgerRefusal[];
  /** Continue as new after this many handled messages in one run (default 1000), or sooner when Temporal suggests it. */
  continueAsNewAfter?: number;
}

export interface LedgerTotals {
  /** Net points deducted: deductions minus reversals. */
  points: number;
  /** Number of deduction entries. */
  deductions: number;
  /** Number of reversal entries. */
  reversals: number;
  /** Number of notes. */
  notes: number;
  /** Net points per level of the visits. */
  byLevel: Record<Level, number>;
  /** Gross points per kind: deducted, given back, and 0 for notes. */
  byKind: Record<LedgerKind, number>;
}

export interface LedgerView {
  unitId: string;
  year: number;
  /** In the order recorded. */
  entries: LedgerEntry[];
  totals: LedgerTotals;
  closed: LedgerClosure | null;
  refused: LedgerRefusal[];
}

const ledgerEntryId = z
  .string()
  .min(1, 'is required')
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/, 'must be letters, digits, dot, dash, underscore, colon or slash');
const ledgerMilestone = z.enum(MILESTONES);

/** A deduction as the case workflow enters it (through recordLedgerEntry). */
export const deductionEntrySchema = z
  .object({
    entryId: ledgerEntryId,
    kind: z.literal('deduction'),
    unitId: id,
    caseId: z.string().min(1, 'is required').max(100),
    milestone: ledgerMilestone,
    /** A visit's level (到区/到市/进京); other duties have none. */
    level: z.enum(LEVELS).optional(),
    points: z.number().positive('must be more than 0').max(100),
    at: instant,
    actor: actorSchema,
    reason: z.string().trim().min(1, 'is required').max(1000).optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (e.caseId.startsWith('visit:') && e.level === undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['level'], message: 'Required' });
  });
/** Gives a deduction's points back; the reversal's entry ID is `<deduction's entryId>/reversal` (one per deduction). */
export const reverseLedgerEntrySchema = z.object({ requestId: id, entryId: ledgerEntryId, reason, actor: actorSchema }).strict();
/** A note of 0 points; its entry ID is `note/<requestId>`. */
export const addLedgerNoteSchema = z
  .object({ requestId: id, text: z.string().trim().min(1, 'is required').max(2000), caseId: z.string().min(1).max(100).optional(), actor: actorSchema })
  .strict();
export const closeLedgerSchema = z.object({ requestId: id, reason, actor: actorSchema }).strict();

export type ReverseLedgerEntryInput = z.infer<typeof reverseLedgerEntrySchema>;
export type AddLedgerNoteInput = z.infer<typeof addLedgerNoteSchema>;
export type CloseLedgerInput = z.infer<typeof closeLedgerSchema>;

/** Old path of deductions (histories recorded before the update): same rules, refusals kept in LedgerView.refused. */
export const addLedgerEntrySignal = defineSignal<[LedgerEntry]>('addLedgerEntry');
/** A deduction; a known entryId answers the current view without adding anything. */
export const addLedgerEntryUpdate = defineUpdate<LedgerView, [LedgerEntry]>('addLedgerDeduction');
export const reverseLedgerEntryUpdate = defineUpdate<LedgerView, [ReverseLedgerEntryInput]>('reverseLedgerEntry');
export const addLedgerNoteUpdate = defineUpdate<LedgerView, [AddLedgerNoteInput]>('addLedgerNote');
export const closeLedgerUpdate = defineUpdate<LedgerView, [CloseLedgerInput]>('closeLedger');
export const ledgerQuery = defineQuery<LedgerView>('ledger');

// Official documents (催办单 / 督办单): the office-year register of document numbers.
export const documentNumberRequestSchema = z
  .object({
    /** `${caseId}/${milestone}/${kind}`: the same key always gets the same number. */
    key: z.string().min(1).max(200),
    caseId: z.string().regex(CASE_ID_PATTERN, CASE_ID_MESSAGE),
    milestone: z.enum(MILESTONES),
    kind: z.enum(['urge', 'supervise']),
  })
  .strict()
  .refine((r) => r.key === `${r.caseId}/${r.milestone}/${r.kind}`, { message: 'must be <caseId>/<milestone>/<kind>', path: ['key'] });
export type DocumentNumberRequest = z.infer<typeof documentNumberRequestSchema>;

export interface DocumentRegisterInput {
  officeId: string;
  /** Year of issue in Asia/Shanghai: numbers start at 1 each year. */
  year: number;
  /** Carried across continue-as-new: the last number given. */
  lastNumber?: number;
  /** Carried across continue-as-new: key → number, so a retry after it still gets its number. */
  issued?: Record<string, number>;
}

export interface IssuedNumber {
  key: string;
  officeId: string;
  year: number;
  number: number;
  /** True when the key had its number already (a retry): nothing new was given. */
  repeated: boolean;
}

export interface DocumentRegisterView {
  officeId: string;
  year: number;
  lastNumber: number;
  /** key → number, in order of issue. */
  issued: Record<string, number>;
}

export const issueDocumentNumberUpdate = defineUpdate<IssuedNumber, [DocumentNumberRequest]>('issueDocumentNumber');
export const documentRegisterQuery = defineQuery<DocumentRegisterView>('documentRegister');


// The quarterly circular (季度通报).
/** The circular workflow's state: collecting → rendering → mailing → done, with its figures and files. */
export const circularQuery = defineQuery<import('./circular/types.js').CircularView>('circular');
