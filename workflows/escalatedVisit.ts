// The escalated-visit case: alert, remind, 催办 → 督办 → deduction, per milestone, until closed or cancelled.
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
  workflowInfo,
} from '@temporalio/workflow';
import type { DubanActivities } from '../src/activityTypes.js';
import { caseViewOf, openingDeductions, openingFacts, openingTimeline, stageOf } from '../src/caseOpening.js';
import { caseRecordOf } from '../src/caseRecord.js';
import { documentKey } from '../src/documents/numbering.js';
import type { DocumentKind } from '../src/documents/types.js';
import { SYSTEM_ACTOR, caseIdForNotice, shanghaiYear, type Actor, type Milestone, type Stage } from '../src/domain.js';
import { ErrorType, businessFailure, fieldIssues, invalidInput, parseOrReject } from '../src/errors.js';
import { toIso as iso } from '../src/time.js';
import { parseDuration } from '../src/duration.js';
import { deadlineFor, nextStep, plan, type MilestoneFacts, type PlannedStep } from '../src/ladder.js';
import {
  CLOCK_SKEW_MS,
  cancelSchema,
  cancelUpdate,
  caseQuery,
  decideExplanationSchema,
  decideExplanationUpdate,
  deliveryReceiptSchema,
  deliveryReceiptSignal,
  extendDeadlineSchema,
  extendDeadlineUpdate,
  noticeSchema,
  reassignUnitSchema,
  reassignUnitUpdate,
  reportArrivalSchema,
  reportArrivalUpdate,
  submitClosureReportSchema,
  submitClosureReportUpdate,
  submitExplanationSchema,
  submitExplanationUpdate,
  type CaseAck,
  type CaseView,
  type EscalatedVisitInput,
  type TimelineEntry,
} from '../src/messages.js';
import type { NotifyRequest } from '../src/notifications.js';
import { ladderSpecFor, policySchema, type AudienceEvent } from '../src/policy.js';
import { colourKey, deadlineKey, overdueKey, stageKey, unitKey } from '../src/searchAttributes.js';
import { colourOf, yellowFrom } from '../src/colour.js';

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

/**
 * Histories recorded before the records of account moved to PostgreSQL: since then the case's facts are written in the
 * background, a document never holds back its step's notice, and a deduction's ledger entry never holds back the ladder.
 */
const RECORDS_PATCH = 'records-in-database';
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
/**
 * Histories recorded before the case wrote only its new facts and columns per change (the whole view went with every
 * write, so the history grew with the square of the timeline).
 */
const DELTA_RECORDS_PATCH = 'records-delta';
const { recordCaseRecord } = proxyActivities<DubanActivities>({
  startToCloseTimeout: DATABASE_ACTIVITY_TIMEOUT,
  scheduleToCloseTimeout: '30d',
  retry: { ...recordRetry, nonRetryableErrorTypes: [ErrorType.InvalidInput] },
});
/** Histories recorded before a step's record rode on its notify (one activity per step instead of two). */
const RECORDS_RIDE_NOTIFY_PATCH = 'records-ride-notify';
/** Histories recorded before a unit's backdated arrival counted as the report's time (policy arrival.maxBackdate). */
const ARRIVAL_BACKDATE_PATCH = 'arrival-backdate-rule';
/** Histories recorded before a reminder that came due after its deadline was skipped instead of sent. */
const SKIP_STALE_REMINDERS_PATCH = 'skip-stale-reminders';
/** How long a step's notice waits for its document before it goes out without it (the document follows). */
const DOCUMENT_GRACE_MS = 2000;

/**
 * Histories recorded before a step's sends ran beside the loop (the loop awaited each step's notify before arming the
 * next timer, so a slow provider made later steps late).
 */
const SENDS_BESIDE_LOOP_PATCH = 'sends-beside-loop';

/** Histories recorded before a ledger refusal was also sent to the supervisors (it was only in the timeline). */
const LEDGER_REFUSAL_ALERT_PATCH = 'ledger-refusal-alert';

/** Histories recorded before the case kept its colour (DubanColour) and woke at the yellow window to change it. */
const COLOUR_ATTRIBUTE_PATCH = 'colour-attribute';

