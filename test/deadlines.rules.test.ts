// Deadline rules over the Chinese holiday calendar (issue 12 items 2–3, first part): exact deadlines across 2026's
// National Day and Spring Festival, a duration, and a year the data does not cover (counted as calendar days, marked).
import { describe, expect, test } from 'vitest';
import { loadHolidayCalendar } from '../src/deadlines/calendarData.js';
import { computeDeadline, type DeadlineRule } from '../src/deadlines/rules.js';
import { ROOT } from '../src/config.js';
import { join } from 'node:path';

const calendar = loadHolidayCalendar(join(ROOT, 'config/calendar.overrides.json'));

describe('computeDeadline', () => {
  const cases: [string, DeadlineRule, string, { deadline: string; lastDay?: string; nominalLastDay?: string; calendarDataMissing: boolean }][] = [
    ['15 calendar days from 20 Sep 2026 end on 5 Oct, inside 国庆: moved to 8 Oct', { rule: 'calendarDays', days: 15, weekendLastDayMoves: false }, '2026-09-20T02:00:00Z', { deadline: '2026-10-08T16:00:00.000Z', lastDay: '2026-10-08', nominalLastDay: '2026-10-05', calendarDataMissing: false }],
    ['5 calendar days from 28 Sep 2026 end on 3 Oct: moved to 8 Oct', { rule: 'calendarDays', days: 5, weekendLastDayMoves: false }, '2026-09-28T02:00:00Z', { deadline: '2026-10-08T16:00:00.000Z', lastDay: '2026-10-08', nominalLastDay: '2026-10-03', calendarDataMissing: false }],
    ['5 working days from 12 Feb 2026 across 春节 (Sat 14 Feb is a make-up workday) end on 26 Feb', { rule: 'workingDays', days: 5 }, '2026-02-12T02:00:00Z', { deadline: '2026-02-26T16:00:00.000Z', lastDay: '2026-02-26', nominalLastDay: '2026-02-26', calendarDataMissing: false }],
    ['a duration of 3 h is start + 3 h, no calendar', { rule: 'duration', duration: '3h' }, '2026-02-12T02:00:00Z', { deadline: '2026-02-12T05:00:00.000Z', calendarDataMissing: false }],
    ['30 calendar days in 2027, which the data does not cover: plain calendar days, marked missing', { rule: 'calendarDays', days: 30, weekendLastDayMoves: false }, '2027-06-01T02:00:00Z', { deadline: '2027-07-01T16:00:00.000Z', lastDay: '2027-07-01', nominalLastDay: '2027-07-01', calendarDataMissing: true }],
  ];
  test.each(cases)('%s', (_name, rule, start, expected) => {
    expect(computeDeadline(rule, start, calendar)).toMatchObject({ ...expected, rule, calendarVersion: calendar.version });
  });
  test('the missing year is named, and the note says so in Chinese', () => {
    const d = computeDeadline({ rule: 'calendarDays', days: 30, weekendLastDayMoves: false }, '2027-06-01T02:00:00Z', calendar);
    expect(d.missingYears).toEqual([2027]);
    expect(d.note).toBe('自 2027-06-01 次日起算 30 日（逢节假日顺延、逢周末不顺延），最后一日 2027-07-01 24:00 止；节假日数据缺失（2027 年），该部分按自然日计算');
  });
});
