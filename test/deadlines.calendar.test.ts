// The holiday calendar (issue 12 item 3): chinese-days cross-checked against holiday-calendar for every year both
// cover, 2026's holidays and make-up days against both, the override file's validation, and the missing-year path.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isWorkday as packageIsWorkday } from 'chinese-days';
import { describe, expect, test } from 'vitest';
import { ROOT } from '../src/config.js';
import {
  CalendarDataMissingError,
  addDays,
  beijingDay,
  covers,
  dataRunsOutOn,
  endOfBeijingDay,
  isHoliday,
  isMakeUpWorkday,
  isWorkday,
  missingDataAlert,
  sliceCalendar,
  type HolidayCalendar,
} from '../src/deadlines/calendar.js';
import { CalendarOverridesError, buildHolidayCalendar, loadHolidayCalendar, parseCalendarOverrides, readChineseDays } from '../src/deadlines/calendarData.js';
import { computeDeadline, replanDeadline } from '../src/deadlines/rules.js';

const require = createRequire(import.meta.url);
const OVERRIDES = join(ROOT, 'config/calendar.overrides.json');
const calendar = loadHolidayCalendar(OVERRIDES);

type Kind = 'holiday' | 'workday' | 'ordinary';

/** holiday-calendar's CN data, every file read (a year's file also lists days of the next or previous year). */
function holidayCalendarData(): { years: number[]; kinds: Map<string, Kind>; version: string } {
  const index = require('holiday-calendar/data/index.json') as { regions: { name: string; startYear: number; endYear: number }[] };
  const cn = index.regions.find((r) => r.name === 'CN')!;
  const kinds = new Map<string, Kind>();
  const years: number[] = [];
  for (let year = cn.startYear; year <= cn.endYear; year += 1) {
    years.push(year);
    const file = require(`holiday-calendar/data/CN/${year}.json`) as { dates: { date: string; type: string }[] };
    for (const d of file.dates) kinds.set(d.date, d.type === 'public_holiday' ? 'holiday' : 'workday');
  }
  const { version } = require('holiday-calendar/package.json') as { version: string };
  return { years, kinds, version };
}

const other = holidayCalendarData();

function chineseDaysKind(day: string): Kind {
  if (isMakeUpWorkday(calendar, day)) return 'workday';
  return isHoliday(calendar, day) ? 'holiday' : 'ordinary';
}

function daysOfYear(year: number): string[] {
  const days: string[] = [];
  for (let day = `${year}-01-01`; day.startsWith(String(year)); day = addDays(day, 1)) days.push(day);
  return days;
}

/**
 * Where the two data sets disagree (chinese-days, holiday-calendar), all before 2021. Most are weekend days inside a
 * holiday that one lists and the other does not; 2008-06-07/09-13 and 2018-06-16/09-22 are holiday-calendar marking
 * a 端午/中秋 weekend as a make-up workday (the notices make them holidays); 2020-02-02 is the State Council's
 * extension of 春节 2020 (国办发明电〔2020〕1号), which only chinese-days has.
 */
const KNOWN_DIFFERENCES: [string, Kind, Kind][] = [
  ['2004-01-02', 'ordinary', 'holiday'],
  ['2004-01-03', 'ordinary', 'holiday'],
  ['2004-04-25', 'ordinary', 'workday'],
  ['2004-05-09', 'workday', 'ordinary'],
  ['2004-09-26', 'ordinary', 'workday'],
  ['2004-10-10', 'workday', 'ordinary'],
  ['2005-12-31', 'ordinary', 'workday'],
  ['2007-12-29', 'workday', 'ordinary'],
  ['2007-12-30', 'holiday', 'ordinary'],
  ['2007-12-31', 'holiday', 'ordinary'],
  ['2008-05-04', 'workday', 'ordinary'],
  ['2008-06-07', 'holiday', 'workday'],
  ['2008-09-13', 'holiday', 'workday'],
  ['2009-01-04', 'workday', 'ordinary'],
  ['2009-09-27', 'workday', 'ordinary'],
  ['2011-06-05', 'ordinary', 'holiday'],
  ['2011-12-31', 'workday', 'ordinary'],
  ['2012-06-23', 'ordinary', 'holiday'],
  ['2015-01-04', 'workday', 'ordinary'],
  ['2015-05-02', 'ordinary', 'holiday'],
  ['2015-05-03', 'ordinary', 'holiday'],
  ['2015-06-21', 'ordinary', 'holiday'],
  ['2015-09-05', 'ordinary', 'holiday'],
  ['2016-01-02', 'ordinary', 'holiday'],
  ['2016-01-03', 'ordinary', 'holiday'],
  ['2016-04-02', 'ordinary', 'workday'],
  ['2016-04-30', 'ordinary', 'holiday'],
  ['2018-06-16', 'ordinary', 'workday'],
  ['2018-09-22', 'ordinary', 'workday'],
  ['2020-02-02', 'holiday', 'ordinary'],
];