/**
 * Histories recorded before a change's record waited for the notice the idle sender was about to take (since the sends
 * went beside the loop, the recorder took every change first and a step cost two activities again).
 */
const RECORDS_RIDE_BESIDE_PATCH = 'records-ride-beside';

/** Histories recorded before the workflow took its input as pinned (it re-parsed notice and policy with the schemas). */
const PINNED_INPUT_PATCH = 'pinned-input';

function parsedInput(input: EscalatedVisitInput): Pick<EscalatedVisitInput, 'notice' | 'policy'> {
  const notice = parseOrReject(noticeSchema, input.notice);
  const policyResult = policySchema.safeParse(input.policy);
  if (!policyResult.success) throw invalidInput(fieldIssues(policyResult.error, 'policy'));
  return { notice, policy: policyResult.data };
}

const SUPERVISING_ROLES: readonly Actor['role'][] = ['supervisor', 'admin'];
const REPORTING_ROLES: readonly Actor['role'][] = ['unit', 'supervisor', 'admin', 'intake'];
/** The receiving office: may record an arrival earlier than policy.arrival.maxBackdate allows a unit, with a reason. */
const OFFICE_ROLES: readonly Actor['role'][] = ['supervisor', 'admin', 'intake'];

function requireRole(actor: Actor, roles: readonly Actor['role'][]): void {
  if (!roles.includes(actor.role)) throw businessFailure(ErrorType.NotAllowed, `role ${actor.role} may not do this`, 'actor.role');
}

