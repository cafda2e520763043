// The unit-year score ledger over HTTP: a unit reads its own year; supervisors and admins reverse deductions, add notes and close the year.
import { MILESTONES } from '../domain.js';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { findUnit } from '../directory.js';
import { ErrorType } from '../errors.js';
import { emptyLedgerView } from '../ledger.js';
import { addLedgerNoteSchema, closeLedgerSchema, reverseLedgerEntrySchema, type LedgerView } from '../messages.js';
import type { Records } from '../records/index.js';
import { LedgerRefusal, addNote, closeLedger, readLedger, reverseDeduction, type LedgerKey } from '../records/ledger.js';
import { actorOf } from './auth.js';
import { Problem, problemResponses, type RoutesOf } from './kit.js';

const ledgerParams = z
  .object({
    unitId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be a unit ID: 1–64 letters, digits, dot, dash or underscore'),
    year: z.coerce.number({ invalid_type_error: 'must be a year such as 2026' }).int('must be a year such as 2026').min(2000, 'must be 2000 or later').max(2100, 'must be 2100 or earlier'),
  })
  .strict();
const requestId = reverseLedgerEntrySchema.shape.requestId.optional().describe('idempotency key: a repeat with the same requestId answers the ledger without acting again; absent: a new one each time');
const reversalBody = reverseLedgerEntrySchema.omit({ actor: true, requestId: true }).extend({ requestId }).strict();
const noteBody = addLedgerNoteSchema.omit({ actor: true, requestId: true }).extend({ requestId }).strict();
const closeBody = closeLedgerSchema.omit({ actor: true, requestId: true }).extend({ requestId }).strict();

// Response shapes document the API; every field of LedgerView is listed so none is dropped by the serializer.
const at = z.string().describe('UTC ISO 8601');
const actorOut = z.object({ id: z.string(), role: z.string() });
const entrySchema = z.object({
  entryId: z.string(),
  kind: z.enum(['deduction', 'reversal', 'note']),
  unitId: z.string(),
  caseId: z.string().optional(),
  milestone: z.enum(MILESTONES).optional(),
  level: z.enum(['district', 'city', 'beijing']).optional(),
  points: z.number().describe('points deducted (deduction) or given back (reversal); 0 for a note'),
  at,
  actor: actorOut,
  reason: z.string().optional().describe("the deduction's grounds, the reversal's reason, or the note's text"),
  reverses: z.string().optional().describe("a reversal's deduction (entryId)"),
});
const perLevel = z.object({ district: z.number(), city: z.number(), beijing: z.number() });
export const ledgerViewSchema = z
  .object({
    unitId: z.string(),
    year: z.number(),
    entries: z.array(entrySchema),
    totals: z.object({
      points: z.number().describe('net points deducted: deductions minus reversals'),
      deductions: z.number().describe('number of deductions'),
      reversals: z.number().describe('number of reversals'),
      notes: z.number().describe('number of notes'),
      byLevel: perLevel.describe('net points per level of the visits'),
      byKind: z.object({ deduction: z.number(), reversal: z.number(), note: z.number() }).describe('gross points per kind'),
    }),
    closed: z.object({ at, actor: actorOut, reason: z.string() }).nullable().describe('the year-end close; null while the year is open'),
    refused: z.array(z.object({ entryId: z.string(), at, message: z.string() })).describe('deductions sent by the old signal path that the ledger refused'),
  })
  .describe('LedgerView: entries in order, totals, the year-end close');

/** The ledger's refusal as a problem: bad input 422, not allowed 403, closed year or state 409. */
function problemFromRefusal(err: LedgerRefusal): Problem {
  if (err.type === ErrorType.LedgerClosed) return new Problem(409, 'Ledger closed 台账已结账', err.message, err.issues);
  if (err.type === ErrorType.InvalidState) return new Problem(409, 'Conflict with the ledger state 与台账状态冲突', err.message, err.issues);
  if (err.type === ErrorType.NotAllowed) return new Problem(403, 'Forbidden 无权操作', err.message, err.issues);
  return new Problem(422, 'Refused 已拒绝', err.message, err.issues);
}

type LedgerWrite = (records: Records, key: LedgerKey, raw: unknown) => Promise<LedgerView>;

export const ledgerRoutes: RoutesOf = (app, kit) => {
  const requireUnit = (unitId: string): void => {
    if (!findUnit(kit.directory, unitId)) throw new Problem(404, 'Not found 单位不存在', `no unit ${unitId} in the directory`, [{ field: 'unitId', message: 'is not a unit of the directory' }]);
  };
  // Database errors are not caught here: the server's error handler answers an unreachable database with 503.
  const writing = async (write: LedgerWrite, key: LedgerKey, input: unknown): Promise<LedgerView> => {
    try {
      return await write(kit.records, key, input);
    } catch (err) {
      if (err instanceof LedgerRefusal) throw problemFromRefusal(err);
      throw err;
    }
  };

  app.get(
    '/ledgers/:unitId/:year',
    { onRequest: kit.guard('readLedger'), schema: { params: ledgerParams, response: { 200: ledgerViewSchema, ...problemResponses } } },
    async (request) => {
      const { unitId, year } = request.params;
      kit.allow(kit.principalFor(request), 'readLedger', unitId);
      const view = await readLedger(kit.records, unitId, year);
      if (view) return view;
      // A year nobody has written to has had no entry: its empty view, for units of the directory.
      requireUnit(unitId);
      return emptyLedgerView(unitId, year);
    },
  );

  // A reversal needs a deduction, so an unknown unit or an empty year is the same 422 (no such deduction) as before.
  const post = (path: 'reversals' | 'notes' | 'close', body: typeof reversalBody | typeof noteBody | typeof closeBody, write: LedgerWrite, needsUnit: boolean): void => {
    app.post(
      `/ledgers/:unitId/:year/${path}`,
      { onRequest: kit.guard('writeLedger'), schema: { params: ledgerParams, body, response: { 200: ledgerViewSchema, ...problemResponses } } },
      async (request) => {
        const { unitId, year } = request.params;
        const principal = kit.principalFor(request);
        kit.allow(principal, 'writeLedger', unitId);
        if (needsUnit) requireUnit(unitId);
        const sent = request.body as { requestId?: string };
        return writing(write, { unitId, year }, { ...sent, requestId: sent.requestId ?? randomUUID(), actor: actorOf(principal) });
      },
    );
  };
  post('reversals', reversalBody, reverseDeduction, false);
  // Notes and the close need a unit of the directory: a year without deductions can still be noted and closed.
  post('notes', noteBody, addNote, true);
  post('close', closeBody, closeLedger, true);
};
