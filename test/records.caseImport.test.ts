// The import of cases that never recorded their own view (started before the records-in-database patch): cases whose
// rows are deleted, as if they had never been written, are found through visibility (dev server: the Java time-skipping
// server has no visibility list), open and closed, and recorded exactly once; a rerun writes nothing; a newer recorded
// view is kept; one missing case fails alone; the command itself seals with the codec and exits 1 on a failure.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { generateKey, loadCodec } from '../src/codec.js';
import { ROOT } from '../src/config.js';
import type { StartVisitResult } from '../src/cases.js';
import { reportArrivalUpdate, submitClosureReportUpdate, type CaseView } from '../src/messages.js';
import { caseImportSummary, importCases, listCaseWorkflowIds } from '../src/records/caseImport.js';
import { listCaseRows, readCaseView, recordCaseView } from '../src/records/cases.js';
import { createSealer } from '../src/records/seal.js';
import { freshRecords } from './db.js';
import { createDevServerEnv, finishedResult, sampleNotice, startHarness, startVisit, supervisor, unitActor, until, view, type Harness } from './helpers.js';

const run = promisify(execFile);
let records: Awaited<ReturnType<typeof freshRecords>>;
let h: Harness;
beforeAll(async () => {
  records = await freshRecords();
  h = await startHarness(await createDevServerEnv(), { records });
}, 120_000);
afterAll(async () => {
  await h?.stop();
});

const db = () => h.records.db;

/** The case's own records are written (no activity pending, the row at the view's length) and it waits: its view, as Temporal answers. */
async function settled(c: StartVisitResult): Promise<CaseView> {
  return until(
    `${c.caseId} settled and recorded`,
    async () => {
      const d = await c.handle.describe();
      const v = d.status.name === 'COMPLETED' ? ((await c.handle.result()) as CaseView) : await view(c);
      const { rows } = await db().query<{ view_seq: number }>('SELECT view_seq FROM cases WHERE case_id = $1', [c.caseId]);
      return { pending: d.raw.pendingActivities?.length ?? 0, seq: rows[0]?.view_seq ?? null, v };
    },
    // An open case also sits in its next step's timer (waitingFor set), so its view no longer changes by itself.
    (s) => s.pending === 0 && s.seq === s.v.timeline.length && (s.v.status !== 'open' || s.v.waitingFor !== null),
  ).then((s) => s.v);
}

/** As if the case had started before the patch: neither its row nor its facts were ever written. */
async function forget(caseIds: string[]): Promise<void> {
  await db().query('DELETE FROM case_facts WHERE case_id = ANY($1::text[])', [caseIds]);
  await db().query('DELETE FROM cases WHERE case_id = ANY($1::text[])', [caseIds]);
}

interface Row {
  caseId: string;
  status: string;
  stage: string;
  viewSeq: number;
  facts: number;
  updatedAt: string;
}
async function rowsOf(caseIds: string[]): Promise<Row[]> {
  const { rows } = await db().query<{ case_id: string; status: string; stage: string; view_seq: number; facts: number; updated_at: Date }>(
    `SELECT c.case_id, c.status, c.stage, c.view_seq, (SELECT count(*)::int FROM case_facts f WHERE f.case_id = c.case_id) AS facts, c.updated_at
     FROM cases c WHERE c.case_id = ANY($1::text[]) ORDER BY c.case_id`,
    [caseIds],
  );
  return rows.map((r) => ({ caseId: r.case_id, status: r.status, stage: r.stage, viewSeq: r.view_seq, facts: r.facts, updatedAt: r.updated_at.toISOString() }));
}
const expectedRow = (v: CaseView) => ({ caseId: v.caseId, status: v.status, stage: v.stage, viewSeq: v.timeline.length, facts: v.timeline.length, updatedAt: expect.any(String) as unknown });
const byId = (a: CaseView, b: CaseView): number => a.caseId.localeCompare(b.caseId);

async function closeCase(c: StartVisitResult): Promise<CaseView> {
  await c.handle.executeUpdate(reportArrivalUpdate, { args: [{ leaderId: 'wuli-gov-zhang', arrivedAt: new Date().toISOString(), actor: unitActor }] });
  await c.handle.executeUpdate(submitClosureReportUpdate, { args: [{ result: '已接回，矛盾已化解', actor: unitActor }] });
  return finishedResult(c);
}

