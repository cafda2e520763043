// Deadline rules over the Chinese holiday calendar (issue 12 item 2): exact deadlines across 2026's 国庆, 春节, 元旦 and
// their make-up days, weekend moves on and off, day D of next month, durations, Beijing midnight, and 2027 (no data).
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ROOT } from '../src/config.js';
import { loadHolidayCalendar } from '../src/deadlines/calendarData.js';
import { computeDeadline, deadlineRuleSchema, type DeadlineRule } from '../src/deadlines/rules.js';
import { fieldIssues } from '../src/errors.js';

const calendar = loadHolidayCalendar(join(ROOT, 'config/calendar.overrides.json'));

interface Expected {
  deadline: string;
  lastDay?: string;
  nominalLastDay?: string;
  calendarDataMissing: boolean;
  missingYears?: number[];
}
type Case = [string, DeadlineRule, string, Expected];

const days = (n: number, weekendLastDayMoves = false): DeadlineRule => ({ rule: 'calendarDays', days: n, weekendLastDayMoves });
const working = (n: number): DeadlineRule => ({ rule: 'workingDays', days: n });
const nextMonth = (day: number, holidayLastDayMoves: boolean, weekendLastDayMoves: boolean): DeadlineRule => ({ rule: 'dayOfNextMonth', day, holidayLastDayMoves, weekendLastDayMoves });
const on = (lastDay: string, nominalLastDay = lastDay, calendarDataMissing = false): Expected => ({ deadline: `${lastDay}T16:00:00.000Z`, lastDay, nominalLastDay, calendarDataMissing });

function check([, rule, start, expected]: Case): void {
  const result = computeDeadline(rule, start, calendar);
  expect(result).toMatchObject({ ...expected, rule, calendarVersion: calendar.version });
  if (!expected.calendarDataMissing) expect(result.missingYears).toEqual([]);
}

describe('calendar days (民法典 第201–203条)', () => {
  const cases: Case[] = [
    ['15 days from 20 Sep 2026 end on 5 Oct, inside 国庆: moved to 8 Oct', days(15), '2026-09-20T02:00:00Z', on('2026-10-08', '2026-10-05')],
    ['5 days from 28 Sep 2026 end on 3 Oct: moved to 8 Oct', days(5), '2026-09-28T02:00:00Z', on('2026-10-08', '2026-10-03')],
    ['15 days from 16 Sep end on 1 Oct: moved to 8 Oct', days(15), '2026-09-16T02:00:00Z', on('2026-10-08', '2026-10-01')],
    ['15 days from 17 Sep end on 2 Oct: moved to 8 Oct', days(15), '2026-09-17T02:00:00Z', on('2026-10-08', '2026-10-02')],
    ['15 days from 19 Sep end on 4 Oct (Sunday inside the holiday): moved to 8 Oct', days(15), '2026-09-19T02:00:00Z', on('2026-10-08', '2026-10-04')],
    ['15 days from 21 Sep end on 6 Oct: moved to 8 Oct', days(15), '2026-09-21T02:00:00Z', on('2026-10-08', '2026-10-06')],
    ['15 days from 22 Sep end on 7 Oct, the holiday’s last day: moved to 8 Oct', days(15), '2026-09-22T02:00:00Z', on('2026-10-08', '2026-10-07')],
    ['15 days from 23 Sep end on 8 Oct: no move', days(15), '2026-09-23T02:00:00Z', on('2026-10-08')],
    ['15 days from 10 Sep end on 25 Sep (中秋, Fri–Sun): moved to Mon 28 Sep', days(15), '2026-09-10T02:00:00Z', on('2026-09-28', '2026-09-25')],
    ['a last day on Sat 7 Mar stays when weekends do not move', days(5), '2026-03-02T02:00:00Z', on('2026-03-07')],
    ['a last day on Sat 7 Mar moves to Mon 9 Mar when weekends move', days(5, true), '2026-03-02T02:00:00Z', on('2026-03-09', '2026-03-07')],
    ['a last day on Sun 8 Mar moves to Mon 9 Mar when weekends move', days(6, true), '2026-03-02T02:00:00Z', on('2026-03-09', '2026-03-08')],
    ['a last day on Sat 14 Feb, a 春节 make-up workday, never moves', days(5, true), '2026-02-09T02:00:00Z', on('2026-02-14')],
    ['a last day on Sun 20 Sep, a 国庆 make-up workday, never moves', days(15, true), '2026-09-05T02:00:00Z', on('2026-09-20')],
    ['a last day on 元旦 1 Jan 2026 moves to Sun 4 Jan, a make-up workday, weekends moving or not', days(5, true), '2025-12-27T02:00:00Z', on('2026-01-04', '2026-01-01')],
    ['the same without weekend moves', days(5), '2025-12-27T02:00:00Z', on('2026-01-04', '2026-01-01')],
    ['a last day on 端午 Sat 20 Jun moves past Sun 21 Jun (also 端午) to Mon 22 Jun', days(5), '2026-06-15T02:00:00Z', on('2026-06-22', '2026-06-20')],
    ['30 days across 春节 from 20 Jan end on 19 Feb: moved to 24 Feb', days(30), '2026-01-20T02:00:00Z', on('2026-02-24', '2026-02-19')],
    ['60 days from 1 Aug end on 30 Sep: no move', days(60), '2026-08-01T02:00:00Z', on('2026-09-30')],
  ];
  test.each(cases)('%s', (...c) => check(c));
});

