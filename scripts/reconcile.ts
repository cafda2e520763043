// The reconciler of the process benchmarks (bench:load, chaos): what each case's pinned policy says must have been sent
// (src/ladder.ts plan, from the case's receipt, registration and arrival), against what the peers received and the
// cases' timelines: lost, duplicated (per case, step and recipient, whatever the channel), sent after arrival, unplanned,
// and lateness. Pure: the callers collect the cases and the messages.
import type { Level, Milestone } from '../src/domain.js';
import { parseDuration } from '../src/duration.js';
import { deadlineFor, plan, type PlannedStep } from '../src/ladder.js';
import type { CaseView } from '../src/messages.js';
import { ladderSpecFor, type Policy } from '../src/policy.js';
import { stats, type Stats } from './benchStack.js';

export interface ReconcileCase {
  caseId: string;
  level: Level;
  receivedAt: number;
  registeredAt: number;
  arrival?: { arrivedAt: number; reportedAt: number };
  view?: CaseView;
}

/** A message a peer accepted, with the case, step key and recipient it was for. */
export interface Received {
  at: number;
  answeredAt: number;
  channel: string;
  caseId?: string;
  key?: string;
  recipientId?: string;
}

export type StepKindOrAlert = PlannedStep['kind'] | 'alert';

export interface ExpectedMessage {
  caseId: string;
  key: string;
  recipientId: string;
  milestone: Milestone | 'alert';
  kind: StepKindOrAlert;
  dueAt: number;
}

export interface CaseSteps<C extends ReconcileCase> {
  c: C;
  /** Steps that must run (and be sent to their recipients). */
  must: PlannedStep[];
  /** Arrival steps due just before the arrival was recorded: may or may not run. */
  race: PlannedStep[];
  /** Arrival steps due after the arrival: must not run. */
  cancelled: PlannedStep[];
}

export interface Expectation<C extends ReconcileCase> {
  expected: Map<string, ExpectedMessage>;
  steps: PlannedStep[];
  perCase: Map<string, CaseSteps<C>>;
}

export const messageKey = (caseId: string | undefined, key: string | undefined, recipientId: string | undefined): string => `${caseId}|${key}|${recipientId}`;

/**
 * The plan of every case: its arrival ladder from receipt (the steps due more than `graceMs` before the arrival was
 * recorded must run, those due within it may, later ones must not), its closure-report ladder from the arrival, the
 * alert at registration; each to `recipientsOf(case, kind)`.
 */
export function computeExpectations<C extends ReconcileCase>(policy: Policy, all: C[], recipientsOf: (c: C, kind: StepKindOrAlert) => string[], graceMs: number): Expectation<C> {
  const expected = new Map<string, ExpectedMessage>();
  const steps: PlannedStep[] = [];
  const perCase = new Map<string, CaseSteps<C>>();
  for (const c of all) {
    const arrivalPlan = plan(policy, { milestone: 'arrival', level: c.level, startedAt: c.receivedAt, registeredAt: c.registeredAt, deadline: deadlineFor(policy, 'arrival', c.level, c.receivedAt), deadlineSetAt: c.registeredAt, explanation: 'none', done: {} }).steps;
    const cs: CaseSteps<C> = { c, must: [], race: [], cancelled: [] };
    for (const s of arrivalPlan) {
      if (!c.arrival || s.dueAt <= c.arrival.reportedAt - graceMs) cs.must.push(s);
      else if (s.dueAt <= c.arrival.reportedAt) cs.race.push(s);
      else cs.cancelled.push(s);
    }
    if (c.arrival) {
      const deadline = c.arrival.arrivedAt + parseDuration(ladderSpecFor(policy, 'closureReport', c.level).deadline);
      cs.must.push(...plan(policy, { milestone: 'closureReport', level: c.level, startedAt: c.arrival.arrivedAt, registeredAt: c.arrival.reportedAt, deadline, deadlineSetAt: c.arrival.reportedAt, explanation: 'none', done: {} }).steps);
    }
    perCase.set(c.caseId, cs);
    const add = (key: string, milestone: ExpectedMessage['milestone'], kind: StepKindOrAlert, dueAt: number): void => {
      for (const recipientId of recipientsOf(c, kind)) expected.set(messageKey(c.caseId, key, recipientId), { caseId: c.caseId, key, recipientId, milestone, kind, dueAt });
    };
    add('alert', 'alert', 'alert', c.registeredAt);
    for (const s of cs.must) {
      add(s.key, s.milestone, s.kind, s.dueAt);
      steps.push(s);
    }
  }
  return { expected, steps, perCase };
}

