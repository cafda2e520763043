// Property tests (issue 12 items 2–3): calendarDays and workingDays against a naive day-by-day count written apart
// from the library — over chinese-days' raw JSON for 2004–2027 (2027: no data), and over holiday-calendar's for 2021–2026.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ROOT } from '../src/config.js';
import { loadHolidayCalendar } from '../src/deadlines/calendarData.js';
import { computeDeadline } from '../src/deadlines/rules.js';

const require = createRequire(import.meta.url);
const calendar = loadHolidayCalendar(join(ROOT, 'config/calendar.overrides.json'));

/** A data set as plain sets: the naive count needs nothing from src/deadlines. */
interface NaiveData {
  holidays: Set<string>;
  workdays: Set<string>;
  years: Set<number>;
}

function chineseDaysRaw(): NaiveData {
  const raw = JSON.parse(readFileSync(require.resolve('chinese-days/dist/chinese-days.json'), 'utf8')) as { holidays: Record<string, string>; workdays: Record<string, string> };
  const holidays = new Set(Object.keys(raw.holidays));
  const workdays = new Set(Object.keys(raw.workdays));
  return { holidays, workdays, years: new Set([...holidays, ...workdays].map((d) => Number(d.slice(0, 4)))) };
}

function holidayCalendarRaw(from: number, to: number): NaiveData {
  const holidays = new Set<string>();
  const workdays = new Set<string>();
  for (let year = from - 1; year <= to + 1 && year <= 2026; year += 1) {
    const file = require(`holiday-calendar/data/CN/${year}.json`) as { dates: { date: string; type: string }[] };
    for (const d of file.dates) (d.type === 'public_holiday' ? holidays : workdays).add(d.date);
  }
  return { holidays, workdays, years: new Set(Array.from({ length: to - from + 1 }, (_, i) => from + i)) };
}

/** The next day, by a Date object stepped one UTC day. */
function next(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}

function weekend(day: string): boolean {
  return [0, 6].includes(new Date(`${day}T00:00:00Z`).getUTCDay());
}

function beijing(ms: number): string {
  return new Date(ms + 8 * 3600 * 1000).toISOString().slice(0, 10);
}

function covered(data: NaiveData, day: string): boolean {
  return data.years.has(Number(day.slice(0, 4)));
}

/** 民法典 第201–203条 the slow way: step N days, then step on while the day is a holiday (or an unworked weekend). */
function naiveCalendarDays(data: NaiveData, startMs: number, n: number, weekendMoves: boolean): { lastDay: string; missing: boolean } {
  let day = beijing(startMs);
  for (let i = 0; i < n; i += 1) day = next(day);
  let missing = false;
  for (;;) {
    if (!covered(data, day)) {
      missing = true;
      if (weekendMoves && weekend(day)) {
        day = next(day);
        continue;
      }
      return { lastDay: day, missing };
    }
    const rests = data.holidays.has(day) || (weekendMoves && weekend(day) && !data.workdays.has(day));
    if (!rests) return { lastDay: day, missing };
    day = next(day);
  }
}

function naiveWorkingDays(data: NaiveData, startMs: number, n: number): { lastDay: string; missing: boolean } {
  let day = beijing(startMs);
  let missing = false;
  for (let counted = 0; counted < n; ) {
    day = next(day);
    if (!covered(data, day)) {
      missing = true;
      counted += 1;
    } else if (data.workdays.has(day) || (!weekend(day) && !data.holidays.has(day))) counted += 1;
  }
  return { lastDay: day, missing };
}

const instantIn = (from: string, to: string): fc.Arbitrary<number> => fc.integer({ min: Date.parse(from), max: Date.parse(to) });

describe('day counting against a naive count over chinese-days’ data (2004–2027)', () => {
  const data = chineseDaysRaw();
  const starts = instantIn('2004-01-01T00:00:00+08:00', '2027-06-30T23:59:59+08:00');

  test('calendarDays', () => {
    fc.assert(
      fc.property(starts, fc.integer({ min: 1, max: 800 }), fc.boolean(), (startMs, n, weekendMoves) => {
        const expected = naiveCalendarDays(data, startMs, n, weekendMoves);
        const result = computeDeadline({ rule: 'calendarDays', days: n, weekendLastDayMoves: weekendMoves }, new Date(startMs).toISOString(), calendar);
        expect([result.lastDay, result.deadline, result.calendarDataMissing]).toEqual([expected.lastDay, `${expected.lastDay}T16:00:00.000Z`, expected.missing]);
      }),
      { numRuns: 500 },
    );
  });

  test('workingDays', () => {
    fc.assert(
      fc.property(starts, fc.integer({ min: 1, max: 400 }), (startMs, n) => {
        const expected = naiveWorkingDays(data, startMs, n);
        const result = computeDeadline({ rule: 'workingDays', days: n }, new Date(startMs).toISOString(), calendar);
        expect([result.lastDay, result.deadline, result.calendarDataMissing]).toEqual([expected.lastDay, `${expected.lastDay}T16:00:00.000Z`, expected.missing]);
      }),
      { numRuns: 500 },
    );
  });

  test('counting into a year without data is never later than counting with its real holidays would be', () => {
    // Without 2027's data every 2027 day counts, so the deadline is no later than under any 2027 calendar; here
    // against the one that would be the silent mistake: Monday to Friday, no holidays.
    fc.assert(
      fc.property(instantIn('2026-06-01T00:00:00+08:00', '2027-06-30T23:59:59+08:00'), fc.integer({ min: 1, max: 400 }), (startMs, n) => {
        const result = computeDeadline({ rule: 'workingDays', days: n }, new Date(startMs).toISOString(), calendar);
        const mondayToFriday = naiveWorkingDays({ ...data, years: new Set([...data.years, 2027, 2028]) }, startMs, n);
        expect(result.lastDay! <= mondayToFriday.lastDay).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('day counting against a naive count over holiday-calendar’s data (2021–2026, where the two agree)', () => {
  const data = holidayCalendarRaw(2021, 2026);
  // Late enough in 2026 that counts run into 2027, which neither data set has.
  const starts = instantIn('2021-01-01T00:00:00+08:00', '2026-12-31T23:59:59+08:00');

  test('calendarDays', () => {
    fc.assert(
      fc.property(starts, fc.integer({ min: 1, max: 400 }), fc.boolean(), (startMs, n, weekendMoves) => {
        const expected = naiveCalendarDays(data, startMs, n, weekendMoves);
        const result = computeDeadline({ rule: 'calendarDays', days: n, weekendLastDayMoves: weekendMoves }, new Date(startMs).toISOString(), calendar);
        expect([result.lastDay, result.calendarDataMissing]).toEqual([expected.lastDay, expected.missing]);
      }),
      { numRuns: 500 },
    );
  });

  test('workingDays', () => {
    fc.assert(
      fc.property(starts, fc.integer({ min: 1, max: 250 }), (startMs, n) => {
        const expected = naiveWorkingDays(data, startMs, n);
        const result = computeDeadline({ rule: 'workingDays', days: n }, new Date(startMs).toISOString(), calendar);
        expect([result.lastDay, result.calendarDataMissing]).toEqual([expected.lastDay, expected.missing]);
      }),
      { numRuns: 500 },
    );
  });
});
