// The Chinese holiday calendar as plain data, and the questions deadline rules ask of it (pure: workflows import it).
// Days are Beijing calendar days written 'YYYY-MM-DD'; China keeps UTC+8 all year (no DST), so the offset is fixed.

/** Statutory holidays and 调休 make-up workdays, by Beijing day. Plain JSON, so it can be a workflow argument. */
export interface HolidayCalendar {
  /** Where the data came from, e.g. "chinese-days@1.5.7+overrides:3f2a…": recorded with every deadline. */
  version: string;
  /** Years whose holidays and make-up days are known (ascending). A day in any other year has no data. */
  years: number[];
  /** 法定节假日 (the whole 放假 period, weekend days inside it included) → its name, e.g. "国庆节". */
  holidays: Record<string, string>;
  /** 调休上班日: a Saturday or Sunday that is worked in exchange for a holiday → the holiday's name. */
  workdays: Record<string, string>;
}

/** A question about a day in a year the calendar has no data for: the answer would be a guess. */
export class CalendarDataMissingError extends Error {
  constructor(readonly day: string) {
    super(`节假日数据缺失：${day.slice(0, 4)} 年不在节假日日历中，无法判断 ${day} 是否放假`);
    this.name = 'CalendarDataMissingError';
  }
}

const DAY_MS = 86_400_000;
const BEIJING_OFFSET_MS = 8 * 3_600_000;
const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
// Without an explicit offset, Date.parse reads a time in the host's zone: the same input would mean different instants.
const INSTANT_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** Days since 1970-01-01 of a 'YYYY-MM-DD' day; throws on anything that is not a real date. */
export function dayNumber(day: string): number {
  const match = DAY_PATTERN.exec(day);
  if (!match) throw new Error(`not a day: "${day}" (use YYYY-MM-DD)`);
  const [year, month, date] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, date);
  if (new Date(ms).getUTCDate() !== date || month < 1 || month > 12) throw new Error(`not a day: "${day}" (no such date)`);
  return ms / DAY_MS;
}

/** The 'YYYY-MM-DD' of a day number. */
export function dayFromNumber(n: number): string {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

export function addDays(day: string, days: number): string {
  return dayFromNumber(dayNumber(day) + days);
}

/** 0 = Sunday … 6 = Saturday. */
export function dayOfWeek(day: string): number {
  // 1970-01-01 was a Thursday.
  return (((dayNumber(day) + 4) % 7) + 7) % 7;
}

export function isWeekend(day: string): boolean {
  const weekday = dayOfWeek(day);
  return weekday === 0 || weekday === 6;
}

/** Milliseconds since the epoch of an ISO instant that names its offset ("…Z" or "…+08:00"). */
export function parseInstant(iso: string): number {
  const ms = INSTANT_PATTERN.test(iso) ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(ms)) throw new Error(`not an ISO instant with an offset: "${iso}" (e.g. 2026-09-20T09:30:00.000Z)`);
  return ms;
}

/** The Beijing calendar day an instant falls on: 2026-09-19T16:00:00Z is already 2026-09-20 in Beijing. */
export function beijingDay(iso: string): string {
  return dayFromNumber(Math.floor((parseInstant(iso) + BEIJING_OFFSET_MS) / DAY_MS));
}

/** 24:00 Beijing time at the end of a day (= 16:00 UTC that day), as a UTC ISO string. */
export function endOfBeijingDay(day: string): string {
  return new Date((dayNumber(day) + 1) * DAY_MS - BEIJING_OFFSET_MS).toISOString();
}

export function yearOf(day: string): number {
  return Number(day.slice(0, 4));
}

export function covers(calendar: HolidayCalendar, year: number): boolean {
  return calendar.years.includes(year);
}

function requireCovered(calendar: HolidayCalendar, day: string): void {
  dayNumber(day);
  if (!covers(calendar, yearOf(day))) throw new CalendarDataMissingError(day);
}

