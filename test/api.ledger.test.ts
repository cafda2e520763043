// The ledger routes of the API on the PostgreSQL store (deductions entered by the real activity): reads, reversals, notes, the close, roles, refusals, 503 without the database.
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return -- responses are read as untyped JSON */
import SwaggerParser from '@apidevtools/swagger-parser';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createActivities } from '../activities/index.js';
import { loadApiKeys } from '../src/api/auth.js';
import { buildApiServer } from '../src/api/server.js';
import { SYSTEM_ACTOR, shanghaiYear } from '../src/domain.js';
import { emptyLedgerView } from '../src/ledger.js';
import { createDb } from '../src/records/db.js';
import { createSealer } from '../src/records/seal.js';
import type { LedgerEntry } from '../src/messages.js';
import { DEV_KEYS, TASK_QUEUE, createTimeSkippingEnv, demoPolicy, directory, startHarness, type Harness } from './helpers.js';

const KEY = DEV_KEYS;

let h: Harness;
let api: FastifyInstance;
let record: (entry: LedgerEntry) => Promise<void>;
beforeAll(async () => {
  h = await startHarness(await createTimeSkippingEnv());
  api = await buildApiServer({ client: h.env.client, records: h.records, namespace: h.env.namespace ?? 'default', taskQueue: TASK_QUEUE, policy: demoPolicy, directory, keys: loadApiKeys({}), dataDir: h.dataDir });
  const activities = createActivities({ directory: () => directory, client: h.env.client, records: h.records, taskQueue: TASK_QUEUE, outboxDir: h.outboxDir, dataDir: h.dataDir, log: () => undefined });
  record = (entry) => activities.recordLedgerEntry(entry);
}, 90_000);
afterAll(async () => {
  await api?.close();
  await h?.stop();
});

const call = async (method: 'GET' | 'POST', url: string, key: string | null, body?: unknown): Promise<{ status: number; json: any }> => {
  const res = await api.inject({ method, url, ...(key ? { headers: { authorization: `Bearer ${key}` } } : {}), ...(body !== undefined ? { payload: body as object } : {}) });
  return { status: res.statusCode, json: res.body ? JSON.parse(res.body) : null };
};

const deduction = (unitId: string, n: number, over: Partial<LedgerEntry> = {}): LedgerEntry => ({
  entryId: `visit:API-${n}/arrival/deduction`,
  kind: 'deduction',
  unitId,
  caseId: `visit:API-${n}`,
  milestone: 'arrival',
  level: 'city',
  points: 2,
  at: '2025-06-01T02:00:00.000Z',
  actor: SYSTEM_ACTOR,
  reason: '接人逾期，经催办、督办仍未办结且无情况说明',
  ...over,
});

describe('GET /ledgers/:unitId/:year', () => {
  test('a year without a ledger reads as the empty view; an unknown unit is 404; a bad year is 400 naming the field', async () => {
    expect(await call('GET', '/ledgers/wuli-gov/2024', KEY.supervisor)).toEqual({ status: 200, json: emptyLedgerView('wuli-gov', 2024) });
    expect(await call('GET', '/ledgers/ghost/2024', KEY.supervisor)).toMatchObject({ status: 404, json: { detail: 'no unit ghost in the directory', errors: [{ field: 'unitId', message: 'is not a unit of the directory' }] } });
    expect(await call('GET', '/ledgers/wuli-gov/abc', KEY.supervisor)).toMatchObject({ status: 400, json: { errors: [{ field: 'year', message: 'must be a year such as 2026' }] } });
    expect(await call('GET', '/ledgers/wuli-gov/1999', KEY.supervisor)).toMatchObject({ status: 400, json: { detail: 'year: must be 2000 or later' } });
  });

  test('a unit key reads only its own ledger; viewers, supervisors and admins read any; intake reads none', async () => {
    await record(deduction('wuli-gov', 1));
    const own = await call('GET', '/ledgers/wuli-gov/2025', KEY.unit);
    expect(own.status).toBe(200);
    expect(own.json.entries).toEqual([deduction('wuli-gov', 1)]);
    expect(own.json.totals).toEqual({ points: 2, deductions: 1, reversals: 0, notes: 0, byLevel: { district: 0, city: 2, beijing: 0 }, byKind: { deduction: 2, reversal: 0, note: 0 } });
    expect(own.json.closed).toBeNull();
    expect(await call('GET', '/ledgers/wuli-gov/2025', KEY.otherUnit)).toMatchObject({ status: 403, json: { detail: 'key dev-unit-wuli-landres may act only on cases of wuli-landres' } });
    expect(await call('GET', '/ledgers/wuli-gov/2025', KEY.intake)).toMatchObject({ status: 403, json: { detail: 'role intake may not readLedger' } });
    for (const key of [KEY.viewer, KEY.supervisor, KEY.admin]) expect(await call('GET', '/ledgers/wuli-gov/2025', key)).toEqual(own);
    expect(await call('GET', '/ledgers/wuli-gov/2025', null)).toMatchObject({ status: 401 });
  });
});

