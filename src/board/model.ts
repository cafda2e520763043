// What the board shows of a case row: its group (the status cards), colour, duty and time left; pure, tested alone.
import { DUTY_KINDS, LEVEL_LABEL, LEVELS, MILESTONES, type DutyKind, type Level, type Milestone } from '../domain.js';
import { assignedLadder } from '../duties/assignedCase.js';
import { DUTIES as DUTY_REGISTRY } from '../duties/registry.js';
import { parseDuration } from '../duration.js';
import { stageWords } from '../labels.js';
import { ladderSpecFor, type Policy } from '../policy.js';
import { COLOURS, colourOf as colourFrom, yellowWindowMs, type Colour } from '../colour.js';
import type { CaseRow } from '../records/cases.js';

/** The status cards: every stage falls in exactly one group. */
export const GROUPS = ['pending', 'inProgress', 'urge', 'supervise', 'deduction', 'arrived', 'closed', 'cancelled'] as const;
export type Group = (typeof GROUPS)[number];
export const GROUP_LABEL: Record<Group, string> = { pending: '待到达', inProgress: '交办办理中', urge: '催办', supervise: '督办', deduction: '已扣分', arrived: '已到达', closed: '已销案', cancelled: '已撤销' };

/** The duties the board lists, by their registered names (接访督办, 交办案件). */
export const KINDS = DUTY_KINDS;
export const KIND_LABEL: Record<DutyKind, string> = Object.fromEntries(DUTY_KINDS.map((k) => [k, DUTY_REGISTRY[k].label])) as Record<DutyKind, string>;
const isKind = (kind: string): kind is DutyKind => (DUTY_KINDS as readonly string[]).includes(kind);

/** A case ID without its duty's prefix ("visit:N-1" → "N-1"), as lists and headings show it. */
export function shortCaseId(caseId: string): string {
  return caseId.slice(caseId.indexOf(':') + 1);
}

export { COLOURS, COLOUR_LABEL, COLOUR_MEANING, type Colour } from '../colour.js';

export const DUTIES = ['arrival', 'closureReport'] as const satisfies readonly Milestone[];
export type Duty = (typeof DUTIES)[number];
export const DUTY_LABEL: Record<Duty, string> = { arrival: '领导到场', closureReport: '书面报结果' };

export const STAGE_LABEL: Record<string, string> = {
  'arrival.pending': '待到达',
  'arrival.urge': '到场·催办',
  'arrival.supervise': '到场·督办',
  'arrival.deduction': '到场·已扣分',
  'closureReport.pending': '已到达·待报结果',
  'closureReport.urge': '报结果·催办',
  'closureReport.supervise': '报结果·督办',
  'closureReport.deduction': '报结果·已扣分',
  closed: '已销案',
  cancelled: '已撤销',
};

export { LEVEL_LABEL, LEVELS, type Level };


export function groupOf(stage: string): Group {
  if (stage === 'closed' || stage === 'cancelled') return stage;
  if (stage === 'closureReport.pending') return 'arrived';
  if (stage === 'arrival.pending') return 'pending';
  const step = stage.split('.')[1];
  if (step === 'urge' || step === 'supervise' || step === 'deduction') return step;
  // An assigned case within its limit, its clock paused, or in the petitioner's 复查/复核 window.
  return 'inProgress';
}

/** A stage in words: the visit's own board words, an assigned case's as the CLI says them (src/labels.ts). */
export function stageText(kind: string, stage: string): string {
  if (kind === 'assignedCase' || kind === 'monthlyObligation') return stageWords(stage, '已办结');
  return STAGE_LABEL[stage] ?? stageWords(stage);
}

/** The milestone a stage is at ("handling.urge" → handling), null for a stage without one. */
export function milestoneOf(stage: string): Milestone | null {
  const m = stage.split('.')[0] ?? '';
  return stage.includes('.') && (MILESTONES as readonly string[]).includes(m) ? (m as Milestone) : null;
}

export function dutyOf(stage: string): Duty | null {
  if (stage.startsWith('arrival.')) return 'arrival';
  if (stage.startsWith('closureReport.')) return 'closureReport';
  return null;
}

/** The yellow window of a duty under the policy in force (a case's own window is pinned in its view and row). */
export function warnWindowMs(policy: Policy, level: Level | null, duty: Duty | null): number {
  if (!level || !duty) return 0;
  return yellowWindowMs(ladderSpecFor(policy, duty, level));
}

export function colourOf(deadlineMs: number | null, windowMs: number, now: number): Colour | null {
  return colourFrom(deadlineMs, deadlineMs === null ? null : deadlineMs - windowMs, now);
}

export interface BoardRow extends CaseRow {
  kind: DutyKind;
  /** The case ID without its prefix (a notice or assignment ID). */
  noticeId: string;
  group: Group;
  duty: Duty | null;
  colour: Colour | null;
  warnMs: number;
  /** ms until the deadline (negative when overdue), null for a case that is over. */
  leftMs: number | null;
}

