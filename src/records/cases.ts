// Cases in the store of record: each view a case reports is kept (sealed) with its searchable facts in the clear, so
// reads of closed cases and the circular no longer depend on Temporal visibility, which retention empties.
import type { Level } from '../domain.js';
import { caseRecordOf, type CaseRecord } from '../caseRecord.js';
import type { CaseView, TimelineEntry } from '../messages.js';
import type { Records } from './index.js';
import type { Colour } from '../colour.js';
import { assignedCaseRecordOf, type AssignedCaseView } from '../duties/assignedCase.js';
import { monthlyRecordOf, type MonthlyObligationView } from '../duties/monthlyObligation.js';

/** The facts of a case a list shows, without unsealing its view. */
export interface CaseRow {
  caseId: string;
  kind: string;
  unitId: string;
  level: Level | null;
  status: CaseView['status'];
  stage: string;
  /** UTC ISO, or null when the case is over. */
  deadline: string | null;
  /** Open and past its deadline now (computed at read time, not the stored view's flag, which ages). */
  overdue: boolean;
  /** 三色预警 now (computed at read time from the deadline and yellow_from); null when the case is over. */
  colour?: Colour | null;
  /** UTC ISO, milliseconds. */
  receivedAt: string;
}

export interface CaseRowFilter {
  kind?: string;
  unitId?: string;
  /** Cases of any of these units (a unit key's scope); an empty list matches nothing. */
  units?: readonly string[];
  stage?: string;
  /** Open cases whose current deadline is at or after this instant (ISO). */
  deadlineFrom?: string;
  /** Open cases whose current deadline is at or before this instant (ISO). */
  deadlineTo?: string;
  status?: CaseView['status'];
  level?: Level;
  overdue?: boolean;
  colour?: Colour;
  /** Notices received at or after this instant (ISO). */
  receivedFrom?: string;
  /** Notices received before this instant (ISO). */
  receivedTo?: string;
  /** 1 to 1000. */
  limit: number;
  /** The last row of the previous page: rows come newest first by (receivedAt, caseId), strictly after it. */
  after?: { receivedAt: string; caseId: string };
}

export const MAX_CASE_ROWS = 1000;

/** The colour at the statement's time, as src/colour.ts colourOf computes it. */
const COLOUR_NOW = `(CASE WHEN status <> 'open' OR deadline IS NULL THEN NULL WHEN deadline <= now() THEN 'red' WHEN yellow_from IS NOT NULL AND yellow_from <= now() THEN 'yellow' ELSE 'green' END)`;

// One statement (atomic on its own, one round trip): the case's columns if this record is not older than what is
// stored (its seq against the stored view's and facts'), the view when it comes with one, and every fact once.
// A deduction fact first written before its ledger entry landed (points null) takes the points when a later record has them.
const RECORD_SQL = `
WITH upsert AS (
  INSERT INTO cases (case_id, kind, unit_id, level, status, stage, received_at, deadline, overdue, closed_at, view_seq, view, updated_at, yellow_from)
  VALUES ($1, $2, $3, $4, $5, $6, date_trunc('milliseconds', $7::timestamptz), $8, $9, $10, $11, COALESCE($12::bytea, '\\x'::bytea), now(), $23)
  ON CONFLICT (case_id) DO UPDATE SET
    kind = EXCLUDED.kind, unit_id = EXCLUDED.unit_id, level = EXCLUDED.level, status = EXCLUDED.status, stage = EXCLUDED.stage,
    received_at = EXCLUDED.received_at, deadline = EXCLUDED.deadline, overdue = EXCLUDED.overdue, closed_at = EXCLUDED.closed_at, yellow_from = EXCLUDED.yellow_from,
    view_seq = CASE WHEN $12::bytea IS NULL THEN cases.view_seq ELSE EXCLUDED.view_seq END,
    view = CASE WHEN $12::bytea IS NULL THEN cases.view ELSE EXCLUDED.view END, updated_at = now()
  WHERE cases.view_seq <= EXCLUDED.view_seq
    AND (SELECT coalesce(max(seq), 0) FROM case_facts WHERE case_id = $1) <= EXCLUDED.view_seq
  RETURNING 1
), facts AS (
  INSERT INTO case_facts (case_id, seq, type, at, milestone, unit_id, level, actor_id, actor_role, on_time, points, entry)
  SELECT $1, u.seq, u.type, u.at, u.milestone, $3, $4, u.actor_id, u.actor_role, u.on_time, p.points, u.entry
  FROM unnest($13::int[], $14::text[], $15::timestamptz[], $16::text[], $17::text[], $18::text[], $19::boolean[], $20::bytea[])
    AS u (seq, type, at, milestone, actor_id, actor_role, on_time, entry)
  LEFT JOIN unnest($21::int[], $22::numeric[]) AS p (seq, points) USING (seq)
  ON CONFLICT (case_id, seq) DO NOTHING
  RETURNING 1
)
-- Facts already stored (this statement's snapshot does not see the rows inserted above, so none is touched twice).
UPDATE case_facts AS f SET points = p.points
FROM unnest($21::int[], $22::numeric[]) AS p (seq, points)
WHERE f.case_id = $1 AND f.seq = p.seq AND f.type = 'deduction' AND f.points IS NULL`;

/**
 * Writes a case's record: idempotent, and safe under retries and out-of-order calls (an older record never replaces a
 * newer one's columns or view; facts are keyed by their timeline seq and written once).
 */
