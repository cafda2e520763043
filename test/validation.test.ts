// Bad input never starts or changes a case, and the error names the field.
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEscalatedVisit } from '../src/cases.js';
import { caseIdForNotice } from '../src/domain.js';
import { InputError } from '../src/errors.js';
import {
  cancelUpdate,
  decideExplanationUpdate,
  extendDeadlineUpdate,
  reassignUnitUpdate,
  reportArrivalUpdate,
  submitClosureReportUpdate,
  submitExplanationUpdate,
} from '../src/messages.js';
import { H, TASK_QUEUE, createTimeSkippingEnv, directory, intake, policy, sampleNotice, startHarness, startVisit, supervisor, unitActor, view, waitForStep, type Harness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness(await createTimeSkippingEnv());
}, 60_000);
afterAll(async () => {
  await h?.stop();
});

describe('an invalid notice is refused before any workflow starts', () => {
  const cases: [string, (n: Record<string, unknown>, now: number) => void, string, string][] = [
    ['missing noticeId', (n) => delete n.noticeId, 'noticeId', 'Required'],
    ['noticeId with a slash', (n) => (n.noticeId = 'a/b'), 'noticeId', 'must be 1–64 letters, digits, dot, dash or underscore'],
    ['unknown level', (n) => (n.level = 'province'), 'level', "Invalid enum value. Expected 'district' | 'city' | 'beijing', received 'province'"],
    ['receivedAt without offset', (n) => (n.receivedAt = '2026-11-25T10:00:00'), 'receivedAt', 'must be an ISO 8601 time with an offset, e.g. 2026-11-25T09:30:00+08:00'],
    ['receivedAt in the future', (n, now) => (n.receivedAt = new Date(now + 2 * H).toISOString()), 'receivedAt', 'must not be in the future'],
    ['unknown unit', (n) => (n.unitId = 'ghost-unit'), 'unitId', 'unknown unit ghost-unit'],
    ['empty reception site', (n) => (n.receptionSite = '  '), 'receptionSite', 'is required'],
    ['headcount zero', (n) => (n.headcount = 0), 'headcount', 'Number must be greater than or equal to 1'],
    ['headcount not whole', (n) => (n.headcount = 2.5), 'headcount', 'Expected integer, received float'],
    ['matter summary too long', (n) => (n.matterSummary = '长'.repeat(501)), 'matterSummary', 'String must contain at most 500 character(s)'],
    ['an unknown field', (n) => (n.petitionerName = '某某'), 'petitionerName', 'is not a known field'],
  ];
  test.each(cases)('%s → %s', async (_label, mutate, field, message) => {
    const now = await h.env.currentTimeMs();
    const notice = sampleNotice('city', now) as unknown as Record<string, unknown>;
    const noticeId = String(notice.noticeId);
    mutate(notice, now);
    const attempt = startEscalatedVisit(notice, { client: h.env.client, taskQueue: TASK_QUEUE, policy, directory, actor: intake, now });
    await expect(attempt).rejects.toThrow(InputError);
    await expect(attempt).rejects.toMatchObject({ issues: [{ field, message }] });
    await expect(h.env.client.workflow.getHandle(caseIdForNotice(noticeId)).describe()).rejects.toThrow(WorkflowNotFoundError);
  });
});

