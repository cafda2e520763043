// Every message of duban's workflows and its types, in one module: the API and tests import this, never a workflow file.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { ACTOR_ROLES, LEVELS, type Actor, type ExplanationStatus, type Level, type Milestone, type Stage, type StepKind } from './domain.js';
import type { UnitSnapshot } from './directory.js';
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
}

export const reportArrivalSchema = z.object({ leaderId: id, arrivedAt: instant, note: z.string().max(1000).optional(), actor: actorSchema }).strict();
export const submitExplanationSchema = z.object({ text: z.string().trim().min(1, 'is required').max(5000), actor: actorSchema }).strict();
export const decideExplanationSchema = z.object({ decision: z.enum(['accept', 'reject']), reason, actor: actorSchema }).strict();
export const extendDeadlineSchema = z.object({ newDeadline: instant, reason, actor: actorSchema }).strict();
export const reassignUnitSchema = z.object({ unitId: id, reason, actor: actorSchema }).strict();
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
  | 'notificationDelivered'
  | 'notificationUndelivered'
  /** A numbered 催办单 / 督办单 was issued; detail names the document (documentId, documentNumber). */
  | 'documentIssued'
  /** The unit's ledger for the year was already closed: the deduction could not be entered. */
  | 'ledgerRefused';

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
  arrival: { leaderId: string; leaderRole: string; arrivedAt: string; onTime: boolean } | null;
  explanation: { status: ExplanationStatus; milestone: Milestone | null; text?: string; reason?: string };
  closureReport: { result: string; reportedAt: string } | null;
  deductions: { entryId: string; milestone: Milestone; points: number; at: string }[];
  /** The step the workflow is waiting for, if any: tests and dashboards read it. */
  waitingFor: { key: string; kind: StepKind; dueAt: string } | null;
  deductionHeld: boolean;
  timeline: TimelineEntry[];
}

export const reportArrivalUpdate = defineUpdate<CaseView, [ReportArrivalInput]>('reportArrival');
export const submitExplanationUpdate = defineUpdate<CaseView, [SubmitExplanationInput]>('submitExplanation');
export const decideExplanationUpdate = defineUpdate<CaseView, [DecideExplanationInput]>('decideExplanation');
export const extendDeadlineUpdate = defineUpdate<CaseView, [ExtendDeadlineInput]>('extendDeadline');
export const reassignUnitUpdate = defineUpdate<CaseView, [ReassignUnitInput]>('reassignUnit');
export const cancelUpdate = defineUpdate<CaseView, [CancelInput]>('cancel');
export const submitClosureReportUpdate = defineUpdate<CaseView, [SubmitClosureReportInput]>('submitClosureReport');
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
export interface LedgerEntry {
  /** Idempotency key: the same entry ID is recorded once, whatever the retries. */
  entryId: string;
  kind: 'deduction' | 'reversal' | 'note';
  unitId: string;
  caseId: string;
  milestone: Milestone;
  level: Level;
  points: number;
  /** UTC ISO */
  at: string;
  actor: Actor;
  reason?: string;
}

export interface LedgerInput {
  unitId: string;
  year: number;
  /** Carried across continue-as-new. */
  entries?: LedgerEntry[];
}

export interface LedgerView {
  unitId: string;
  year: number;
  entries: LedgerEntry[];
  totalPoints: number;
}

export const addLedgerEntrySignal = defineSignal<[LedgerEntry]>('addLedgerEntry');
export const ledgerQuery = defineQuery<LedgerView>('ledger');

// Official documents (催办单 / 督办单): the office-year register of document numbers.

// The quarterly circular (季度通报).