export interface ReconcileInput<C extends ReconcileCase> {
  expectation: Expectation<C>;
  cases: C[];
  /** Every accepted message, in the order the peers accepted them. */
  received: Received[];
  /** When workers were SIGKILLed. */
  kills: number[];
  /** A message accepted this close after the arrival was recorded counts as in flight, not sent after it. */
  graceMs: number;
  /** A duplicate whose first copy was accepted at most this long before a kill is the documented window (docs/alerts.md). */
  killWindowMs?: number;
  /** Keys (after caseId|) of messages sent besides the plan that are not counted as unexpected (e.g. undeliverable reports). */
  ignoreUnexpected?: (key: string) => boolean;
}

export interface Reconciliation {
  lost: number;
  lostStepNeverRan: number;
  lostExamples: string[];
  duplicated: number;
  duplicatedInKillWindow: number;
  duplicatedOutsideKillWindow: number;
  duplicateExamples: string[];
  sentAfterArrival: number;
  sentAfterArrivalStepStartedBefore: number;
  sentAfterArrivalStepStartedAfter: number;
  afterArrivalExamples: string[];
  unexpected: number;
  unexpectedExamples: string[];
  /** Timeline entry at − dueAt of every step in the timelines. */
  timelineStepMs: Stats;
  stepsInTimelines: number;
  /** First accepted copy − dueAt of every expected step message. */
  smsAfterDueMs: Stats;
  /** First accepted copy of the alert − registration. */
  alertSmsAfterRegistrationMs: Stats;
}

