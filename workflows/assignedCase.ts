// 交办案件 on the ladder engine: acceptance decision, handling (pauses, approved extensions, progress reports), the
// written reply, then the petitioner's windows for 复查 and 复核 and their opinions. Deadlines come from the statutory
// rules over the pinned holiday calendar (src/duties/assignedCase.ts); none is ever set by hand.
import { setHandler, workflowInfo } from '@temporalio/workflow';
import { CLOCK_SKEW_MS } from '../src/messages.js';
import { SYSTEM_ACTOR, type Milestone } from '../src/domain.js';
import { ErrorType, businessFailure, parseOrReject } from '../src/errors.js';
import { toIso as iso } from '../src/time.js';
import { replanDeadline, type ComputedDeadline } from '../src/deadlines/rules.js';
import type { HolidayCalendar } from '../src/deadlines/calendar.js';
import {
  PAUSE_LABEL,
  SOURCE_LEVEL_LABEL,
  acceptanceDeadline,
  correctCalendarSchema,
  correctCalendarUpdate,
  pausedDays,
  assignedCaseRecordOf,
  assignedCaseViewOf,
  assignedOpening,
  assignedPlan,
  assignedStage,
  assignedYellowFrom,
  assignedLadder,
  caseIdForAssignment,
  deadlineEntry,
  deadlineRecordOf,
  deadlineRuns,
  decideAcceptanceSchema,
  decideAcceptanceUpdate,
  extendHandlingSchema,
  extendHandlingUpdate,
  handlingDeadline,
  isHighPriority,
  isPaused,
  opinionDeadline,
  pauseClockSchema,
  pauseClockUpdate,
  progressDueAt,
  reportProgressSchema,
  reportProgressUpdate,
  requestReviewSchema,
  requestReviewUpdate,
  requestWindowEnd,
  resumeClockSchema,
  resumeClockUpdate,
  submitOpinionSchema,
  submitOpinionUpdate,
  submitReplySchema,
  submitReplyUpdate,
  type AssignedCaseInput,
  type AssignedCaseParts,
  type AssignedCaseView,
} from '../src/duties/assignedCase.js';
import { CURRENT_FLAGS, createLadderEngine, ladderStateOf, REPORTING_ROLES, requireRole, SUPERVISING_ROLES, type LadderState } from './lib/ladderEngine.js';
import type { AudienceEvent } from '../src/policy.js';

/** Events the district leaders hear too when the case is a priority (挂牌督办, 联名信 ≥ 50). */
const PRIORITY_EVENTS: readonly AudienceEvent[] = ['alert', 'urge', 'supervise', 'deduction', 'extension', 'cancel', 'closure'];

