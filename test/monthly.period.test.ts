// Monthly obligations' period arithmetic (issue 12 item 5): previous Beijing month, case keys, due dates across year end.
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ROOT } from '../src/config.js';
import { loadHolidayCalendar } from '../src/deadlines/calendarData.js';
import { monthlyCaseKey, monthlyDueDate, previousPeriod } from '../src/duties/monthlyPeriod.js';

const calendar = loadHolidayCalendar(join(ROOT, 'config/calendar.overrides.json'));

describe('previousPeriod', () => {
  test.each([
    ['2026-12-01T00:00:00+08:00', '2026-11'],
    ['2026-11-30T16:00:00Z', '2026-11'],
    ['2026-11-30T15:59:59Z', '2026-10'],
    ['2027-01-01T00:00:00+08:00', '2026-12'],
    ['2026-01-05T09:00:00+08:00', '2025-12'],
  ])('%s reports %s', (instant, period) => {
    expect(previousPeriod(instant)).toBe(period);
  });
});

describe('monthlyDueDate (dayOfNextMonth)', () => {
  test.each([
    ['November 2026, day 5, moves on: Sat 5 Dec → Mon 7 Dec', '2026-11', true, '2026-12-07', '2026-12-05'],
    ['November 2026, day 5, no moves', '2026-11', false, '2026-12-05', '2026-12-05'],
    ['September 2026, day 1, holiday moves: 国庆 → 8 Oct', '2026-09', true, '2026-10-08', '2026-10-01'],
    ['December 2026, day 5, no moves: 5 Jan 2027', '2026-12', false, '2027-01-05', '2027-01-05'],
  ])('%s', (_name, period, moves, lastDay, nominalLastDay) => {
    const day = period === '2026-09' ? 1 : 5;
    const result = monthlyDueDate({ rule: 'dayOfNextMonth', day, holidayLastDayMoves: moves, weekendLastDayMoves: moves }, period, calendar);
    expect(result).toMatchObject({ deadline: `${lastDay}T16:00:00.000Z`, lastDay, nominalLastDay });
  });
});

test('case key', () => {
  expect(monthlyCaseKey('wuli-gov', 'disputeScreening', '2026-11')).toBe('wuli-gov.disputeScreening.2026-11');
  expect(() => monthlyCaseKey('wuli-gov', 'leadershipStudy', '2026-13')).toThrow('period must be YYYY-MM, got 2026-13');
});

test('December 2026, day 5, moves on: 5 Jan 2027 is a Tuesday, kept, and marked as counted without 2027 data', () => {
  const result = monthlyDueDate({ rule: 'dayOfNextMonth', day: 5, holidayLastDayMoves: true, weekendLastDayMoves: true }, '2026-12', calendar);
  expect(result).toMatchObject({ deadline: '2027-01-05T16:00:00.000Z', lastDay: '2027-01-05', calendarDataMissing: true, missingYears: [2027] });
});
