// What a case writes to the store of record, built from its view without I/O: the workflow (deterministic) and the
// API both build it; src/records/cases.ts writes it.
import type { Level } from './domain.js';
import type { CaseView, TimelineEntry } from './messages.js';
import type { AssignedCaseView } from './duties/assignedCase.js';
import type { MonthlyObligationView } from './duties/monthlyObligation.js';

/** A case's searchable facts, its timeline entries from `fromSeq` on, and (when it matters) the whole view. */
export interface CaseRecord {
  caseId: string;
  kind: CaseView['kind'] | AssignedCaseView['kind'] | MonthlyObligationView['kind'];
  unitId: string;
  /** A visit's level; null for other duties. */
  level: Level | null;
  status: CaseView['status'];
  stage: string;
  receivedAt: string;
  deadline: string | null;
  overdue: boolean;
  closedAt: string | null;
  /** When the current duty turns yellow (UTC ISO); null when over, or for a view made before the colour existed. */
  yellowFrom?: string | null;
  /** The timeline's length: a record with a lower one never replaces a newer one's columns. */
  seq: number;
  /** The entries not written yet (all of them when the view goes with the record). */
  entries: TimelineEntry[];
  /** Points of every deduction entry the ledger has confirmed so far, by the entry's seq (a refused one has none). */
  points: { seq: number; points: number }[];
  /** The whole view: sent with the first record and once the case has ended, so reads after retention have it. */
  view?: CaseView | AssignedCaseView | MonthlyObligationView;
}

/** The moment the case ended: its last 'closed' or 'cancelled' entry. */
function closedAt(view: CaseView): string | null {
  for (let i = view.timeline.length - 1; i >= 0; i--) {
    const e = view.timeline[i]!;
    if (e.type === 'closed' || e.type === 'cancelled') return e.at;
  }
  return null;
}

/** Points of each 'deduction' entry: the n-th deduction entry of a milestone is the view's n-th deduction of it. */
function deductionPoints(view: CaseView): { seq: number; points: number }[] {
  const byMilestone = new Map<string, number[]>();
  for (const d of view.deductions) byMilestone.set(d.milestone, [...(byMilestone.get(d.milestone) ?? []), d.points]);
  const out: { seq: number; points: number }[] = [];
  const taken = new Map<string, number>();
  for (const e of view.timeline) {
    if (e.type !== 'deduction' || !e.milestone) continue;
    const n = taken.get(e.milestone) ?? 0;
    taken.set(e.milestone, n + 1);
    const points = byMilestone.get(e.milestone)?.[n];
    if (points !== undefined) out.push({ seq: e.seq, points });
  }
  return out;
}

/** The record of `view` carrying the entries with seq > fromSeq; withView adds the whole view (and then every entry). */
export function caseRecordOf(view: CaseView, fromSeq: number, withView: boolean): CaseRecord {
  return {
    caseId: view.caseId,
    kind: view.kind,
    unitId: view.unit.id,
    level: view.notice.level,
    status: view.status,
    stage: view.stage,
    receivedAt: view.notice.receivedAt,
    deadline: view.deadline,
    overdue: view.overdue,
    closedAt: closedAt(view),
    yellowFrom: view.yellowFrom ?? null,
    seq: view.timeline.length,
    entries: withView ? view.timeline : view.timeline.filter((e) => e.seq > fromSeq),
    points: deductionPoints(view),
    ...(withView ? { view } : {}),
  };
}

/** A duty's record (every duty but the visit): its columns from the view, its receipt as the duty defines it. */
export function dutyRecordOf(view: AssignedCaseView | MonthlyObligationView, receivedAt: string, fromSeq: number, withView: boolean): CaseRecord {
  let ended: string | null = null;
  for (let i = view.timeline.length - 1; i >= 0 && ended === null; i--) if (view.timeline[i]!.type === 'closed' || view.timeline[i]!.type === 'cancelled') ended = view.timeline[i]!.at;
  const points: { seq: number; points: number }[] = [];
  for (const e of view.timeline) {
    const d = e.type === 'deduction' && e.milestone ? view.deductions.find((x) => x.milestone === e.milestone) : undefined;
    if (d) points.push({ seq: e.seq, points: d.points });
  }
  return {
    caseId: view.caseId,
    kind: view.kind,
    unitId: view.unit.id,
    level: null,
    status: view.status,
    stage: view.stage,
    receivedAt,
    deadline: view.deadline,
    overdue: view.overdue,
    closedAt: ended,
    yellowFrom: view.yellowFrom,
    seq: view.timeline.length,
    entries: withView ? view.timeline : view.timeline.filter((e) => e.seq > fromSeq),
    points,
    ...(withView ? { view } : {}),
  };
}
