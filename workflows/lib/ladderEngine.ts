// The ladder engine every duty runs on: record, queue notices, send them in order beside the loop, issue 催办单/督办单,
// enter deductions, keep the search attributes and the store of record true, and fire the planner's steps on time.
// A duty (src/duties/) brings its state's view, its texts' facts and its own updates; it never copies this loop.
import {
  ActivityFailure,
  ApplicationFailure,
  type ActivityOptions,
  allHandlersFinished,
  condition,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { DubanActivities } from '../../src/activityTypes.js';
import type { CaseRecord } from '../../src/caseRecord.js';
import { documentKey } from '../../src/documents/numbering.js';
import type { DocumentKind, OfficialDocumentRequest } from '../../src/documents/types.js';
import { SYSTEM_ACTOR, shanghaiYear, type Actor, type Level, type Milestone, type Stage } from '../../src/domain.js';
import { ErrorType, businessFailure, parseOrReject } from '../../src/errors.js';
import { toIso as iso } from '../../src/time.js';
import { nextStep, type MilestoneFacts, type MilestonePlan, type PlannedStep } from '../../src/ladder.js';
import {
  cancelSchema,
  cancelUpdate,
  caseQuery,
  decideExplanationSchema,
  decideExplanationUpdate,
  deliveryReceiptSchema,
  deliveryReceiptSignal,
  reassignUnitSchema,
  reassignUnitUpdate,
  submitExplanationSchema,
  submitExplanationUpdate,
  type CaseAck,
  type CaseView,
  type TimelineEntry,
} from '../../src/messages.js';
import type { NotifyRequest } from '../../src/notifications.js';
import type { AudienceEvent } from '../../src/policy.js';
import { colourKey, deadlineKey, overdueKey, stageKey, unitKey } from '../../src/searchAttributes.js';
import { colourOf } from '../../src/colour.js';
import type { PersonRole, UnitSnapshot } from '../../src/directory.js';

/** Database work of milliseconds (a document's render included): a lost worker's attempt is retried within 10 s. */
const DATABASE_ACTIVITY_TIMEOUT = '10s';
const notifyOptions: ActivityOptions = {
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '1h',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes: [ErrorType.InvalidInput] },
};
const { notify: notifyWithoutHeartbeat } = proxyActivities<DubanActivities>(notifyOptions);
// Notify heartbeats its progress per recipient: a lost worker is noticed within 10 s and the retry sends only to the rest.
const { notify: notifyWithHeartbeat } = proxyActivities<DubanActivities>({ ...notifyOptions, startToCloseTimeout: '5m', heartbeatTimeout: '10s' });
/** Histories recorded before it scheduled notify without a heartbeat timeout. */
const NOTIFY_HEARTBEAT_PATCH = 'notify-heartbeat-v1';
const { lookupUnit, recordLedgerEntry } = proxyActivities<DubanActivities>({
  startToCloseTimeout: DATABASE_ACTIVITY_TIMEOUT,
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    nonRetryableErrorTypes: [ErrorType.InvalidInput, ErrorType.UnknownUnit, ErrorType.LedgerClosed],
  },
});

// 催办单 / 督办单: numbered in the office-year register and rendered; a failure is recorded and the ladder goes on.
const { issueOfficialDocument } = proxyActivities<DubanActivities>({
  startToCloseTimeout: DATABASE_ACTIVITY_TIMEOUT,
  scheduleToCloseTimeout: '5m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: [ErrorType.InvalidInput, ErrorType.DocumentNumberTaken, ErrorType.DocumentRegisterClosed] },
});
/** Histories recorded before 催办 and 督办 issued numbered documents. */
const OFFICIAL_DOCUMENTS_PATCH = 'official-documents';

