// Monthly obligations (issue 12 item 5): the period arithmetic, pure so workflows, the API and the schedule share it.
import { computeDeadline, type ComputedDeadline, type DeadlineRule } from '../deadlines/rules.js';
import type { HolidayCalendar } from '../deadlines/calendar.js';

import { MONTHLY_MILESTONES } from '../domain.js';

/** Each obligation is its case's one milestone. */
export const MONTHLY_OBLIGATIONS = MONTHLY_MILESTONES;
export type MonthlyObligation = (typeof MONTHLY_OBLIGATIONS)[number];

export const PERIOD_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;
const BEIJING_OFFSET_MS = 8 * 3600 * 1000;

/** The Beijing month (YYYY-MM) before the instant: a schedule firing in early December reports November. */
export function previousPeriod(instantIso: string): string {
  const beijing = new Date(Date.parse(instantIso) + BEIJING_OFFSET_MS);
  if (Number.isNaN(beijing.getTime())) throw new Error(`not an instant: ${instantIso}`);
  const year = beijing.getUTCFullYear();
  const month = beijing.getUTCMonth(); // 0-based: this is already the previous month's 1-based number
  return month === 0 ? `${year - 1}-12` : `${year}-${String(month).padStart(2, '0')}`;
}

/** Noon Beijing on the period's first day: an instant inside the period for dayOfNextMonth to count from. */
export function periodStartIso(period: string): string {
  if (!PERIOD_PATTERN.test(period)) throw new Error(`period must be YYYY-MM, got ${period}`);
  return `${period}-01T12:00:00+08:00`;
}

/** The case ID's id part: `<unitId>.<obligation>.<YYYY-MM>` (fits CASE_ID_PATTERN's id). */
export function monthlyCaseKey(unitId: string, obligation: MonthlyObligation, period: string): string {
  if (!PERIOD_PATTERN.test(period)) throw new Error(`period must be YYYY-MM, got ${period}`);
  return `${unitId}.${obligation}.${period}`;
}

/** The period's due date under the policy's rule (e.g. dayOfNextMonth 5). */
export function monthlyDueDate(rule: DeadlineRule, period: string, calendar: HolidayCalendar): ComputedDeadline {
  return computeDeadline(rule, periodStartIso(period), calendar);
}
