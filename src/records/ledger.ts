// The unit-year score ledger in PostgreSQL: the rules of workflows/unitYearLedger.ts, each unit-year's writes serialised in one transaction.
// Reasons, note texts and the close's reason are sealed (reason_sealed); points, kinds, levels, IDs and times stay clear.
import type pg from 'pg';
import type { ZodType } from 'zod';
import { shanghaiYear, type Actor, type ActorRole, type Level, type Milestone } from '../domain.js';
import { ErrorType, fieldIssues, type FieldIssue } from '../errors.js';
import { LEDGER_WRITER_ROLES, ledgerTotals, noteIdFor, reversalIdFor, yearEndMs } from '../ledger.js';
import {
  addLedgerNoteSchema,
  closeLedgerSchema,
  deductionEntrySchema,
  reverseLedgerEntrySchema,
  type LedgerClosure,
  type LedgerEntry,
  type LedgerKind,
  type LedgerView,
} from '../messages.js';
import { inTransaction, type Queryable } from './db.js';
import type { Records, SealedDb } from './index.js';
import type { Sealer } from './seal.js';

/** A refusal of the ledger's rules: the same type, message ("field: reason") and field issues as the workflow's ApplicationFailure. */
export class LedgerRefusal extends Error {
  override readonly name = 'LedgerRefusal';
  constructor(
    readonly type: ErrorType,
    message: string,
    readonly issues: FieldIssue[],
  ) {
    super(message);
  }

  /** The (first) field named, e.g. `year`. */
  get field(): string | undefined {
    return this.issues[0]?.field;
  }

  static at(type: ErrorType, field: string, message: string): LedgerRefusal {
    return new LedgerRefusal(type, `${field}: ${message}`, [{ field, message }]);
  }
}

export interface LedgerKey {
  unitId: string;
  year: number;
}

export interface LedgerWriteOptions {
  /** The clock of the write (ms): the reversal's, note's or close's `at`, and whether the year is over. Default Date.now(). */
  now?: number;
}

function parse<T>(schema: ZodType<T>, raw: unknown): T {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issues = fieldIssues(result.error);
  throw new LedgerRefusal(ErrorType.InvalidInput, issues.map((i) => `${i.field}: ${i.message}`).join('; '), issues);
}