// A record waits out a database outage: retried every ≤ 30 s for up to 30 days, idempotent by its key.
const recordRetry = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' } as const;
const { recordCase } = proxyActivities<DubanActivities>({
  startToCloseTimeout: DATABASE_ACTIVITY_TIMEOUT,
  scheduleToCloseTimeout: '30d',
  retry: { ...recordRetry, nonRetryableErrorTypes: [ErrorType.InvalidInput] },
});
const { recordLedgerEntry: recordLedgerEntryDurably } = proxyActivities<DubanActivities>({
  startToCloseTimeout: DATABASE_ACTIVITY_TIMEOUT,
  scheduleToCloseTimeout: '30d',
  retry: { ...recordRetry, nonRetryableErrorTypes: [ErrorType.InvalidInput, ErrorType.UnknownUnit, ErrorType.LedgerClosed, ErrorType.NotAllowed, ErrorType.InvalidState] },
});
const { issueOfficialDocument: issueOfficialDocumentDurably } = proxyActivities<DubanActivities>({
  startToCloseTimeout: DATABASE_ACTIVITY_TIMEOUT,
  scheduleToCloseTimeout: '30d',
  retry: { ...recordRetry, nonRetryableErrorTypes: [ErrorType.InvalidInput, ErrorType.DocumentNumberTaken, ErrorType.DocumentRegisterClosed] },
});
const { recordCaseRecord } = proxyActivities<DubanActivities>({
  startToCloseTimeout: DATABASE_ACTIVITY_TIMEOUT,
  scheduleToCloseTimeout: '30d',
  retry: { ...recordRetry, nonRetryableErrorTypes: [ErrorType.InvalidInput] },
});
/** Histories recorded before a reminder that came due after its deadline was skipped instead of sent. */
const SKIP_STALE_REMINDERS_PATCH = 'skip-stale-reminders';
/** Histories recorded before a ledger refusal was also sent to the supervisors (it was only in the timeline). */
const LEDGER_REFUSAL_ALERT_PATCH = 'ledger-refusal-alert';
/** How long a step's notice waits for its document before it goes out without it (the document follows). */
const DOCUMENT_GRACE_MS = 2000;

/**
 * What the engine does the way a case's history was recorded with; each flag is a patch the duty's workflow decided
 * once at its start (escalatedVisit keeps its old cases replaying). A new duty starts with every flag on: CURRENT_FLAGS.
 */
export interface LadderFlags {
  /** records-in-database: facts written in the background, documents and ledger entries never hold back a step. */
  recordsInDatabase: boolean;
  /** records-delta: only new facts and columns per write. */
  recordsDelta: boolean;
  /** records-ride-notify: a step's record rides on its notify. */
  recordsRide: boolean;
  /** sends-beside-loop: one sender works through the notices beside the loop. */
  sendsBeside: boolean;
  /** colour-attribute: DubanColour kept, with a wake at the yellow window. */
  colourAttribute: boolean;
  /** records-ride-beside: the recorder lets a change ride on the notice the idle sender is about to take. */
  rideBeside: boolean;
  /**
   * The duty's one marker stands for the engine's own patches too (notify-heartbeat-v1, skip-stale-reminders,
   * ledger-refusal-alert, official-documents): in force without a marker each. Absent: each is asked where it is used.
   */
  enginePatchesImplied?: boolean;
}

export const CURRENT_FLAGS: LadderFlags = { recordsInDatabase: true, recordsDelta: true, recordsRide: true, sendsBeside: true, colourAttribute: true, rideBeside: true };

/** The state every duty has: the engine and the duty's handlers change it; the duty's view is built from it. */
export interface LadderState {
  unit: UnitSnapshot;
  status: CaseView['status'];
  milestone: Milestone;
  facts: MilestoneFacts;
  explanation: CaseView['explanation'];
  deductions: CaseView['deductions'];
  waitingFor: CaseView['waitingFor'];
  timeline: TimelineEntry[];
}

/** The engine's state of a duty's opening parts (nothing awaited yet). */
export function ladderStateOf(opening: Omit<LadderState, 'waitingFor'>): LadderState {
  const { unit, status, milestone, facts, explanation, deductions, timeline } = opening;
  return { unit, status, milestone, facts, explanation, deductions, waitingFor: null, timeline };
}

/** The least a duty's view carries for the engine: what it records and answers. */
export interface LadderView {
  status: CaseView['status'];
  timeline: TimelineEntry[];
}

