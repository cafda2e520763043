// Deadline rules as Chinese law counts them (民法典 第201–203条), pure: workflows import it, time is passed in.
import { z } from 'zod';
import { parseDuration, isDuration } from '../duration.js';
import {
  addDays,
  beijingDay,
  covers,
  dayNumber,
  endOfBeijingDay,
  isHoliday,
  isMakeUpWorkday,
  isWeekend,
  isWorkday,
  parseInstant,
  yearOf,
  type HolidayCalendar,
} from './calendar.js';

/** Longest period a rule may name: beyond this a policy has a typo, and counting would walk years of days. */
export const MAX_CALENDAR_DAYS = 3660;
export const MAX_WORKING_DAYS = 2500;

/** The words a timeline shows next to a deadline computed without holiday data for some year. */
export const CALENDAR_DATA_MISSING_LABEL = '节假日数据缺失';

export type DeadlineRule =
  /** A fixed length of time from the start instant ("3h", "15d" = 15 × 24 h): no day counting, no calendar. */
  | { rule: 'duration'; duration: string }
  /**
   * Calendar days: the start day is not counted, the period ends at 24:00 Beijing of its last day; a last day on a
   * statutory holiday moves to the first day after the holiday; a last day on a weekend moves only when
   * `weekendLastDayMoves` (a worked 调休 weekend day never moves).
   */
  | { rule: 'calendarDays'; days: number; weekendLastDayMoves: boolean }
  /** Working days (Mon–Fri not on holiday, plus 调休 make-up days), the start day not counted; ends 24:00 Beijing. */
  | { rule: 'workingDays'; days: number }
  /**
   * Day `day` of the month after the start's (Beijing) month, 24:00 Beijing; clamped to that month's last day. A last
   * day on a holiday or a weekend moves only when configured.
   */
  | { rule: 'dayOfNextMonth'; day: number; holidayLastDayMoves: boolean; weekendLastDayMoves: boolean };

export type DeadlineRuleName = DeadlineRule['rule'];

/** Validates a rule in a policy file (Chinese messages, one per bad field). */
export const deadlineRuleSchema = z.discriminatedUnion('rule', [
  z
    .object({
      rule: z.literal('duration'),
      duration: z.string().superRefine((d, ctx) => {
        if (!isDuration(d)) ctx.addIssue({ code: z.ZodIssueCode.custom, message: '应为时长，如 3h、1h30m、15d' });
        else if (parseDuration(d) <= 0) ctx.addIssue({ code: z.ZodIssueCode.custom, message: '时长必须大于零' });
      }),
    })
    .strict(),
  z
    .object({
      rule: z.literal('calendarDays'),
      days: z.number().int('应为整数天').min(1, '至少 1 天').max(MAX_CALENDAR_DAYS, `不超过 ${MAX_CALENDAR_DAYS} 天`),
      weekendLastDayMoves: z.boolean({ required_error: '必须写明最后一日逢周末是否顺延（true/false）' }),
    })
    .strict(),
  z
    .object({
      rule: z.literal('workingDays'),
      days: z.number().int('应为整数天').min(1, '至少 1 个工作日').max(MAX_WORKING_DAYS, `不超过 ${MAX_WORKING_DAYS} 个工作日`),
    })
    .strict(),
  z
    .object({
      rule: z.literal('dayOfNextMonth'),
      day: z.number().int('应为整数').min(1, '应为 1–31 日').max(31, '应为 1–31 日'),
      holidayLastDayMoves: z.boolean({ required_error: '必须写明该日逢节假日是否顺延（true/false）' }),
      weekendLastDayMoves: z.boolean({ required_error: '必须写明该日逢周末是否顺延（true/false）' }),
    })
    .strict(),
]);

