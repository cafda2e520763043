// 交办案件 on the ladder engine (time skipping): the statutory limits counted as the law counts them over a holiday
// calendar, the acceptance ladder with its documents and deduction, pause and resume, approved extensions, the reply,
// the petitioner's windows and the 复查/复核 opinions. The calendar is test data (fixed years far ahead, so the tests
// never depend on the day they run): 2030 has a 国庆节 of 1–7 October; 2031 has no data.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { HolidayCalendar } from '../src/deadlines/calendar.js';
import {
  decideAcceptanceUpdate,
  extendHandlingUpdate,
  pauseClockUpdate,
  reportProgressUpdate,
  requestReviewUpdate,
  resumeClockUpdate,
  submitOpinionUpdate,
  submitReplyUpdate,
  type AssignedCaseView,
} from '../src/duties/assignedCase.js';
import { startAssignedCase, type StartAssignedCaseResult } from '../src/duties/intake.js';
import { caseQuery, submitExplanationUpdate } from '../src/messages.js';
import { readLedger } from '../src/records/ledger.js';
import { TASK_QUEUE, createTimeSkippingEnv, directory, intake, outbox, policy, sampleAssignment, startHarness, supervisor, unitActor, until, skipUntil, toSecond, updateRefusal, type Harness } from './helpers.js';

const CALENDAR: HolidayCalendar = {
  version: 'test-calendar-2030',
  years: [2030],
  holidays: Object.fromEntries(['01', '02', '03', '04', '05', '06', '07'].map((d) => [`2030-10-${d}`, '国庆节'])),
  workdays: { '2030-09-29': '国庆节', '2030-10-12': '国庆节' },
};

let h: Harness;
beforeAll(async () => {
  h = await startHarness(await createTimeSkippingEnv());
}, 60_000);
afterAll(async () => {
  await h?.stop();
});

async function start(overrides: Record<string, unknown> = {}): Promise<StartAssignedCaseResult> {
  return startAssignedCase(
    sampleAssignment(await h.env.currentTimeMs(), overrides),
    { client: h.env.client, taskQueue: TASK_QUEUE, policy, directory, calendar: CALENDAR, actor: intake, now: await h.env.currentTimeMs() },
  );
}

const view = (c: StartAssignedCaseResult): Promise<AssignedCaseView> => c.handle.query(caseQuery) as unknown as Promise<AssignedCaseView>;
const waitingFor = (c: StartAssignedCaseResult, key: string): Promise<AssignedCaseView> => until(`${c.caseId} waiting for ${key}`, () => view(c), (v) => v.waitingFor?.key === key);
/** [type, UTC ISO]: steps at their due time, other entries when they happened (to the second). */
const entries = (v: AssignedCaseView): [string, string][] => v.timeline.map((e) => [e.type, e.dueAt ?? toSecond(e.at)]);