/** What a duty tells the engine: its plan, its ladder, its texts' facts and how its record is built. */
export interface DutyHooks<V extends LadderView> {
  caseId: string;
  /** The registration time the API answered with (the colour it published at start is built on it). */
  registeredAt: number;
  /** The planner's steps for the current facts. */
  plan(facts: MilestoneFacts): MilestonePlan;
  /** Points a milestone's deduction costs. */
  points(milestone: Milestone): number;
  /** False while the duty has no deadline running (a paused clock, the petitioner's window): no colour, not overdue. */
  showsDeadline?(): boolean;
  /** A duty's own timed fact (a window that ends, a progress report due): the loop wakes for it and fires it. */
  timed?(): { at: number; fire: () => void } | undefined;
  /** When the current milestone turns yellow. */
  yellowAt(): number;
  /** The case's stage now (DubanStage). */
  stage(): Stage;
  /** The case as the query and the store of record see it. */
  view(now: number): V;
  /** The store of record's row and new facts of a view. */
  recordOf(view: V, fromSeq: number, withView: boolean): CaseRecord;
  /** Notice fields beyond the engine's: the duty's level and place as its texts name them. */
  noticeFields(): Pick<NotifyRequest, 'level' | 'receptionSite'> & Partial<Pick<NotifyRequest, 'duty'>>;
  /** The 催办单 / 督办单 of a step, but for its key, times and the next step's due time. */
  documentFacts(step: PlannedStep): Omit<OfficialDocumentRequest, 'key' | 'caseId' | 'kind' | 'milestone' | 'unitId' | 'unitName' | 'deadline' | 'newTimeLimit' | 'points' | 'issuedAt'>;
  /** Who hears an event, from the duty's pinned policy. */
  audience(event: AudienceEvent): PersonRole[];
  /** The ledger entry's level (visits only) and the deduction's grounds, in Chinese. */
  deductionFacts(milestone: Milestone): { level?: Level; reason: string };
}

export const SUPERVISING_ROLES: readonly Actor['role'][] = ['supervisor', 'admin'];
export const REPORTING_ROLES: readonly Actor['role'][] = ['unit', 'supervisor', 'admin', 'intake'];

export function requireRole(actor: Actor, roles: readonly Actor['role'][]): void {
  if (!roles.includes(actor.role)) throw businessFailure(ErrorType.NotAllowed, `role ${actor.role} may not do this`, 'actor.role');
}

export interface LadderEngine<V extends LadderView> {
  state: LadderState;
  /** Adds a timeline entry (and marks the view for the store of record). */
  record: (entry: Omit<TimelineEntry, 'seq' | 'at'> & { at?: string }) => TimelineEntry;
  /** A notice of what the case is now, queued for the sender. */
  queueNotice: (event: AudienceEvent, key: string, detail?: NotifyRequest['detail']) => NotifyRequest;
  /** After a handler changed a fact: the loop re-plans, the record and the search attributes follow. */
  factsChanged: () => void;
  /** What an update answers. */
  ack: () => CaseAck;
  requireOpen: () => void;
  view: () => V;
  /** The query, receipts, explanations, cancel and reassignment: the same for every duty. */
  setCommonHandlers: () => void;
  /** Fires the steps until the case is over; then the last notices and the last record. */
  run: () => Promise<V>;
}