function requireWriter(actor: Actor): void {
  if (!(LEDGER_WRITER_ROLES as readonly string[]).includes(actor.role)) {
    throw LedgerRefusal.at(ErrorType.NotAllowed, 'actor.role', `role ${actor.role} may not write the ledger: only a supervisor or an admin may`);
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();

interface EntryRow {
  entry_id: string;
  kind: LedgerKind;
  unit_id: string;
  case_id: string | null;
  milestone: Milestone | null;
  level: Level | null;
  points: string;
  at: Date;
  actor_id: string;
  actor_role: ActorRole;
  reason: string | null;
  reason_sealed?: Buffer | null;
  reverses: string | null;
  request_id: string | null;
}

interface CloseRow {
  at: Date;
  actor_id: string;
  actor_role: ActorRole;
  reason: string | null;
  reason_sealed?: Buffer | null;
  request_id: string | null;
}

/** What a write checks against: the view, the entries by ID and the request IDs already handled. */
interface LedgerState {
  view: LedgerView;
  byId: Map<string, LedgerEntry>;
  requests: Set<string>;
}

/** The reason of a row: sealed since migration 004, in the clear in rows written before it. */
async function reasonOf(sealer: Sealer, r: { reason: string | null; reason_sealed?: Buffer | null }): Promise<string | null> {
  return r.reason_sealed ? await sealer.unseal<string>(r.reason_sealed) : r.reason;
}

const sealReason = async (sealer: Sealer, reason: string | undefined): Promise<Buffer | null> => (reason === undefined ? null : await sealer.seal(reason));

function entryOf(r: EntryRow): LedgerEntry {
  return {
    entryId: r.entry_id,
    kind: r.kind,
    unitId: r.unit_id,
    ...(r.case_id !== null ? { caseId: r.case_id } : {}),
    ...(r.milestone !== null ? { milestone: r.milestone } : {}),
    ...(r.level !== null ? { level: r.level } : {}),
    points: Number(r.points),
    at: r.at.toISOString(),
    actor: { id: r.actor_id, role: r.actor_role },
    ...(r.reason !== null ? { reason: r.reason } : {}),
    ...(r.reverses !== null ? { reverses: r.reverses } : {}),
  };
}

/**
 * The unit-year as stored. With a sealer the reasons are unsealed (the view answered); without one they are not read at
 * all (a write's checks need none of them) and the view's entries and close carry no reason.
 */
async function loadState(q: Queryable, sealer: Sealer | null, unitId: string, year: number): Promise<LedgerState & { exists: boolean }> {
  const reasons = sealer ? ', reason, reason_sealed' : ', NULL AS reason';
  const entries = await q.query<EntryRow>(
    `SELECT entry_id, kind, unit_id, case_id, milestone, level, points, at, actor_id, actor_role${reasons}, reverses, request_id FROM ledger_entries WHERE unit_id = $1 AND year = $2 ORDER BY seq`,
    [unitId, year],
  );
  const close = await q.query<CloseRow>(`SELECT at, actor_id, actor_role${reasons}, request_id FROM ledger_closes WHERE unit_id = $1 AND year = $2`, [unitId, year]);
  const rows = sealer ? await Promise.all(entries.rows.map(async (r) => ({ ...r, reason: await reasonOf(sealer, r) }))) : entries.rows;
  const list = rows.map(entryOf);
  const c = close.rows[0];
  const closeReason = c && sealer ? ((await reasonOf(sealer, c)) ?? '') : '';
  const closed: LedgerClosure | null = c ? { at: c.at.toISOString(), actor: { id: c.actor_id, role: c.actor_role }, reason: closeReason } : null;
  const requests = new Set<string>();
  for (const r of entries.rows) if (r.request_id !== null) requests.add(r.request_id);
  if (c?.request_id) requests.add(c.request_id);
  return {
    view: { unitId, year, entries: list, totals: ledgerTotals(list), closed, refused: [] },
    byId: new Map(list.map((e) => [e.entryId, e])),
    requests,
    exists: list.length > 0 || closed !== null,
  };
}

/** The ledger's view, or null when the unit-year has no entry and no close (nobody has written to it). */
export async function readLedger(records: SealedDb, unitId: string, year: number): Promise<LedgerView | null> {
  const state = await loadState(records.db, records.sealer, unitId, year);
  return state.exists ? state.view : null;
}

function requireOpen(state: LedgerState): void {
  const { closed, unitId, year } = state.view;
  if (closed) throw LedgerRefusal.at(ErrorType.LedgerClosed, 'year', `the ${year} ledger of ${unitId} was closed at ${closed.at}: it takes no new entry`);
}

async function insertEntry(tx: pg.PoolClient, sealer: Sealer, year: number, e: LedgerEntry, requestId: string | null): Promise<void> {
  await tx.query(
    `INSERT INTO ledger_entries (entry_id, unit_id, year, kind, case_id, milestone, level, points, at, actor_id, actor_role, reason_sealed, reverses, request_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
    [e.entryId, e.unitId, year, e.kind, e.caseId ?? null, e.milestone ?? null, e.level ?? null, e.points, e.at, e.actor.id, e.actor.role, await sealReason(sealer, e.reason), e.reverses ?? null, requestId],
  );
}

/** Takes the unit-year's lock for the transaction: its writes run one after the other, so a deduction racing the close is in before it or refused. */
async function lockLedger(tx: pg.PoolClient, unitId: string, year: number): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`ledger:${unitId}:${year}`]);
}

/**
 * Runs a write on the locked unit-year: act() checks the rules (on the rows without their reasons) and inserts, or
 * returns false for a repeat; the answer is the view after it, reasons unsealed.
 */
function write(records: Records, key: LedgerKey, act: (tx: pg.PoolClient, state: LedgerState) => Promise<boolean>): Promise<LedgerView> {
  return inTransaction(records.db, async (tx) => {
    await lockLedger(tx, key.unitId, key.year);
    await act(tx, await loadState(tx, null, key.unitId, key.year));
    return (await loadState(tx, records.sealer, key.unitId, key.year)).view;
  });
}

/**
 * Enters a case's deduction (duban only). Idempotent by entryId: a known entry answers the view and adds nothing,
 * whatever the body, also after the close.
 */
export async function recordDeduction(records: Records, key: LedgerKey, raw: unknown): Promise<LedgerView> {
  const entry = parse(deductionEntrySchema, raw);
  return await write(records, key, async (tx, state) => {
    if (state.byId.has(entry.entryId)) return false;
    if (entry.actor.role !== 'system') throw LedgerRefusal.at(ErrorType.NotAllowed, 'actor.role', `role ${entry.actor.role} may not enter a deduction: only duban does`);
    if (entry.unitId !== key.unitId) throw LedgerRefusal.at(ErrorType.InvalidInput, 'unitId', `this is the ledger of ${key.unitId}, not ${entry.unitId}`);
    const entryYear = shanghaiYear(Date.parse(entry.at));
    if (entryYear !== key.year) throw LedgerRefusal.at(ErrorType.InvalidInput, 'at', `falls in ${entryYear} (Asia/Shanghai), not in the ledger's year ${key.year}`);
    requireOpen(state);
    const stored: LedgerEntry = { ...entry, at: iso(Date.parse(entry.at)) };
    await insertEntry(tx, records.sealer, key.year, stored, null);
    return true;
  });
}

/** Gives a deduction's points back (supervisor or admin, with a reason); once per deduction; idempotent by requestId. */
export async function reverseDeduction(records: Records, key: LedgerKey, raw: unknown, options: LedgerWriteOptions = {}): Promise<LedgerView> {
  const input = parse(reverseLedgerEntrySchema, raw);
  requireWriter(input.actor);
  return await write(records, key, async (tx, state) => {
    if (state.requests.has(input.requestId)) return false;
    requireOpen(state);
    const target = state.byId.get(input.entryId);
    if (!target || target.kind !== 'deduction') throw LedgerRefusal.at(ErrorType.InvalidInput, 'entryId', `no deduction ${input.entryId} in the ${key.year} ledger of ${key.unitId}`);
    const reversal = state.byId.get(reversalIdFor(target.entryId));
    if (reversal) throw LedgerRefusal.at(ErrorType.InvalidState, 'entryId', `deduction ${target.entryId} was already reversed at ${reversal.at}`);
    const entry: LedgerEntry = {
      entryId: reversalIdFor(target.entryId),
      kind: 'reversal',
      unitId: key.unitId,
      ...(target.caseId !== undefined ? { caseId: target.caseId } : {}),
      ...(target.milestone !== undefined ? { milestone: target.milestone } : {}),
      ...(target.level !== undefined ? { level: target.level } : {}),
      points: target.points,
      at: iso(options.now ?? Date.now()),
      actor: input.actor,
      reason: input.reason,
      reverses: target.entryId,
    };
    await insertEntry(tx, records.sealer, key.year, entry, input.requestId);
    return true;
  });
}

/** A note of 0 points (supervisor or admin, with a text); its entry ID is note/<requestId>; idempotent by requestId. */
export async function addNote(records: Records, key: LedgerKey, raw: unknown, options: LedgerWriteOptions = {}): Promise<LedgerView> {
  const input = parse(addLedgerNoteSchema, raw);
  requireWriter(input.actor);
  return await write(records, key, async (tx, state) => {
    if (state.requests.has(input.requestId)) return false;
    requireOpen(state);
    const entry: LedgerEntry = {
      entryId: noteIdFor(input.requestId),
      kind: 'note',
      unitId: key.unitId,
      ...(input.caseId !== undefined ? { caseId: input.caseId } : {}),
      points: 0,
      at: iso(options.now ?? Date.now()),
      actor: input.actor,
      reason: input.text,
    };
    await insertEntry(tx, records.sealer, key.year, entry, input.requestId);
    return true;
  });
}

/** Closes the year (supervisor or admin, with a reason) once it is over in Asia/Shanghai; once; idempotent by requestId. */
export async function closeLedger(records: Records, key: LedgerKey, raw: unknown, options: LedgerWriteOptions = {}): Promise<LedgerView> {
  const input = parse(closeLedgerSchema, raw);
  requireWriter(input.actor);
  return await write(records, key, async (tx, state) => {
    if (state.requests.has(input.requestId)) return false;
    requireOpen(state);
    const now = options.now ?? Date.now();
    const from = yearEndMs(key.year);
    if (now < from) throw LedgerRefusal.at(ErrorType.InvalidState, 'year', `the year ${key.year} is not over: its ledger may be closed from ${iso(from)} (${key.year + 1}-01-01 00:00 Asia/Shanghai)`);
    const closed: LedgerClosure = { at: iso(now), actor: input.actor, reason: input.reason };
    await tx.query('INSERT INTO ledger_closes (unit_id, year, at, actor_id, actor_role, reason_sealed, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      key.unitId,
      key.year,
      closed.at,
      closed.actor.id,
      closed.actor.role,
      await records.sealer.seal(closed.reason),
      input.requestId,
    ]);
    return true;
  });
}

