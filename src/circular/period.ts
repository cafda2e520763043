// Quarters and date ranges of circulars in Asia/Shanghai (fixed UTC+8, no DST since 1991); pure: workflows use it.
import { formatShanghaiDate } from '../time.js';
import type { CircularPeriod } from './types.js';

const OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;
export const QUARTER_PATTERN = /^(\d{4})-Q([1-4])$/;
export const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
/** An on-demand range covers at most this many days. */
export const MAX_RANGE_DAYS = 366;

const QUARTER_NAMES = ['一', '二', '三', '四'];

/** Midnight of a local date in Shanghai, as epoch ms. */
function localMidnight(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day) - OFFSET_MS;
}

/** The local date (Shanghai) of an instant as [year, month, day]. */
export function localDateOf(ms: number): [number, number, number] {
  const d = new Date(ms + OFFSET_MS);
  return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
}

/** "2026-Q4" of the quarter an instant falls in (Shanghai). */
export function quarterOf(ms: number): string {
  const [y, m] = localDateOf(ms);
  return `${y}-Q${Math.floor((m - 1) / 3) + 1}`;
}

export function parseQuarter(quarter: string): { year: number; q: number } | null {
  const m = QUARTER_PATTERN.exec(quarter);
  return m ? { year: Number(m[1]), q: Number(m[2]) } : null;
}

export function previousQuarter(quarter: string): string {
  const p = parseQuarter(quarter);
  if (!p) throw new Error(`not a quarter: ${quarter}`);
  return p.q === 1 ? `${p.year - 1}-Q4` : `${p.year}-Q${p.q - 1}`;
}

/** The quarter a scheduled run reports on: the one before the quarter of its scheduled time (a late fire still reports the quarter that ended). */
export function quarterReportedAt(scheduledMs: number): string {
  return previousQuarter(quarterOf(scheduledMs));
}

export function quarterPeriod(quarter: string): CircularPeriod {
  const p = parseQuarter(quarter);
  if (!p) throw new Error(`not a quarter: ${quarter}`);
  const from = localMidnight(p.year, (p.q - 1) * 3 + 1, 1);
  const to = p.q === 4 ? localMidnight(p.year + 1, 1, 1) : localMidnight(p.year, p.q * 3 + 1, 1);
  return { quarter, from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

/** The instant a local date "YYYY-MM-DD" starts in Shanghai, or null when it is no real date. */
export function localDateStart(date: string): number | null {
  const m = DATE_PATTERN.exec(date);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = localMidnight(y, mo, d);
  const [y2, mo2, d2] = localDateOf(ms);
  return y2 === y && mo2 === mo && d2 === d ? ms : null;
}

/** Local dates from (first day) to (the day after the last, exclusive) as a period. */
export function rangePeriod(fromDate: string, toDate: string): CircularPeriod {
  const from = localDateStart(fromDate);
  const to = localDateStart(toDate);
  if (from === null || to === null) throw new Error(`not dates: ${fromDate}, ${toDate}`);
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

const compact = (ms: number): string => localDateOf(ms).map((n, i) => String(n).padStart(i === 0 ? 4 : 2, '0')).join('');

/** "2026-Q4" for a quarter, "range-20261001-20261231" (first and last local day) for a range. */
export function circularIdFor(period: CircularPeriod): string {
  if (period.quarter) return period.quarter;
  return `range-${compact(Date.parse(period.from))}-${compact(Date.parse(period.to) - 1)}`;
}

export function circularWorkflowId(circularId: string): string {
  return `circular:${circularId}`;
}

export const CIRCULAR_ID_PATTERN = /^(\d{4}-Q[1-4]|range-\d{8}-\d{8})$/;

/** "2026年10月1日至2026年12月31日": the first and last local day of the period (one day: just that day). */
export function periodText(period: CircularPeriod): string {
  const first = formatShanghaiDate(Date.parse(period.from));
  const last = formatShanghaiDate(Date.parse(period.to) - 1);
  return first === last ? first : `${first}至${last}`;
}

/** "2026年第四季度", or the period's days for a range. */
export function periodName(period: CircularPeriod): string {
  const p = period.quarter ? parseQuarter(period.quarter) : null;
  return p ? `${p.year}年第${QUARTER_NAMES[p.q - 1]}季度` : periodText(period);
}

/** 关于2026年第四季度信访督办情况的通报 */
export function circularTitle(period: CircularPeriod): string {
  return `关于${periodName(period)}信访督办情况的通报`;
}

/** Local date text of an instant: 2027年1月1日 (src/time.ts). */
export const localDateText = (ms: number): string => formatShanghaiDate(ms);

/** Local date and time of an instant: 2027年1月1日 00:00. */
export function localDateTimeText(ms: number): string {
  const d = new Date(ms + OFFSET_MS);
  return `${localDateText(ms)} ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}

export { DAY_MS };