test('cases with no record, open and closed, are listed from visibility and recorded once; a rerun writes nothing', async () => {
  const t0 = Date.now() - 60_000;
  const open = [await startVisit(h, sampleNotice('district', t0)), await startVisit(h, sampleNotice('city', t0)), await startVisit(h, sampleNotice('beijing', t0))];
  const closing = await startVisit(h, sampleNotice('district', t0));
  const closed = await closeCase(closing);
  expect(closed.status).toBe('closed');
  const all = [...open, closing];
  const ids = all.map((c) => c.caseId);
  const views = (await Promise.all(all.map(settled))).sort(byId);
  expect(views.find((v) => v.caseId === closing.caseId)).toEqual(closed);

  await forget(ids);
  expect(await rowsOf(ids)).toEqual([]);
  expect((await listCaseRows(h.records, { limit: 1000 })).filter((r) => ids.includes(r.caseId))).toEqual([]);
  await until('visibility lists the four cases', () => listCaseWorkflowIds(h.env.client), (listed) => ids.every((id) => listed.includes(id)));
  expect(await listCaseWorkflowIds(h.env.client)).toEqual([...ids].sort());

  const lines: string[] = [];
  const first = await importCases(h.env.client, h.records, { log: (l) => lines.push(l) });
  expect(first).toEqual({ found: 4, recorded: 4, upToDate: 0, failed: [] });
  expect(lines.sort()).toEqual(views.map((v) => `${v.caseId}: recorded, status ${v.status}, stage ${v.stage}, ${v.timeline.length} facts`));
  const rows = await rowsOf(ids);
  expect(rows).toEqual(views.map(expectedRow));
  expect(rows.map((r) => [r.caseId, r.status])).toEqual(views.map((v) => [v.caseId, v.caseId === closing.caseId ? 'closed' : 'open']));
  expect(rows.find((r) => r.caseId === closing.caseId)).toMatchObject({ status: 'closed', stage: 'closed' });
  for (const v of views) {
    expect(await readCaseView(h.records, v.caseId)).toEqual(v);
    const { rows: facts } = await db().query<{ seq: number; type: string }>('SELECT seq, type FROM case_facts WHERE case_id = $1 ORDER BY seq', [v.caseId]);
    expect(facts).toEqual(v.timeline.map((e) => ({ seq: e.seq, type: e.type })));
  }
  // Listed again, as GET /cases lists them.
  expect((await listCaseRows(h.records, { limit: 1000 })).filter((r) => ids.includes(r.caseId)).map((r) => [r.caseId, r.status, r.stage]).sort()).toEqual(
    views.map((v) => [v.caseId, v.status, v.stage]),
  );

  // The rerun: every case up to date, not one byte or timestamp changed.
  const before = await db().query('SELECT * FROM cases WHERE case_id = ANY($1::text[]) ORDER BY case_id', [ids]);
  const factsBefore = await db().query('SELECT * FROM case_facts WHERE case_id = ANY($1::text[]) ORDER BY case_id, seq', [ids]);
  const again: string[] = [];
  const second = await importCases(h.env.client, h.records, { log: (l) => again.push(l) });
  expect(second).toEqual({ found: 4, recorded: 0, upToDate: 4, failed: [] });
  expect(again.sort()).toEqual(views.map((v) => `${v.caseId}: already up to date, status ${v.status}, ${v.timeline.length} facts`));
  expect(caseImportSummary(second)).toBe('案件导入 case import: 发现 4 found, 已记录 0 recorded, 已是最新 4 already up to date, 失败 0 failed');
  expect((await db().query('SELECT * FROM cases WHERE case_id = ANY($1::text[]) ORDER BY case_id', [ids])).rows).toEqual(before.rows);
  expect((await db().query('SELECT * FROM case_facts WHERE case_id = ANY($1::text[]) ORDER BY case_id, seq', [ids])).rows).toEqual(factsBefore.rows);
}, 120_000);