describe('chinese-days cross-checked against holiday-calendar', () => {
  const bothCover = calendar.years.filter((y) => other.years.includes(y));

  test('the packages and the years both cover are the ones these tests were written for', () => {
    expect(readChineseDays().source).toBe('chinese-days@1.5.7');
    expect(other.version).toBe('1.3.3');
    expect(calendar.years).toEqual(Array.from({ length: 23 }, (_, i) => 2004 + i));
    expect(bothCover).toEqual(Array.from({ length: 23 }, (_, i) => 2004 + i));
  });

  test('every day of every year both cover is the same kind in both, except the pinned differences', () => {
    const differences: [string, Kind, Kind][] = [];
    for (const year of bothCover) {
      for (const day of daysOfYear(year)) {
        const ours = chineseDaysKind(day);
        const theirs = other.kinds.get(day) ?? 'ordinary';
        if (ours !== theirs) differences.push([day, ours, theirs]);
      }
    }
    expect(differences).toEqual(KNOWN_DIFFERENCES);
  });

  test('2021 to 2026 agree day for day', () => {
    expect(KNOWN_DIFFERENCES.filter(([day]) => day >= '2021')).toEqual([]);
  });

  test('our isWorkday agrees with chinese-days’ own isWorkday on every covered day', () => {
    const disagreements = calendar.years.flatMap(daysOfYear).filter((day) => isWorkday(calendar, day) !== packageIsWorkday(day));
    expect(disagreements).toEqual([]);
  });
});

describe('2026 holidays and make-up days, in both data sets', () => {
  // [day, weekday, kind]: 2026's holiday edges as the State Council's 2026 arrangement sets them, checked against both packages.
  const edges: [string, string, Kind][] = [
    ['2026-01-01', '四', 'holiday'],
    ['2026-01-03', '六', 'holiday'],
    ['2026-01-04', '日', 'workday'],
    ['2026-01-05', '一', 'ordinary'],
    ['2026-02-14', '六', 'workday'],
    ['2026-02-15', '日', 'holiday'],
    ['2026-02-23', '一', 'holiday'],
    ['2026-02-24', '二', 'ordinary'],
    ['2026-02-28', '六', 'workday'],
    ['2026-03-01', '日', 'ordinary'],
    ['2026-04-04', '六', 'holiday'],
    ['2026-04-06', '一', 'holiday'],
    ['2026-05-01', '五', 'holiday'],
    ['2026-05-05', '二', 'holiday'],
    ['2026-05-09', '六', 'workday'],
    ['2026-06-19', '五', 'holiday'],
    ['2026-06-21', '日', 'holiday'],
    ['2026-09-20', '日', 'workday'],
    ['2026-09-25', '五', 'holiday'],
    ['2026-09-27', '日', 'holiday'],
    ['2026-09-28', '一', 'ordinary'],
    ['2026-10-01', '四', 'holiday'],
    ['2026-10-07', '三', 'holiday'],
    ['2026-10-08', '四', 'ordinary'],
    ['2026-10-10', '六', 'workday'],
    ['2026-10-11', '日', 'ordinary'],
  ];
  test.each(edges)('%s (周%s) is %s in chinese-days and in holiday-calendar', (day, weekday, kind) => {
    expect('日一二三四五六'[new Date(`${day}T00:00:00Z`).getUTCDay()]).toBe(weekday);
    expect(chineseDaysKind(day)).toBe(kind);
    expect(other.kinds.get(day) ?? 'ordinary').toBe(kind);
  });

  test('2026 has 33 holidays and 6 make-up workdays in both', () => {
    const count = (kind: Kind, of: (day: string) => Kind): number => daysOfYear(2026).filter((d) => of(d) === kind).length;
    const theirs = (d: string): Kind => other.kinds.get(d) ?? 'ordinary';
    expect([count('holiday', chineseDaysKind), count('workday', chineseDaysKind)]).toEqual([33, 6]);
    expect([count('holiday', theirs), count('workday', theirs)]).toEqual([33, 6]);
  });

  test('names are the Chinese ones', () => {
    expect([calendar.holidays['2026-10-01'], calendar.workdays['2026-02-14'], calendar.holidays['2026-09-25']]).toEqual(['国庆节', '春节', '中秋']);
  });
});