test('acceptance never decided: the 15-day limit moves past 国庆节, then 催办 with its 催办单, 督办, and the deduction in the ledger; a listed case tells the district leaders', async () => {
  await skipUntil(h.env, '2030-09-16T01:00:00.000Z');
  const c = await start({ listed: true });
  expect(c.opening).toMatchObject({ kind: 'assignedCase', phase: 'acceptance', milestone: 'acceptance', deadline: '2030-10-08T16:00:00.000Z', priority: 'high', colour: 'green' });
  expect(c.opening.deadlines).toEqual([
    {
      milestone: 'acceptance',
      deadline: '2030-10-08T16:00:00.000Z',
      rule: 'calendarDays',
      calendarVersion: 'test-calendar-2030',
      calendarDataMissing: false,
      note: '自 2030-09-16 次日起算 15 日（逢节假日、周末顺延），最后一日 2030-10-08 24:00 止；2030-10-01 逢国庆节，顺延至 2030-10-08',
    },
  ]);
  await waitingFor(c, 'acceptance.reminder.3d@1917705600000');
  await skipUntil(h.env, '2030-10-19T01:00:00.000Z');
  const v = await until('the deduction entered', () => view(c), (x) => x.deductions.length === 1);
  expect(entries(v)).toEqual([
    ['registered', '2030-09-16T01:00:00.000Z'],
    ['deadlineSet', '2030-09-16T01:00:00.000Z'],
    ['alert', '2030-09-16T01:00:00.000Z'],
    ['reminder', '2030-10-05T16:00:00.000Z'],
    ['reminder', '2030-10-07T16:00:00.000Z'],
    ['urge', '2030-10-08T16:00:00.000Z'],
    ['documentIssued', '2030-10-08T16:00:00.000Z'],
    ['overdueReminder', '2030-10-09T16:00:00.000Z'],
    ['overdueReminder', '2030-10-10T16:00:00.000Z'],
    ['overdueReminder', '2030-10-11T16:00:00.000Z'],
    ['supervise', '2030-10-11T16:00:00.000Z'],
    ['documentIssued', '2030-10-11T16:00:00.000Z'],
    ['overdueReminder', '2030-10-12T16:00:00.000Z'],
    ['overdueReminder', '2030-10-13T16:00:00.000Z'],
    ['deduction', '2030-10-18T16:00:00.000Z'],
  ]);
  expect(v.stage).toBe('acceptance.deduction');
  expect(v.colour).toBe('red');
  expect(v.deductions.map((d) => ({ ...d, at: toSecond(d.at) }))).toEqual([{ entryId: `${c.caseId}/acceptance/deduction`, milestone: 'acceptance', points: 1, at: '2030-10-18T16:00:00.000Z' }]);
  const ledger = (await readLedger(h.records, 'wuli-gov', 2030))!;
  expect(ledger.entries.map((e) => [e.entryId, e.kind, e.points, e.milestone, e.level, e.reason])).toEqual([
    [`${c.caseId}/acceptance/deduction`, 'deduction', 1, 'acceptance', undefined, '交办信访事项受理告知逾期，经催办、督办仍未办结且无情况说明'],
  ]);
  const doc = v.timeline.find((e) => e.type === 'documentIssued')!;
  expect(doc.detail).toMatchObject({ kind: 'urge', fileName: `催办单（五信督〔2030〕1号）.docx` });
  // The listed case: the district leader hears the alert, 催办, 督办 and the deduction, not the reminders.
  const messages = await until('the deduction notice written', () => outbox(h).filter((m) => m.caseId === c.caseId), (ms) => ms.some((m) => m.event === 'deduction' && m.recipientId === 'qu-zhou'));
  expect(messages.filter((m) => m.recipientId === 'qu-zhou').map((m) => m.event)).toEqual(['alert', 'urge', 'supervise', 'deduction']);
  const alert = messages.find((m) => m.event === 'alert' && m.recipientId === 'wuli-gov-wang')!;
  expect(alert.text).toBe(`【督办】五里乡人民政府：收到市交办（市信访局市信交〔2030〕1号）交办信访事项，请包案领导牵头，于北京时间2030年10月09日 00:00前作出是否受理的决定并书面告知信访人。案件号${c.caseId}。`);
  await c.handle.executeUpdate(decideAcceptanceUpdate, { args: [{ decision: 'notAccepted', writtenNoticeAt: '2030-10-19T00:30:00.000Z', reason: '不属于本机关职权范围', actor: unitActor }] });
  expect((await view(c)).status).toBe('closed');
}, 120_000);

