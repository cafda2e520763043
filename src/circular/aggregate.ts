// Pure aggregation of case views into the circular's figures: per unit and level, unit totals, level totals, 合计.
import { LEVELS, type Level } from '../domain.js';
import type { CaseView } from '../messages.js';
import type { CircularCounts, CircularFigures, CircularPeriod, CircularUnitFigures } from './types.js';

export const COUNT_KEYS = ['escalated', 'arrivedOnTime', 'arrivedLate', 'urged', 'supervised', 'deductions', 'deductionPoints', 'overdueOpen'] as const satisfies readonly (keyof CircularCounts)[];

export function zeroCounts(): CircularCounts {
  return { escalated: 0, arrivedOnTime: 0, arrivedLate: 0, urged: 0, supervised: 0, deductions: 0, deductionPoints: 0, overdueOpen: 0 };
}

function addInto(target: CircularCounts, add: CircularCounts): void {
  for (const k of COUNT_KEYS) target[k] += add[k];
}

const perLevel = (): Record<Level, CircularCounts> => ({ district: zeroCounts(), city: zeroCounts(), beijing: zeroCounts() });

/** One case's contribution; null when its notice was not received in the period. */
export function caseCounts(v: CaseView, period: CircularPeriod, cutoffMs: number): CircularCounts | null {
  const received = Date.parse(v.notice.receivedAt);
  if (!(received >= Date.parse(period.from) && received < Date.parse(period.to))) return null;
  const c = zeroCounts();
  c.escalated = 1;
  if (v.arrival) {
    if (v.arrival.onTime) c.arrivedOnTime = 1;
    else c.arrivedLate = 1;
  }
  for (const e of v.timeline) {
    if (e.type === 'urge') c.urged++;
    else if (e.type === 'supervise') c.supervised++;
  }
  c.deductions = v.deductions.length;
  c.deductionPoints = v.deductions.reduce((sum, d) => sum + d.points, 0);
  if (v.status === 'open' && v.deadline !== null && Date.parse(v.deadline) < cutoffMs) c.overdueOpen = 1;
  return c;
}

export interface CircularAggregator {
  /** Adds a case (ignored when received outside the period); returns whether it counted. */
  add(v: CaseView): boolean;
  unreadable(caseId: string): void;
  finish(): CircularFigures;
}

/**
 * Streams cases into figures without keeping them. Units: the directory's, in its order (zeros included),
 * then units only cases name, by ID; a unit's name is the directory's, else the case's.
 */
export function createAggregator(options: { circularId: string; period: CircularPeriod; cutoff: string; units: { id: string; name: string }[] }): CircularAggregator {
  const cutoffMs = Date.parse(options.cutoff);
  const units = new Map<string, CircularUnitFigures>();
  for (const u of options.units) units.set(u.id, { unitId: u.id, unitName: u.name, levels: perLevel(), total: zeroCounts() });
  const known = units.size;
  const unreadable: string[] = [];
  return {
    add(v) {
      const c = caseCounts(v, options.period, cutoffMs);
      if (!c) return false;
      let u = units.get(v.unit.id);
      if (!u) {
        u = { unitId: v.unit.id, unitName: v.unit.name, levels: perLevel(), total: zeroCounts() };
        units.set(v.unit.id, u);
      }
      addInto(u.levels[v.notice.level], c);
      return true;
    },
    unreadable(caseId) {
      unreadable.push(caseId);
    },
    finish() {
      const all = [...units.values()];
      const ordered = [...all.slice(0, known), ...all.slice(known).sort((a, b) => a.unitId.localeCompare(b.unitId))];
      const byLevel = perLevel();
      const total = zeroCounts();
      for (const u of ordered) {
        u.total = zeroCounts();
        for (const level of LEVELS) {
          addInto(u.total, u.levels[level]);
          addInto(byLevel[level], u.levels[level]);
        }
        addInto(total, u.total);
      }
      return { circularId: options.circularId, period: options.period, cutoff: options.cutoff, units: ordered, byLevel, total, unreadable: [...unreadable].sort() };
    },
  };
}

export function aggregateCircular(views: Iterable<CaseView>, options: { circularId: string; period: CircularPeriod; cutoff: string; units: { id: string; name: string }[] }): CircularFigures {
  const agg = createAggregator(options);
  for (const v of views) agg.add(v);
  return agg.finish();
}
