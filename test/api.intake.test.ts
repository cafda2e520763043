// Intake at the engine's pace (issue 15 item 3): a create's record in PostgreSQL is written beside its start and kept
// only when that start created the case; an action's unit comes from the record or the case's search attributes, so
// neither waits for a worker. Every API here runs on a task queue no worker polls.
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadApiKeys } from '../src/api/auth.js';
import { buildApiServer } from '../src/api/server.js';
import type { CaseView } from '../src/messages.js';
import { freePort } from '../src/net.js';
import { createDb } from '../src/records/db.js';
import { readCaseView } from '../src/records/cases.js';
import { createSealer } from '../src/records/seal.js';
import { DEV_KEYS, createDevServerEnv, directory, policy, sampleNotice, startHarness, until, type Harness } from './helpers.js';

let h: Harness;
let api: FastifyInstance;
const queue = `nobody-polls-intake-${Date.now()}`;
beforeAll(async () => {
  h = await startHarness(await createDevServerEnv());
  api = await buildApiServer({ client: h.env.client, records: h.records, namespace: h.env.namespace ?? 'default', taskQueue: queue, policy, directory, keys: loadApiKeys({}), temporalTimeoutMs: 3000 });
}, 90_000);
afterAll(async () => {
  await api?.close();
  await h?.stop();
});

const post = (app: FastifyInstance, url: string, key: string, payload: object) => app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${key}` }, payload });
const rowsOf = async (caseId: string): Promise<{ cases: number; facts: number }> => {
  const { rows } = await h.records.db.query<{ cases: string; facts: string }>('SELECT (SELECT count(*) FROM cases WHERE case_id = $1) AS cases, (SELECT count(*) FROM case_facts WHERE case_id = $1) AS facts', [caseId]);
  return { cases: Number(rows[0]!.cases), facts: Number(rows[0]!.facts) };
};
const openTransactions = async (): Promise<number> =>
  Number((await h.records.db.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'")).rows[0]!.n);

test('a create records the case it answers with; a conflict or a failed start records nothing and leaves no transaction open', async () => {
  const notice = sampleNotice('city', Date.now() - 1000);
  const caseId = `visit:${notice.noticeId}`;
  const created = await post(api, '/cases', DEV_KEYS.intake, notice);
  expect(created.statusCode).toBe(201);
  const opened = JSON.parse(created.body) as CaseView;
  // In the database before the answer: the very view answered, its two timeline entries as facts.
  expect(await readCaseView(h.records, caseId)).toEqual(opened);
  expect(await rowsOf(caseId)).toEqual({ cases: 1, facts: 2 });

  // A different body under the same notice ID: 409, and the record stays the first body's.
  const conflict = await post(api, '/cases', DEV_KEYS.intake, { ...notice, headcount: 99 });
  expect(conflict.statusCode).toBe(409);
  expect(((await readCaseView(h.records, caseId)) as CaseView).notice.headcount).toBe(12);
  // The same with no record yet (as when the database was down at the first create): still nothing of the second body.
  await h.records.db.query('DELETE FROM case_facts WHERE case_id = $1', [caseId]);
  await h.records.db.query('DELETE FROM cases WHERE case_id = $1', [caseId]);
  expect((await post(api, '/cases', DEV_KEYS.intake, { ...notice, headcount: 99 })).statusCode).toBe(409);
  expect(await rowsOf(caseId)).toEqual({ cases: 0, facts: 0 });
  // A repeat of the first body is 200 with the case as registered, and writes nothing either.
  const again = await post(api, '/cases', DEV_KEYS.intake, notice);
  expect(again.statusCode).toBe(200);
  expect(JSON.parse(again.body)).toEqual(opened);
  expect(await rowsOf(caseId)).toEqual({ cases: 0, facts: 0 });

  // Temporal unreachable: 503 and no record of a case that was never started.
  const offline = await buildApiServer({ client: new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }), namespace: 'default' }), records: h.records, namespace: 'default', taskQueue: queue, policy, directory, keys: loadApiKeys({}), temporalTimeoutMs: 1500 });
  try {
    const lost = sampleNotice('city', Date.now() - 1000);
    const refused = await post(offline, '/cases', DEV_KEYS.intake, lost);
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    await until('the rolled-back record', openTransactions, (n) => n === 0);
    expect(await rowsOf(`visit:${lost.noticeId}`)).toEqual({ cases: 0, facts: 0 });
  } finally {
    await offline.close();
  }
  expect(await openTransactions()).toBe(0);
  await h.env.client.workflow.getHandle(caseId).terminate('test finished');
});

test("an action is authorized from the case's unit with no worker: from the record, else from the case's search attributes", async () => {
  const notice = sampleNotice('city', Date.now() - 1000);
  const caseId = `visit:${notice.noticeId}`;
  expect((await post(api, '/cases', DEV_KEYS.intake, notice)).statusCode).toBe(201);
  const arrival = { leaderId: 'wuli-gov-zhang', arrivedAt: new Date().toISOString() };
  const refusal = { type: 'about:blank', title: 'Forbidden 无权操作', status: 403, detail: 'key dev-unit-wuli-landres may act only on cases of wuli-landres', errors: [] };
  // From the record.
  const fromRecord = await post(api, `/cases/${encodeURIComponent(caseId)}/arrival`, DEV_KEYS.otherUnit, arrival);
  expect([fromRecord.statusCode, JSON.parse(fromRecord.body)]).toEqual([403, refusal]);
  // No record: the DubanUnit search attribute (describe(), no worker), where a query would wait for one and be a 503.
  await h.records.db.query('DELETE FROM case_facts WHERE case_id = $1', [caseId]);
  await h.records.db.query('DELETE FROM cases WHERE case_id = $1', [caseId]);
  const fromAttributes = await post(api, `/cases/${encodeURIComponent(caseId)}/explanation`, DEV_KEYS.otherUnit, { text: '路途遥远' });
  expect([fromAttributes.statusCode, JSON.parse(fromAttributes.body)]).toEqual([403, refusal]);
  // The database unreachable: the search attributes too.
  const down = createDb(`postgres://duban@127.0.0.1:${await freePort()}/duban`, { connectTimeoutMs: 1000 });
  const noDb = await buildApiServer({ client: h.env.client, records: { db: down, sealer: createSealer(undefined) }, namespace: h.env.namespace ?? 'default', taskQueue: queue, policy, directory, keys: loadApiKeys({}), temporalTimeoutMs: 3000 });
  try {
    const fromAttributesNoDb = await post(noDb, `/cases/${encodeURIComponent(caseId)}/arrival`, DEV_KEYS.otherUnit, arrival);
    expect([fromAttributesNoDb.statusCode, JSON.parse(fromAttributesNoDb.body)]).toEqual([403, refusal]);
  } finally {
    await noDb.close();
    await down.end();
  }
  // No such case anywhere: 404 naming it, at once.
  const none = await post(api, `/cases/${encodeURIComponent('visit:NO-SUCH-NOTICE')}/arrival`, DEV_KEYS.unit, arrival);
  expect([none.statusCode, JSON.parse(none.body)]).toEqual([404, { type: 'about:blank', title: 'Not found 案件不存在', status: 404, detail: 'no case visit:NO-SUCH-NOTICE', errors: [] }]);
  await h.env.client.workflow.getHandle(caseId).terminate('test finished');
});
