// Facts that change a running case (district level, time skipping): extension, reassignment, cancel,
// late registration, a held deduction, and the closure report's own ladder.
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import {
  cancelUpdate,
  decideExplanationUpdate,
  extendDeadlineUpdate,
  reassignUnitUpdate,
  reportArrivalUpdate,
  submitClosureReportUpdate,
  submitExplanationUpdate,
} from '../src/messages.js';
import {
  H,
  createTimeSkippingEnv,
  finishedResult,
  expectStepsOnTime,
  hoursOf,
  outbox,
  sampleNotice,
  skipTo,
  startHarness,
  startVisit,
  supervisor,
  unitActor,
  view,
  waitForStep,
  type Harness,
  until,
  updateThenRead,
} from './helpers.js';

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

const D = 24;
const firstReminder = (t0: number): string => `arrival.reminder.1h@${t0 + 3 * H}`;

test('an extension before the deadline moves every later step to the new deadline', async () => {
  const t0 = await h.env.currentTimeMs();
  const c = await startVisit(h, sampleNotice('district', t0));
  await waitForStep(c, firstReminder(t0));
  await skipTo(h, t0, 1);
  const ack = await c.handle.executeUpdate(extendDeadlineUpdate, { args: [{ newDeadline: new Date(t0 + 5 * H).toISOString(), reason: '道路塌方，绕行', actor: supervisor }] });
  // An update answers with a small acknowledgement (it stays in the history): its entry, the stage, the deadline.
  expect(ack).toEqual({ seq: 3, status: 'open', stage: 'arrival.pending', deadline: new Date(t0 + 5 * H).toISOString() });
  const extended = await view(c);
  expect(Date.parse(extended.deadline!) - t0).toBe(5 * H);
  // Read after the update: the case has already re-planned and waits for the first reminder before the new deadline.
  expect(extended.waitingFor).toEqual({ key: `arrival.reminder.1h@${t0 + 5 * H}`, kind: 'reminder', dueAt: new Date(t0 + 4 * H).toISOString() });
  await waitForStep(c, `arrival.reminder.1h@${t0 + 5 * H}`);
  await skipTo(h, t0, 11.5);
  const v = await view(c);
  expect(hoursOf(v)).toEqual([
    ['registered', 0],
    ['alert', 0],
    ['deadlineExtended', 1],
    ['reminder', 4],
    ['reminder', 4.5],
    ['urge', 5],
    ['documentIssued', 5],
    ['overdueReminder', 6],
    ['overdueReminder', 7],
    ['supervise', 7],
    ['documentIssued', 7],
    ['overdueReminder', 8],
    ['overdueReminder', 9],
    ['overdueReminder', 10],
    ['overdueReminder', 11],
    ['deduction', 11],
  ]);
  expect(v.timeline[2]).toMatchObject({ actor: supervisor, reason: '道路塌方，绕行', detail: { from: new Date(t0 + 3 * H).toISOString(), to: new Date(t0 + 5 * H).toISOString() } });
  expectStepsOnTime(v);
  const extensionMessages = outbox(h).filter((m) => m.caseId === c.caseId && m.event === 'extension');
  expect(extensionMessages.map((m) => m.recipientId).sort()).toEqual(['wuli-gov-chen', 'wuli-gov-wang', 'wuli-gov-zhang']);
  expect(extensionMessages[0]!.text).toContain('期限已延长至北京时间');
});

test('an extension after 催办: 催办 stays done, fresh reminders before the new deadline, 督办 re-based on it', async () => {
  const t0 = await h.env.currentTimeMs();
  const c = await startVisit(h, sampleNotice('district', t0));
  await waitForStep(c, firstReminder(t0));
  await skipTo(h, t0, 3.5);
  await c.handle.executeUpdate(extendDeadlineUpdate, { args: [{ newDeadline: new Date(t0 + 6 * H).toISOString(), reason: '协调公安配合', actor: supervisor }] });
  await skipTo(h, t0, 8.5);
  const v = await view(c);
  expect(hoursOf(v)).toEqual([
    ['registered', 0],
    ['alert', 0],
    ['reminder', 2],
    ['reminder', 2.5],
    ['urge', 3],
    ['documentIssued', 3],
    ['deadlineExtended', 3.5],
    ['reminder', 5],
    ['reminder', 5.5],
    ['overdueReminder', 7],
    ['overdueReminder', 8],
    ['supervise', 8],
    ['documentIssued', 8],
  ]);
});

