// End to end on the real Temporal dev server (SQLite) with the seconds-scale demo policy, through worker and client.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { NoticeConflictError } from '../src/cases.js';
import { shanghaiYear } from '../src/domain.js';
import { readLedger } from '../src/records/ledger.js';
import { caseQuery, reportArrivalUpdate, submitClosureReportUpdate, type CaseView } from '../src/messages.js';
import { S, createDevServerEnv, demoPolicy, outbox, sampleNotice, startHarness, startVisit, unitActor, type Harness, until as waitUntil } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness(await createDevServerEnv());
}, 90_000);
afterAll(async () => {
  await h?.stop();
});

// Real-time waits on the dev server take longer than the default.
const until = <T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> => waitUntil(what, probe, ok, timeoutMs);

test('a district visit climbs the whole ladder in real time, then arrival and closure end it', async () => {
  const t0 = Date.now();
  const notice = sampleNotice('district', t0, { unitId: 'dongcun' });
  const c = await startVisit(h, notice, demoPolicy);
  expect(c.created).toBe(true);

  // The same notice again returns the same case; a different body for it is a conflict.
  const again = await startVisit(h, notice, demoPolicy);
  expect(again).toMatchObject({ caseId: c.caseId, created: false });
  await expect(startVisit(h, { ...notice, headcount: 13 }, demoPolicy)).rejects.toThrow(NoticeConflictError);

  const v = await until('the deduction', () => c.handle.query(caseQuery), (x: CaseView) => x.deductions.length === 1, 70_000);
  const steps = v.timeline.filter((e) => e.dueAt).map((e) => [e.type, (Date.parse(e.dueAt!) - t0) / S]);
  expect(steps).toEqual([
    ['reminder', 5],
    ['reminder', 10],
    ['urge', 15],
    ['overdueReminder', 21],
    ['supervise', 23],
    ['overdueReminder', 27],
    ['deduction', 31],
  ]);
  for (const e of v.timeline.filter((x) => x.dueAt)) {
    const lag = Date.parse(e.at) - Date.parse(e.dueAt!);
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(3 * S);
  }
  expect(v.policyVersion).toBe('demo-seconds.1');
  expect(v.timeline[0]!.detail).toMatchObject({ policyVersion: 'demo-seconds.1' });

  const ledger = (await readLedger(h.records, 'dongcun', shanghaiYear(t0)))!;
  expect(ledger.entries.filter((e) => e.caseId === c.caseId)).toMatchObject([{ kind: 'deduction', points: 1, unitId: 'dongcun', level: 'district' }]);

  // Search attributes follow the stage: one visibility query finds the overdue, deducted cases of the unit.
  const found = await until(
    'visibility',
    async () => {
      const ids: string[] = [];
      for await (const w of h.env.client.workflow.list({ query: `DubanKind = 'escalatedVisit' AND DubanUnit = 'dongcun' AND DubanStage = 'arrival.deduction' AND DubanOverdue = true AND DubanLevel = 'district'` })) ids.push(w.workflowId);
      return ids;
    },
    (ids) => ids.includes(c.caseId),
    20_000,
  );
  expect(found).toContain(c.caseId);

  const messages = outbox(h).filter((m) => m.caseId === c.caseId);
  expect(messages.filter((m) => m.event === 'urge').map((m) => m.recipientId).sort()).toEqual(['dongcun-sun', 'xfb-li']);
  expect(messages.filter((m) => m.event === 'alert').map((m) => m.recipientId).sort()).toEqual(['dongcun-sun', 'dongcun-zhou']);

  const arrived = await c.handle.executeUpdate(reportArrivalUpdate, { args: [{ leaderId: 'dongcun-sun', arrivedAt: new Date().toISOString(), actor: unitActor }] });
  expect(arrived.stage).toBe('closureReport.pending');
  await c.handle.executeUpdate(submitClosureReportUpdate, { args: [{ result: '已接回，矛盾已化解', actor: unitActor }] });
  const result = (await c.handle.result()) as CaseView;
  expect(result.status).toBe('closed');
  expect(result.timeline.map((e) => e.type).slice(-3)).toEqual(['arrival', 'closureReport', 'closed']);
}, 120_000);