export function boardRow(row: CaseRow, policy: Policy, now: number): BoardRow {
  const duty = row.status === 'open' ? dutyOf(row.stage) : null;
  const deadline = row.status === 'open' && row.deadline ? Date.parse(row.deadline) : null;
  const kind = isKind(row.kind) ? row.kind : 'escalatedVisit';
  const milestone = row.status === 'open' ? milestoneOf(row.stage) : null;
  // An assigned case's window is its milestone's ladder's (3 days by default), as its workflow sets yellow_from.
  const warnMs =
    kind === 'assignedCase' ? (milestone ? parseDuration(assignedLadder(policy.assignedCase, milestone).yellowWindow) : 0) : kind === 'monthlyObligation' ? parseDuration(policy.monthlyObligation.ladder.yellowWindow) : warnWindowMs(policy, row.level, duty);
  return {
    ...row,
    kind,
    noticeId: shortCaseId(row.caseId),
    group: groupOf(row.stage),
    duty,
    // The row's own colour (its pinned window, from the database) when it has one.
    colour: row.colour !== undefined ? row.colour : colourOf(deadline, warnMs, now),
    warnMs,
    leftMs: deadline === null ? null : deadline - now,
  };
}

export interface BoardFilter {
  kind?: DutyKind;
  level?: Level;
  unit?: string;
  group?: Group;
  colour?: Colour;
  duty?: Duty;
  /** Part of a notice ID. */
  q?: string;
}

/** Filters from the URL; unknown values are dropped, never an error page. */
export function filterFromQuery(query: Record<string, unknown>): BoardFilter {
  const pick = <T extends string>(name: string, allowed: readonly T[]): T | undefined => {
    const v = query[name];
    return typeof v === 'string' && (allowed as readonly string[]).includes(v) ? (v as T) : undefined;
  };
  const unit = typeof query.unit === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(query.unit) ? query.unit : undefined;
  const q = typeof query.q === 'string' ? query.q.trim().slice(0, 64) : '';
  return {
    ...(pick('kind', KINDS) ? { kind: pick('kind', KINDS)! } : {}),
    ...(pick('level', LEVELS) ? { level: pick('level', LEVELS)! } : {}),
    ...(unit ? { unit } : {}),
    ...(pick('group', GROUPS) ? { group: pick('group', GROUPS)! } : {}),
    ...(pick('colour', COLOURS) ? { colour: pick('colour', COLOURS)! } : {}),
    ...(pick('duty', DUTIES) ? { duty: pick('duty', DUTIES)! } : {}),
    ...(q && /^[A-Za-z0-9._-]+$/.test(q) ? { q } : {}),
  };
}

export function queryString(filter: BoardFilter): string {
  const params = new URLSearchParams();
  for (const key of ['kind', 'level', 'unit', 'group', 'colour', 'duty', 'q'] as const) if (filter[key]) params.set(key, filter[key]);
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** Rows that pass every filter but `except` (the cards count under the other filters). */
export function applyFilter(rows: readonly BoardRow[], filter: BoardFilter, except?: 'group' | 'colour'): BoardRow[] {
  const q = filter.q?.toLowerCase();
  return rows.filter(
    (r) =>
      (!filter.kind || r.kind === filter.kind) &&
      (!filter.level || r.level === filter.level) &&
      (!filter.unit || r.unitId === filter.unit) &&
      (except === 'group' || !filter.group || r.group === filter.group) &&
      (except === 'colour' || !filter.colour || r.colour === filter.colour) &&
      (!filter.duty || r.duty === filter.duty) &&
      (!q || r.noticeId.toLowerCase().includes(q)),
  );
}

/** Open cases by time left (most overdue first), then the cases that are over, newest notice first. */
export function sortByTimeLeft(rows: readonly BoardRow[]): BoardRow[] {
  return [...rows].sort((a, b) => {
    if (a.leftMs !== null && b.leftMs !== null) return a.leftMs - b.leftMs || a.caseId.localeCompare(b.caseId);
    if (a.leftMs !== null) return -1;
    if (b.leftMs !== null) return 1;
    return b.receivedAt.localeCompare(a.receivedAt) || a.caseId.localeCompare(b.caseId);
  });
}

export function counts<K extends string>(rows: readonly BoardRow[], keys: readonly K[], of: (r: BoardRow) => K | null): Record<K, number> {
  const out = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
  for (const r of rows) {
    const k = of(r);
    if (k !== null) out[k]++;
  }
  return out;
}

/** "2:05:10" or "-0:12:03": hours, minutes, seconds left, negative when overdue (the page's script counts on). */
export function formatLeft(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const total = Math.floor(Math.abs(ms) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${sign}${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}
