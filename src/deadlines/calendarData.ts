// Builds the holiday calendar from the chinese-days package and the office's override file (I/O: not for workflows).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { z } from 'zod';
import { fieldIssues } from '../errors.js';
import { dayNumber, isWeekend, yearOf, type HolidayCalendar } from './calendar.js';

export const DEFAULT_OVERRIDES_PATH = 'config/calendar.overrides.json';

/** The State Council (国务院办公厅) notice a change rests on must be cited by its 文号. */
const NOTICE_NUMBER = /〔\d{4}〕\d+号/;
const NOTICE_EXAMPLE = '国办发明电〔2025〕7号';

const day = z
  .string({ required_error: '缺少日期', invalid_type_error: '日期应为字符串 YYYY-MM-DD' })
  .superRefine((value, ctx) => {
    try {
      dayNumber(value);
    } catch {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `不是有效日期：“${value}”（应为 YYYY-MM-DD）` });
    }
  });
const name = z.string({ required_error: '缺少名称（如 国庆节）', invalid_type_error: '名称应为字符串' }).trim().min(1, '名称不能为空').max(50, '名称不超过 50 字');
const notice = z
  .string({ required_error: `缺少国务院办公厅通知文号（如 ${NOTICE_EXAMPLE}）`, invalid_type_error: '通知文号应为字符串' })
  .max(200, '通知不超过 200 字')
  .regex(NOTICE_NUMBER, `必须引用国务院办公厅通知文号，如 ${NOTICE_EXAMPLE}`);

/** One day corrected: made a holiday, a make-up workday, or an ordinary day (neither; corrects a data error). */
const dayOverrideSchema = z
  .object(
    {
      date: day,
      kind: z.enum(['holiday', 'workday', 'ordinary'], { errorMap: () => ({ message: 'kind 应为 holiday（放假）、workday（调休上班）或 ordinary（普通日）' }) }),
      name,
      notice,
    },
    { invalid_type_error: '每一项应为单日 {date, kind, name, notice} 或整年 {year, notice, holidays, workdays}' },
  )
  .strict();

const namedDay = z.object({ date: day, name }).strict();

/** A whole year (a year the package lacks, or one replaced outright): its holidays and make-up workdays. */
const yearOverrideSchema = z
  .object({
    year: z.number({ invalid_type_error: '年份应为数字' }).int('年份应为整数').min(2000, '年份应在 2000–2100 之间').max(2100, '年份应在 2000–2100 之间'),
    notice,
    holidays: z.array(namedDay).min(1, '一整年至少应有一个放假日'),
    workdays: z.array(namedDay),
  })
  .strict()
  .superRefine((entry, ctx) => {
    for (const list of ['holidays', 'workdays'] as const) {
      entry[list].forEach((d, i) => {
        if (/^\d{4}/.test(d.date) && yearOf(d.date) !== entry.year) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, path: [list, i, 'date'], message: `${d.date} 不在 ${entry.year} 年` });
        }
      });
    }
  });

const fileSchema = z
  .object({
    /** Free text for whoever edits the file; ignored. */
    $comment: z.string().optional(),
    entries: z.array(z.unknown(), { required_error: '缺少 entries 列表', invalid_type_error: 'entries 应为列表' }),
  })
  .strict();

/** An entry with a `year` is a whole year; any other is a single day. */
export type YearOverride = z.infer<typeof yearOverrideSchema>;
export type DayOverride = z.infer<typeof dayOverrideSchema>;
export interface CalendarOverrides {
  $comment?: string;
  entries: (YearOverride | DayOverride)[];
}
type OverrideEntry = CalendarOverrides['entries'][number];