describe('writes: supervisors and admins only, the actor from the key', () => {
  test('viewers and unit keys cannot write (403 before the body is read)', async () => {
    for (const [path, body] of [
      ['reversals', { entryId: 'visit:API-1/arrival/deduction', reason: '撤销' }],
      ['notes', { text: '备注' }],
      ['close', { reason: '结账' }],
    ] as const) {
      expect(await call('POST', `/ledgers/wuli-gov/2025/${path}`, KEY.viewer, body)).toMatchObject({ status: 403, json: { detail: 'role viewer may not writeLedger' } });
      expect(await call('POST', `/ledgers/wuli-gov/2025/${path}`, KEY.unit, body)).toMatchObject({ status: 403, json: { detail: 'role unit may not writeLedger' } });
    }
  });

  test('a reversal: 400 for a bad body, 422 for an unknown deduction, 200 with the reversal, 409 when reversed already; idempotent by requestId', async () => {
    await record(deduction('wuli-landres', 2, { level: 'beijing', points: 3 }));
    const url = '/ledgers/wuli-landres/2025/reversals';
    const target = 'visit:API-2/arrival/deduction';
    expect(await call('POST', url, KEY.supervisor, { entryId: target })).toMatchObject({ status: 400, json: { errors: [{ field: 'reason', message: 'Required' }] } });
    expect(await call('POST', url, KEY.supervisor, { entryId: target, reason: '撤销', actor: { id: 'x', role: 'admin' } })).toMatchObject({
      status: 400,
      json: { errors: [{ field: 'actor', message: 'is not a known field' }] },
    });
    expect(await call('POST', url, KEY.supervisor, { entryId: 'visit:API-9/arrival/deduction', reason: '撤销' })).toMatchObject({
      status: 422,
      json: { detail: 'entryId: no deduction visit:API-9/arrival/deduction in the 2025 ledger of wuli-landres', errors: [{ field: 'entryId', message: 'no deduction visit:API-9/arrival/deduction in the 2025 ledger of wuli-landres' }] },
    });
    // No ledger for the year: no deduction either, and no ledger is started for it.
    expect(await call('POST', '/ledgers/wuli-landres/2023/reversals', KEY.supervisor, { entryId: target, reason: '撤销' })).toMatchObject({
      status: 422,
      json: { errors: [{ field: 'entryId', message: `no deduction ${target} in the 2023 ledger of wuli-landres` }] },
    });
    expect(await call('GET', '/ledgers/wuli-landres/2023', KEY.supervisor)).toEqual({ status: 200, json: emptyLedgerView('wuli-landres', 2023) });

    const reversed = await call('POST', url, KEY.supervisor, { entryId: target, reason: '进京非本单位责任', requestId: 'rev-api-1' });
    expect(reversed.status).toBe(200);
    expect(reversed.json.entries[1]).toEqual({
      entryId: `${target}/reversal`,
      kind: 'reversal',
      unitId: 'wuli-landres',
      caseId: 'visit:API-2',
      milestone: 'arrival',
      level: 'beijing',
      points: 3,
      at: reversed.json.entries[1].at,
      actor: { id: 'dev-supervisor', role: 'supervisor' },
      reason: '进京非本单位责任',
      reverses: target,
    });
    expect(reversed.json.totals).toMatchObject({ points: 0, byLevel: { district: 0, city: 0, beijing: 0 }, byKind: { deduction: 3, reversal: 3, note: 0 } });
    expect(await call('POST', url, KEY.supervisor, { entryId: target, reason: '进京非本单位责任', requestId: 'rev-api-1' })).toEqual(reversed);
    const again = await call('POST', url, KEY.admin, { entryId: target, reason: '再次撤销' });
    expect(again).toMatchObject({ status: 409, json: { detail: `entryId: deduction ${target} was already reversed at ${reversed.json.entries[1].at}`, errors: [{ field: 'entryId' }] } });
  });

  test('a note: text required (400), then recorded with 0 points and the key as actor', async () => {
    expect(await call('POST', '/ledgers/dongcun/2025/notes', KEY.admin, { text: '  ' })).toMatchObject({ status: 400, json: { errors: [{ field: 'text', message: 'is required' }] } });
    expect(await call('POST', '/ledgers/ghost/2025/notes', KEY.admin, { text: '备注' })).toMatchObject({ status: 404 });
    const noted = await call('POST', '/ledgers/dongcun/2025/notes', KEY.admin, { text: '该单位已整改', caseId: 'visit:API-3', requestId: 'note-api-1' });
    expect(noted.status).toBe(200);
    expect(noted.json.entries).toEqual([{ entryId: 'note/note-api-1', kind: 'note', unitId: 'dongcun', caseId: 'visit:API-3', points: 0, at: noted.json.entries[0].at, actor: { id: 'dev-admin', role: 'admin' }, reason: '该单位已整改' }]);
    expect(noted.json.totals.notes).toBe(1);
  });

  test('the close: 409 before the year is over; afterwards the ledger is closed and every new entry is 409 naming the year', async () => {
    const now = await h.env.currentTimeMs();
    const year = shanghaiYear(now);
    const early = await call('POST', `/ledgers/wuli-gov/${year}/close`, KEY.supervisor, { reason: '提前结账' });
    expect(early).toMatchObject({ status: 409, json: { errors: [{ field: 'year', message: `the year ${year} is not over: its ledger may be closed from ${year}-12-31T16:00:00.000Z (${year + 1}-01-01 00:00 Asia/Shanghai)` }] } });
    expect(await call('POST', '/ledgers/wuli-gov/2025/close', KEY.supervisor, {})).toMatchObject({ status: 400, json: { errors: [{ field: 'reason', message: 'Required' }] } });

    const closed = await call('POST', '/ledgers/wuli-gov/2025/close', KEY.supervisor, { reason: '2025 年度结账', requestId: 'close-2025' });
    expect(closed.status).toBe(200);
    expect(closed.json.closed).toEqual({ at: closed.json.closed.at, actor: { id: 'dev-supervisor', role: 'supervisor' }, reason: '2025 年度结账' });
    const message = `the 2025 ledger of wuli-gov was closed at ${closed.json.closed.at}: it takes no new entry`;
    const refusedClosed = { status: 409, json: { title: 'Ledger closed 台账已结账', detail: `year: ${message}`, errors: [{ field: 'year', message }] } };
    expect(await call('POST', '/ledgers/wuli-gov/2025/notes', KEY.admin, { text: '备注' })).toMatchObject(refusedClosed);
    expect(await call('POST', '/ledgers/wuli-gov/2025/reversals', KEY.admin, { entryId: 'visit:API-1/arrival/deduction', reason: '撤销' })).toMatchObject(refusedClosed);
    expect(await call('POST', '/ledgers/wuli-gov/2025/close', KEY.admin, { reason: '再次结账' })).toMatchObject(refusedClosed);
    expect(await call('POST', '/ledgers/wuli-gov/2025/close', KEY.supervisor, { reason: '2025 年度结账', requestId: 'close-2025' })).toEqual(closed);
    // A late deduction of the closed year is refused to the case too (LedgerClosed, not retried).
    await expect(record(deduction('wuli-gov', 5))).rejects.toMatchObject({ type: 'LedgerClosed', nonRetryable: true, message: `year: ${message}` });
    expect(await call('GET', '/ledgers/wuli-gov/2025', KEY.unit)).toEqual(closed);
  });
});