describe('Beijing days', () => {
  test.each([
    ['2026-09-19T15:59:59.999Z', '2026-09-19'],
    ['2026-09-19T16:00:00.000Z', '2026-09-20'],
    ['2026-09-20T00:00:00+08:00', '2026-09-20'],
    ['2026-09-20T23:59:00+08:00', '2026-09-20'],
  ])('%s falls on %s in Beijing', (iso, day) => {
    expect(beijingDay(iso)).toBe(day);
  });
  test('a time without an offset is refused (the host zone would decide)', () => {
    expect(() => beijingDay('2026-09-20T10:00:00')).toThrow('not an ISO instant with an offset: "2026-09-20T10:00:00" (e.g. 2026-09-20T09:30:00.000Z)');
  });
  test('24:00 Beijing is 16:00 UTC of the same day', () => {
    expect(endOfBeijingDay('2026-10-08')).toBe('2026-10-08T16:00:00.000Z');
  });
});

describe('a year without data', () => {
  test('2027 is not covered, and asking about one of its days throws rather than answer "workday"', () => {
    expect([covers(calendar, 2026), covers(calendar, 2027)]).toEqual([true, false]);
    expect(() => isWorkday(calendar, '2027-02-08')).toThrow(new CalendarDataMissingError('2027-02-08'));
    expect(() => isHoliday(calendar, '2027-01-01')).toThrow('节假日数据缺失：2027 年不在节假日日历中，无法判断 2027-01-01 是否放假');
    expect(() => isMakeUpWorkday(calendar, '2003-12-31')).toThrow('节假日数据缺失：2003 年不在节假日日历中，无法判断 2003-12-31 是否放假');
  });

  test('the data runs out on 2026-12-31', () => {
    expect(dataRunsOutOn(calendar)).toBe('2026-12-31');
    expect(dataRunsOutOn(calendar, 2020)).toBe('2026-12-31');
    expect(dataRunsOutOn(calendar, 2027)).toBeNull();
  });

  const message60 = `节假日数据将于 2026-12-31 用完（还剩 60 天）：日历（${calendar.version}）没有 2027 年的数据，届时跨入该年的期限将按自然日计算。请在 config/calendar.overrides.json 中按国务院办公厅通知补录下一年的放假和调休安排，或升级 chinese-days。`;
  test.each([
    ['2026-10-31T23:59:59+08:00', null],
    ['2026-10-31T16:00:00.000Z', { lastCoveredDay: '2026-12-31', daysLeft: 60, ranOut: false, message: message60 }],
    ['2026-11-01T12:00:00+08:00', { lastCoveredDay: '2026-12-31', daysLeft: 60, ranOut: false, message: message60 }],
  ])('the alert at %s (60-day window)', (now, expected) => {
    expect(missingDataAlert(calendar, now)).toEqual(expected);
  });

  test('days left count down to 0 on the last covered day', () => {
    expect(missingDataAlert(calendar, '2026-12-02T10:00:00+08:00')?.daysLeft).toBe(29);
    expect(missingDataAlert(calendar, '2026-12-31T23:59:59+08:00')).toMatchObject({ daysLeft: 0, ranOut: false });
  });

  test('a wider window alerts earlier; a narrower one later', () => {
    expect(missingDataAlert(calendar, '2026-10-02T12:00:00+08:00', 90)).toMatchObject({ daysLeft: 90 });
    expect(missingDataAlert(calendar, '2026-10-02T12:00:00+08:00')).toBeNull();
  });

  test('once the data has run out the alert says so', () => {
    expect(missingDataAlert(calendar, '2026-12-31T16:00:00.000Z')).toEqual({
      lastCoveredDay: '2026-12-31',
      daysLeft: 0,
      ranOut: true,
      message: `节假日数据已用完：日历（${calendar.version}）没有 2027 年的数据，期限暂按自然日计算。请在 config/calendar.overrides.json 中按国务院办公厅通知补录下一年的放假和调休安排，或升级 chinese-days。`,
    });
  });

  test('a calendar sliced to a few years keeps only their days', () => {
    const slice = sliceCalendar(calendar, 2025, 2026);
    expect([slice.years, slice.version, Object.keys(slice.holidays).length, Object.keys(slice.workdays).length]).toEqual([[2025, 2026], calendar.version, 28 + 33, 5 + 6]);
    expect(dataRunsOutOn(slice)).toBe('2026-12-31');
  });
});