test('reassignment alerts the new unit; only its leaders may then report arrival; an unknown unit is refused', async () => {
  const t0 = await h.env.currentTimeMs();
  const c = await startVisit(h, sampleNotice('district', t0));
  await waitForStep(c, firstReminder(t0));
  await skipTo(h, t0, 1);
  await expect(
    c.handle.executeUpdate(reassignUnitUpdate, { args: [{ unitId: 'no-such-unit', reason: '错派', actor: supervisor }] }),
  ).rejects.toMatchObject({ cause: { message: 'unitId: unknown unit no-such-unit' } });
  expect((await view(c)).unit.id).toBe('wuli-gov');

  const moved = await updateThenRead(c.handle, reassignUnitUpdate, { unitId: 'wuli-landres', reason: '事涉土地，改由国土所负责', actor: supervisor });
  expect(moved.unit).toEqual({ id: 'wuli-landres', name: '五里乡国土资源所', leaders: [{ id: 'wuli-landres-liu', role: 'principal' }, { id: 'wuli-landres-zhao', role: 'inCharge' }] });
  expect(hoursOf(moved).at(-1)).toEqual(['reassigned', 1]);
  await skipTo(h, t0, 2.1);
  const messages = outbox(h).filter((m) => m.caseId === c.caseId);
  expect(messages.filter((m) => m.event === 'reassignment').map((m) => m.recipientId).sort()).toEqual(['wuli-landres-liu', 'wuli-landres-zhao', 'xfb-li']);
  expect(messages.find((m) => m.event === 'reassignment')!.text).toBe(
    `【督办】五里乡国土资源所：本案责任单位已变更为五里乡国土资源所，请于北京时间${shanghai(t0 + 3 * H)}前到达现场，现于市信访局接待大厅。案件号${c.caseId}。`,
  );
  expect(messages.filter((m) => m.event === 'reminder').map((m) => m.recipientId).sort()).toEqual(['wuli-landres-liu', 'wuli-landres-zhao']);

  await expect(
    c.handle.executeUpdate(reportArrivalUpdate, { args: [{ leaderId: 'wuli-gov-zhang', arrivedAt: new Date(t0 + 2 * H).toISOString(), actor: unitActor }] }),
  ).rejects.toMatchObject({ cause: { message: 'leaderId: is not a principal leader or leader in charge of unit wuli-landres' } });
  const arrived = await updateThenRead(c.handle, reportArrivalUpdate, { leaderId: 'wuli-landres-liu', arrivedAt: new Date(t0 + 2 * H).toISOString(), actor: unitActor });
  expect(arrived.arrival).toMatchObject({ leaderId: 'wuli-landres-liu', leaderRole: 'principal', onTime: true });
});

test('cancel stops every later step and ends the case', async () => {
  const t0 = await h.env.currentTimeMs();
  const c = await startVisit(h, sampleNotice('district', t0));
  await waitForStep(c, firstReminder(t0));
  await skipTo(h, t0, 2.25);
  const cancelled = await updateThenRead(c.handle, cancelUpdate, { reason: '重复登记', actor: supervisor });
  expect(cancelled.status).toBe('cancelled');
  const result = await finishedResult(c);
  expect(hoursOf(result)).toEqual([
    ['registered', 0],
    ['alert', 0],
    ['reminder', 2],
    ['cancelled', 2.25],
  ]);
  expect(result.stage).toBe('cancelled');
  expect(result.deadline).toBeNull();
  await expect(c.handle.executeUpdate(extendDeadlineUpdate, { args: [{ newDeadline: new Date(t0 + 20 * H).toISOString(), reason: 'x', actor: supervisor }] })).rejects.toThrow(/^update [0-9a-f-]+ not found$|workflow execution already completed/);
  expect(outbox(h).filter((m) => m.caseId === c.caseId && m.event === 'cancel')).toHaveLength(3);
});