test('without its database every ledger route answers 503 problem+json and nothing is written', async () => {
  // Port 1 on loopback: nothing listens, so every connection is refused.
  const gone = createDb('postgres://duban@127.0.0.1:1/duban', { connectTimeoutMs: 500 });
  const offline = await buildApiServer({ client: h.env.client, records: { db: gone, sealer: createSealer(undefined) }, namespace: h.env.namespace ?? 'default', taskQueue: TASK_QUEUE, policy: demoPolicy, directory, keys: loadApiKeys({}), dataDir: h.dataDir });
  try {
    const unavailable = { type: 'about:blank', title: 'Temporarily unavailable 暂时不可用', status: 503, detail: 'the database is unreachable; nothing was written; retry later', errors: [] };
    for (const [method, url, body] of [
      ['GET', '/ledgers/dongcun/2024', undefined],
      ['POST', '/ledgers/dongcun/2024/reversals', { entryId: 'visit:API-1/arrival/deduction', reason: '撤销' }],
      ['POST', '/ledgers/dongcun/2024/notes', { text: '备注' }],
      ['POST', '/ledgers/dongcun/2024/close', { reason: '结账' }],
    ] as const) {
      const res = await offline.inject({ method, url, headers: { authorization: `Bearer ${KEY.supervisor}` }, ...(body ? { payload: body } : {}) });
      expect([res.statusCode, res.headers['content-type'], JSON.parse(res.body)]).toEqual([503, 'application/problem+json; charset=utf-8', unavailable]);
    }
  } finally {
    await offline.close();
    await gone.end();
  }
  expect(await call('GET', '/ledgers/dongcun/2024', KEY.supervisor)).toEqual({ status: 200, json: emptyLedgerView('dongcun', 2024) });
});

test('the OpenAPI document is valid and lists the ledger routes with their parameters and bodies', async () => {
  const doc = (await call('GET', '/openapi.json', null)).json;
  await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeTruthy();
  const ledgerPaths = Object.keys(doc.paths).filter((p) => p.startsWith('/ledgers/'));
  expect(ledgerPaths.sort()).toEqual(['/ledgers/{unitId}/{year}', '/ledgers/{unitId}/{year}/close', '/ledgers/{unitId}/{year}/notes', '/ledgers/{unitId}/{year}/reversals']);
  expect(doc.paths['/ledgers/{unitId}/{year}'].get.parameters.map((p: any) => [p.in, p.name, p.required])).toEqual([
    ['path', 'unitId', true],
    ['path', 'year', true],
  ]);
  const reversalBody = doc.paths['/ledgers/{unitId}/{year}/reversals'].post.requestBody.content['application/json'].schema;
  expect(reversalBody.required).toEqual(['entryId', 'reason']);
  expect(Object.keys(reversalBody.properties)).toEqual(['entryId', 'reason', 'requestId']);
  expect(Object.keys(doc.paths['/ledgers/{unitId}/{year}'].get.responses)).toEqual(['200', '400', '401', '403', '404', '409', '413', '415', '422', '503']);
});
