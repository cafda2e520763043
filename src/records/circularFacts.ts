// The circular in the store of record: its figures (the same rows and counts as aggregateCircular over case views,
// computed in PostgreSQL over cases and case_facts, so retention never loses a case) and its stored files and mail,
// sealed (unit names, the request, recipients' addresses): content_sealed, or in the clear in rows stored before migration 004.
import { LEVELS, type Level } from '../domain.js';
import type { CaseView } from '../messages.js';
import { COUNT_KEYS, zeroCounts } from '../circular/aggregate.js';
import type { CircularCounts, CircularFigures, CircularFile, CircularMailResult, CircularPeriod, CircularRequest, CircularUnitFigures } from '../circular/types.js';
import type { Records, SealedDb } from './index.js';
import { unsealBytes } from './seal.js';

// Per case (a lateral look-up of its facts by the primary key: the plan stays one index probe per case whatever the
// statistics say; a join planned on stale ones was a 10,000 × 50,000 loop), then per unit and level. A case's arrival
// is its latest arrival fact; deductions are those with points (a refused one has none); overdue is as of the cut-off.
const FIGURES_SQL = `
SELECT c.unit_id, c.level,
  count(*)::int AS escalated,
  count(*) FILTER (WHERE f.arrived AND f.on_time IS TRUE)::int AS arrived_on_time,
  count(*) FILTER (WHERE f.arrived AND f.on_time IS NOT TRUE)::int AS arrived_late,
  coalesce(sum(f.urged), 0)::int AS urged,
  coalesce(sum(f.supervised), 0)::int AS supervised,
  coalesce(sum(f.deductions), 0)::int AS deductions,
  coalesce(sum(f.points), 0)::text AS deduction_points,
  count(*) FILTER (WHERE c.status = 'open' AND c.deadline IS NOT NULL AND c.deadline < $3::timestamptz)::int AS overdue_open
FROM cases c
CROSS JOIN LATERAL (
  SELECT
    count(*) FILTER (WHERE x.type = 'urge') AS urged,
    count(*) FILTER (WHERE x.type = 'supervise') AS supervised,
    count(*) FILTER (WHERE x.type = 'deduction' AND x.points IS NOT NULL) AS deductions,
    coalesce(sum(x.points) FILTER (WHERE x.type = 'deduction'), 0) AS points,
    (array_agg(x.on_time ORDER BY x.seq DESC) FILTER (WHERE x.type = 'arrival'))[1] AS on_time,
    coalesce(bool_or(x.type = 'arrival'), false) AS arrived
  FROM case_facts x WHERE x.case_id = c.case_id
) f
WHERE c.kind = 'escalatedVisit' AND c.received_at >= $1::timestamptz AND c.received_at < $2::timestamptz
GROUP BY c.unit_id, c.level`;

interface FigureRow {
  unit_id: string;
  level: Level;
  escalated: number;
  arrived_on_time: number;
  arrived_late: number;
  urged: number;
  supervised: number;
  deductions: number;
  deduction_points: string;
  overdue_open: number;
}

const perLevel = (): Record<Level, CircularCounts> => ({ district: zeroCounts(), city: zeroCounts(), beijing: zeroCounts() });

function addInto(target: CircularCounts, add: CircularCounts): void {
  for (const k of COUNT_KEYS) target[k] += add[k];
}

/** Names of units only cases name (not in the directory): each from the newest recorded view of one of its cases. */
async function unitNamesFromViews(records: Records, period: CircularPeriod, unitIds: string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (unitIds.length === 0) return names;
  const { rows } = await records.db.query<{ unit_id: string; view: Buffer }>(
    `SELECT DISTINCT ON (unit_id) unit_id, view FROM cases
     WHERE kind = 'escalatedVisit' AND unit_id = ANY($1::text[]) AND received_at >= $2::timestamptz AND received_at < $3::timestamptz
     ORDER BY unit_id, updated_at DESC, case_id`,
    [unitIds, period.from, period.to],
  );
  for (const r of rows) names.set(r.unit_id, (await records.sealer.unseal<CaseView>(r.view)).unit.name);
  return names;
}

/**
 * The figures of a circular from the recorded cases whose notice was received in the period: units of the directory
 * in its order (zeros included), then units only cases name, by ID; "still overdue" as of the cut-off.
 */