describe('the start day is the Beijing day of the start instant', () => {
  const cases: Case[] = [
    ['23:59 Beijing on 2 Mar: 2 Mar is the start day, 3 days end on 5 Mar', days(3), '2026-03-02T23:59:00+08:00', on('2026-03-05')],
    ['the same instant in UTC (15:59 Z)', days(3), '2026-03-02T15:59:00.000Z', on('2026-03-05')],
    ['00:00 Beijing on 3 Mar (16:00 Z on 2 Mar): 3 Mar is the start day, 3 days end on 6 Mar', days(3), '2026-03-02T16:00:00.000Z', on('2026-03-06')],
    ['23:59 Beijing on 30 Sep: 1 day ends on 1 Oct, moved to 8 Oct', days(1), '2026-09-30T23:59:00+08:00', on('2026-10-08', '2026-10-01')],
    ['00:00 Beijing on 8 Oct: 1 day ends on 9 Oct', days(1), '2026-10-08T00:00:00+08:00', on('2026-10-09')],
    ['working days: 23:59 Beijing on Fri 13 Feb, the next working day is the make-up Saturday 14 Feb', working(1), '2026-02-13T23:59:00+08:00', on('2026-02-14')],
    ['working days: 00:00 Beijing on Sat 14 Feb, the next working day is 24 Feb', working(1), '2026-02-13T16:00:00.000Z', on('2026-02-24')],
  ];
  test.each(cases)('%s', (...c) => check(c));
});

describe('working days with 调休', () => {
  const cases: Case[] = [
    ['5 from Thu 12 Feb across 春节 (Sat 14 Feb worked) end on 26 Feb', working(5), '2026-02-12T02:00:00Z', on('2026-02-26')],
    ['10 from Tue 10 Feb count both make-up Saturdays (14 and 28 Feb) and end on Mon 2 Mar', working(10), '2026-02-10T02:00:00Z', on('2026-03-02')],
    ['1 from Fri 27 Feb is the make-up Saturday 28 Feb', working(1), '2026-02-27T02:00:00Z', on('2026-02-28')],
    ['3 from Fri 18 Sep count the make-up Sunday 20 Sep and end on 22 Sep', working(3), '2026-09-18T02:00:00Z', on('2026-09-22')],
    ['5 from Wed 23 Sep skip 中秋 and 国庆 and end on 8 Oct', working(5), '2026-09-23T02:00:00Z', on('2026-10-08')],
    ['7 from Wed 23 Sep count the make-up Saturday 10 Oct', working(7), '2026-09-23T02:00:00Z', on('2026-10-10')],
    ['1 from Wed 31 Dec 2025 skips 元旦 and counts Sun 4 Jan 2026', working(1), '2025-12-31T02:00:00Z', on('2026-01-04')],
    ['20 from Mon 2 Mar (no holiday) end on Mon 30 Mar', working(20), '2026-03-02T02:00:00Z', on('2026-03-30')],
  ];
  test.each(cases)('%s', (...c) => check(c));
});