/** A statutory holiday (放假日). Throws CalendarDataMissingError for a year without data rather than answer "no". */
export function isHoliday(calendar: HolidayCalendar, day: string): boolean {
  requireCovered(calendar, day);
  return Object.hasOwn(calendar.holidays, day);
}

/** A 调休 make-up workday (a weekend day that is worked). Throws CalendarDataMissingError for a year without data. */
export function isMakeUpWorkday(calendar: HolidayCalendar, day: string): boolean {
  requireCovered(calendar, day);
  return Object.hasOwn(calendar.workdays, day);
}

/** Monday–Friday that is not a holiday, or a make-up workday. Throws CalendarDataMissingError for a year without data. */
export function isWorkday(calendar: HolidayCalendar, day: string): boolean {
  if (isMakeUpWorkday(calendar, day)) return true;
  return !isWeekend(day) && !isHoliday(calendar, day);
}

/**
 * The last day with data: 31 December of the last year in the unbroken run of covered years that starts at
 * `fromYear` (default: the first covered year). Null when `fromYear` itself is not covered.
 */
export function dataRunsOutOn(calendar: HolidayCalendar, fromYear: number = Math.min(...calendar.years)): string | null {
  if (!covers(calendar, fromYear)) return null;
  let year = fromYear;
  while (covers(calendar, year + 1)) year += 1;
  return `${year}-12-31`;
}

export interface MissingDataAlert {
  /** The last day the calendar has data for (in the run that contains today), or the last covered day before today. */
  lastCoveredDay: string | null;
  /** Days from today (Beijing) to lastCoveredDay: 60 on 1 November when data ends 31 December; 0 once it has run out. */
  daysLeft: number;
  /** Today is already past the data (or the calendar has none for this year). */
  ranOut: boolean;
  message: string;
}

/**
 * Null while the calendar has data for more than `windowDays` days after today (Beijing); otherwise an alert for
 * operations: deadlines reaching past the data are computed as plain calendar days until the next year is added.
 */
export function missingDataAlert(calendar: HolidayCalendar, nowIso: string, windowDays = 60): MissingDataAlert | null {
  const today = beijingDay(nowIso);
  const runsOutOn = dataRunsOutOn(calendar, yearOf(today));
  const howToFix = '请在 config/calendar.overrides.json 中按国务院办公厅通知补录下一年的放假和调休安排，或升级 chinese-days。';
  if (runsOutOn === null) {
    const earlier = calendar.years.filter((y) => y < yearOf(today));
    const lastCoveredDay = earlier.length > 0 ? `${Math.max(...earlier)}-12-31` : null;
    return {
      lastCoveredDay,
      daysLeft: 0,
      ranOut: true,
      message: `节假日数据已用完：日历（${calendar.version}）没有 ${yearOf(today)} 年的数据，期限暂按自然日计算。${howToFix}`,
    };
  }
  const daysLeft = dayNumber(runsOutOn) - dayNumber(today);
  if (daysLeft > windowDays) return null;
  return {
    lastCoveredDay: runsOutOn,
    daysLeft,
    ranOut: false,
    message: `节假日数据将于 ${runsOutOn} 用完（还剩 ${daysLeft} 天）：日历（${calendar.version}）没有 ${yearOf(runsOutOn) + 1} 年的数据，届时跨入该年的期限将按自然日计算。${howToFix}`,
  };
}

/** The calendar cut to the given years (inclusive), to keep a workflow's input small. The version is unchanged. */
export function sliceCalendar(calendar: HolidayCalendar, fromYear: number, toYear: number): HolidayCalendar {
  const within = (record: Record<string, string>): Record<string, string> =>
    Object.fromEntries(Object.entries(record).filter(([day]) => yearOf(day) >= fromYear && yearOf(day) <= toYear));
  return {
    version: calendar.version,
    years: calendar.years.filter((y) => y >= fromYear && y <= toYear),
    holidays: within(calendar.holidays),
    workdays: within(calendar.workdays),
  };
}
