// The ladder never waits on a record: PostgreSQL stops mid-ladder, steps and alerts go on, and documents, the ledger
// entry and the case's facts catch up once it is back, each exactly once. Then Temporal forgets the closed case
// (as retention does) and the API still reads it, the same, from the database.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadApiKeys } from '../src/api/auth.js';
import { buildApiServer } from '../src/api/server.js';
import { caseQuery, reportArrivalUpdate, submitClosureReportUpdate, type CaseView } from '../src/messages.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/records/embeddedPostgres.js';
import { openRecords } from '../src/records/index.js';
import { DEV_KEYS, S, TASK_QUEUE, createDevServerEnv, demoPolicy, directory, outbox, sampleNotice, startHarness, startVisit, unitActor, until, type Harness } from './helpers.js';
import { freePort } from '../src/net.js';

let pgDir: string;
let pgPort: number;
let pg: EmbeddedPostgres;
let h: Harness;
let api: FastifyInstance;
const startPg = (): Promise<EmbeddedPostgres> => startEmbeddedPostgres({ dataDir: join(pgDir, 'pgdata'), port: pgPort });

beforeAll(async () => {
  pgDir = mkdtempSync(join(tmpdir(), 'duban-outage-pg-'));
  pgPort = await freePort();
  pg = await startPg();
  const url = pg.url.replace(/\/postgres$/, '/duban');
  // A short connect timeout: while the server is down each record attempt fails fast and is retried by Temporal.
  const records = await openRecords(undefined, { url, connectTimeoutMs: 1000 });
  h = await startHarness(await createDevServerEnv(), { records: { ...records, close: () => records.db.end() } });
  api = await buildApiServer({ client: h.env.client, records: h.records, namespace: h.env.namespace ?? 'default', taskQueue: TASK_QUEUE, policy: demoPolicy, directory, keys: loadApiKeys({}) });
}, 90_000);
afterAll(async () => {
  await api?.close();
  await h?.stop();
  await pg?.stop();
  rmSync(pgDir, { recursive: true, force: true });
});

const db = () => h.records.db;
const count = async (sql: string, caseId: string): Promise<number> => Number((await db().query<{ n: string }>(sql, [caseId])).rows[0]!.n);

