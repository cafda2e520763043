// The arrival ladder of one level under time skipping, with the policy's numbers written out as expectations.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { Level } from '../src/domain.js';
import {
  decideExplanationUpdate,
  reportArrivalUpdate,
  submitClosureReportUpdate,
  submitExplanationUpdate,
  type CaseView,
} from '../src/messages.js';
import { shanghaiYear } from '../src/domain.js';
import { readLedger } from '../src/records/ledger.js';
import {
  H,
  createTimeSkippingEnv,
  finishedResult,
  expectStepsOnTime,
  hoursOf,
  sampleNotice,
  skipTo,
  startHarness,
  startVisit,
  supervisor,
  unitActor,
  view,
  waitForStep,
  type Harness,
  updateThenRead,
} from './helpers.js';

export interface LevelExpectation {
  level: Level;
  /** hours after receipt */
  reminders: number[];
  deadline: number;
  supervise: number;
  deduction: number;
  overdueReminders: number[];
  points: number;
}

export function defineLevelScenarios(x: LevelExpectation): void {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(await createTimeSkippingEnv());
  }, 60_000);
  afterEach(async () => {
    await h.terminateOpen();
  });
  afterAll(async () => {
    await h?.stop();
  });

  const reminders = x.reminders.map((t): [string, number] => ['reminder', t]);
  const overdueUntil = (t: number): [string, number][] => x.overdueReminders.filter((o) => o <= t).map((o) => ['overdueReminder', o]);
  const arrive = async (c: Awaited<ReturnType<typeof startVisit>>, t0: number, hours: number): Promise<CaseView> => {
    await skipTo(h, t0, hours);
    return updateThenRead(c.handle, reportArrivalUpdate, { leaderId: 'wuli-gov-wang', arrivedAt: new Date(t0 + hours * H).toISOString(), actor: unitActor });
  };

  describe(`${x.level}: arrival within ${x.deadline} h`, () => {
    test('arrival on time: no escalation; the closure report becomes the next milestone; closure ends the case', async () => {
      const t0 = await h.env.currentTimeMs();
      const c = await startVisit(h, sampleNotice(x.level, t0));
      await waitForStep(c, `arrival.reminder.${x.deadline - x.reminders[0]!}h@${t0 + x.deadline * H}`);
      const arrived = await arrive(c, t0, x.reminders[0]! / 2);
      expect(hoursOf(arrived)).toEqual([
        ['registered', 0],
        ['alert', 0],
        ['arrival', x.reminders[0]! / 2],
      ]);
      expect(arrived.arrival).toMatchObject({ leaderId: 'wuli-gov-wang', leaderRole: 'inCharge', onTime: true });
      expect(arrived.stage).toBe('closureReport.pending');
      expect(Date.parse(arrived.deadline!) - t0).toBe(x.reminders[0]! / 2 * H + 15 * 24 * H);
      const closed = await updateThenRead(c.handle, submitClosureReportUpdate, { result: '已接回并书面报结果', actor: unitActor });
      expect(closed.status).toBe('closed');
      expect(closed.timeline.map((e) => e.type).slice(-2)).toEqual(['closureReport', 'closed']);
      const result = await finishedResult(c);
      expect(result.stage).toBe('closed');
      expect(result.policyVersion).toBe('2026.1');
    });

    test(`arrival after 催办 (at ${x.deadline} h): reminders and 催办 only`, async () => {
      const t0 = await h.env.currentTimeMs();
      const c = await startVisit(h, sampleNotice(x.level, t0));
      await waitForStep(c, `arrival.reminder.${x.deadline - x.reminders[0]!}h@${t0 + x.deadline * H}`);
      await skipTo(h, t0, x.deadline + 0.25);
      const urged = await view(c);
      expect(urged.stage).toBe('arrival.urge');
      expect(urged.overdue).toBe(true);
      const arrived = await arrive(c, t0, x.deadline + 0.5);
      expect(hoursOf(arrived)).toEqual([['registered', 0], ['alert', 0], ...reminders, ['urge', x.deadline], ['documentIssued', x.deadline], ['arrival', x.deadline + 0.5]]);
      expect(arrived.arrival!.onTime).toBe(false);
      expect(arrived.overdue).toBe(false);
      expectStepsOnTime(arrived);
    });

    test(`arrival after 督办 (at ${x.supervise} h)`, async () => {
      const t0 = await h.env.currentTimeMs();
      const c = await startVisit(h, sampleNotice(x.level, t0));
      await waitForStep(c, `arrival.reminder.${x.deadline - x.reminders[0]!}h@${t0 + x.deadline * H}`);
      const arrived = await arrive(c, t0, x.supervise + 0.5);
      expect(hoursOf(arrived)).toEqual(
        [
          ['registered', 0],
          ['alert', 0],
          ...reminders,
          ['urge', x.deadline],
          ['documentIssued', x.deadline],
          ...overdueUntil(x.supervise),
          ['supervise', x.supervise],
          ['documentIssued', x.supervise],
          ['arrival', x.supervise + 0.5],
        ],
      );
      expect(arrived.deductions).toEqual([]);
      expectStepsOnTime(arrived);
    });

    test(`never arrives: one deduction of ${x.points} points at ${x.deduction} h, recorded in the unit's ledger`, async () => {
      const t0 = await h.env.currentTimeMs();
      const c = await startVisit(h, sampleNotice(x.level, t0));
      await waitForStep(c, `arrival.reminder.${x.deadline - x.reminders[0]!}h@${t0 + x.deadline * H}`);
      await skipTo(h, t0, x.deduction + 48);
      const v = await view(c);
      expect(hoursOf(v)).toEqual([
        ['registered', 0],
        ['alert', 0],
        ...reminders,
        ['urge', x.deadline],
        ['documentIssued', x.deadline],
        ...overdueUntil(x.supervise),
        ['supervise', x.supervise],
        ['documentIssued', x.supervise],
        ...x.overdueReminders.filter((o) => o > x.supervise).map((o): [string, number] => ['overdueReminder', o]),
        ['deduction', x.deduction],
      ]);
      expect(v.stage).toBe('arrival.deduction');
      expect(v.deductions).toEqual([{ entryId: `${c.caseId}/arrival/deduction`, milestone: 'arrival', points: x.points, at: v.timeline.at(-1)!.at }]);
      expectStepsOnTime(v);
      const ledger = (await readLedger(h.records, 'wuli-gov', shanghaiYear(t0 + x.deduction * H)))!;
      expect(ledger.entries.filter((e) => e.caseId === c.caseId)).toMatchObject([{ kind: 'deduction', points: x.points, level: x.level, milestone: 'arrival' }]);
    });

    test('explanation accepted before the deduction: no deduction, the explanation stays on record', async () => {
      const t0 = await h.env.currentTimeMs();
      const c = await startVisit(h, sampleNotice(x.level, t0));
      await waitForStep(c, `arrival.reminder.${x.deadline - x.reminders[0]!}h@${t0 + x.deadline * H}`);
      await skipTo(h, t0, x.supervise + 0.5);
      await c.handle.executeUpdate(submitExplanationUpdate, { args: [{ text: '道路中断，已派员绕行', actor: unitActor }] });
      const decided = await updateThenRead(c.handle, decideExplanationUpdate, { decision: 'accept', reason: '情况属实', actor: supervisor });
      expect(decided.explanation).toMatchObject({ status: 'accepted', milestone: 'arrival', text: '道路中断，已派员绕行', reason: '情况属实' });
      await skipTo(h, t0, x.deduction + 48);
      const v = await view(c);
      expect(v.deductions).toEqual([]);
      expect(v.timeline.filter((e) => e.type === 'deduction')).toEqual([]);
      expect(hoursOf(v).filter(([t]) => t.startsWith('explanation') || t === 'deductionCancelled')).toEqual([
        ['explanationSubmitted', x.supervise + 0.5],
        ['explanationAccepted', x.supervise + 0.5],
        ['deductionCancelled', x.supervise + 0.5],
      ]);
      expect(v.stage).toBe('arrival.supervise');
    });

    test('explanation rejected: the deduction comes at its planned time', async () => {
      const t0 = await h.env.currentTimeMs();
      const c = await startVisit(h, sampleNotice(x.level, t0));
      await waitForStep(c, `arrival.reminder.${x.deadline - x.reminders[0]!}h@${t0 + x.deadline * H}`);
      await skipTo(h, t0, x.supervise + 0.5);
      await c.handle.executeUpdate(submitExplanationUpdate, { args: [{ text: '领导外出开会', actor: unitActor }] });
      await c.handle.executeUpdate(decideExplanationUpdate, { args: [{ decision: 'reject', reason: '理由不充分', actor: supervisor }] });
      const again = c.handle.executeUpdate(decideExplanationUpdate, { args: [{ decision: 'accept', reason: '改判', actor: supervisor }] });
      await expect(again).rejects.toThrow(WorkflowUpdateFailedError);
      await skipTo(h, t0, x.deduction + 1);
      const v = await view(c);
      expect(hoursOf(v).filter(([t]) => t === 'deduction')).toEqual([['deduction', x.deduction]]);
      expect(v.deductions.map((d) => d.points)).toEqual([x.points]);
    });
  });
}