describe('an invalid update is refused with the field named, and the case is unchanged', () => {
  const t = (ms: number): string => new Date(ms).toISOString();
  let run: (send: (handle: Awaited<ReturnType<typeof startVisit>>['handle'], t0: number, now: number) => Promise<unknown>, message: string) => Promise<void>;

  beforeAll(() => {
    run = async (send, message) => {
      const t0 = await h.env.currentTimeMs();
      const c = await startVisit(h, sampleNotice('city', t0));
      await waitForStep(c, `arrival.reminder.2h@${t0 + 8 * H}`);
      await h.env.sleep(0.5 * H);
      const before = await view(c);
      const attempt = send(c.handle, t0, await h.env.currentTimeMs());
      await expect(attempt).rejects.toThrow(WorkflowUpdateFailedError);
      await expect(attempt).rejects.toMatchObject({ cause: { message } });
      const after = await view(c);
      expect(after.timeline).toEqual(before.timeline);
      expect(after.stage).toBe(before.stage);
      expect(after.unit).toEqual(before.unit);
      await c.handle.terminate('test finished');
    };
  });

  test.each([
    ['arrival by a contact, not a leader', (hd, t0) => hd.executeUpdate(reportArrivalUpdate, { args: [{ leaderId: 'wuli-gov-chen', arrivedAt: t(t0 + H / 4), actor: unitActor }] }), 'leaderId: is not a principal leader or leader in charge of unit wuli-gov'],
    ['arrival by another unit\'s leader', (hd, t0) => hd.executeUpdate(reportArrivalUpdate, { args: [{ leaderId: 'dongcun-sun', arrivedAt: t(t0 + H / 4), actor: unitActor }] }), 'leaderId: is not a principal leader or leader in charge of unit wuli-gov'],
    ['arrival before the notice', (hd, t0) => hd.executeUpdate(reportArrivalUpdate, { args: [{ leaderId: 'wuli-gov-zhang', arrivedAt: t(t0 - H), actor: unitActor }] }), 'arrivedAt: must not be before the notice was received'],
    ['arrival in the future', (hd, _t0, now) => hd.executeUpdate(reportArrivalUpdate, { args: [{ leaderId: 'wuli-gov-zhang', arrivedAt: t(now + H), actor: unitActor }] }), 'arrivedAt: must not be in the future'],
    ['arrival time without offset', (hd) => hd.executeUpdate(reportArrivalUpdate, { args: [{ leaderId: 'wuli-gov-zhang', arrivedAt: '2026-11-25 10:00', actor: unitActor }] }), 'arrivedAt: must be an ISO 8601 time with an offset, e.g. 2026-11-25T09:30:00+08:00'],
    ['arrival with an unknown field', (hd, t0) => hd.executeUpdate(reportArrivalUpdate, { args: [{ leaderId: 'wuli-gov-zhang', arrivedAt: t(t0), actor: unitActor, gps: '39.9,116.4' } as never] }), 'gps: is not a known field'],
    ['empty explanation', (hd) => hd.executeUpdate(submitExplanationUpdate, { args: [{ text: ' ', actor: unitActor }] }), 'text: is required'],
    ['decision with nothing to decide', (hd) => hd.executeUpdate(decideExplanationUpdate, { args: [{ decision: 'accept', reason: '同意', actor: supervisor }] }), 'decision: no explanation awaits a decision'],
    ['decision by a unit', (hd) => hd.executeUpdate(decideExplanationUpdate, { args: [{ decision: 'accept', reason: '同意', actor: unitActor }] }), 'actor.role: role unit may not do this'],
    ['decision that is neither accept nor reject', (hd) => hd.executeUpdate(decideExplanationUpdate, { args: [{ decision: 'maybe' as never, reason: '?', actor: supervisor }] }), "decision: Invalid enum value. Expected 'accept' | 'reject', received 'maybe'"],
    ['extension to an earlier time', (hd, t0) => hd.executeUpdate(extendDeadlineUpdate, { args: [{ newDeadline: t(t0 + 7 * H), reason: '延期', actor: supervisor }] }), `newDeadline: must be later than the current deadline`],
    ['extension without a reason', (hd, t0) => hd.executeUpdate(extendDeadlineUpdate, { args: [{ newDeadline: t(t0 + 10 * H), reason: '', actor: supervisor }] }), 'reason: is required'],
    ['extension by a unit', (hd, t0) => hd.executeUpdate(extendDeadlineUpdate, { args: [{ newDeadline: t(t0 + 10 * H), reason: '延期', actor: unitActor }] }), 'actor.role: role unit may not do this'],
    ['reassignment to the same unit', (hd) => hd.executeUpdate(reassignUnitUpdate, { args: [{ unitId: 'wuli-gov', reason: '改派', actor: supervisor }] }), 'unitId: is already the responsible unit'],
    ['reassignment to an unknown unit', (hd) => hd.executeUpdate(reassignUnitUpdate, { args: [{ unitId: 'ghost-unit', reason: '改派', actor: supervisor }] }), 'unitId: unknown unit ghost-unit'],
    ['cancel without a reason', (hd) => hd.executeUpdate(cancelUpdate, { args: [{ reason: '   ', actor: supervisor }] }), 'reason: is required'],
    ['cancel by intake', (hd) => hd.executeUpdate(cancelUpdate, { args: [{ reason: '重复', actor: intake }] }), 'actor.role: role intake may not do this'],
    ['closure report before arrival', (hd) => hd.executeUpdate(submitClosureReportUpdate, { args: [{ result: '已办结', actor: unitActor }] }), 'result: arrival must be reported first'],
  ] as [string, Parameters<typeof run>[0], string][])('%s', async (_label, send, message) => {
    if (message.startsWith('newDeadline: must be later')) {
      // The message carries the current deadline; match its fixed part.
      const t0 = await h.env.currentTimeMs();
      const c = await startVisit(h, sampleNotice('city', t0));
      await waitForStep(c, `arrival.reminder.2h@${t0 + 8 * H}`);
      const before = await view(c);
      await expect(send(c.handle, t0, t0)).rejects.toMatchObject({ cause: { message: `newDeadline: must be later than the current deadline ${t(t0 + 8 * H)}` } });
      expect((await view(c)).timeline).toEqual(before.timeline);
      await c.handle.terminate('test finished');
      return;
    }
    await run(send, message);
  });
});