describe('day D of next month', () => {
  const cases: Case[] = [
    ['day 31 from 31 Jan is clamped to 28 Feb (a make-up Saturday: no move)', nextMonth(31, true, true), '2026-01-31T02:00:00Z', on('2026-02-28')],
    ['day 31 from 00:00 Beijing on 1 Feb (16:00 Z on 31 Jan) is 31 Mar', nextMonth(31, true, true), '2026-01-31T16:00:00.000Z', on('2026-03-31')],
    ['day 31 from August is clamped to 30 Sep', nextMonth(31, false, false), '2026-08-15T02:00:00Z', on('2026-09-30')],
    ['day 1 from September is 1 Oct when holidays do not move', nextMonth(1, false, false), '2026-09-10T02:00:00Z', on('2026-10-01')],
    ['day 1 from September moves to 8 Oct when holidays move', nextMonth(1, true, false), '2026-09-10T02:00:00Z', on('2026-10-08', '2026-10-01')],
    ['day 10 from September is Sat 10 Oct, a make-up workday: no move even with weekend moves', nextMonth(10, true, true), '2026-09-10T02:00:00Z', on('2026-10-10')],
    ['day 7 from February is Sat 7 Mar: moves to 9 Mar with weekend moves', nextMonth(7, false, true), '2026-02-10T02:00:00Z', on('2026-03-09', '2026-03-07')],
    ['day 7 from February stays on Sat 7 Mar without', nextMonth(7, true, false), '2026-02-10T02:00:00Z', on('2026-03-07')],
    ['day 5 from November is Sat 5 Dec 2026: moves to Mon 7 Dec', nextMonth(5, true, true), '2026-11-20T02:00:00Z', on('2026-12-07', '2026-12-05')],
    ['day 15 from December 2026 is 15 Jan 2027; with no moves no data is needed', nextMonth(15, false, false), '2026-12-01T02:00:00Z', on('2027-01-15')],
    ['day 15 from December 2026 with holiday moves: 2027 has no data, so no move and marked', nextMonth(15, true, false), '2026-12-01T02:00:00Z', { ...on('2027-01-15', '2027-01-15', true), missingYears: [2027] }],
    ['day 2 from December 2026 is Sat 2 Jan 2027: weekends still move without data, marked', nextMonth(2, false, true), '2026-12-01T02:00:00Z', { ...on('2027-01-04', '2027-01-02', true), missingYears: [2027] }],
  ];
  test.each(cases)('%s', (...c) => check(c));
});

describe('durations', () => {
  const cases: Case[] = [
    ['3h is start + 3 h', { rule: 'duration', duration: '3h' }, '2026-02-12T02:00:00Z', { deadline: '2026-02-12T05:00:00.000Z', calendarDataMissing: false }],
    ['3h from 23:00 Beijing crosses midnight', { rule: 'duration', duration: '3h' }, '2026-09-30T23:00:00+08:00', { deadline: '2026-09-30T18:00:00.000Z', calendarDataMissing: false }],
    ['15d is 15 × 24 h, ignoring 国庆', { rule: 'duration', duration: '15d' }, '2026-09-20T02:00:00Z', { deadline: '2026-10-05T02:00:00.000Z', calendarDataMissing: false }],
    ['1h30m in 2027 needs no calendar data', { rule: 'duration', duration: '1h30m' }, '2027-02-08T02:00:00Z', { deadline: '2027-02-08T03:30:00.000Z', calendarDataMissing: false }],
  ];
  test.each(cases)('%s', (...c) => check(c));
  test('a duration has no days', () => {
    const result = computeDeadline({ rule: 'duration', duration: '3h' }, '2026-02-12T02:00:00Z', calendar);
    expect([result.startDay, result.lastDay, result.nominalLastDay, result.note]).toEqual([undefined, undefined, undefined, '自开始时起 3h（按小时计算，不涉及节假日）']);
  });
});

describe('counting that reaches 2027 (no data)', () => {
  const cases: Case[] = [
    ['15 days from 20 Dec 2026 end on Mon 4 Jan 2027: plain calendar days, marked', days(15, true), '2026-12-20T02:00:00Z', { ...on('2027-01-04', '2027-01-04', true), missingYears: [2027] }],
    ['2 days from 30 Dec 2026 end on 1 Jan 2027: 元旦 is not known, so no move; marked', days(2), '2026-12-30T02:00:00Z', { ...on('2027-01-01', '2027-01-01', true), missingYears: [2027] }],
    ['3 days from 30 Dec 2026 end on Sat 2 Jan 2027: weekends move per the rule even without data', days(3, true), '2026-12-30T02:00:00Z', { ...on('2027-01-04', '2027-01-02', true), missingYears: [2027] }],
    ['1 day from 30 Dec 2026 ends on 31 Dec 2026: within the data, not marked', days(1), '2026-12-30T02:00:00Z', on('2026-12-31')],
    ['5 working days from Tue 29 Dec 2026: two in 2026, then every 2027 day counts', working(5), '2026-12-29T02:00:00Z', { ...on('2027-01-03', '2027-01-03', true), missingYears: [2027] }],
    ['2 working days from Tue 29 Dec 2026 end on 31 Dec: not marked', working(2), '2026-12-29T02:00:00Z', on('2026-12-31')],
    ['30 days in 2027 entirely', days(30), '2027-06-01T02:00:00Z', { ...on('2027-07-01', '2027-07-01', true), missingYears: [2027] }],
  ];
  test.each(cases)('%s', (...c) => check(c));

  test('the note says the data is missing, for the timeline', () => {
    expect(computeDeadline(working(5), '2026-12-29T02:00:00Z', calendar).note).toBe(
      '自 2026-12-29 次日起算 5 个工作日（含调休上班日），最后一日 2027-01-03 24:00 止；节假日数据缺失（2027 年），该部分按自然日计算',
    );
  });
});

