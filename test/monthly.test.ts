// 月度工作 on the ladder engine (time skipping): a round opens last month's case of an obligation for every unit (once
// per month, however often it runs); the report or the study's record closes a case; missed, 催办 with its 催办单,
// 督办 and the deduction follow. Test calendar far ahead (never depends on the run's day): 2030's 国庆节 is 1–7 October.
import { Client } from '@temporalio/client';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { HolidayCalendar } from '../src/deadlines/calendar.js';
import {
  recordLeadershipStudyUpdate,
  submitMonthlyReportUpdate,
  type MonthlyObligationView,
  type MonthlyRoundInput,
  type MonthlyRoundResult,
} from '../src/duties/monthlyObligation.js';
import { cancelUpdate, caseQuery } from '../src/messages.js';
import { readLedger } from '../src/records/ledger.js';
import { TASK_QUEUE, createTimeSkippingEnv, outbox, policy, startHarness, supervisor, unitActor, until, skipUntil, toSecond, updateRefusal, type Harness } from './helpers.js';

const CALENDAR: HolidayCalendar = {
  version: 'test-calendar-2030',
  years: [2030],
  holidays: Object.fromEntries(['01', '02', '03', '04', '05', '06', '07'].map((d) => [`2030-10-${d}`, '国庆节'])),
  workdays: { '2030-09-29': '国庆节', '2030-10-12': '国庆节' },
};
const FILE = { fileId: 'f-0001', fileName: '2030年9月矛盾纠纷排查月报.docx', contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', size: 2048, sha256: 'a'.repeat(64) };

let h: Harness;
// The env's own client lets time run while it awaits a result: a round awaited through it could skip past a reminder.
let clockHeld: Client;
beforeAll(async () => {
  h = await startHarness(await createTimeSkippingEnv(), { calendar: CALENDAR });
  clockHeld = new Client({ connection: h.env.connection, namespace: h.env.namespace ?? 'default' });
}, 60_000);
afterAll(async () => {
  await h?.stop();
});

const round = (obligation: MonthlyRoundInput['obligation'], workflowId: string, period?: string): Promise<MonthlyRoundResult> =>
  clockHeld.workflow.execute('monthlyRound', {
    workflowId,
    taskQueue: TASK_QUEUE,
    args: [{ obligation, policy: policy.monthlyObligation, policyVersion: policy.version, ...(period ? { period } : {}) } satisfies MonthlyRoundInput],
  });
const view = (caseId: string): Promise<MonthlyObligationView> => h.env.client.workflow.getHandle(caseId).query(caseQuery) as unknown as Promise<MonthlyObligationView>;
const update = (caseId: string) => h.env.client.workflow.getHandle(caseId);
const entries = (v: MonthlyObligationView): [string, string][] => v.timeline.map((e) => [e.type, e.dueAt ?? toSecond(e.at)]);

const SCREENING = ['wuli-gov', 'wuli-landres', 'dongcun'].map((u) => `monthlyObligation:${u}.disputeScreening.2030-09`);
const STUDY = ['wuli-gov', 'wuli-landres', 'dongcun'].map((u) => `monthlyObligation:${u}.leadershipStudy.2030-09`);

test('a round at 00:00 Beijing on 1 October opens September’s case for every unit, due 5 October moved past 国庆节 to the 8th; a second round opens none', async () => {
  await skipUntil(h.env, '2030-09-30T16:00:00.000Z');
  expect(await round('disputeScreening', 'round-screening-1')).toEqual({ obligation: 'disputeScreening', period: '2030-09', started: SCREENING, existing: [] });
  expect(await round('disputeScreening', 'round-screening-2')).toEqual({ obligation: 'disputeScreening', period: '2030-09', started: [], existing: SCREENING });
  expect(await round('leadershipStudy', 'round-study-1', '2030-09')).toEqual({ obligation: 'leadershipStudy', period: '2030-09', started: STUDY, existing: [] });
  const v = await until('the first reminder awaited', () => view(SCREENING[0]!), (x) => x.waitingFor !== null);
  expect(v).toMatchObject({
    kind: 'monthlyObligation',
    obligation: 'disputeScreening',
    period: '2030-09',
    status: 'open',
    stage: 'disputeScreening.pending',
    milestone: 'disputeScreening',
    deadline: '2030-10-08T16:00:00.000Z',
    yellowFrom: '2030-10-05T16:00:00.000Z',
    colour: 'green',
    calendarVersion: 'test-calendar-2030',
    waitingFor: { key: 'disputeScreening.reminder.3d@1917705600000', kind: 'reminder', dueAt: '2030-10-05T16:00:00.000Z' },
  });
  expect(v.due).toEqual({
    milestone: 'disputeScreening',
    deadline: '2030-10-08T16:00:00.000Z',
    rule: 'dayOfNextMonth',
    calendarVersion: 'test-calendar-2030',
    calendarDataMissing: false,
    note: '次月 5 日（逢节假日顺延、逢周末顺延），最后一日 2030-10-08 24:00 止；2030-10-05 逢国庆节，顺延至 2030-10-08',
  });
  const alert = await until('the alert written', () => outbox(h).filter((m) => m.caseId === SCREENING[0] && m.event === 'alert'), (ms) => ms.length > 0);
  expect(alert[0]!.text).toBe(`【督办】五里乡人民政府：请于北京时间2030年10月09日 00:00前完成矛盾纠纷排查并报送排查月报（2030年9月矛盾纠纷排查月报）。案件号${SCREENING[0]}。`);
}, 60_000);

test('the study is recorded with its day and attendees; a day outside September, attendees without a leader, the wrong obligation: each refused naming the field', async () => {
  await skipUntil(h.env, '2030-10-02T02:00:00.000Z');
  const caseId = STUDY[0]!;
  const study = { meetingDate: '2030-09-26', attendees: ['wuli-gov-zhang', 'wuli-gov-chen'], topics: '研究本月信访形势和积案化解', actor: unitActor };
  expect(await updateRefusal(update(caseId).executeUpdate(recordLeadershipStudyUpdate, { args: [{ ...study, meetingDate: '2030-08-30' }] }))).toEqual({ type: 'InvalidInput', message: 'meetingDate: must be a day of 2030-09' });
  expect(await updateRefusal(update(caseId).executeUpdate(recordLeadershipStudyUpdate, { args: [{ ...study, attendees: ['wuli-gov-chen'] }] }))).toEqual({ type: 'InvalidInput', message: 'attendees: must include a leader of unit wuli-gov' });
  expect(await updateRefusal(update(caseId).executeUpdate(submitMonthlyReportUpdate, { args: [{ summary: '排查完毕', disputesFound: 0, file: FILE, actor: unitActor }] }))).toEqual({ type: 'InvalidInput', message: 'file: this case is 领导班子研究信访工作, not 矛盾纠纷排查月报' });
  await update(caseId).executeUpdate(recordLeadershipStudyUpdate, { args: [study] });
  const v = await view(caseId);
  expect([v.status, v.stage, v.deadline, v.colour]).toEqual(['closed', 'closed', null, null]);
  expect({ ...v.study!, recordedAt: toSecond(v.study!.recordedAt) }).toEqual({ meetingDate: '2030-09-26', attendees: ['wuli-gov-zhang', 'wuli-gov-chen'], topics: '研究本月信访形势和积案化解', recordedAt: '2030-10-02T02:00:00.000Z', onTime: true });
  expect(entries(v).slice(3)).toEqual([
    ['leadershipStudyRecorded', '2030-10-02T02:00:00.000Z'],
    ['closed', '2030-10-02T02:00:00.000Z'],
  ]);
  expect(v.timeline[3]!.detail).toEqual({ meetingDate: '2030-09-26', attendees: 'wuli-gov-zhang,wuli-gov-chen', onTime: true });
}, 60_000);

test('one unit reports on time with its file; one never does: reminders, 催办 with its 催办单, 督办, and 1 point in the ledger', async () => {
  await skipUntil(h.env, '2030-10-06T01:00:00.000Z');
  await update(SCREENING[2]!).executeUpdate(submitMonthlyReportUpdate, { args: [{ summary: '排查矛盾纠纷2件，均已化解', disputesFound: 2, file: FILE, actor: unitActor }] });
  const reported = await view(SCREENING[2]!);
  expect([reported.status, reported.report?.onTime, reported.report?.disputesFound, reported.report?.file]).toEqual(['closed', true, 2, FILE]);
  expect(reported.timeline.find((e) => e.type === 'monthlyReportSubmitted')!.detail).toEqual({ fileId: 'f-0001', fileName: FILE.fileName, size: 2048, sha256: FILE.sha256, disputesFound: 2, onTime: true });

  await skipUntil(h.env, '2030-10-19T01:00:00.000Z');
  const v = await until('the deduction entered', () => view(SCREENING[0]!), (x) => x.deductions.length === 1);
  expect(entries(v)).toEqual([
    ['registered', '2030-09-30T16:00:00.000Z'],
    ['deadlineSet', '2030-09-30T16:00:00.000Z'],
    ['alert', '2030-09-30T16:00:00.000Z'],
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
  expect([v.stage, v.colour, v.overdue]).toEqual(['disputeScreening.deduction', 'red', true]);
  const ledger = (await readLedger(h.records, 'wuli-gov', 2030))!;
  expect(ledger.entries.map((e) => [e.entryId, e.kind, e.points, e.milestone, e.reason])).toEqual([
    [`${SCREENING[0]}/disputeScreening/deduction`, 'deduction', 1, 'disputeScreening', '2030年9月矛盾纠纷排查月报逾期未报送，经催办、督办仍未报送且无情况说明'],
  ]);
  // The four cases still open on 8 October were urged at the same moment: the register numbered them 1–4, once each.
  const urged = await Promise.all([SCREENING[0]!, SCREENING[1]!, STUDY[1]!, STUDY[2]!].map(async (id) => (await view(id)).timeline.find((e) => e.type === 'documentIssued' && e.detail?.kind === 'urge')!.detail!.fileName));
  expect(urged.sort()).toEqual([1, 2, 3, 4].map((n) => `催办单（五信督〔2030〕${n}号）.docx`));
  const urge = await until('the 催办 written', () => outbox(h).filter((m) => m.caseId === SCREENING[0] && m.event === 'urge' && m.recipientId === 'wuli-gov-zhang'), (ms) => ms.length === 1);
  expect(urge[0]!.text).toContain(`【督办】五里乡人民政府：2030年9月矛盾纠纷排查月报已超过报送期限（北京时间2030年10月09日 00:00），现予催办，请立即完成矛盾纠纷排查并报送排查月报。案件号${SCREENING[0]}。`);
  // The office cancels the cases left open (the unit wuli-landres never reported either).
  for (const id of [SCREENING[0]!, SCREENING[1]!, STUDY[1]!, STUDY[2]!]) await update(id).executeUpdate(cancelUpdate, { args: [{ reason: '测试结束', actor: supervisor }] });
}, 60_000);