test('a notice registered after its deadline: 催办 at once, 督办 and deduction each after their full grace, no reminders', async () => {
  const now = await h.env.currentTimeMs();
  const t0 = now - 4 * H;
  const c = await startVisit(h, sampleNotice('district', t0));
  await waitForStep(c, 'arrival.overdueReminder.1');
  // The 催办单 is issued beside the loop: the case waits for its next step before the document is in.
  const v0 = await until('the 催办单', () => view(c), (v) => v.timeline.some((e) => e.type === 'documentIssued'));
  const registered = Date.parse(v0.timeline[0]!.at);
  expect(v0.timeline.map((e) => e.type)).toEqual(['registered', 'alert', 'urge', 'documentIssued']);
  expect(Date.parse(v0.timeline[2]!.dueAt!)).toBe(registered);
  await h.env.sleep(registered + 6 * H + 1000 - (await h.env.currentTimeMs()));
  const v = await view(c);
  const at = (type: string): number[] => v.timeline.filter((e) => e.type === type).map((e) => (Date.parse(e.dueAt!) - registered) / H);
  expect(at('urge')).toEqual([0]);
  expect(at('supervise')).toEqual([2]);
  expect(at('deduction')).toEqual([6]);
  expect(at('reminder')).toEqual([]);
});

test('a deduction waits while an explanation awaits a decision, then comes at the rejection', async () => {
  const t0 = await h.env.currentTimeMs();
  const c = await startVisit(h, sampleNotice('district', t0));
  await waitForStep(c, firstReminder(t0));
  await skipTo(h, t0, 7.75);
  await c.handle.executeUpdate(submitExplanationUpdate, { args: [{ text: '当日防汛值守，无法脱身', actor: unitActor }] });
  await skipTo(h, t0, 12);
  const held = await view(c);
  expect(held.deductionHeld).toBe(true);
  expect(held.deductions).toEqual([]);
  await c.handle.executeUpdate(decideExplanationUpdate, { args: [{ decision: 'reject', reason: '未按规定报备', actor: supervisor }] });
  await skipTo(h, t0, 12.5);
  const v = await view(c);
  expect(hoursOf(v).filter(([t]) => ['explanationSubmitted', 'explanationRejected'].includes(t))).toEqual([
    ['explanationSubmitted', 7.75],
    ['explanationRejected', 12],
  ]);
  const rejectedAt = v.timeline.find((e) => e.type === 'explanationRejected')!.at;
  expect(v.timeline.filter((e) => e.type === 'deduction').map((e) => e.dueAt)).toEqual([rejectedAt]);
});

test('an overdue closure report climbs its own ladder: 15 d deadline, 催办, 督办 +3 d, deduction +7 d', async () => {
  const t0 = await h.env.currentTimeMs();
  const c = await startVisit(h, sampleNotice('district', t0));
  await waitForStep(c, firstReminder(t0));
  await skipTo(h, t0, 1);
  await c.handle.executeUpdate(reportArrivalUpdate, { args: [{ leaderId: 'wuli-gov-zhang', arrivedAt: new Date(t0 + 1 * H).toISOString(), actor: unitActor }] });
  await waitForStep(c, `closureReport.reminder.3d@${t0 + 1 * H + 15 * D * H}`);
  await skipTo(h, t0, 1 + 26 * D);
  const v = await view(c);
  const days = hoursOf(v)
    .filter(([type]) => type !== 'registered' && type !== 'alert')
    .map(([type, hours]): [string, number] => [type, (hours - 1) / D]);
  expect(days).toEqual([
    ['arrival', 0],
    ['reminder', 12],
    ['reminder', 14],
    ['urge', 15],
    ['documentIssued', 15],
    ['overdueReminder', 16],
    ['overdueReminder', 17],
    ['overdueReminder', 18],
    ['supervise', 18],
    ['documentIssued', 18],
    ['overdueReminder', 19],
    ['overdueReminder', 20],
    ['deduction', 25],
  ]);
  expect(v.deductions).toMatchObject([{ milestone: 'closureReport', points: 1 }]);
  expect(v.stage).toBe('closureReport.deduction');
  const closed = await updateThenRead(c.handle, submitClosureReportUpdate, { result: '问题已化解，报结果销案', actor: unitActor });
  expect(closed.status).toBe('closed');
});

function shanghai(ms: number): string {
  const d = new Date(ms + 8 * H);
  const p = (n: number): string => String(n).padStart(2, '0');
  const sec = d.getUTCSeconds() ? `:${p(d.getUTCSeconds())}` : '';
  return `${d.getUTCFullYear()}年${p(d.getUTCMonth() + 1)}月${p(d.getUTCDate())}日 ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}${sec}`;
}