export class CalendarOverridesError extends Error {
  constructor(
    readonly source: string,
    readonly issues: { field: string; message: string }[],
  ) {
    super(`节假日覆盖文件 ${source} 有误：${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
    this.name = 'CalendarOverridesError';
  }
}

/** The package's data: holidays, make-up workdays and the package's name@version. */
export interface PackageCalendarData {
  source: string;
  holidays: Record<string, string>;
  workdays: Record<string, string>;
}

interface ChineseDaysJson {
  holidays: Record<string, string>;
  workdays: Record<string, string>;
}

const require = createRequire(import.meta.url);

/** chinese-days' values read "National Day,国庆节,3": the Chinese name is the middle field. */
function chineseName(value: string): string {
  return value.split(',')[1]?.trim() || value;
}

/** Reads chinese-days' bundled data (dist/chinese-days.json), the same data its isHoliday/isWorkday use. */
export function readChineseDays(): PackageCalendarData {
  const { version } = require('chinese-days/package.json') as { version: string };
  const data = JSON.parse(readFileSync(require.resolve('chinese-days/dist/chinese-days.json'), 'utf8')) as ChineseDaysJson;
  const names = (record: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(record).map(([d, v]) => [d, chineseName(v)]));
  return { source: `chinese-days@${version}`, holidays: names(data.holidays), workdays: names(data.workdays) };
}

/** Parses override JSON; a mistake is a CalendarOverridesError naming each bad field by its path (entries.2.notice). */
export function parseCalendarOverrides(input: unknown, source = DEFAULT_OVERRIDES_PATH): CalendarOverrides {
  const file = fileSchema.safeParse(input);
  if (!file.success) throw new CalendarOverridesError(source, fieldIssues(file.error));
  const entries: OverrideEntry[] = [];
  const entryIssues = file.data.entries.flatMap((raw, i) => {
    // Told apart by `year`, so a mistake is reported against the shape the editor meant, field by field.
    const isYear = typeof raw === 'object' && raw !== null && 'year' in raw;
    const parsed = isYear ? yearOverrideSchema.safeParse(raw) : dayOverrideSchema.safeParse(raw);
    if (parsed.success) entries.push(parsed.data);
    return parsed.success ? [] : fieldIssues(parsed.error, `entries.${i}`);
  });
  if (entryIssues.length > 0) throw new CalendarOverridesError(source, entryIssues);
  const result = { data: { ...(file.data.$comment === undefined ? {} : { $comment: file.data.$comment }), entries } };
  const issues: { field: string; message: string }[] = [];
  const wholeYears = new Map<number, number>();
  result.data.entries.forEach((entry, i) => {
    if ('year' in entry) {
      if (wholeYears.has(entry.year)) issues.push({ field: `entries.${i}.year`, message: `${entry.year} 年已在 entries.${wholeYears.get(entry.year)} 中整年给出` });
      else wholeYears.set(entry.year, i);
      const seen = new Map<string, string>();
      for (const list of ['holidays', 'workdays'] as const) {
        entry[list].forEach((d, j) => {
          const earlier = seen.get(d.date);
          if (earlier) issues.push({ field: `entries.${i}.${list}.${j}.date`, message: `${d.date} 已在 ${earlier} 中列出` });
          else seen.set(d.date, `entries.${i}.${list}.${j}`);
          if (list === 'workdays' && !isWeekend(d.date)) issues.push({ field: `entries.${i}.workdays.${j}.date`, message: `${d.date} 不是周末，无需列为调休上班日` });
        });
      }
    } else if (entry.kind === 'workday' && !isWeekend(entry.date)) {
      issues.push({ field: `entries.${i}.date`, message: `${entry.date} 不是周末，无需列为调休上班日` });
    }
  });
  if (issues.length > 0) throw new CalendarOverridesError(source, issues);
  return result.data;
}

function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/** A stable text of the overrides, so the version changes with their content and not with whitespace or $comment. */
function canonicalOverrides(overrides: CalendarOverrides): string {
  return JSON.stringify(overrides.entries);
}

/**
 * The package's years, then each override in file order: a whole year replaces (or adds) that year; a single day
 * corrects a covered year. A single day in a year without data is refused (it would make a partial year look known).
 */
export function buildHolidayCalendar(data: PackageCalendarData, overrides: CalendarOverrides, source = DEFAULT_OVERRIDES_PATH): HolidayCalendar {
  const holidays = { ...data.holidays };
  const workdays = { ...data.workdays };
  const years = new Set([...Object.keys(holidays), ...Object.keys(workdays)].map(yearOf));
  const issues: { field: string; message: string }[] = [];
  overrides.entries.forEach((entry: OverrideEntry, i) => {
    if ('year' in entry) {
      for (const record of [holidays, workdays]) for (const d of Object.keys(record)) if (yearOf(d) === entry.year) delete record[d];
      for (const d of entry.holidays) holidays[d.date] = d.name;
      for (const d of entry.workdays) workdays[d.date] = d.name;
      years.add(entry.year);
      return;
    }
    if (!years.has(yearOf(entry.date))) {
      issues.push({ field: `entries.${i}.date`, message: `${yearOf(entry.date)} 年没有节假日数据，请整年补录（year、holidays、workdays）` });
      return;
    }
    delete holidays[entry.date];
    delete workdays[entry.date];
    if (entry.kind === 'holiday') holidays[entry.date] = entry.name;
    if (entry.kind === 'workday') workdays[entry.date] = entry.name;
  });
  if (issues.length > 0) throw new CalendarOverridesError(source, issues);
  const sorted = (record: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
  return {
    version: `${data.source}+overrides:${hashOf(canonicalOverrides(overrides))}`,
    years: [...years].sort((a, b) => a - b),
    holidays: sorted(holidays),
    workdays: sorted(workdays),
  };
}

/** Reads the override file (default config/calendar.overrides.json) and builds the calendar from chinese-days. */
export function loadHolidayCalendar(path: string = DEFAULT_OVERRIDES_PATH): HolidayCalendar {
  let input: unknown;
  try {
    input = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const reason = error instanceof SyntaxError ? `不是有效的 JSON（${error.message}）` : `无法读取（${(error as Error).message}）`;
    throw new CalendarOverridesError(path, [{ field: '(file)', message: reason }]);
  }
  return buildHolidayCalendar(readChineseDays(), parseCalendarOverrides(input, path), path);
}