describe('the override file', () => {
  const NOTICE = '国办发明电〔2026〕9号';
  const source = 'test.json';
  const fails = (input: unknown): string => {
    try {
      buildHolidayCalendar(readChineseDays(), parseCalendarOverrides(input, source), source);
    } catch (error) {
      expect(error).toBeInstanceOf(CalendarOverridesError);
      return (error as Error).message;
    }
    throw new Error('the overrides were accepted');
  };

  test('the shipped file is valid, empty, and gives the version its hash', () => {
    const shipped = JSON.parse(readFileSync(OVERRIDES, 'utf8')) as { entries: unknown[] };
    expect(shipped.entries).toEqual([]);
    expect(calendar.version).toMatch(/^chinese-days@1\.5\.7\+overrides:[0-9a-f]{12}$/);
  });

  test.each([
    ['a missing notice', { entries: [{ date: '2026-10-08', kind: 'holiday', name: '国庆节', notice: NOTICE }, { date: '2026-10-09', kind: 'holiday', name: '国庆节' }] }, 'entries.1.notice: 缺少国务院办公厅通知文号（如 国办发明电〔2025〕7号）'],
    ['a notice without its 文号', { entries: [{ date: '2026-10-08', kind: 'holiday', name: '国庆节', notice: '国务院办公厅通知' }] }, 'entries.0.notice: 必须引用国务院办公厅通知文号，如 国办发明电〔2025〕7号'],
    ['no such date', { entries: [{ date: '2026-02-30', kind: 'holiday', name: '春节', notice: NOTICE }] }, 'entries.0.date: 不是有效日期：“2026-02-30”（应为 YYYY-MM-DD）'],
    ['an unknown kind', { entries: [{ date: '2026-10-08', kind: 'rest', name: '国庆节', notice: NOTICE }] }, 'entries.0.kind: kind 应为 holiday（放假）、workday（调休上班）或 ordinary（普通日）'],
    ['an empty name', { entries: [{ date: '2026-10-08', kind: 'holiday', name: ' ', notice: NOTICE }] }, 'entries.0.name: 名称不能为空'],
    ['an unknown field in an entry', { entries: [{ date: '2026-10-08', kind: 'holiday', name: '国庆节', notice: NOTICE, note: 'x' }] }, 'entries.0.note: is not a known field'],
    ['an entry that is not an object', { entries: ['2026-10-08'] }, 'entries.0: 每一项应为单日 {date, kind, name, notice} 或整年 {year, notice, holidays, workdays}'],
    ['no entries', { $comment: 'x' }, 'entries: 缺少 entries 列表'],
    ['an unknown top-level field', { entries: [], year: 2027 }, 'year: is not a known field'],
    ['a make-up workday that is not a weekend', { entries: [{ date: '2026-10-09', kind: 'workday', name: '国庆节', notice: NOTICE }] }, 'entries.0.date: 2026-10-09 不是周末，无需列为调休上班日'],
    ['a single day in a year without data', { entries: [{ date: '2027-01-01', kind: 'holiday', name: '元旦', notice: NOTICE }] }, 'entries.0.date: 2027 年没有节假日数据，请整年补录（year、holidays、workdays）'],
    ['a whole year listing a day of another year', { entries: [{ year: 2027, notice: NOTICE, holidays: [{ date: '2027-01-01', name: '元旦' }, { date: '2028-01-01', name: '元旦' }], workdays: [] }] }, 'entries.0.holidays.1.date: 2028-01-01 不在 2027 年'],
    ['a whole year without its notice', { entries: [{ year: 2027, holidays: [{ date: '2027-01-01', name: '元旦' }], workdays: [] }] }, 'entries.0.notice: 缺少国务院办公厅通知文号（如 国办发明电〔2025〕7号）'],
    ['a whole year listing a day twice', { entries: [{ year: 2027, notice: NOTICE, holidays: [{ date: '2027-01-01', name: '元旦' }], workdays: [{ date: '2027-01-01', name: '元旦' }] }] }, 'entries.0.workdays.0.date: 2027-01-01 已在 entries.0.holidays.0 中列出; entries.0.workdays.0.date: 2027-01-01 不是周末，无需列为调休上班日'],
    ['the same whole year twice', { entries: [{ year: 2027, notice: NOTICE, holidays: [{ date: '2027-01-01', name: '元旦' }], workdays: [] }, { year: 2027, notice: NOTICE, holidays: [{ date: '2027-01-01', name: '元旦' }], workdays: [] }] }, 'entries.1.year: 2027 年已在 entries.0 中整年给出'],
  ])('%s is refused, naming the entry and field', (_name, input, expected) => {
    expect(fails(input)).toBe(`节假日覆盖文件 test.json 有误：${expected}`);
  });

  test('a file that is not JSON is refused with its path', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'duban-calendar-')), 'overrides.json');
    writeFileSync(path, '{ "entries": [ }');
    expect(() => loadHolidayCalendar(path)).toThrow(/^节假日覆盖文件 .*overrides\.json 有误：\(file\): 不是有效的 JSON（/);
  });

  const year2027: HolidayCalendar = buildHolidayCalendar(
    readChineseDays(),
    parseCalendarOverrides({
      entries: [
        {
          year: 2027,
          notice: '国办发明电〔2026〕9号（假设的 2027 年安排，仅供测试）',
          holidays: [
            { date: '2027-01-01', name: '元旦' },
            { date: '2027-01-02', name: '元旦' },
            { date: '2027-01-03', name: '元旦' },
          ],
          workdays: [{ date: '2027-01-09', name: '元旦' }],
        },
      ],
    }),
  );

  test('a whole year makes it covered and changes the version', () => {
    expect([covers(year2027, 2027), dataRunsOutOn(year2027), isHoliday(year2027, '2027-01-02'), isWorkday(year2027, '2027-01-09')]).toEqual([true, '2027-12-31', true, true]);
    expect(year2027.version).not.toBe(calendar.version);
    expect(year2027.version).toMatch(/^chinese-days@1\.5\.7\+overrides:[0-9a-f]{12}$/);
  });

  test('a mid-year correction moves a deadline, and the re-plan names both calendar versions', () => {
    const corrected = buildHolidayCalendar(readChineseDays(), parseCalendarOverrides({ entries: [{ date: '2026-10-08', kind: 'holiday', name: '国庆节', notice: '国办发明电〔2026〕12号' }] }));
    const rule = { rule: 'calendarDays', days: 15, weekendLastDayMoves: false } as const;
    const before = computeDeadline(rule, '2026-09-20T02:00:00Z', calendar);
    expect(before.lastDay).toBe('2026-10-08');
    expect(replanDeadline(before, '2026-09-20T02:00:00Z', calendar)).toBeNull();
    const replan = replanDeadline(before, '2026-09-20T02:00:00Z', corrected)!;
    expect([replan.changed, replan.next.lastDay, replan.next.deadline, replan.next.calendarVersion]).toEqual([true, '2026-10-09', '2026-10-09T16:00:00.000Z', corrected.version]);
    expect(replan.note).toBe(`节假日日历已更正（${calendar.version} → ${corrected.version}），期限重新计算：最后一日由 2026-10-08 改为 2026-10-09`);
  });

  test('a correction that does not touch a duty re-plans it to the same deadline', () => {
    const corrected = buildHolidayCalendar(readChineseDays(), parseCalendarOverrides({ entries: [{ date: '2026-12-31', kind: 'holiday', name: '元旦', notice: '国办发明电〔2026〕12号' }] }));
    const before = computeDeadline({ rule: 'workingDays', days: 3 }, '2026-03-02T02:00:00Z', calendar);
    const replan = replanDeadline(before, '2026-03-02T02:00:00Z', corrected)!;
    expect([replan.changed, replan.next.deadline]).toEqual([false, '2026-03-05T16:00:00.000Z']);
    expect(replan.note).toBe(`节假日日历已更正（${calendar.version} → ${corrected.version}），期限重新计算后不变`);
  });

  test('an ordinary-day correction removes a holiday', () => {
    const corrected = buildHolidayCalendar(readChineseDays(), parseCalendarOverrides({ entries: [{ date: '2026-10-07', kind: 'ordinary', name: '国庆节', notice: '国办发明电〔2026〕12号' }] }));
    expect([isHoliday(corrected, '2026-10-07'), isWorkday(corrected, '2026-10-07')]).toEqual([false, true]);
  });
});