export async function escalatedVisit(input: EscalatedVisitInput): Promise<CaseView> {
  // Since the patch the input is taken as pinned: validated and fully defaulted at the edge (src/cases.ts), never
  // re-parsed with today's schemas, so a tightened schema or a changed default cannot change or fail an open case.
  const pinnedInput = patched(PINNED_INPUT_PATCH);
  const { notice, policy } = pinnedInput ? input : parsedInput(input);
  const caseId = caseIdForNotice(notice.noticeId);
  if (workflowInfo().workflowId !== caseId) throw businessFailure(ErrorType.InvalidInput, `must start as workflow ${caseId}`, 'noticeId');

  const receivedAt = Date.parse(notice.receivedAt);
  // The API's clock when it started the case (it answered with the view built on it); older starts carry none.
  const registeredAt = input.registeredAt !== undefined ? Date.parse(input.registeredAt) : Date.now();
  if (!(registeredAt <= Date.now() + CLOCK_SKEW_MS)) throw businessFailure(ErrorType.InvalidInput, 'must not be in the future', 'registeredAt');
  if (receivedAt > registeredAt + CLOCK_SKEW_MS) throw businessFailure(ErrorType.InvalidInput, 'must not be in the future', 'receivedAt');

  // Decided once per case: a case started before the change keeps the old behaviour for its whole life.
  const recordsInDatabase = patched(RECORDS_PATCH);
  const recordsDelta = recordsInDatabase && patched(DELTA_RECORDS_PATCH);
  const recordsRide = recordsDelta && patched(RECORDS_RIDE_NOTIFY_PATCH);
  const arrivalBackdateRule = patched(ARRIVAL_BACKDATE_PATCH);
  const sendsBeside = recordsRide && patched(SENDS_BESIDE_LOOP_PATCH);
  const colourAttribute = patched(COLOUR_ATTRIBUTE_PATCH);
  const rideBeside = sendsBeside && patched(RECORDS_RIDE_BESIDE_PATCH);
  const maxBackdateMs = parseDuration(policy.arrival.maxBackdate);
  let unit = input.unit;
  let status: CaseView['status'] = 'open';
  let milestone: Milestone = 'arrival';
  const pinned: EscalatedVisitInput = { ...input, notice, policy };
  let facts: MilestoneFacts = openingFacts(pinned, registeredAt);
  let explanation: CaseView['explanation'] = { status: 'none', milestone: null };
  let arrival: CaseView['arrival'] = null;
  let closureReport: CaseView['closureReport'] = null;
  let waitingFor: CaseView['waitingFor'] = null;
  const deductions: CaseView['deductions'] = openingDeductions(pinned, facts, caseId);
  // Before any handler is set: an update delivered with the first task comes after the registration.
  const timeline: TimelineEntry[] = openingTimeline(pinned, registeredAt);
  const outgoing: NotifyRequest[] = [];
  /** Queued notices still waiting (up to DOCUMENT_GRACE_MS) for their document: the sender keeps the order behind them. */
  const held = new Set<NotifyRequest>();
  // Bumped whenever a fact changes, so the main loop re-plans instead of firing a stale step.
  let factsVersion = 0;

  const record = (entry: Omit<TimelineEntry, 'seq' | 'at'> & { at?: string }): TimelineEntry => {
    const full: TimelineEntry = { seq: timeline.length + 1, ...entry, at: entry.at ?? iso(Date.now()) };
    timeline.push(full);
    viewDirty = true;
    return full;
  };

  // A notice says what the case is at the moment it is built: build it at its step, send it when its facts are in.
  const noticeFor = (event: AudienceEvent, key: string, detail?: NotifyRequest['detail']): NotifyRequest => ({
    caseId,
    key,
    event,
    unitId: unit.id,
    unitName: unit.name,
    level: notice.level,
    milestone: status === 'open' ? milestone : null,
    deadline: status === 'open' ? iso(facts.deadline) : null,
    receptionSite: notice.receptionSite,
    ...(detail ? { detail } : {}),
    audience: policy.audience[event],
  });
  const queueNotice = (event: AudienceEvent, key: string, detail?: NotifyRequest['detail']): NotifyRequest => {
    const request = noticeFor(event, key, detail);
    outgoing.push(request);
    return request;
  };

  const stage = (): Stage => stageOf(status, milestone, facts);

  const isOverdue = (): boolean => status === 'open' && Date.now() > facts.deadline;

  const yellowAt = (): number => yellowFrom(policy, milestone, notice.level, facts.deadline);
  const colour = (): string | null => (status === 'open' ? colourOf(facts.deadline, yellowAt(), Date.now()) : null);
  // The API sets the colour at start; afterwards the case keeps it true.
  let publishedColour: string | null = colourAttribute ? colourOf(facts.deadline, yellowAt(), registeredAt) : null;
  const publishSearchAttributes = (): void => {
    publishedColour = colour();
    upsertSearchAttributes([
      { key: stageKey, value: stage() },
      { key: unitKey, value: unit.id },
      { key: deadlineKey, value: status === 'open' ? new Date(facts.deadline) : null },
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
  let viewDirty = true;
  let ended = false;
  let recordedSeq = 0;
  const recorder = async (): Promise<void> => {
    for (;;) {
      // A notice queued for the idle sender (at once, or once its document is in: ≤ 2 s) carries the change.
      await condition(() => (viewDirty && !(rideBeside && senderIdle && outgoing.length > 0)) || ended);
      if (!viewDirty) return;
      viewDirty = false;
      // The latest view each time: writes coalesce, and the writer keeps the newest one (view_seq).
      const current = view();
      if (!recordsDelta) {
        await recordCase(current);
        continue;
      }
      // The view goes with the first record and once the case is over; in between only the new facts and columns.
      // Its length now: the view shares the timeline array, so entries added during the write must not count as written.
      const written = current.timeline.length;
      await recordCaseRecord(caseRecordOf(current, recordedSeq, recordedSeq === 0 || current.status !== 'open'));
      // A record that rode on a notify meanwhile may have gone further.
      recordedSeq = Math.max(recordedSeq, written);
    }
  };

  const factsChanged = (): void => {
    viewDirty = true;
    factsVersion++;
    waitingFor = null; // the loop re-plans; until then no wait is current
    publishSearchAttributes();
  };

  // An update answers with this, never the whole view: its result is kept in the history.
  const ack = (): CaseAck => ({ seq: timeline.length, status, stage: stage(), deadline: status === 'open' ? iso(facts.deadline) : null });

  const view = (): CaseView => caseViewOf({ caseId, input: pinned, unit, status, milestone, facts, arrival, explanation, closureReport, deductions, waitingFor, timeline }, Date.now());

  const requireOpen = (): void => {
    if (status !== 'open') throw businessFailure(ErrorType.InvalidState, `case is ${status}`, 'status');
  };

  // Handlers are set before the first await.
  setHandler(caseQuery, view);

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
    reportArrivalUpdate,
    (raw) => {
      const { leaderId, arrivedAt, note, actor } = reportArrivalSchema.parse(raw);
      const claimed = Date.parse(arrivedAt);
      const reportedAt = Date.now();
      // A unit's claim further back than the policy allows counts as its report's time; the office may go further.
      const backdatedTooFar = arrivalBackdateRule && reportedAt - claimed > maxBackdateMs && !OFFICE_ROLES.includes(actor.role);
      const at = backdatedTooFar ? reportedAt : claimed;
      arrival = { leaderId, leaderRole: unit.leaders.find((l) => l.id === leaderId)!.role, arrivedAt: iso(at), onTime: at <= facts.deadline };
      record({
        type: 'arrival',
        // Dated at the report, so the timeline stays in time order; the accepted and the claimed time are kept.
        at: iso(arrivalBackdateRule ? reportedAt : at),
        milestone: 'arrival',
        actor,
        ...(note ? { reason: note } : {}),
        detail: { leaderId, onTime: arrival.onTime, reportedAt: iso(reportedAt), ...(arrivalBackdateRule ? { arrivedAt: iso(at), claimedArrivedAt: iso(claimed) } : {}) },
      });
      milestone = 'closureReport';
      const now = Date.now();
      facts = {
        milestone: 'closureReport',
        level: notice.level,
        startedAt: at,
        registeredAt: now,
        deadline: deadlineFor(policy, 'closureReport', notice.level, at),
        deadlineSetAt: now,
        explanation: 'none',
        done: {},
      };
      explanation = { status: 'none', milestone: null };
      factsChanged();
      return Promise.resolve(ack());
    },
    {
      validator: (raw) => {
        requireOpen();
        const input = parseOrReject(reportArrivalSchema, raw);
        requireRole(input.actor, REPORTING_ROLES);
        if (milestone !== 'arrival') throw businessFailure(ErrorType.InvalidState, 'arrival was already reported', 'leaderId');
        const leader = unit.leaders.find((l) => l.id === input.leaderId);
        if (!leader || !policy.arrival.whoMustArrive.includes(leader.role)) {
          throw businessFailure(ErrorType.InvalidInput, `is not a principal leader or leader in charge of unit ${unit.id}`, 'leaderId');
        }
        const at = Date.parse(input.arrivedAt);
        if (at < receivedAt) throw businessFailure(ErrorType.InvalidInput, 'must not be before the notice was received', 'arrivedAt');
        if (at > Date.now() + CLOCK_SKEW_MS) throw businessFailure(ErrorType.InvalidInput, 'must not be in the future', 'arrivedAt');
        if (arrivalBackdateRule && Date.now() - at > maxBackdateMs && OFFICE_ROLES.includes(input.actor.role) && !input.note?.trim()) {
          throw businessFailure(ErrorType.InvalidInput, `is required when arrivedAt is more than ${policy.arrival.maxBackdate} before the report`, 'note');
        }
      },
    },
  );

  setHandler(
    submitExplanationUpdate,
    (raw) => {
      const { text, actor } = submitExplanationSchema.parse(raw);
      explanation = { status: 'pending', milestone, text };
      facts = { ...facts, explanation: 'pending' };
      record({ type: 'explanationSubmitted', milestone, actor, reason: text });
      factsChanged();
      return Promise.resolve(ack());
    },
    {
      validator: (raw) => {
        requireOpen();
        const input = parseOrReject(submitExplanationSchema, raw);
        requireRole(input.actor, REPORTING_ROLES);
        if (explanation.status === 'pending') throw businessFailure(ErrorType.InvalidState, 'an explanation is already awaiting a decision', 'text');
        if (explanation.status === 'accepted') throw businessFailure(ErrorType.InvalidState, 'an explanation was already accepted', 'text');
      },
    },
  );

  setHandler(
    decideExplanationUpdate,
    (raw) => {
      const { decision, reason, actor } = decideExplanationSchema.parse(raw);
      const now = Date.now();
      const accepted = decision === 'accept';
      explanation = { ...explanation, status: accepted ? 'accepted' : 'rejected', reason };
      facts = { ...facts, explanation: accepted ? 'accepted' : 'rejected', explanationDecidedAt: now };
      const entry = record({ type: accepted ? 'explanationAccepted' : 'explanationRejected', milestone, actor, reason });
      if (accepted && facts.done[`${milestone}.deduction`] === undefined) {
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
        if (explanation.status !== 'pending') throw businessFailure(ErrorType.InvalidState, 'no explanation awaits a decision', 'decision');
      },
    },
  );

  setHandler(
    extendDeadlineUpdate,
    (raw) => {
      const { newDeadline, reason, actor } = extendDeadlineSchema.parse(raw);
      const from = facts.deadline;
      const to = Date.parse(newDeadline);
      facts = { ...facts, deadline: to, deadlineSetAt: Date.now() };
      const entry = record({ type: 'deadlineExtended', milestone, actor, reason, detail: { from: iso(from), to: iso(to) } });
      queueNotice('extension', `extension.${entry.seq}`, { reason });
      factsChanged();
      return Promise.resolve(ack());
    },
    {
      validator: (raw) => {
        requireOpen();
        const input = parseOrReject(extendDeadlineSchema, raw);
        requireRole(input.actor, SUPERVISING_ROLES);
        const to = Date.parse(input.newDeadline);
        if (to <= facts.deadline) throw businessFailure(ErrorType.InvalidInput, `must be later than the current deadline ${iso(facts.deadline)}`, 'newDeadline');
        if (to <= Date.now()) throw businessFailure(ErrorType.InvalidInput, 'must be in the future', 'newDeadline');
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
      const from = unit;
      unit = next;
      const entry = record({ type: 'reassigned', milestone, actor, reason, detail: { from: from.id, to: next.id } });
      queueNotice('reassignment', `reassignment.${entry.seq}`, { reason });
      factsChanged();
      return ack();
    },
    {
      validator: (raw) => {
        requireOpen();
        const input = parseOrReject(reassignUnitSchema, raw);
        requireRole(input.actor, SUPERVISING_ROLES);
        if (input.unitId === unit.id) throw businessFailure(ErrorType.InvalidInput, 'is already the responsible unit', 'unitId');
        if (input.unit && input.unit.id !== input.unitId) throw businessFailure(ErrorType.InvalidInput, `must be the snapshot of unit ${input.unitId}`, 'unit');
      },
    },
  );

  setHandler(
    cancelUpdate,
    (raw) => {
      const { reason, actor } = cancelSchema.parse(raw);
      const entry = record({ type: 'cancelled', milestone, actor, reason });
      queueNotice('cancel', `cancel.${entry.seq}`, { reason });
      status = 'cancelled';
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

  setHandler(
    submitClosureReportUpdate,
    (raw) => {
      const { result, actor } = submitClosureReportSchema.parse(raw);
      const now = Date.now();
      closureReport = { result, reportedAt: iso(now) };
      record({ type: 'closureReport', milestone: 'closureReport', actor, reason: result, detail: { onTime: now <= facts.deadline } });
      const entry = record({ type: 'closed', actor: SYSTEM_ACTOR });
      queueNotice('closure', `closure.${entry.seq}`);
      status = 'closed';
      factsChanged();
      return Promise.resolve(ack());
    },
    {
      validator: (raw) => {
        requireOpen();
        const input = parseOrReject(submitClosureReportSchema, raw);
        requireRole(input.actor, REPORTING_ROLES);
        if (milestone !== 'closureReport') throw businessFailure(ErrorType.InvalidState, 'arrival must be reported first', 'result');
      },
    },
  );

  const sendOutgoing = async (): Promise<void> => {
    while (outgoing.length > 0 && !held.has(outgoing[0]!)) {
      const request = outgoing.shift()!;
      // What changed rides on this notify, so the recorder has nothing left to write.
      let ridingSeq: number | undefined;
      if (recordsRide && viewDirty) {
        const current = view();
        request.record = caseRecordOf(current, recordedSeq, recordedSeq === 0 || current.status !== 'open');
        ridingSeq = current.timeline.length;
        viewDirty = false;
      }
      try {
        const notify = patched(NOTIFY_HEARTBEAT_PATCH) ? notifyWithHeartbeat : notifyWithoutHeartbeat;
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
    const next = plan(policy, facts).steps.find((s) => s.kind === nextKind && s.doneAt === undefined);
    const key = documentKey(caseId, step.milestone, kind);
    try {
      const issue = recordsInDatabase ? issueOfficialDocumentDurably : issueOfficialDocument;
      const doc = await issue({
        key,
        caseId,
        kind,
        milestone: step.milestone,
        level: notice.level,
        unitId: unit.id,
        unitName: unit.name,
        receptionSite: notice.receptionSite,
        headcount: notice.headcount,
        receivedAt: iso(receivedAt),
        ...(step.milestone === 'closureReport' && arrival ? { arrivedAt: arrival.arrivedAt } : {}),
        deadline: iso(facts.deadline),
        newTimeLimit: next ? iso(next.dueAt) : null,
        points: ladderSpecFor(policy, step.milestone, notice.level).points,
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
    try {
      await (recordsInDatabase ? recordLedgerEntryDurably : recordLedgerEntry)({
        ...entry,
        kind: 'deduction',
        unitId: unit.id,
        caseId,
        level: notice.level,
        actor: SYSTEM_ACTOR,
        reason: `${step.milestone === 'arrival' ? '接人' : '报结'}逾期，经催办、督办仍未办结且无情况说明`,
      });
      deductions.push(entry);
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
      if (patched(LEDGER_REFUSAL_ALERT_PATCH)) {
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
    facts = { ...facts, done: { ...facts.done, [step.key]: now } };
    // "期限将至" after the deadline would tell a leader something false: such a reminder is recorded, not sent.
    if (step.kind === 'reminder' && now > facts.deadline && patched(SKIP_STALE_REMINDERS_PATCH)) {
      record({ type: 'reminderSkipped', milestone: step.milestone, actor: SYSTEM_ACTOR, dueAt: iso(step.dueAt), reason: '提醒到期时已过办理期限，未发送' });
      return;
    }
    const spec = ladderSpecFor(policy, step.milestone, notice.level);
    record({ type: step.kind, milestone: step.milestone, actor: SYSTEM_ACTOR, dueAt: iso(step.dueAt) });
    if (step.kind === 'deduction' && recordsInDatabase) {
      background.push(recordDeduction(step, spec.points, now));
    } else if (step.kind === 'deduction') {
      await recordDeduction(step, spec.points, now);
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
    } else if ((step.kind === 'urge' || step.kind === 'supervise') && patched(OFFICIAL_DOCUMENTS_PATCH)) {
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

  // The alert first (state only, no command): the recorder then sees it queued and lets the opening record ride on it.
  queueNotice('alert', 'alert');
  const recording = recordsInDatabase ? recorder() : Promise.resolve();
  const sending = sendsBeside ? sender() : Promise.resolve();
  // Before the patch a queued notice woke the loop to send it; since, the sender does.
  const wakes = (seen: number): boolean => factsVersion !== seen || (!sendsBeside && outgoing.length > 0);

  for (;;) {
    if (!sendsBeside) await sendOutgoing();
    if (status !== 'open') break;
    // The first task may run long after the API registered the case (no worker then): the colour may have moved.
    if (colourAttribute && colour() !== publishedColour) publishSearchAttributes();
    const step = nextStep(plan(policy, facts));
    const seen = factsVersion;
    if (!step) {
      await condition(() => wakes(seen));
      continue;
    }
    // Since the patch the case also wakes when its duty turns yellow, to say so in DubanColour.
    const turnsYellow = colourAttribute && Date.now() < yellowAt() && yellowAt() < step.dueAt ? yellowAt() : Infinity;
    const wait = Math.min(step.dueAt, turnsYellow) - Date.now();
    if (wait > 0) {
      waitingFor = { key: step.key, kind: step.kind, dueAt: iso(step.dueAt) };
      const changed = await condition(() => wakes(seen), Math.max(1, wait));
      waitingFor = null;
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
}