export interface LedgerImportCounts {
  entriesInserted: number;
  entriesKnown: number;
  closeInserted: boolean;
}

/**
 * Copies a ledger view (read from the old workflow) into the store as it is, bypassing the rules: entries in their
 * order, then the close. Known entry IDs and an existing close are left alone, so a rerun inserts nothing.
 */
export function importLedgerView(records: Records, view: LedgerView): Promise<LedgerImportCounts> {
  return inTransaction(records.db, async (tx) => {
    await lockLedger(tx, view.unitId, view.year);
    const counts: LedgerImportCounts = { entriesInserted: 0, entriesKnown: 0, closeInserted: false };
    for (const e of view.entries) {
      // A note's request ID is in its entry ID; reversals' and the close's request IDs are not in the view.
      const requestId = e.kind === 'note' && e.entryId.startsWith('note/') ? e.entryId.slice('note/'.length) : null;
      const inserted = await tx.query(
        `INSERT INTO ledger_entries (entry_id, unit_id, year, kind, case_id, milestone, level, points, at, actor_id, actor_role, reason_sealed, reverses, request_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT DO NOTHING`,
        [e.entryId, view.unitId, view.year, e.kind, e.caseId ?? null, e.milestone ?? null, e.level ?? null, e.points, e.at, e.actor.id, e.actor.role, await sealReason(records.sealer, e.reason), e.reverses ?? null, requestId],
      );
      if (inserted.rowCount === 1) counts.entriesInserted++;
      else counts.entriesKnown++;
    }
    if (view.closed) {
      const c = view.closed;
      const inserted = await tx.query('INSERT INTO ledger_closes (unit_id, year, at, actor_id, actor_role, reason_sealed) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING', [
        view.unitId,
        view.year,
        c.at,
        c.actor.id,
        c.actor.role,
        await records.sealer.seal(c.reason),
      ]);
      counts.closeInserted = inserted.rowCount === 1;
    }
    return counts;
  });
}