test('accepted, paused for a hearing, extended with approval into a year without holiday data, replied; the 复查 window lapses and the case closes', async () => {
  await skipUntil(h.env, '2030-10-21T01:00:00.000Z');
  const c = await start();
  // Not accepted without a reason; a reply before the decision: each refused naming the field, nothing changed.
  expect(await updateRefusal(c.handle.executeUpdate(decideAcceptanceUpdate, { args: [{ decision: 'notAccepted', writtenNoticeAt: '2030-10-21T01:00:00.000Z', actor: unitActor }] }))).toEqual({ type: 'InvalidInput', message: 'reason: is required when the matter is not accepted' });
  expect(await updateRefusal(c.handle.executeUpdate(submitReplyUpdate, { args: [{ result: '已答复', writtenReplyAt: '2030-10-21T01:00:00.000Z', actor: unitActor }] }))).toEqual({ type: 'InvalidState', message: 'result: acceptance must be decided first' });
  await skipUntil(h.env, '2030-10-22T01:00:00.000Z');
  await c.handle.executeUpdate(decideAcceptanceUpdate, { args: [{ decision: 'accepted', writtenNoticeAt: '2030-10-22T00:30:00.000Z', actor: unitActor }] });
  let v = await view(c);
  // 60 days from 22 October end on Saturday 21 December: moved to Monday the 23rd.
  expect([v.phase, v.deadline, v.deadlines.at(-1)!.note]).toEqual(['handling', '2030-12-23T16:00:00.000Z', '自 2030-10-22 次日起算 60 日（逢节假日、周末顺延），最后一日 2030-12-23 24:00 止；2030-12-21 逢周末，顺延至 2030-12-23']);

  await skipUntil(h.env, '2030-11-01T01:00:00.000Z');
  expect(await updateRefusal(c.handle.executeUpdate(pauseClockUpdate, { args: [{ pauseKind: 'hearing', reason: ' ', approverId: 'xfb-li', actor: supervisor }] }))).toEqual({ type: 'InvalidInput', message: 'reason: is required' });
  expect(await updateRefusal(c.handle.executeUpdate(pauseClockUpdate, { args: [{ pauseKind: 'hearing', reason: '组织听证', approverId: 'xfb-li', actor: unitActor }] }))).toEqual({ type: 'NotAllowed', message: 'actor.role: role unit may not do this' });
  await c.handle.executeUpdate(pauseClockUpdate, { args: [{ pauseKind: 'hearing', reason: '组织听证', approverId: 'xfb-li', actor: supervisor }] });
  v = await view(c);
  expect([v.stage, v.deadline, v.colour, v.waitingFor]).toEqual(['paused', null, null, null]);
  await skipUntil(h.env, '2030-11-11T01:00:00.000Z');
  await c.handle.executeUpdate(resumeClockUpdate, { args: [{ actor: supervisor }] });
  v = await view(c);
  expect([v.stage, v.deadline, v.handling!.pausedDays]).toEqual(['handling.pending', '2030-12-31T16:00:00.000Z', 10]);

  // Without an approver the schema refuses; beyond 30 days in all the limit refuses; 20 days with approval pass.
  expect(await updateRefusal(c.handle.executeUpdate(extendHandlingUpdate, { args: [{ days: 20, reason: '需补充调查', petitionerNotifiedAt: '2030-11-11T01:00:00.000Z', actor: supervisor } as never] }))).toEqual({ type: 'InvalidInput', message: 'approverId: Required' });
  expect(await updateRefusal(c.handle.executeUpdate(extendHandlingUpdate, { args: [{ days: 31, reason: '需补充调查', approverId: 'xfb-li', petitionerNotifiedAt: '2030-11-11T01:00:00.000Z', actor: supervisor }] }))).toEqual({ type: 'InvalidInput', message: 'days: must be at most 30 (the handling limit may be extended by 30 days in all)' });
  await c.handle.executeUpdate(extendHandlingUpdate, { args: [{ days: 20, reason: '需补充调查', approverId: 'xfb-li', petitionerNotifiedAt: '2030-11-11T01:00:00.000Z', actor: supervisor }] });
  expect(await updateRefusal(c.handle.executeUpdate(extendHandlingUpdate, { args: [{ days: 11, reason: '再次延期', approverId: 'xfb-li', petitionerNotifiedAt: '2030-11-11T01:00:00.000Z', actor: supervisor }] }))).toEqual({ type: 'InvalidInput', message: 'days: must be at most 10 (the handling limit may be extended by 30 days in all)' });
  v = await view(c);
  // 60 + 10 paused + 20 extended = 90 days from 22 October: 20 January 2031, a year the calendar lacks.
  expect(v.deadline).toBe('2031-01-20T16:00:00.000Z');
  expect(v.deadlines.at(-1)).toEqual({
    milestone: 'handling',
    deadline: '2031-01-20T16:00:00.000Z',
    rule: 'calendarDays',
    calendarVersion: 'test-calendar-2030',
    calendarDataMissing: true,
    note: '自 2030-10-22 次日起算 90 日（逢节假日、周末顺延），最后一日 2031-01-20 24:00 止；节假日数据缺失（2031 年），该部分按自然日计算',
  });
  await c.handle.executeUpdate(reportProgressUpdate, { args: [{ text: '已完成入户走访', actor: unitActor }] });

  await skipUntil(h.env, '2030-11-20T01:00:00.000Z');
  await c.handle.executeUpdate(submitReplyUpdate, { args: [{ result: '依法答复：补偿标准符合规定', writtenReplyAt: '2030-11-20T00:30:00.000Z', actor: unitActor }] });
  v = await view(c);
  expect([v.stage, v.phase, v.deadline, v.window]).toEqual(['reviewWindow', 'reviewWindow', null, { kind: 'review', endsAt: '2030-12-20T16:00:00.000Z' }]);
  expect({ ...v.reply, repliedAt: toSecond(v.reply!.repliedAt) }).toEqual({ result: '依法答复：补偿标准符合规定', repliedAt: '2030-11-20T01:00:00.000Z', writtenReplyAt: '2030-11-20T00:30:00.000Z', onTime: true });
  await skipUntil(h.env, '2030-12-21T01:00:00.000Z');
  v = await until('closed after the window', () => view(c), (x) => x.status === 'closed');
  expect(entries(v).map(([type]) => type)).toEqual([
    'registered', 'deadlineSet', 'alert',
    'acceptanceDecided', 'deadlineSet',
    'clockPaused', 'clockResumed', 'deadlineSet',
    'deadlineExtended', 'deadlineSet', 'progressReported',
    'replied', 'deadlineSet', 'windowLapsed', 'closed',
  ]);
  const lapsed = v.timeline.find((e) => e.type === 'windowLapsed')!;
  expect([toSecond(lapsed.at), lapsed.reason]).toEqual(['2030-12-20T16:00:00.000Z', '答复后申请复查期限届满，未申请复查']);
  // No step of the handling ladder ran: every report came before its limit.
  expect(v.timeline.filter((e) => e.dueAt !== undefined)).toEqual([]);
}, 120_000);