export async function assignedCase(input: AssignedCaseInput): Promise<AssignedCaseView> {
  // The input is pinned: validated and fully defaulted by the API (src/duties/intake.ts).
  const { assignment, policy } = input;
  // The pinned input, but for its calendar: a corrected one replaces it (correctCalendarUpdate).
  const current: AssignedCaseInput = { ...input };
  const caseId = caseIdForAssignment(assignment.assignmentId);
  if (workflowInfo().workflowId !== caseId) throw businessFailure(ErrorType.InvalidInput, `must start as workflow ${caseId}`, 'assignmentId');
  const registeredAt = Date.parse(input.registeredAt);
  if (!(registeredAt <= Date.now() + CLOCK_SKEW_MS)) throw businessFailure(ErrorType.InvalidInput, 'must not be in the future', 'registeredAt');

  const opening = assignedOpening(caseId, input);
  const state: LadderState = ladderStateOf(opening);
  // The duty's own parts beside the engine's state.
  const own: Omit<AssignedCaseParts, 'caseId' | 'input' | keyof LadderState> = {
    phase: opening.phase,
    acceptance: null,
    handling: null,
    reply: null,
    review: null,
    reexamination: null,
    window: null,
    deadlines: opening.deadlines,
  };
  /** Progress reminders count from the last report (or acceptance, or the last reminder). */
  let progressBase: string | null = null;
  const parts = (): AssignedCaseParts => ({ caseId, input: current, ...state, ...own });
  const source = `${SOURCE_LEVEL_LABEL[assignment.sourceLevel]}（${assignment.assigningBody}${assignment.referenceNumber}）`;
  const priority = isHighPriority(assignment);

  const engine = createLadderEngine<AssignedCaseView>(
    {
      caseId,
      registeredAt,
      plan: (f) => assignedPlan(policy, f),
      points: (milestone) => assignedLadder(policy, milestone).points,
      yellowAt: () => assignedYellowFrom(policy, state.milestone, state.facts.deadline),
      stage: () => assignedStage(parts()),
      view: (now) => assignedCaseViewOf(parts(), now),
      recordOf: assignedCaseRecordOf,
      noticeFields: () => ({ receptionSite: source, duty: 'assignedCase' }),
      audience: (event) => {
        const roles = policy.audience[event];
        return priority && PRIORITY_EVENTS.includes(event) && !roles.includes('districtLeader') ? [...roles, 'districtLeader'] : roles;
      },
      documentFacts: () => ({ duty: 'assignedCase', receptionSite: source, receivedAt: assignment.receivedAt }),
      deductionFacts: (milestone) => ({ reason: `交办信访事项${milestone === 'acceptance' ? '受理告知' : milestone === 'handling' ? '办理答复' : milestone === 'review' ? '复查' : '复核'}逾期，经催办、督办仍未办结且无情况说明` }),
      showsDeadline: () => deadlineRuns(parts()),
      timed: () => {
        if (state.status !== 'open') return undefined;
        if ((own.phase === 'reviewWindow' || own.phase === 'reexaminationWindow') && own.window) {
          const kind = own.window.kind;
          return { at: Date.parse(own.window.endsAt), fire: () => windowLapsed(kind) };
        }
        if (own.phase === 'handling' && !isPaused(parts()) && progressBase !== null) {
          const due = progressDueAt(policy, progressBase);
          return { at: Date.parse(due), fire: () => progressOverdue(due) };
        }
        return undefined;
      },
    },
    CURRENT_FLAGS,
    state,
  );
  const { record, queueNotice, factsChanged, ack, requireOpen } = engine;

  /** A new deadline of the current milestone: the facts, the view's list and a 'deadlineSet' entry. */
  const setDeadline = (milestone: Milestone, computed: ComputedDeadline, startedAt: number, keepDone: boolean): void => {
    const now = Date.now();
    state.milestone = milestone;
    state.facts = {
      milestone,
      startedAt,
      registeredAt: keepDone ? state.facts.registeredAt : now,
      deadline: Date.parse(computed.deadline),
      deadlineSetAt: now,
      explanation: keepDone ? state.facts.explanation : 'none',
      ...(keepDone && state.facts.explanationDecidedAt !== undefined ? { explanationDecidedAt: state.facts.explanationDecidedAt } : {}),
      done: keepDone ? state.facts.done : {},
    };
    if (!keepDone) state.explanation = { status: 'none', milestone: null };
    own.deadlines = [...own.deadlines, deadlineRecordOf(milestone, computed)];
    const entry = deadlineEntry(milestone, computed, iso(now), state.timeline.length + 1);
    record({ type: entry.type, milestone, actor: SYSTEM_ACTOR, ...(entry.reason ? { reason: entry.reason } : {}), ...(entry.detail ? { detail: entry.detail } : {}) });
  };

  const close = (): void => {
    const entry = record({ type: 'closed', actor: SYSTEM_ACTOR });
    queueNotice('closure', `closure.${entry.seq}`);
    state.status = 'closed';
  };

  const windowLapsed = (kind: 'review' | 'reexamination'): void => {
    record({ type: 'windowLapsed', milestone: kind, actor: SYSTEM_ACTOR, reason: kind === 'review' ? '答复后申请复查期限届满，未申请复查' : '复查意见后申请复核期限届满，未申请复核' });
    close();
    factsChanged();
  };

  const progressOverdue = (due: string): void => {
    record({ type: 'progressOverdue', milestone: 'handling', actor: SYSTEM_ACTOR, dueAt: due, reason: `已${policy.progressEveryDays}日未报送办理进展` });
    queueNotice('reminder', `progress.${due}`, { progress: policy.progressEveryDays });
    progressBase = due;
    factsChanged();
  };

  const recomputeHandling = (): ComputedDeadline => {
    const h = own.handling!;
    return handlingDeadline(policy, h.acceptedAt, h.extensionDays, h.pauses, current.calendar);
  };

  const notInFuture = (at: string, field: string): number => {
    const ms = Date.parse(at);
    if (ms > Date.now() + CLOCK_SKEW_MS) throw businessFailure(ErrorType.InvalidInput, 'must not be in the future', field);
    return ms;
  };

  // Handlers are set before the first await.
  engine.setCommonHandlers();

  setHandler(
    decideAcceptanceUpdate,
    (raw) => {
      const { decision, writtenNoticeAt, reason, actor } = decideAcceptanceSchema.parse(raw);
      const now = Date.now();
      own.acceptance = { decision, decidedAt: iso(now), writtenNoticeAt: iso(Date.parse(writtenNoticeAt)), onTime: now <= state.facts.deadline };
      record({ type: 'acceptanceDecided', milestone: 'acceptance', actor, ...(reason ? { reason } : {}), detail: { decision, writtenNoticeAt: iso(Date.parse(writtenNoticeAt)), onTime: own.acceptance.onTime } });
      if (decision === 'notAccepted') {
        close();
      } else {
        own.phase = 'handling';
        own.handling = { acceptedAt: iso(now), budgetDays: policy.handling.days, extensionDays: 0, pausedDays: 0, pauses: [], extensions: [], lastProgressAt: null };
        progressBase = iso(now);
        setDeadline('handling', recomputeHandling(), now, false);
      }
      factsChanged();
      return Promise.resolve(ack());
    },
    {
      validator: (raw) => {
        requireOpen();
        const input = parseOrReject(decideAcceptanceSchema, raw);
        requireRole(input.actor, REPORTING_ROLES);
        if (own.phase !== 'acceptance') throw businessFailure(ErrorType.InvalidState, 'acceptance was already decided', 'decision');
        if (input.decision === 'notAccepted' && !input.reason) throw businessFailure(ErrorType.InvalidInput, 'is required when the matter is not accepted', 'reason');
        const at = notInFuture(input.writtenNoticeAt, 'writtenNoticeAt');
        if (at < Date.parse(assignment.receivedAt) - CLOCK_SKEW_MS) throw businessFailure(ErrorType.InvalidInput, 'must not be before the assignment was received', 'writtenNoticeAt');
      },
    },
  );

  setHandler(
    pauseClockUpdate,
    (raw) => {
      const { pauseKind, reason, approverId, actor } = pauseClockSchema.parse(raw);
      const now = iso(Date.now());
      own.handling = { ...own.handling!, pauses: [...own.handling!.pauses, { pauseKind, reason, approverId, from: now, to: null }] };
      record({ type: 'clockPaused', milestone: 'handling', actor, reason, detail: { pauseKind, label: PAUSE_LABEL[pauseKind], approverId } });
      factsChanged();
      return Promise.resolve(ack());
    },
    {
      validator: (raw) => {
        requireOpen();
        const input = parseOrReject(pauseClockSchema, raw);
        requireRole(input.actor, SUPERVISING_ROLES);
        if (own.phase !== 'handling') throw businessFailure(ErrorType.InvalidState, 'only the handling clock can be paused', 'pauseKind');
        if (isPaused(parts())) throw businessFailure(ErrorType.InvalidState, 'the clock is already paused', 'pauseKind');
      },
    },
  );

  setHandler(
    resumeClockUpdate,
    (raw) => {
      const { note, actor } = resumeClockSchema.parse(raw);
      const now = Date.now();
      const pauses = own.handling!.pauses.map((p) => (p.to === null ? { ...p, to: iso(now) } : p));
      own.handling = { ...own.handling!, pauses };
      const computed = recomputeHandling();
      own.handling = { ...own.handling, pausedDays: pausedDays(pauses) };
      record({ type: 'clockResumed', milestone: 'handling', actor, ...(note ? { reason: note } : {}), detail: { pausedDays: own.handling.pausedDays } });
      progressBase = iso(now);
      setDeadline('handling', computed, Date.parse(own.handling.acceptedAt), true);
      factsChanged();
      return Promise.resolve(ack());
    },
    {
      validator: (raw) => {
        requireOpen();
        requireRole(parseOrReject(resumeClockSchema, raw).actor, SUPERVISING_ROLES);
        if (!isPaused(parts())) throw businessFailure(ErrorType.InvalidState, 'the clock is not paused', 'status');
      },
    },
  );

  setHandler(
    extendHandlingUpdate,
    (raw) => {
      const { days, reason, approverId, petitionerNotifiedAt, actor } = extendHandlingSchema.parse(raw);
      const from = state.facts.deadline;
      const h = own.handling!;
      own.handling = { ...h, extensionDays: h.extensionDays + days, extensions: [...h.extensions, { days, reason, approverId, petitionerNotifiedAt: iso(Date.parse(petitionerNotifiedAt)), at: iso(Date.now()) }] };
      const computed = recomputeHandling();
      const entry = record({ type: 'deadlineExtended', milestone: 'handling', actor, reason, detail: { days, approverId, petitionerNotifiedAt: iso(Date.parse(petitionerNotifiedAt)), from: iso(from), to: computed.deadline } });
      setDeadline('handling', computed, Date.parse(h.acceptedAt), true);
      queueNotice('extension', `extension.${entry.seq}`, { reason, days });
      factsChanged();
      return Promise.resolve(ack());
    },
    {
      validator: (raw) => {
        requireOpen();
        const input = parseOrReject(extendHandlingSchema, raw);
        requireRole(input.actor, SUPERVISING_ROLES);
        if (own.phase !== 'handling') throw businessFailure(ErrorType.InvalidState, 'only the handling limit can be extended', 'days');
        const left = policy.handling.maxExtensionDays - own.handling!.extensionDays;
        if (input.days > left) throw businessFailure(ErrorType.InvalidInput, `must be at most ${left} (the handling limit may be extended by ${policy.handling.maxExtensionDays} days in all)`, 'days');
        notInFuture(input.petitionerNotifiedAt, 'petitionerNotifiedAt');
      },
    },
  );

  setHandler(
    reportProgressUpdate,
    (raw) => {
      const { text, actor } = reportProgressSchema.parse(raw);
      const now = iso(Date.now());
      own.handling = { ...own.handling!, lastProgressAt: now };
      progressBase = now;
      record({ type: 'progressReported', milestone: 'handling', actor, reason: text });
      factsChanged();
      return Promise.resolve(ack());
    },
    {
      validator: (raw) => {
        requireOpen();
        requireRole(parseOrReject(reportProgressSchema, raw).actor, REPORTING_ROLES);
        if (own.phase !== 'handling') throw businessFailure(ErrorType.InvalidState, 'progress is reported while the case is handled', 'text');
      },
    },
  );

  setHandler(
    submitReplyUpdate,
    (raw) => {
      const { result, writtenReplyAt, actor } = submitReplySchema.parse(raw);
      const now = Date.now();
      own.reply = { result, repliedAt: iso(now), writtenReplyAt: iso(Date.parse(writtenReplyAt)), onTime: now <= state.facts.deadline };
      record({ type: 'replied', milestone: 'handling', actor, reason: result, detail: { writtenReplyAt: own.reply.writtenReplyAt, onTime: own.reply.onTime } });
      openWindow('review', now);
      factsChanged();
      return Promise.resolve(ack());
    },
    {
      validator: (raw) => {
        requireOpen();
        const input = parseOrReject(submitReplySchema, raw);
        requireRole(input.actor, REPORTING_ROLES);
        if (own.phase !== 'handling') throw businessFailure(ErrorType.InvalidState, own.phase === 'acceptance' ? 'acceptance must be decided first' : 'the reply was already given', 'result');
        if (isPaused(parts())) throw businessFailure(ErrorType.InvalidState, 'the clock is paused: resume it first', 'status');
        notInFuture(input.writtenReplyAt, 'writtenReplyAt');
      },
    },
  );

  /** The petitioner's window for 复查 (after the reply) or 复核 (after the 复查 opinion): no duty on the unit meanwhile. */
  const openWindow = (kind: 'review' | 'reexamination', from: number): void => {
    const end = requestWindowEnd(policy, kind, iso(from), current.calendar);
    own.phase = kind === 'review' ? 'reviewWindow' : 'reexaminationWindow';
    own.window = { kind, endsAt: end.deadline };
    state.waitingFor = null;
    record({ type: 'deadlineSet', milestone: kind, actor: SYSTEM_ACTOR, reason: `申请${kind === 'review' ? '复查' : '复核'}期限：${end.note}`, detail: { deadline: end.deadline, rule: end.rule.rule, calendarVersion: end.calendarVersion, calendarDataMissing: end.calendarDataMissing, window: true } });
  };

  setHandler(
    requestReviewUpdate,
    (raw) => {
      const { requestedAt, actor } = requestReviewSchema.parse(raw);
      const kind = own.window!.kind;
      const at = iso(Date.parse(requestedAt));
      if (kind === 'review') own.review = { requestedAt: at, opinion: null, opinionAt: null };
      else own.reexamination = { requestedAt: at, opinion: null, opinionAt: null };
      record({ type: 'reviewRequested', milestone: kind, actor, detail: { requestedAt: at, kind } });
      own.phase = kind;
      own.window = null;
      setDeadline(kind, opinionDeadline(policy, kind, at, current.calendar), Date.parse(at), false);
      queueNotice('alert', `alert.${kind}`);
      factsChanged();
      return Promise.resolve(ack());
    },
    {
      validator: (raw) => {
        requireOpen();
        const input = parseOrReject(requestReviewSchema, raw);
        requireRole(input.actor, SUPERVISING_ROLES.concat('intake'));
        if (!own.window) throw businessFailure(ErrorType.InvalidState, 'no window for 复查 or 复核 is open', 'requestedAt');
        const at = notInFuture(input.requestedAt, 'requestedAt');
        const opened = Date.parse(own.window.kind === 'review' ? own.reply!.repliedAt : own.review!.opinionAt!);
        if (at < opened - CLOCK_SKEW_MS) throw businessFailure(ErrorType.InvalidInput, 'must not be before the reply it asks to review', 'requestedAt');
        if (at > Date.parse(own.window.endsAt)) throw businessFailure(ErrorType.InvalidInput, `must be within the window ending ${own.window.endsAt}`, 'requestedAt');
      },
    },
  );

  setHandler(
    submitOpinionUpdate,
    (raw) => {
      const { opinion, writtenOpinionAt, actor } = submitOpinionSchema.parse(raw);
      const now = Date.now();
      const kind = own.phase as 'review' | 'reexamination';
      const given = { opinion, opinionAt: iso(now) };
      if (kind === 'review') own.review = { ...own.review!, ...given };
      else own.reexamination = { ...own.reexamination!, ...given };
      record({ type: 'opinionGiven', milestone: kind, actor, reason: opinion, detail: { kind, writtenOpinionAt: iso(Date.parse(writtenOpinionAt)), onTime: now <= state.facts.deadline } });
      if (kind === 'review') openWindow('reexamination', now);
      else close();
      factsChanged();
      return Promise.resolve(ack());
    },
    {
      validator: (raw) => {
        requireOpen();
        const input = parseOrReject(submitOpinionSchema, raw);
        requireRole(input.actor, REPORTING_ROLES);
        if (own.phase !== 'review' && own.phase !== 'reexamination') throw businessFailure(ErrorType.InvalidState, 'no 复查 or 复核 was requested', 'opinion');
        notInFuture(input.writtenOpinionAt, 'writtenOpinionAt');
      },
    },
  );

  /** The deadline that runs now (or the petitioner's window), how it is counted, and from when; null when none runs. */
  const running = (): { milestone: Milestone; window: boolean; startIso: string; count: (cal: HolidayCalendar) => ComputedDeadline } | null => {
    switch (own.phase) {
      case 'acceptance':
        return { milestone: 'acceptance', window: false, startIso: assignment.receivedAt, count: (cal) => acceptanceDeadline(policy, assignment.receivedAt, cal) };
      case 'handling': {
        if (isPaused(parts())) return null;
        const h = own.handling!;
        return { milestone: 'handling', window: false, startIso: h.acceptedAt, count: (cal) => handlingDeadline(policy, h.acceptedAt, h.extensionDays, h.pauses, cal) };
      }
      case 'review':
      case 'reexamination': {
        const kind = own.phase;
        const requestedAt = (kind === 'review' ? own.review : own.reexamination)!.requestedAt;
        return { milestone: kind, window: false, startIso: requestedAt, count: (cal) => opinionDeadline(policy, kind, requestedAt, cal) };
      }
      case 'reviewWindow':
      case 'reexaminationWindow': {
        const kind = own.window!.kind;
        const from = kind === 'review' ? own.reply!.repliedAt : own.review!.opinionAt!;
        return { milestone: kind, window: true, startIso: from, count: (cal) => requestWindowEnd(policy, kind, from, cal) };
      }
      default:
        return null;
    }
  };

  setHandler(
    correctCalendarUpdate,
    (raw) => {
      const { calendar: corrected, actor } = correctCalendarSchema.parse(raw);
      const before = current.calendar;
      const now = running();
      current.calendar = corrected;
      if (!now) {
        record({ type: 'calendarCorrected', actor, reason: `节假日日历已更正（${before.version} → ${corrected.version}）；当前无计时中的期限，此后的期限按新日历计算`, detail: { calendarVersion: corrected.version, previousCalendarVersion: before.version } });
      } else {
        const previous = now.count(before);
        const replanned = replanDeadline(previous, now.startIso, corrected)!;
        const next = replanned.next;
        record({
          type: 'calendarCorrected',
          milestone: now.milestone,
          actor,
          reason: replanned.note,
          detail: { previousDeadline: previous.deadline, deadline: next.deadline, calendarVersion: corrected.version, previousCalendarVersion: before.version, calendarDataMissing: next.calendarDataMissing },
        });
        if (now.window) own.window = { kind: own.window!.kind, endsAt: next.deadline };
        else if (replanned.changed) setDeadline(now.milestone, next, state.facts.startedAt, true);
        else own.deadlines = [...own.deadlines, deadlineRecordOf(now.milestone, next)];
      }
      factsChanged();
      return Promise.resolve(ack());
    },
    {
      validator: (raw) => {
        requireOpen();
        const input = parseOrReject(correctCalendarSchema, raw);
        requireRole(input.actor, SUPERVISING_ROLES);
        if (input.calendar.version === current.calendar.version) throw businessFailure(ErrorType.InvalidState, `the case already counts with calendar ${current.calendar.version}`, 'calendar.version');
      },
    },
  );

  return engine.run();
}