export function reconcile<C extends ReconcileCase>(input: ReconcileInput<C>): Reconciliation {
  const { expectation, received, kills, graceMs } = input;
  const killWindowMs = input.killWindowMs ?? 1500;
  const byKey = new Map<string, Received[]>();
  for (const m of received) {
    const k = messageKey(m.caseId, m.key, m.recipientId);
    const list = byKey.get(k);
    if (list) list.push(m);
    else byKey.set(k, [m]);
  }
  const caseById = new Map(input.cases.map((c) => [c.caseId, c]));

  // Lost: an expected message never accepted; split by whether the case's timeline shows the step at all.
  let lost = 0;
  let lostStepNeverRan = 0;
  const lostExamples: string[] = [];
  for (const [k, e] of expectation.expected) {
    if (byKey.has(k)) continue;
    lost++;
    const view = caseById.get(e.caseId)?.view;
    const ran = e.kind === 'alert' ? view?.timeline.some((t) => t.type === 'alert') : view?.timeline.some((t) => t.type === e.kind && t.milestone === e.milestone && t.dueAt === new Date(e.dueAt).toISOString());
    if (!ran) lostStepNeverRan++;
    if (lostExamples.length < 5) lostExamples.push(`${k} (due ${new Date(e.dueAt).toISOString()}, step ${ran ? 'in timeline' : 'not in timeline'})`);
  }

  // Duplicated: the same case, step and recipient accepted more than once. With kills: was a kill within the documented
  // window after the first copy (accepted, then the worker died before its heartbeat carried the progress)?
  let duplicated = 0;
  let duplicatedInKillWindow = 0;
  const duplicateExamples: string[] = [];
  for (const [k, list] of byKey) {
    if (list.length < 2) continue;
    duplicated += list.length - 1;
    const first = list[0]!;
    const inWindow = kills.some((t) => t >= first.at && t <= first.answeredAt + killWindowMs);
    if (inWindow) duplicatedInKillWindow += list.length - 1;
    if (duplicateExamples.length < 5) duplicateExamples.push(`${k} ×${list.length}${list.some((m) => m.channel !== 'sms') ? ` via ${list.map((m) => m.channel).join(', ')}` : ''} (first ${new Date(first.at).toISOString()}, ${inWindow ? `a kill within ${killWindowMs / 1000} s after it` : 'no kill near'})`);
  }

  // Sent after arrival: an arrival-milestone message (alert, reminders, 催办 …) accepted more than graceMs after the
  // arrival was recorded; split by whether the step itself had started before the arrival (its message in flight).
  let sentAfterArrival = 0;
  let sentAfterArrivalStepStartedBefore = 0;
  let sentAfterArrivalStepStartedAfter = 0;
  const afterArrivalExamples: string[] = [];
  let unexpected = 0;
  const unexpectedExamples: string[] = [];
  for (const [k, list] of byKey) {
    const first = list[0]!;
    const c = first.caseId ? caseById.get(first.caseId) : undefined;
    const key = first.key ?? '';
    const isArrivalMessage = key === 'alert' || key.startsWith('arrival.');
    if (c?.arrival && isArrivalMessage) {
      const late = list.filter((m) => m.at > c.arrival!.reportedAt + graceMs);
      if (late.length > 0) {
        sentAfterArrival += late.length;
        const cs = expectation.perCase.get(c.caseId)!;
        const step = [...cs.must, ...cs.race, ...cs.cancelled].find((s) => s.key === key);
        const entry = key === 'alert' ? c.view?.timeline.find((t) => t.type === 'alert') : c.view?.timeline.find((t) => step && t.type === step.kind && t.milestone === 'arrival' && t.dueAt === new Date(step.dueAt).toISOString());
        const stepBefore = entry !== undefined && Date.parse(entry.at) <= c.arrival.reportedAt;
        if (stepBefore) sentAfterArrivalStepStartedBefore += late.length;
        else sentAfterArrivalStepStartedAfter += late.length;
        if (afterArrivalExamples.length < 5) afterArrivalExamples.push(`${k}: sent ${((late[0]!.at - c.arrival.reportedAt) / 1000).toFixed(1)} s after the arrival was recorded; step ${entry ? `ran at ${entry.at}` : 'not in timeline'} (${stepBefore ? 'before' : 'after'} the arrival)`);
      }
    }
    if (!expectation.expected.has(k) && !input.ignoreUnexpected?.(key)) {
      const cs = c ? expectation.perCase.get(c.caseId) : undefined;
      const inRace = cs?.race.some((s) => s.key === key);
      const inCancelled = cs?.cancelled.some((s) => s.key === key);
      if (!inRace && !inCancelled) {
        unexpected += list.length;
        if (unexpectedExamples.length < 5) unexpectedExamples.push(`${k} ×${list.length}`);
      }
    }
  }

  // Lateness: timeline entry at − dueAt for every ladder step that ran; the first accepted message − dueAt for every
  // expected step message; the alert from registration to its first message.
  const timelineLate: number[] = [];
  let stepsInTimelines = 0;
  for (const c of input.cases) {
    for (const t of c.view?.timeline ?? []) {
      if (!t.dueAt) continue;
      stepsInTimelines++;
      timelineLate.push(Date.parse(t.at) - Date.parse(t.dueAt));
    }
  }
  const smsLate: number[] = [];
  const alertLate: number[] = [];
  for (const [k, e] of expectation.expected) {
    const list = byKey.get(k);
    if (!list) continue;
    (e.kind === 'alert' ? alertLate : smsLate).push(list[0]!.at - e.dueAt);
  }
  return {
    lost,
    lostStepNeverRan,
    lostExamples,
    duplicated,
    duplicatedInKillWindow,
    duplicatedOutsideKillWindow: duplicated - duplicatedInKillWindow,
    duplicateExamples,
    sentAfterArrival,
    sentAfterArrivalStepStartedBefore,
    sentAfterArrivalStepStartedAfter,
    afterArrivalExamples,
    unexpected,
    unexpectedExamples,
    timelineStepMs: stats(timelineLate),
    stepsInTimelines,
    smsAfterDueMs: stats(smsLate),
    alertSmsAfterRegistrationMs: stats(alertLate),
  };
}