describe('notes', () => {
  test.each<[DeadlineRule, string, string]>([
    [days(15), '2026-09-20T02:00:00Z', '自 2026-09-20 次日起算 15 日（逢节假日顺延、逢周末不顺延），最后一日 2026-10-08 24:00 止；2026-10-05 逢国庆节，顺延至 2026-10-08'],
    [days(5, true), '2026-06-15T02:00:00Z', '自 2026-06-15 次日起算 5 日（逢节假日、周末顺延），最后一日 2026-06-22 24:00 止；2026-06-20 逢端午，顺延至 2026-06-22'],
    [days(5, true), '2026-03-02T02:00:00Z', '自 2026-03-02 次日起算 5 日（逢节假日、周末顺延），最后一日 2026-03-09 24:00 止；2026-03-07 逢周末，顺延至 2026-03-09'],
    [nextMonth(31, true, false), '2026-01-31T02:00:00Z', '次月 31 日（该月无 31 日，取月末）（逢节假日顺延、逢周末不顺延），最后一日 2026-02-28 24:00 止'],
  ])('%o from %s', (rule, start, note) => {
    expect(computeDeadline(rule, start, calendar).note).toBe(note);
  });
});

describe('bad rules and instants', () => {
  test.each<[DeadlineRule, string, string]>([
    [days(0), '2026-03-02T02:00:00Z', 'calendarDays.days must be a whole number from 1 to 3660, got 0'],
    [days(1.5), '2026-03-02T02:00:00Z', 'calendarDays.days must be a whole number from 1 to 3660, got 1.5'],
    [working(2501), '2026-03-02T02:00:00Z', 'workingDays.days must be a whole number from 1 to 2500, got 2501'],
    [nextMonth(32, false, false), '2026-03-02T02:00:00Z', 'dayOfNextMonth.day must be a whole number from 1 to 31, got 32'],
    [{ rule: 'duration', duration: '0h' }, '2026-03-02T02:00:00Z', 'duration must be longer than zero, got "0h"'],
    [{ rule: 'duration', duration: '3 hours' }, '2026-03-02T02:00:00Z', 'not a duration: "3 hours" (use e.g. 3h, 1h30m, 45s, 7d)'],
    [days(3), '2026-03-02 10:00', 'not an ISO instant with an offset: "2026-03-02 10:00" (e.g. 2026-09-20T09:30:00.000Z)'],
  ])('%o from %s throws', (rule, start, message) => {
    expect(() => computeDeadline(rule, start, calendar)).toThrow(message);
  });

  test.each([
    [{ rule: 'calendarDays', days: 15 }, [{ field: 'weekendLastDayMoves', message: '必须写明最后一日逢周末是否顺延（true/false）' }]],
    [{ rule: 'calendarDays', days: 0, weekendLastDayMoves: false }, [{ field: 'days', message: '至少 1 天' }]],
    [{ rule: 'workingDays', days: 2.5 }, [{ field: 'days', message: '应为整数天' }]],
    [{ rule: 'dayOfNextMonth', day: 0, holidayLastDayMoves: true, weekendLastDayMoves: true }, [{ field: 'day', message: '应为 1–31 日' }]],
    [{ rule: 'dayOfNextMonth', day: 5, weekendLastDayMoves: true }, [{ field: 'holidayLastDayMoves', message: '必须写明该日逢节假日是否顺延（true/false）' }]],
    [{ rule: 'duration', duration: '3 hours' }, [{ field: 'duration', message: '应为时长，如 3h、1h30m、15d' }]],
    [{ rule: 'duration', duration: '0s' }, [{ field: 'duration', message: '时长必须大于零' }]],
    [{ rule: 'workingDays', days: 5, extra: 1 }, [{ field: 'extra', message: 'is not a known field' }]],
  ])('the policy schema refuses %o', (input, issues) => {
    const result = deadlineRuleSchema.safeParse(input);
    expect(result.success ? [] : fieldIssues(result.error)).toEqual(issues);
  });

  test('the policy schema accepts each rule as written', () => {
    const rules: DeadlineRule[] = [{ rule: 'duration', duration: '15d' }, days(15), working(5), nextMonth(5, true, false)];
    expect(rules.map((r) => deadlineRuleSchema.parse(r))).toEqual(rules);
  });
});