export interface ComputedDeadline {
  /** 24:00 Beijing of the last day (16:00 UTC), or start + duration; UTC ISO. */
  deadline: string;
  /** The rule used, copied. */
  rule: DeadlineRule;
  /** The calendar's version, recorded so a corrected calendar can tell which deadlines to re-plan. */
  calendarVersion: string;
  /** Counting needed holiday data for a year the calendar lacks: that part was counted as plain calendar days. */
  calendarDataMissing: boolean;
  /** The years without data that counting reached (empty when calendarDataMissing is false). */
  missingYears: number[];
  /** The start instant's Beijing day (day rules only): not counted. */
  startDay?: string;
  /** The period's last day after any move (day rules only). */
  lastDay?: string;
  /** The last day before holiday or weekend moves (day rules only). */
  nominalLastDay?: string;
  /** One line for the case timeline, in Chinese. */
  note: string;
}

interface LastDayMoves {
  holidays: boolean;
  weekends: boolean;
}

function assertWholeDays(value: number, min: number, max: number, what: string): void {
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${what} must be a whole number from ${min} to ${max}, got ${value}`);
}

/**
 * Moves a last day off holidays (and weekends, when configured) to the next day that is neither (民法典 第203条:
 * 以法定休假日结束的次日为期间的最后一日). A 调休 make-up workday is a workday: it ends the holiday and never moves.
 * In a year without data no holiday is known, so none moves; weekends still move per the rule.
 */
function moveLastDay(day: string, moves: LastDayMoves, calendar: HolidayCalendar, missingYears: Set<number>): { day: string; reasons: string[] } {
  const reasons: string[] = [];
  let current = day;
  for (;;) {
    const year = yearOf(current);
    if (!covers(calendar, year)) {
      if (moves.holidays || moves.weekends) missingYears.add(year);
      if (moves.weekends && isWeekend(current)) {
        reasons.push('周末');
        current = addDays(current, 1);
        continue;
      }
      return { day: current, reasons };
    }
    if (moves.holidays && isHoliday(calendar, current)) {
      reasons.push(calendar.holidays[current]!);
      current = addDays(current, 1);
      continue;
    }
    if (moves.weekends && isWeekend(current) && !isMakeUpWorkday(calendar, current)) {
      reasons.push('周末');
      current = addDays(current, 1);
      continue;
    }
    return { day: current, reasons };
  }
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}

function dayResult(
  rule: DeadlineRule,
  calendar: HolidayCalendar,
  startDay: string,
  nominalLastDay: string,
  moved: { day: string; reasons: string[] },
  missingYears: Set<number>,
  counting: string,
): ComputedDeadline {
  const years = [...missingYears].sort((a, b) => a - b);
  const moveText = moved.day === nominalLastDay ? '' : `；${nominalLastDay} 逢${unique(moved.reasons).join('、')}，顺延至 ${moved.day}`;
  const missingText = years.length > 0 ? `；${CALENDAR_DATA_MISSING_LABEL}（${years.join('、')} 年），该部分按自然日计算` : '';
  return {
    deadline: endOfBeijingDay(moved.day),
    rule: { ...rule },
    calendarVersion: calendar.version,
    calendarDataMissing: years.length > 0,
    missingYears: years,
    startDay,
    lastDay: moved.day,
    nominalLastDay,
    note: `${counting}，最后一日 ${moved.day} 24:00 止${moveText}${missingText}`,
  };
}

function lastDayOfMonth(year: number, month: number): number {
  // Day 0 of the next month is this month's last day.
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * The deadline of a period that starts at `startIso` (a UTC ISO instant). Days are Beijing days; the start day is the
 * Beijing day of `startIso` and is never counted. Throws on a malformed rule or instant (validate rules with
 * deadlineRuleSchema when the policy loads).
 */
export function computeDeadline(rule: DeadlineRule, startIso: string, calendar: HolidayCalendar): ComputedDeadline {
  const startMs = parseInstant(startIso);
  switch (rule.rule) {
    case 'duration': {
      const length = parseDuration(rule.duration);
      if (length <= 0) throw new Error(`duration must be longer than zero, got "${rule.duration}"`);
      return {
        deadline: new Date(startMs + length).toISOString(),
        rule: { ...rule },
        calendarVersion: calendar.version,
        calendarDataMissing: false,
        missingYears: [],
        note: `自开始时起 ${rule.duration}（按小时计算，不涉及节假日）`,
      };
    }
    case 'calendarDays': {
      assertWholeDays(rule.days, 1, MAX_CALENDAR_DAYS, 'calendarDays.days');
      const startDay = beijingDay(startIso);
      const nominalLastDay = addDays(startDay, rule.days);
      const missingYears = new Set<number>();
      const moved = moveLastDay(nominalLastDay, { holidays: true, weekends: rule.weekendLastDayMoves }, calendar, missingYears);
      const weekendText = rule.weekendLastDayMoves ? '逢节假日、周末顺延' : '逢节假日顺延、逢周末不顺延';
      return dayResult(rule, calendar, startDay, nominalLastDay, moved, missingYears, `自 ${startDay} 次日起算 ${rule.days} 日（${weekendText}）`);
    }
    case 'workingDays': {
      assertWholeDays(rule.days, 1, MAX_WORKING_DAYS, 'workingDays.days');
      const startDay = beijingDay(startIso);
      const missingYears = new Set<number>();
      let day = startDay;
      let counted = 0;
      while (counted < rule.days) {
        day = addDays(day, 1);
        const year = yearOf(day);
        // Without data a holiday cannot be told from a workday: every day counts, so the deadline is never later.
        if (!covers(calendar, year)) {
          missingYears.add(year);
          counted += 1;
        } else if (isWorkday(calendar, day)) counted += 1;
      }
      return dayResult(rule, calendar, startDay, day, { day, reasons: [] }, missingYears, `自 ${startDay} 次日起算 ${rule.days} 个工作日（含调休上班日）`);
    }
    case 'dayOfNextMonth': {
      assertWholeDays(rule.day, 1, 31, 'dayOfNextMonth.day');
      const startDay = beijingDay(startIso);
      const [year, month] = [yearOf(startDay), Number(startDay.slice(5, 7))];
      const [nextYear, nextMonth] = month === 12 ? [year + 1, 1] : [year, month + 1];
      const date = Math.min(rule.day, lastDayOfMonth(nextYear, nextMonth));
      const nominalLastDay = `${nextYear}-${String(nextMonth).padStart(2, '0')}-${String(date).padStart(2, '0')}`;
      dayNumber(nominalLastDay);
      const missingYears = new Set<number>();
      const moved = moveLastDay(nominalLastDay, { holidays: rule.holidayLastDayMoves, weekends: rule.weekendLastDayMoves }, calendar, missingYears);
      const clampText = date === rule.day ? '' : `（该月无 ${rule.day} 日，取月末）`;
      const moveRule = `${rule.holidayLastDayMoves ? '逢节假日顺延' : '逢节假日不顺延'}、${rule.weekendLastDayMoves ? '逢周末顺延' : '逢周末不顺延'}`;
      return dayResult(rule, calendar, startDay, nominalLastDay, moved, missingYears, `次月 ${rule.day} 日${clampText}（${moveRule}）`);
    }
  }
}

export interface ReplannedDeadline {
  previous: ComputedDeadline;
  next: ComputedDeadline;
  /** The deadline instant moved (a calendar correction may change nothing for this duty). */
  changed: boolean;
  /** One line for the case timeline, in Chinese. */
  note: string;
}

/**
 * For a duty whose deadline was computed with another calendar version: the deadline under `calendar`, for the
 * timeline entry of a re-plan. Null when `previous` already used this calendar (nothing to re-plan).
 */
export function replanDeadline(previous: ComputedDeadline, startIso: string, calendar: HolidayCalendar): ReplannedDeadline | null {
  if (previous.calendarVersion === calendar.version) return null;
  const next = computeDeadline(previous.rule, startIso, calendar);
  const changed = next.deadline !== previous.deadline;
  const versions = `${previous.calendarVersion} → ${calendar.version}`;
  const note = changed
    ? `节假日日历已更正（${versions}），期限重新计算：最后一日由 ${previous.lastDay ?? previous.deadline} 改为 ${next.lastDay ?? next.deadline}`
    : `节假日日历已更正（${versions}），期限重新计算后不变`;
  return { previous, next, changed, note };
}