export async function circularFiguresFromRecords(
  records: Records,
  options: { circularId: string; period: CircularPeriod; cutoff: string; units: { id: string; name: string }[] },
): Promise<CircularFigures> {
  const { rows } = await records.db.query<FigureRow>(FIGURES_SQL, [options.period.from, options.period.to, options.cutoff]);
  const units = new Map<string, CircularUnitFigures>();
  for (const u of options.units) units.set(u.id, { unitId: u.id, unitName: u.name, levels: perLevel(), total: zeroCounts() });
  const extra = [...new Set(rows.map((r) => r.unit_id).filter((id) => !units.has(id)))].sort((a, b) => a.localeCompare(b));
  const names = await unitNamesFromViews(records, options.period, extra);
  for (const id of extra) units.set(id, { unitId: id, unitName: names.get(id) ?? id, levels: perLevel(), total: zeroCounts() });
  for (const r of rows) {
    if (!(LEVELS as readonly string[]).includes(r.level)) continue; // not an escalated visit's level: counted nowhere
    addInto(units.get(r.unit_id)!.levels[r.level], {
      escalated: r.escalated,
      arrivedOnTime: r.arrived_on_time,
      arrivedLate: r.arrived_late,
      urged: r.urged,
      supervised: r.supervised,
      deductions: r.deductions,
      deductionPoints: Number(r.deduction_points),
      overdueOpen: r.overdue_open,
    });
  }
  const ordered = [...units.values()];
  const byLevel = perLevel();
  const total = zeroCounts();
  for (const u of ordered) {
    for (const level of LEVELS) {
      addInto(u.total, u.levels[level]);
      addInto(byLevel[level], u.levels[level]);
    }
    addInto(total, u.total);
  }
  return { circularId: options.circularId, period: options.period, cutoff: options.cutoff, units: ordered, byLevel, total, unreadable: [] };
}

// --- the circular's stored records: its files, figures.json and mail.json in circular_files, the mailed marker in circular_mailings

/** Names of the circular's records besides its files (the former figures.json and mail.json). */
export const FIGURES_RECORD = 'figures.json';
export const MAIL_RECORD = 'mail.json';

/** What renderCircular stores next to the files: the request, the figures and the files' descriptions. */
export interface StoredCircular {
  request: CircularRequest;
  figures: CircularFigures;
  files: CircularFile[];
}

interface ContentRow {
  content: Buffer | null;
  content_sealed: boolean | null;
}

const opened = async (sealer: Records['sealer'], r: ContentRow | undefined): Promise<Buffer | null> => {
  if (!r?.content) return null;
  return r.content_sealed ? await unsealBytes(sealer, r.content) : r.content;
};

/** One stored record of a circular (a file's bytes, figures.json, mail.json), unsealed, or null. */
export async function readCircularRecord(records: SealedDb, circularId: string, name: string): Promise<Buffer | null> {
  const { rows } = await records.db.query<ContentRow>('SELECT content, content_sealed FROM circular_files WHERE circular_id = $1 AND name = $2', [circularId, name]);
  return await opened(records.sealer, rows[0]);
}

/** The request, figures and files renderCircular stored, or null when it never ran. */
export async function readStoredCircular(records: SealedDb, circularId: string): Promise<StoredCircular | null> {
  const bytes = await readCircularRecord(records, circularId, FIGURES_RECORD);
  return bytes ? (JSON.parse(bytes.toString('utf8')) as StoredCircular) : null;
}

/** How the circular was mailed, or null when it was not (yet). */
export async function readCircularMail(records: SealedDb, circularId: string): Promise<CircularMailResult | null> {
  const { rows } = await records.db.query<ContentRow>(
    'SELECT f.content, f.content_sealed FROM circular_mailings m LEFT JOIN circular_files f ON f.circular_id = m.circular_id AND f.name = $2 WHERE m.circular_id = $1',
    [circularId, MAIL_RECORD],
  );
  const content = await opened(records.sealer, rows[0]);
  return content ? (JSON.parse(content.toString('utf8')) as CircularMailResult) : null;
}

const PUT_SQL = `INSERT INTO circular_files (circular_id, name, content, content_sealed) VALUES ($1, $2, $3, true)
  ON CONFLICT (circular_id, name) DO UPDATE SET content = EXCLUDED.content, content_sealed = true, created_at = now()`;

/** Stores, sealed, (or, when a failed circular is run again, replaces) one record of a circular. */
export async function putCircularRecord(records: SealedDb, circularId: string, name: string, content: Buffer): Promise<void> {
  await records.db.query(PUT_SQL, [circularId, name, await records.sealer.seal(content)]);
}