export function createLadderEngine<V extends LadderView>(hooks: DutyHooks<V>, flags: LadderFlags, state: LadderState): LadderEngine<V> {
  const { caseId } = hooks;
  const { recordsInDatabase, recordsDelta, recordsRide, sendsBeside, colourAttribute, rideBeside } = flags;
  // The engine's own patches: each marker also upserts TemporalChangeVersion, so a duty's one marker may stand for them.
  const patchedHere = (patchId: string): boolean => flags.enginePatchesImplied === true || patched(patchId);
  const { timeline } = state;
  const outgoing: NotifyRequest[] = [];
  /** Queued notices still waiting (up to DOCUMENT_GRACE_MS) for their document: the sender keeps the order behind them. */
  const held = new Set<NotifyRequest>();
  // Bumped whenever a fact changes, so the main loop re-plans instead of firing a stale step.
  let factsVersion = 0;
  let viewDirty = true;

  const record = (entry: Omit<TimelineEntry, 'seq' | 'at'> & { at?: string }): TimelineEntry => {
    const full: TimelineEntry = { seq: timeline.length + 1, ...entry, at: entry.at ?? iso(Date.now()) };
    timeline.push(full);
    viewDirty = true;
    return full;
  };

  // A notice says what the case is at the moment it is built: build it at its step, send it when its facts are in.
  // The current milestone's deadline counts (an open case, and for some duties not while the clock stands still).
  const running = (): boolean => state.status === 'open' && (hooks.showsDeadline?.() ?? true);
  const noticeFor = (event: AudienceEvent, key: string, detail?: NotifyRequest['detail']): NotifyRequest => {
    const open = state.status === 'open';
    const fields = hooks.noticeFields();
    return {
      caseId,
      key,
      event,
      unitId: state.unit.id,
      unitName: state.unit.name,
      level: fields.level,
      milestone: open ? state.milestone : null,
      deadline: running() ? iso(state.facts.deadline) : null,
      receptionSite: fields.receptionSite,
      ...(fields.duty ? { duty: fields.duty } : {}),
      ...(detail ? { detail } : {}),
      audience: hooks.audience(event),
    };
  };
  const queueNotice = (event: AudienceEvent, key: string, detail?: NotifyRequest['detail']): NotifyRequest => {
    const request = noticeFor(event, key, detail);
    outgoing.push(request);
    return request;
  };

  const isOverdue = (): boolean => running() && Date.now() > state.facts.deadline;
  const colour = (): string | null => (running() ? colourOf(state.facts.deadline, hooks.yellowAt(), Date.now()) : null);
  // The API sets the colour at start; afterwards the case keeps it true.
  let publishedColour: string | null = colourAttribute ? colourOf(state.facts.deadline, hooks.yellowAt(), hooks.registeredAt) : null;
  const publishSearchAttributes = (): void => {
    publishedColour = colour();
    upsertSearchAttributes([
      { key: stageKey, value: hooks.stage() },
      { key: unitKey, value: state.unit.id },
      { key: deadlineKey, value: running() ? new Date(state.facts.deadline) : null },
      { key: overdueKey, value: isOverdue() },
      ...(colourAttribute ? [{ key: colourKey, value: colour() }] : []),
    ]);
  };

  // The sender (since the patch sends-beside-loop) waits for work, and the notice at the queue's head may go.
  // It starts idle (below, after the recorder): so the opening record rides on the alert too.
  let senderIdle = rideBeside;
  const sendable = (): boolean => outgoing.length > 0 && !held.has(outgoing[0]!);
  // Work that must finish before the case ends but never holds back the ladder: records and late documents.
  const background: Promise<void>[] = [];
  let ended = false;
  let recordedSeq = 0;
  const view = (): V => hooks.view(Date.now());
  const recorder = async (): Promise<void> => {
    for (;;) {
      // A notice queued for the idle sender (at once, or once its document is in: ≤ 2 s) carries the change.
      await condition(() => (viewDirty && !(rideBeside && senderIdle && outgoing.length > 0)) || ended);
      if (!viewDirty) return;
      viewDirty = false;
      // The latest view each time: writes coalesce, and the writer keeps the newest one (view_seq).
      const current = view();
      if (!recordsDelta) {
        await recordCase(current as unknown as CaseView);
        continue;
      }
      // The view goes with the first record and once the case is over; in between only the new facts and columns.
      // Its length now: the view shares the timeline array, so entries added during the write must not count as written.
      const written = current.timeline.length;
      await recordCaseRecord(hooks.recordOf(current, recordedSeq, recordedSeq === 0 || current.status !== 'open'));
      // A record that rode on a notify meanwhile may have gone further.
      recordedSeq = Math.max(recordedSeq, written);
    }
  };

  const factsChanged = (): void => {
    viewDirty = true;
    factsVersion++;
    state.waitingFor = null; // the loop re-plans; until then no wait is current
    publishSearchAttributes();
  };

  // An update answers with this, never the whole view: its result is kept in the history.
  const ack = (): CaseAck => ({ seq: timeline.length, status: state.status, stage: hooks.stage(), deadline: running() ? iso(state.facts.deadline) : null });

  const requireOpen = (): void => {
    if (state.status !== 'open') throw businessFailure(ErrorType.InvalidState, `case is ${state.status}`, 'status');
  };

  const setCommonHandlers = (): void => {
    setHandler(caseQuery, view as unknown as () => CaseView);

    const receiptsSeen = new Set<string>();
    setHandler(deliveryReceiptSignal, (raw) => {
      const parsed = deliveryReceiptSchema.safeParse(raw);
      if (!parsed.success) return; // the API validates; a malformed signal changes nothing
      const r = parsed.data;
      if (receiptsSeen.has(`${r.providerId}/${r.status}`)) return;
      receiptsSeen.add(`${r.providerId}/${r.status}`);
      record({
        type: r.status === 'delivered' ? 'notificationDelivered' : 'notificationUndelivered',
        actor: SYSTEM_ACTOR,
        detail: { key: r.key, recipientId: r.recipientId, channel: r.channel, providerId: r.providerId, status: r.status, receivedAt: r.receivedAt, ...(r.errorCode ? { errorCode: r.errorCode } : {}) },
      });
    });

    setHandler(
      submitExplanationUpdate,
      (raw) => {
        const { text, actor } = submitExplanationSchema.parse(raw);
        state.explanation = { status: 'pending', milestone: state.milestone, text };
        state.facts = { ...state.facts, explanation: 'pending' };
        record({ type: 'explanationSubmitted', milestone: state.milestone, actor, reason: text });
        factsChanged();
        return Promise.resolve(ack());
      },
      {
        validator: (raw) => {
          requireOpen();
          const input = parseOrReject(submitExplanationSchema, raw);
          requireRole(input.actor, REPORTING_ROLES);
          if (state.explanation.status === 'pending') throw businessFailure(ErrorType.InvalidState, 'an explanation is already awaiting a decision', 'text');
          if (state.explanation.status === 'accepted') throw businessFailure(ErrorType.InvalidState, 'an explanation was already accepted', 'text');
        },
      },
    );

    setHandler(
      decideExplanationUpdate,
      (raw) => {
        const { decision, reason, actor } = decideExplanationSchema.parse(raw);
        const now = Date.now();
        const accepted = decision === 'accept';
        const { milestone } = state;
        state.explanation = { ...state.explanation, status: accepted ? 'accepted' : 'rejected', reason };
        state.facts = { ...state.facts, explanation: accepted ? 'accepted' : 'rejected', explanationDecidedAt: now };
        const entry = record({ type: accepted ? 'explanationAccepted' : 'explanationRejected', milestone, actor, reason });
        if (accepted && state.facts.done[`${milestone}.deduction`] === undefined) {
          record({ type: 'deductionCancelled', milestone, actor, reason: '情况说明已采纳' });
        }
        queueNotice('explanationDecision', `explanationDecision.${entry.seq}`, { decision, reason });
        factsChanged();
        return Promise.resolve(ack());
      },
      {
        validator: (raw) => {
          requireOpen();
          const input = parseOrReject(decideExplanationSchema, raw);
          requireRole(input.actor, SUPERVISING_ROLES);
          if (state.explanation.status !== 'pending') throw businessFailure(ErrorType.InvalidState, 'no explanation awaits a decision', 'decision');
        },
      },
    );

    setHandler(
      reassignUnitUpdate,
      async (raw) => {
        const { unitId, reason, actor, unit: given } = reassignUnitSchema.parse(raw);
        // The API sends the new unit with the update: no await before the change, so no other update interleaves.
        let next = given;
        if (!next) {
          // Updates sent without it (straight to Temporal, or recorded before) look the unit up in the worker's directory.
          try {
            next = await lookupUnit(unitId);
          } catch (err) {
            if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === ErrorType.UnknownUnit) {
              throw businessFailure(ErrorType.UnknownUnit, `unknown unit ${unitId}`, 'unitId');
            }
            throw err;
          }
          requireOpen();
        }
        const from = state.unit;
        state.unit = next;
        const entry = record({ type: 'reassigned', milestone: state.milestone, actor, reason, detail: { from: from.id, to: next.id } });
        queueNotice('reassignment', `reassignment.${entry.seq}`, { reason });
        factsChanged();
        return ack();
      },
      {
        validator: (raw) => {
          requireOpen();
          const input = parseOrReject(reassignUnitSchema, raw);
          requireRole(input.actor, SUPERVISING_ROLES);
          if (input.unitId === state.unit.id) throw businessFailure(ErrorType.InvalidInput, 'is already the responsible unit', 'unitId');
          if (input.unit && input.unit.id !== input.unitId) throw businessFailure(ErrorType.InvalidInput, `must be the snapshot of unit ${input.unitId}`, 'unit');
        },
      },
    );

    setHandler(
      cancelUpdate,
      (raw) => {
        const { reason, actor } = cancelSchema.parse(raw);
        const entry = record({ type: 'cancelled', milestone: state.milestone, actor, reason });
        queueNotice('cancel', `cancel.${entry.seq}`, { reason });
        state.status = 'cancelled';
        factsChanged();
        return Promise.resolve(ack());
      },
      {
        validator: (raw) => {
          requireOpen();
          requireRole(parseOrReject(cancelSchema, raw).actor, SUPERVISING_ROLES);
        },
      },
    );
  };

  const sendOutgoing = async (): Promise<void> => {
    while (outgoing.length > 0 && !held.has(outgoing[0]!)) {
      const request = outgoing.shift()!;
      // What changed rides on this notify, so the recorder has nothing left to write.
      let ridingSeq: number | undefined;
      if (recordsRide && viewDirty) {
        const current = view();
        request.record = hooks.recordOf(current, recordedSeq, recordedSeq === 0 || current.status !== 'open');
        ridingSeq = current.timeline.length;
        viewDirty = false;
      }
      try {
        const notify = patchedHere(NOTIFY_HEARTBEAT_PATCH) ? notifyWithHeartbeat : notifyWithoutHeartbeat;
        const result = await notify(request);
        if (ridingSeq !== undefined) {
          if (result.recorded === true) recordedSeq = Math.max(recordedSeq, ridingSeq);
          else viewDirty = true;
        }
        // A recipient reached on none of their channels: named by ID (never phone or address); supervisors were told.
        for (const d of result.deliveries) {
          if (d.status !== 'failed') continue;
          const told = (result.reports ?? []).filter((r) => r.about === d.recipientId && r.status !== 'failed').length;
          record({
            type: 'notificationFailed',
            ...(request.milestone ? { milestone: request.milestone } : {}),
            actor: SYSTEM_ACTOR,
            reason: `通知未能送达：${d.recipientId}`,
            detail: { event: request.event, key: request.key, recipientId: d.recipientId, channels: d.channel, reportedTo: told },
          });
        }
      } catch (err) {
        // A lost alert must be visible to supervisors, but must not stop the ladder.
        if (ridingSeq !== undefined) viewDirty = true;
        record({
          type: 'notificationFailed',
          ...(request.milestone ? { milestone: request.milestone } : {}),
          actor: SYSTEM_ACTOR,
          reason: `通知发送失败：${err instanceof Error ? err.message : String(err)}`,
          detail: { event: request.event, key: request.key },
        });
      }
    }
  };

  // The step's 催办单 / 督办单, before its notice goes out, so the e-mail can carry it; undefined when it failed.
  const issueDocument = async (step: PlannedStep, kind: DocumentKind, now: number): Promise<NotifyRequest['documents']> => {
    const nextKind = kind === 'urge' ? 'supervise' : 'deduction';
    const next = hooks.plan(state.facts).steps.find((s) => s.kind === nextKind && s.doneAt === undefined);
    const key = documentKey(caseId, step.milestone, kind);
    try {
      const issue = recordsInDatabase ? issueOfficialDocumentDurably : issueOfficialDocument;
      const doc = await issue({
        key,
        caseId,
        kind,
        milestone: step.milestone,
        ...hooks.documentFacts(step),
        unitId: state.unit.id,
        unitName: state.unit.name,
        deadline: iso(state.facts.deadline),
        newTimeLimit: next ? iso(next.dueAt) : null,
        points: hooks.points(step.milestone),
        issuedAt: iso(now),
      });
      // Dated at its step: the document's date of issue, whatever the activity took.
      record({
        type: 'documentIssued',
        at: iso(now),
        milestone: step.milestone,
        actor: SYSTEM_ACTOR,
        detail: { documentId: doc.documentId, documentNumber: doc.documentNumber, kind, fileName: doc.fileName, number: doc.number, year: doc.year },
      });
      return [{ documentId: doc.documentId, documentNumber: doc.documentNumber, fileName: doc.fileName, ...(doc.path ? { path: doc.path } : {}) }];
    } catch (err) {
      // Like a lost alert: visible to supervisors, and the step's notice still goes out (without the document).
      record({
        type: 'documentFailed',
        milestone: step.milestone,
        actor: SYSTEM_ACTOR,
        reason: `${kind === 'urge' ? '催办单' : '督办单'}制发失败：${err instanceof ActivityFailure && err.cause ? err.cause.message : err instanceof Error ? err.message : String(err)}`,
        detail: { event: kind, key, document: kind },
      });
      return undefined;
    }
  };

  // The deduction's ledger entry (in the background since the records patch): its notice follows once the ledger has it.
  const recordDeduction = async (step: PlannedStep, points: number, now: number): Promise<void> => {
    const entryId = `${caseId}/${step.milestone}/deduction`;
    const entry = { entryId, milestone: step.milestone, points, at: iso(now) };
    // Built before the ledger write: an arrival during it must not make the notice name the closure report.
    const deductionNotice = noticeFor('deduction', step.key, { points, year: shanghaiYear(now) });
    const { level, reason } = hooks.deductionFacts(step.milestone);
    try {
      await (recordsInDatabase ? recordLedgerEntryDurably : recordLedgerEntry)({
        ...entry,
        kind: 'deduction',
        unitId: state.unit.id,
        caseId,
        ...(level ? { level } : {}),
        actor: SYSTEM_ACTOR,
        reason,
      });
      state.deductions.push(entry);
      viewDirty = true;
      outgoing.push(deductionNotice);
    } catch (err) {
      const cause = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause : undefined;
      const closed = cause?.type === ErrorType.LedgerClosed;
      // Before the patch only a closed year was recorded (the activity retried the rest); since, every refusal is.
      if (!closed && !recordsInDatabase) throw err;
      const why = cause?.message ?? (err instanceof Error ? err.message : String(err));
      record({
        type: 'ledgerRefused',
        milestone: step.milestone,
        actor: SYSTEM_ACTOR,
        reason: closed ? `年度台账已关账，扣分未能记入：${why}` : `扣分未能记入：${why}`,
        detail: { entryId, points, year: shanghaiYear(now) },
      });
      // The case goes on; the supervisors are told, since only a person can settle the ledger.
      if (patchedHere(LEDGER_REFUSAL_ALERT_PATCH)) {
        const alert: NotifyRequest = { ...deductionNotice, event: 'ledgerRefused', key: `${step.key}.ledgerRefused`, detail: { points, year: shanghaiYear(now), reason: why } };
        delete alert.audience;
        outgoing.push(alert);
      }
    }
  };

  // The step's document issued in the background (it never holds back the ladder); settled once the database answered.
  const documentInBackground = (step: PlannedStep, kind: DocumentKind, now: number): { settled: boolean; documents: NotifyRequest['documents'] | null } => {
    const issuing: { settled: boolean; documents: NotifyRequest['documents'] | null } = { settled: false, documents: null };
    background.push(
      issueDocument(step, kind, now).then((issued) => {
        issuing.documents = issued ?? null;
        issuing.settled = true;
      }),
    );
    return issuing;
  };

  const executeStep = async (step: PlannedStep): Promise<void> => {
    const now = Date.now();
    state.facts = { ...state.facts, done: { ...state.facts.done, [step.key]: now } };
    // "期限将至" after the deadline would tell a leader something false: such a reminder is recorded, not sent.
    if (step.kind === 'reminder' && now > state.facts.deadline && patchedHere(SKIP_STALE_REMINDERS_PATCH)) {
      record({ type: 'reminderSkipped', milestone: step.milestone, actor: SYSTEM_ACTOR, dueAt: iso(step.dueAt), reason: '提醒到期时已过办理期限，未发送' });
      return;
    }
    const points = hooks.points(step.milestone);
    record({ type: step.kind, milestone: step.milestone, actor: SYSTEM_ACTOR, dueAt: iso(step.dueAt) });
    if (step.kind === 'deduction' && recordsInDatabase) {
      background.push(recordDeduction(step, points, now));
    } else if (step.kind === 'deduction') {
      await recordDeduction(step, points, now);
    } else if ((step.kind === 'urge' || step.kind === 'supervise') && sendsBeside) {
      // Queued at its step and held, in its place, until the document is in or the grace is over: the loop goes on.
      const request = queueNotice(step.kind, step.key);
      held.add(request);
      const issuing = documentInBackground(step, step.kind, now);
      background.push(
        (async () => {
          await condition(() => issuing.settled, DOCUMENT_GRACE_MS);
          if (issuing.documents) request.documents = issuing.documents;
          held.delete(request);
        })(),
      );
    } else if ((step.kind === 'urge' || step.kind === 'supervise') && recordsInDatabase) {
      // The notice goes out at its step; it carries the document only if the database answered within the grace.
      const request = queueNotice(step.kind, step.key);
      const issuing = documentInBackground(step, step.kind, now);
      await condition(() => issuing.settled, DOCUMENT_GRACE_MS);
      if (issuing.documents) request.documents = issuing.documents;
    } else if ((step.kind === 'urge' || step.kind === 'supervise') && patchedHere(OFFICIAL_DOCUMENTS_PATCH)) {
      // Queued first, so an update during the document's activity (an arrival) cannot change what this notice says.
      const request = queueNotice(step.kind, step.key);
      const documents = await issueDocument(step, step.kind, now);
      if (documents) request.documents = documents;
    } else {
      queueNotice(step.kind, step.key);
    }
    if (step.kind === 'urge' || step.kind === 'supervise' || step.kind === 'deduction') publishSearchAttributes();
    if (!sendsBeside) await sendOutgoing();
  };

  // Since the patch one sender works through the notices in the order they were queued, beside the loop.
  let sendsClosed = false;
  const sender = async (): Promise<void> => {
    for (;;) {
      senderIdle = true;
      await condition(() => sendable() || (sendsClosed && outgoing.length === 0));
      senderIdle = false;
      if (outgoing.length === 0) return;
      await sendOutgoing();
    }
  };

  const run = async (): Promise<V> => {
    // The alert first (state only, no command): the recorder then sees it queued and lets the opening record ride on it.
    queueNotice('alert', 'alert');
    const recording = recordsInDatabase ? recorder() : Promise.resolve();
    const sending = sendsBeside ? sender() : Promise.resolve();
    // Before the patch a queued notice woke the loop to send it; since, the sender does.
    const wakes = (seen: number): boolean => factsVersion !== seen || (!sendsBeside && outgoing.length > 0);

    for (;;) {
      if (!sendsBeside) await sendOutgoing();
      if (state.status !== 'open') break;
      // The first task may run long after the API registered the case (no worker then): the colour may have moved.
      if (colourAttribute && colour() !== publishedColour) publishSearchAttributes();
      const step = running() ? nextStep(hooks.plan(state.facts)) : undefined;
      const seen = factsVersion;
      // A duty's own timed fact (none for a visit) wakes the loop too, and fires when its time comes before the step's.
      const timed = hooks.timed?.();
      if (timed && (!step || timed.at < step.dueAt)) {
        const wait = timed.at - Date.now();
        if (wait > 0 && (await condition(() => wakes(seen), Math.max(1, wait)))) continue;
        if (Date.now() >= timed.at) timed.fire();
        continue;
      }
      if (!step) {
        await condition(() => wakes(seen));
        continue;
      }
      // Since the patch the case also wakes when its duty turns yellow, to say so in DubanColour.
      const yellowAt = hooks.yellowAt();
      const turnsYellow = colourAttribute && Date.now() < yellowAt && yellowAt < step.dueAt ? yellowAt : Infinity;
      const wait = Math.min(step.dueAt, turnsYellow) - Date.now();
      if (wait > 0) {
        state.waitingFor = { key: step.key, kind: step.kind, dueAt: iso(step.dueAt) };
        const changed = await condition(() => wakes(seen), Math.max(1, wait));
        state.waitingFor = null;
        if (changed) continue;
        if (Date.now() < step.dueAt) {
          if (colour() !== publishedColour) publishSearchAttributes();
          continue;
        }
      }
      await executeStep(step);
      // A reminder at the yellow window's start (or a late step) changes the colour without a wake of its own.
      if (colourAttribute && colour() !== publishedColour) publishSearchAttributes();
    }

    if (recordsInDatabase) {
      // Late documents and ledger entries first (they may queue a notice), then the last notices, then the last view.
      while (background.length > 0) await Promise.all(background.splice(0));
      sendsClosed = true;
      await sending;
      await sendOutgoing();
      ended = true;
      viewDirty = true;
      await recording;
    }
    await condition(allHandlersFinished);
    return view();
  };

  return {
    state,
    record,
    queueNotice,
    factsChanged,
    ack,
    requireOpen,
    view,
    setCommonHandlers,
    run,
  };
}