test('a newer recorded view is kept, a terminated case is recorded with its last view, a missing case fails alone', async () => {
  const t0 = Date.now() - 60_000;
  const newer = await startVisit(h, sampleNotice('city', t0));
  const terminated = await startVisit(h, sampleNotice('district', t0));
  const fresh = await startVisit(h, sampleNotice('beijing', t0));
  const [newerView, terminatedView, freshView] = await Promise.all([newer, terminated, fresh].map(settled));

  // A view one entry ahead of what Temporal answers is recorded (as the API would, with a later action's answer).
  const ahead: CaseView = {
    ...newerView!,
    timeline: [...newerView!.timeline, { seq: newerView!.timeline.length + 1, at: new Date().toISOString(), type: 'deadlineExtended', actor: supervisor, reason: '山路塌方' }],
  };
  await recordCaseView(h.records, ahead);
  await forget([terminated.caseId, fresh.caseId]);
  // Terminated after its records: the query still answers from its history (a worker replays it), result() would not.
  await terminated.handle.terminate('operator stopped it');
  await expect(terminated.handle.result()).rejects.toThrow('operator stopped it');

  const lines: string[] = [];
  const report = await importCases(h.env.client, h.records, { caseIds: [newer.caseId, 'visit:NO-SUCH-CASE', terminated.caseId, fresh.caseId], concurrency: 2, log: (l) => lines.push(l) });
  expect(report).toEqual({ found: 4, recorded: 2, upToDate: 1, failed: [{ caseId: 'visit:NO-SUCH-CASE', error: 'no such workflow' }] });
  expect(lines.sort()).toEqual(
    [
      `${newer.caseId}: already up to date, status open, ${newerView!.timeline.length} facts`,
      'visit:NO-SUCH-CASE: failed: no such workflow',
      `${terminated.caseId}: recorded, status open, stage ${terminatedView!.stage}, ${terminatedView!.timeline.length} facts (TERMINATED in Temporal: its last view)`,
      `${fresh.caseId}: recorded, status open, stage ${freshView!.stage}, ${freshView!.timeline.length} facts`,
    ].sort(),
  );
  expect(caseImportSummary(report)).toBe('案件导入 case import: 发现 4 found, 已记录 2 recorded, 已是最新 1 already up to date, 失败 1 failed: visit:NO-SUCH-CASE');
  expect(await readCaseView(h.records, newer.caseId)).toEqual(ahead);
  expect(await readCaseView(h.records, terminated.caseId)).toEqual(terminatedView);
  expect(await readCaseView(h.records, fresh.caseId)).toEqual(freshView);
  expect(await rowsOf([newer.caseId, terminated.caseId, fresh.caseId])).toEqual([ahead, terminatedView!, freshView!].sort(byId).map(expectedRow));
}, 120_000);

test('npm run import:cases: seals with the codec, prints the summary, exits 1 when a case failed and 0 on the rerun', async () => {
  const c = await startVisit(h, sampleNotice('city', Date.now() - 60_000));
  const v = await settled(c);
  await forget([c.caseId]);
  const keys = JSON.stringify({ current: 't1', keys: { t1: generateKey() } });
  const env = {
    ...process.env,
    TEMPORAL_ADDRESS: h.env.address,
    TEMPORAL_NAMESPACE: h.env.namespace ?? 'default',
    DUBAN_DATABASE_URL: records.url,
    DUBAN_CODEC_KEYS: keys,
  };
  const importCommand = (...ids: string[]) => run(process.execPath, ['--import', 'tsx', 'scripts/import-cases.ts', ...ids.flatMap((id) => ['--case-id', id])], { cwd: ROOT, env });

  const failed = await importCommand(c.caseId, 'visit:NO-SUCH-CASE').then(
    () => null,
    (e: { code: number; stdout: string }) => e,
  );
  expect(failed?.code).toBe(1);
  expect(failed?.stdout.trim().split('\n').at(-1)).toBe('案件导入 case import: 发现 2 found, 已记录 1 recorded, 已是最新 0 already up to date, 失败 1 failed: visit:NO-SUCH-CASE');
  // Sealed with the command's codec: readable with that key only.
  const sealed = { db: db(), sealer: createSealer(loadCodec({ DUBAN_CODEC_KEYS: keys }).codec) };
  expect(await readCaseView(sealed, c.caseId)).toEqual(v);
  await expect(readCaseView(h.records, c.caseId)).rejects.toThrow('Unknown encoding: binary/encrypted');

  const rerun = await importCommand(c.caseId);
  expect(rerun.stdout.trim().split('\n')).toEqual([
    `${c.caseId}: already up to date, status open, ${v.timeline.length} facts`,
    '案件导入 case import: 发现 1 found, 已记录 0 recorded, 已是最新 1 already up to date, 失败 0 failed',
  ]);
}, 120_000);
