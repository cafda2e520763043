// The escalated-visit case: alert, remind, 催办 → 督办 → deduction, per milestone, until closed or cancelled.
// One duty on the ladder engine (workflows/lib/ladderEngine.ts): here only its facts, its patches and its own updates.
import { patched, setHandler, workflowInfo } from '@temporalio/workflow';
import { caseViewOf, openingDeductions, openingFacts, openingTimeline, stageOf } from '../src/caseOpening.js';
import { caseRecordOf } from '../src/caseRecord.js';
import { SYSTEM_ACTOR, caseIdForNotice, type Actor } from '../src/domain.js';
import { ErrorType, businessFailure, fieldIssues, invalidInput, parseOrReject } from '../src/errors.js';
import { toIso as iso } from '../src/time.js';
import { parseDuration } from '../src/duration.js';
import { deadlineFor, plan } from '../src/ladder.js';
import {
  CLOCK_SKEW_MS,
  extendDeadlineSchema,
  extendDeadlineUpdate,
  noticeSchema,
  reportArrivalSchema,
  reportArrivalUpdate,
  submitClosureReportSchema,
  submitClosureReportUpdate,
  type CaseView,
  type EscalatedVisitInput,
} from '../src/messages.js';
import { ladderSpecFor, policySchema } from '../src/policy.js';
import { yellowFrom } from '../src/colour.js';
import { createLadderEngine, REPORTING_ROLES, requireRole, SUPERVISING_ROLES, type LadderFlags, type LadderState } from './lib/ladderEngine.js';

/** Histories recorded before the records of account moved to PostgreSQL (facts, documents, ledger in the background). */
const RECORDS_PATCH = 'records-in-database';
/**
 * Histories recorded before the case wrote only its new facts and columns per change (the whole view went with every
 * write, so the history grew with the square of the timeline).
 */
const DELTA_RECORDS_PATCH = 'records-delta';
/** Histories recorded before a step's record rode on its notify (one activity per step instead of two). */
const RECORDS_RIDE_NOTIFY_PATCH = 'records-ride-notify';
/** Histories recorded before a unit's backdated arrival counted as the report's time (policy arrival.maxBackdate). */
const ARRIVAL_BACKDATE_PATCH = 'arrival-backdate-rule';
/**
 * Histories recorded before a step's sends ran beside the loop (the loop awaited each step's notify before arming the
 * next timer, so a slow provider made later steps late).
 */
const SENDS_BESIDE_LOOP_PATCH = 'sends-beside-loop';
/** Histories recorded before the case kept its colour (DubanColour) and woke at the yellow window to change it. */
const COLOUR_ATTRIBUTE_PATCH = 'colour-attribute';
/**
 * Histories recorded before a change's record waited for the notice the idle sender was about to take (since the sends
 * went beside the loop, the recorder took every change first and a step cost two activities again).
 */
const RECORDS_RIDE_BESIDE_PATCH = 'records-ride-beside';
/** Histories recorded before the workflow took its input as pinned (it re-parsed notice and policy with the schemas). */
const PINNED_INPUT_PATCH = 'pinned-input';
/**
 * Histories recorded before one marker stood for every patch above and the engine's (each patch's marker also upserts
 * TemporalChangeVersion: ten markers and ten search-attribute writes per case, about a fifth of a ladder's events).
 * Deprecation: once no case started before it is open, drop the other patches' old branches, then this one.
 */
const ONE_MARKER_PATCH = 'visit-patches-2026-12';

function parsedInput(input: EscalatedVisitInput): Pick<EscalatedVisitInput, 'notice' | 'policy'> {
  const notice = parseOrReject(noticeSchema, input.notice);
  const policyResult = policySchema.safeParse(input.policy);
  if (!policyResult.success) throw invalidInput(fieldIssues(policyResult.error, 'policy'));
  return { notice, policy: policyResult.data };
}

/** The receiving office: may record an arrival earlier than policy.arrival.maxBackdate allows a unit, with a reason. */
const OFFICE_ROLES: readonly Actor['role'][] = ['supervisor', 'admin', 'intake'];