test('PostgreSQL down from before 催办 to after the deduction: the ladder keeps time, the records catch up once each', async () => {
  const t0 = Date.now();
  const c = await startVisit(h, sampleNotice('district', t0, { unitId: 'dongcun' }), demoPolicy);
  await until('the case recorded', () => count('SELECT count(*) AS n FROM cases WHERE case_id = $1', c.caseId), (n) => n === 1);

  // Down at 12 s, before 催办 (15 s); back at 35 s, after the deduction (31 s).
  await until('12 s after receipt', () => Date.now(), (now) => now >= t0 + 12 * S, 20_000);
  await pg.stop();
  const during = await until('the deduction step while the database is down', () => c.handle.query(caseQuery), (v: CaseView) => v.timeline.some((e) => e.type === 'deduction'), 40_000);
  expect(during.timeline.filter((e) => e.dueAt).map((e) => [e.type, (Date.parse(e.dueAt!) - t0) / S])).toEqual([
    ['reminder', 5],
    ['reminder', 10],
    ['urge', 15],
    ['overdueReminder', 21],
    ['supervise', 23],
    ['overdueReminder', 27],
    ['deduction', 31],
  ]);
  for (const e of during.timeline.filter((x) => x.dueAt)) expect(Date.parse(e.at) - Date.parse(e.dueAt!)).toBeLessThan(3 * S);
  // The notices went out at their steps, without their documents; no document and no ledger entry yet.
  const sent = outbox(h).filter((m) => m.caseId === c.caseId);
  expect(sent.filter((m) => m.event === 'urge').map((m) => m.recipientId).sort()).toEqual(['dongcun-sun', 'xfb-li']);
  expect(sent.filter((m) => m.event === 'supervise').map((m) => m.recipientId).sort()).toEqual(['dongcun-sun', 'xfb-li']);
  expect(during.timeline.filter((e) => e.type === 'documentIssued')).toEqual([]);
  expect(during.deductions).toEqual([]);

  await until('35 s after receipt', () => Date.now(), (now) => now >= t0 + 35 * S, 20_000);
  pg = await startPg();
  const after = await until(
    'documents and the deduction after the database returned',
    () => c.handle.query(caseQuery),
    (v: CaseView) => v.timeline.filter((e) => e.type === 'documentIssued').length === 2 && v.deductions.length === 1,
    90_000,
  );
  // Numbered in the order the database answered the two retries: gapless, once each, either order.
  const issued = after.timeline.filter((e) => e.type === 'documentIssued');
  expect(issued.map((e) => e.detail?.kind).sort()).toEqual(['supervise', 'urge']);
  expect(issued.map((e) => e.detail?.number).sort()).toEqual([1, 2]);
  expect(after.deductions).toEqual([{ entryId: `${c.caseId}/arrival/deduction`, milestone: 'arrival', points: 1, at: during.timeline.find((e) => e.type === 'deduction')!.at }]);
  expect(await count('SELECT count(*) AS n FROM documents WHERE case_id = $1', c.caseId)).toBe(2);
  expect(await count('SELECT count(*) AS n FROM ledger_entries WHERE case_id = $1', c.caseId)).toBe(1);
  expect(outbox(h).filter((m) => m.caseId === c.caseId && m.event === 'deduction').map((m) => m.recipientId).sort()).toEqual(['dongcun-sun', 'xfb-li']);

  // Closed, then forgotten by Temporal: the API answers from the database with the same view.
  await c.handle.executeUpdate(reportArrivalUpdate, { args: [{ leaderId: 'dongcun-sun', arrivedAt: new Date().toISOString(), actor: unitActor }] });
  await c.handle.executeUpdate(submitClosureReportUpdate, { args: [{ result: '已接回，矛盾已化解', actor: unitActor }] });
  const final = (await c.handle.result()) as CaseView;
  expect(final.status).toBe('closed');
  const read = () => api.inject({ method: 'GET', url: `/cases/${c.caseId}`, headers: { authorization: `Bearer ${DEV_KEYS.supervisor}` } });
  const fromTemporal = (await read()).json<CaseView>();
  await until('the closed view recorded', () => count("SELECT count(*) AS n FROM cases WHERE case_id = $1 AND status = 'closed'", c.caseId), (n) => n === 1);
  await h.env.connection.workflowService.deleteWorkflowExecution({ namespace: h.env.namespace ?? 'default', workflowExecution: { workflowId: c.caseId } });
  await until('Temporal has forgotten the case', () => c.handle.describe().then(() => 'there', (e: unknown) => (e instanceof WorkflowNotFoundError ? 'gone' : 'error')), (s) => s === 'gone', 30_000);
  const fromDatabase = await read();
  expect(fromDatabase.statusCode).toBe(200);
  expect(fromDatabase.json()).toEqual(fromTemporal);
  const listed = await api.inject({ method: 'GET', url: `/cases?unitId=${final.unit.id}&stage=closed`, headers: { authorization: `Bearer ${DEV_KEYS.supervisor}` } });
  expect(listed.json<{ cases: { caseId: string; status: string; deadline: string | null }[] }>().cases.filter((x) => x.caseId === c.caseId)).toEqual([
    { caseId: c.caseId, kind: 'escalatedVisit', level: final.notice.level, unitId: final.unit.id, status: 'closed', stage: 'closed', receivedAt: new Date(final.notice.receivedAt).toISOString(), deadline: null, overdue: false, colour: null },
  ]);
  expect(await count('SELECT count(*) AS n FROM case_facts WHERE case_id = $1', c.caseId)).toBe(final.timeline.length);
}, 180_000);