test('复查 requested inside the window gets its own 30-day limit; its opinion opens the 复核 window; the 复核 opinion closes the case', async () => {
  await skipUntil(h.env, '2031-01-06T01:00:00.000Z');
  const c = await start();
  await c.handle.executeUpdate(decideAcceptanceUpdate, { args: [{ decision: 'accepted', writtenNoticeAt: '2031-01-06T01:00:00.000Z', actor: unitActor }] });
  expect((await view(c)).deadline).toBe('2031-03-07T16:00:00.000Z');
  await skipUntil(h.env, '2031-01-20T01:00:00.000Z');
  await c.handle.executeUpdate(submitReplyUpdate, { args: [{ result: '已书面答复', writtenReplyAt: '2031-01-20T01:00:00.000Z', actor: unitActor }] });
  expect((await view(c)).window).toEqual({ kind: 'review', endsAt: '2031-02-19T16:00:00.000Z' });
  expect(await updateRefusal(c.handle.executeUpdate(requestReviewUpdate, { args: [{ requestedAt: '2031-01-19T00:00:00.000Z', actor: supervisor }] }))).toEqual({ type: 'InvalidInput', message: 'requestedAt: must not be before the reply it asks to review' });
  await skipUntil(h.env, '2031-02-03T01:00:00.000Z');
  await c.handle.executeUpdate(requestReviewUpdate, { args: [{ requestedAt: '2031-02-03T01:00:00.000Z', actor: supervisor }] });
  let v = await view(c);
  expect([v.phase, v.milestone, v.deadline, v.stage, v.review]).toEqual(['review', 'review', '2031-03-05T16:00:00.000Z', 'review.pending', { requestedAt: '2031-02-03T01:00:00.000Z', opinion: null, opinionAt: null }]);
  // The common updates work on every duty: an explanation for the 复查 milestone.
  await c.handle.executeUpdate(submitExplanationUpdate, { args: [{ text: '需调取档案', actor: unitActor }] });
  await skipUntil(h.env, '2031-02-10T01:00:00.000Z');
  await c.handle.executeUpdate(submitOpinionUpdate, { args: [{ opinion: '维持原答复意见', writtenOpinionAt: '2031-02-10T01:00:00.000Z', actor: unitActor }] });
  expect((await view(c)).window).toEqual({ kind: 'reexamination', endsAt: '2031-03-12T16:00:00.000Z' });
  await skipUntil(h.env, '2031-02-17T01:00:00.000Z');
  await c.handle.executeUpdate(requestReviewUpdate, { args: [{ requestedAt: '2031-02-17T01:00:00.000Z', actor: supervisor }] });
  v = await view(c);
  expect([v.phase, v.deadline]).toEqual(['reexamination', '2031-03-19T16:00:00.000Z']);
  await skipUntil(h.env, '2031-03-03T01:00:00.000Z');
  await c.handle.executeUpdate(submitOpinionUpdate, { args: [{ opinion: '复核维持', writtenOpinionAt: '2031-03-03T01:00:00.000Z', actor: unitActor }] });
  v = await until('closed', () => view(c), (x) => x.status === 'closed');
  expect({ ...v.reexamination, opinionAt: toSecond(v.reexamination!.opinionAt!) }).toEqual({ requestedAt: '2031-02-17T01:00:00.000Z', opinion: '复核维持', opinionAt: '2031-03-03T01:00:00.000Z' });
  expect(v.timeline.filter((e) => e.type === 'deadlineSet').map((e) => [e.milestone, e.detail?.deadline])).toEqual([
    ['acceptance', '2031-01-21T16:00:00.000Z'],
    ['handling', '2031-03-07T16:00:00.000Z'],
    ['review', '2031-02-19T16:00:00.000Z'],
    ['review', '2031-03-05T16:00:00.000Z'],
    ['reexamination', '2031-03-12T16:00:00.000Z'],
    ['reexamination', '2031-03-19T16:00:00.000Z'],
  ]);
}, 120_000);