export async function escalatedVisit(input: EscalatedVisitInput): Promise<CaseView> {
  // Since the patch the input is taken as pinned: validated and fully defaulted at the edge (src/cases.ts), never
  // re-parsed with today's schemas, so a tightened schema or a changed default cannot change or fail an open case.
  // Since the patch a new case takes every behaviour below with one marker; older histories ask each patch as before.
  const current = patched(ONE_MARKER_PATCH);
  const pinnedInput = current || patched(PINNED_INPUT_PATCH);
  const { notice, policy } = pinnedInput ? input : parsedInput(input);
  const caseId = caseIdForNotice(notice.noticeId);
  if (workflowInfo().workflowId !== caseId) throw businessFailure(ErrorType.InvalidInput, `must start as workflow ${caseId}`, 'noticeId');

  const receivedAt = Date.parse(notice.receivedAt);
  // The API's clock when it started the case (it answered with the view built on it); older starts carry none.
  const registeredAt = input.registeredAt !== undefined ? Date.parse(input.registeredAt) : Date.now();
  if (!(registeredAt <= Date.now() + CLOCK_SKEW_MS)) throw businessFailure(ErrorType.InvalidInput, 'must not be in the future', 'registeredAt');
  if (receivedAt > registeredAt + CLOCK_SKEW_MS) throw businessFailure(ErrorType.InvalidInput, 'must not be in the future', 'receivedAt');

  // Decided once per case: a case started before the change keeps the old behaviour for its whole life.
  const recordsInDatabase = current || patched(RECORDS_PATCH);
  const recordsDelta = recordsInDatabase && (current || patched(DELTA_RECORDS_PATCH));
  const recordsRide = recordsDelta && (current || patched(RECORDS_RIDE_NOTIFY_PATCH));
  const arrivalBackdateRule = current || patched(ARRIVAL_BACKDATE_PATCH);
  const sendsBeside = recordsRide && (current || patched(SENDS_BESIDE_LOOP_PATCH));
  const colourAttribute = current || patched(COLOUR_ATTRIBUTE_PATCH);
  const rideBeside = sendsBeside && (current || patched(RECORDS_RIDE_BESIDE_PATCH));
  const flags: LadderFlags = { recordsInDatabase, recordsDelta, recordsRide, sendsBeside, colourAttribute, rideBeside, ...(current ? { enginePatchesImplied: true } : {}) };
  const maxBackdateMs = parseDuration(policy.arrival.maxBackdate);
  const pinned: EscalatedVisitInput = { ...input, notice, policy };
  const facts = openingFacts(pinned, registeredAt);
  const state: LadderState = {
    unit: input.unit,
    status: 'open',
    milestone: 'arrival',
    facts,
    explanation: { status: 'none', milestone: null },
    deductions: openingDeductions(pinned, facts, caseId),
    waitingFor: null,
    // Before any handler is set: an update delivered with the first task comes after the registration.
    timeline: openingTimeline(pinned, registeredAt),
  };
  let arrival: CaseView['arrival'] = null;
  let closureReport: CaseView['closureReport'] = null;

  const view = (now: number): CaseView =>
    caseViewOf({ caseId, input: pinned, unit: state.unit, status: state.status, milestone: state.milestone, facts: state.facts, arrival, explanation: state.explanation, closureReport, deductions: state.deductions, waitingFor: state.waitingFor, timeline: state.timeline }, now);

  const engine = createLadderEngine<CaseView>(
    {
      caseId,
      registeredAt,
      plan: (f) => plan(policy, f),
      points: (milestone) => ladderSpecFor(policy, milestone, notice.level).points,
      yellowAt: () => yellowFrom(policy, state.milestone, notice.level, state.facts.deadline),
      stage: () => stageOf(state.status, state.milestone, state.facts),
      view,
      recordOf: caseRecordOf,
      noticeFields: () => ({ level: notice.level, receptionSite: notice.receptionSite }),
      audience: (event) => policy.audience[event],
      documentFacts: (step) => ({
        level: notice.level,
        receptionSite: notice.receptionSite,
        headcount: notice.headcount,
        receivedAt: iso(receivedAt),
        ...(step.milestone === 'closureReport' && arrival ? { arrivedAt: arrival.arrivedAt } : {}),
      }),
      deductionFacts: (milestone) => ({ level: notice.level, reason: `${milestone === 'arrival' ? '接人' : '报结'}逾期，经催办、督办仍未办结且无情况说明` }),
    },
    flags,
    state,
  );
  const { record, queueNotice, factsChanged, ack, requireOpen } = engine;

  // Handlers are set before the first await.
  engine.setCommonHandlers();

  setHandler(
    reportArrivalUpdate,
    (raw) => {
      const { leaderId, arrivedAt, note, actor } = reportArrivalSchema.parse(raw);
      const claimed = Date.parse(arrivedAt);
      const reportedAt = Date.now();
      // A unit's claim further back than the policy allows counts as its report's time; the office may go further.
      const backdatedTooFar = arrivalBackdateRule && reportedAt - claimed > maxBackdateMs && !OFFICE_ROLES.includes(actor.role);
      const at = backdatedTooFar ? reportedAt : claimed;
      arrival = { leaderId, leaderRole: state.unit.leaders.find((l) => l.id === leaderId)!.role, arrivedAt: iso(at), onTime: at <= state.facts.deadline };
      record({
        type: 'arrival',
        // Dated at the report, so the timeline stays in time order; the accepted and the claimed time are kept.
        at: iso(arrivalBackdateRule ? reportedAt : at),
        milestone: 'arrival',
        actor,
        ...(note ? { reason: note } : {}),
        detail: { leaderId, onTime: arrival.onTime, reportedAt: iso(reportedAt), ...(arrivalBackdateRule ? { arrivedAt: iso(at), claimedArrivedAt: iso(claimed) } : {}) },
      });
      state.milestone = 'closureReport';
      const now = Date.now();
      state.facts = {
        milestone: 'closureReport',
        level: notice.level,
        startedAt: at,
        registeredAt: now,
        deadline: deadlineFor(policy, 'closureReport', notice.level, at),
        deadlineSetAt: now,
        explanation: 'none',
        done: {},
      };
      state.explanation = { status: 'none', milestone: null };
      factsChanged();
      return Promise.resolve(ack());
    },
    {
      validator: (raw) => {
        requireOpen();
        const input = parseOrReject(reportArrivalSchema, raw);
        requireRole(input.actor, REPORTING_ROLES);
        if (state.milestone !== 'arrival') throw businessFailure(ErrorType.InvalidState, 'arrival was already reported', 'leaderId');
        const leader = state.unit.leaders.find((l) => l.id === input.leaderId);
        if (!leader || !policy.arrival.whoMustArrive.includes(leader.role)) {
          throw businessFailure(ErrorType.InvalidInput, `is not a principal leader or leader in charge of unit ${state.unit.id}`, 'leaderId');
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
    extendDeadlineUpdate,
    (raw) => {
      const { newDeadline, reason, actor } = extendDeadlineSchema.parse(raw);
      const from = state.facts.deadline;
      const to = Date.parse(newDeadline);
      state.facts = { ...state.facts, deadline: to, deadlineSetAt: Date.now() };
      const entry = record({ type: 'deadlineExtended', milestone: state.milestone, actor, reason, detail: { from: iso(from), to: iso(to) } });
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
        if (to <= state.facts.deadline) throw businessFailure(ErrorType.InvalidInput, `must be later than the current deadline ${iso(state.facts.deadline)}`, 'newDeadline');
        if (to <= Date.now()) throw businessFailure(ErrorType.InvalidInput, 'must be in the future', 'newDeadline');
      },
    },
  );

  setHandler(
    submitClosureReportUpdate,
    (raw) => {
      const { result, actor } = submitClosureReportSchema.parse(raw);
      const now = Date.now();
      closureReport = { result, reportedAt: iso(now) };
      record({ type: 'closureReport', milestone: 'closureReport', actor, reason: result, detail: { onTime: now <= state.facts.deadline } });
      const entry = record({ type: 'closed', actor: SYSTEM_ACTOR });
      queueNotice('closure', `closure.${entry.seq}`);
      state.status = 'closed';
      factsChanged();
      return Promise.resolve(ack());
    },
    {
      validator: (raw) => {
        requireOpen();
        const input = parseOrReject(submitClosureReportSchema, raw);
        requireRole(input.actor, REPORTING_ROLES);
        if (state.milestone !== 'closureReport') throw businessFailure(ErrorType.InvalidState, 'arrival must be reported first', 'result');
      },
    },
  );

  return engine.run();
}