export async function recordCase(records: Records, record: CaseRecord): Promise<void> {
  const entries: TimelineEntry[] = record.entries;
  const [sealedView, sealedEntries] = await Promise.all([record.view ? records.sealer.seal(record.view) : Promise.resolve(null), Promise.all(entries.map((e) => records.sealer.seal(e)))]);
  await records.db.query(RECORD_SQL, [
    record.caseId,
    record.kind,
    record.unitId,
    record.level,
    record.status,
    record.stage,
    record.receivedAt,
    record.deadline,
    record.overdue,
    record.closedAt,
    record.seq,
    sealedView,
    entries.map((e) => e.seq),
    entries.map((e) => e.type),
    entries.map((e) => e.at),
    entries.map((e) => e.milestone ?? null),
    entries.map((e) => e.actor.id),
    entries.map((e) => e.actor.role),
    entries.map((e) => (typeof e.detail?.onTime === 'boolean' ? e.detail.onTime : null)),
    sealedEntries,
    record.points.map((p) => p.seq),
    record.points.map((p) => p.points),
    record.yellowFrom ?? null,
  ]);
}

/** Records the whole view of a case (its columns, the view and every fact). */
export async function recordCaseView(records: Records, view: CaseView | AssignedCaseView | MonthlyObligationView): Promise<void> {
  const record = view.kind === 'assignedCase' ? assignedCaseRecordOf(view, 0, true) : view.kind === 'monthlyObligation' ? monthlyRecordOf(view, 0, true) : caseRecordOf(view, 0, true);
  await recordCase(records, record);
}

/** Every recorded timeline entry of a case, in seq order (the facts; the stored view may be older). */
export async function readCaseTimeline(records: Records, caseId: string): Promise<TimelineEntry[]> {
  const { rows } = await records.db.query<{ entry: Buffer }>('SELECT entry FROM case_facts WHERE case_id = $1 ORDER BY seq', [caseId]);
  return Promise.all(rows.map((r) => records.sealer.unseal<TimelineEntry>(r.entry)));
}

/** The last recorded view of a case, or null when none was recorded. */
export async function readCaseView(records: Records, caseId: string): Promise<CaseView | null> {
  const { rows } = await records.db.query<{ view: Buffer }>('SELECT view FROM cases WHERE case_id = $1', [caseId]);
  // An empty view: only facts were ever recorded (a record without its view came first), so there is no view to read.
  return rows[0] && rows[0].view.length > 0 ? records.sealer.unseal<CaseView>(rows[0].view) : null;
}

interface CaseRowRecord {
  case_id: string;
  kind: string;
  unit_id: string;
  level: Level | null;
  status: CaseView['status'];
  stage: string;
  deadline: Date | null;
  overdue_now: boolean;
  colour_now: Colour | null;
  received_at: Date;
}

/** Cases by their clear columns, newest notice first; page on with after = the last row's { receivedAt, caseId }. */
export async function listCaseRows(records: Records, filter: CaseRowFilter): Promise<CaseRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const overdueNow = `(status = 'open' AND deadline IS NOT NULL AND deadline < now())`;
  if (filter.kind !== undefined) where.push(`kind = ${param(filter.kind)}`);
  if (filter.unitId !== undefined) where.push(`unit_id = ${param(filter.unitId)}`);
  if (filter.units !== undefined) where.push(`unit_id = ANY(${param(filter.units)}::text[])`);
  if (filter.stage !== undefined) where.push(`stage = ${param(filter.stage)}`);
  if (filter.deadlineFrom !== undefined) where.push(`deadline >= ${param(filter.deadlineFrom)}::timestamptz`);
  if (filter.deadlineTo !== undefined) where.push(`deadline <= ${param(filter.deadlineTo)}::timestamptz`);
  if (filter.status !== undefined) where.push(`status = ${param(filter.status)}`);
  if (filter.level !== undefined) where.push(`level = ${param(filter.level)}`);
  if (filter.overdue !== undefined) where.push(filter.overdue ? overdueNow : `NOT ${overdueNow}`);
  if (filter.colour !== undefined) where.push(`${COLOUR_NOW} = ${param(filter.colour)}`);
  if (filter.receivedFrom !== undefined) where.push(`received_at >= ${param(filter.receivedFrom)}::timestamptz`);
  if (filter.receivedTo !== undefined) where.push(`received_at < ${param(filter.receivedTo)}::timestamptz`);
  if (filter.after) where.push(`(received_at, case_id) < (${param(filter.after.receivedAt)}::timestamptz, ${param(filter.after.caseId)})`);
  const limit = Number.isFinite(filter.limit) ? Math.max(1, Math.min(MAX_CASE_ROWS, Math.trunc(filter.limit))) : MAX_CASE_ROWS;
  const { rows } = await records.db.query<CaseRowRecord>(
    `SELECT case_id, kind, unit_id, level, status, stage, deadline, ${overdueNow} AS overdue_now, ${COLOUR_NOW} AS colour_now, received_at FROM cases
     ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY received_at DESC, case_id DESC LIMIT ${limit}`,
    params,
  );
  return rows.map((r) => ({
    caseId: r.case_id,
    kind: r.kind,
    unitId: r.unit_id,
    level: r.level,
    status: r.status,
    stage: r.stage,
    deadline: r.deadline ? r.deadline.toISOString() : null,
    overdue: r.overdue_now,
    colour: r.colour_now,
    receivedAt: r.received_at.toISOString(),
  }));
}
