// Issue 14 (2): the deduction notice says what the case was at its step, even when the unit's arrival is reported
// while the deduction's ledger write is still waiting (here: held back by the unit-year's real advisory lock).
import { afterAll, beforeAll, expect, test } from 'vitest';
import { shanghaiYear } from '../src/domain.js';
import { caseQuery, reportArrivalUpdate, type CaseView } from '../src/messages.js';
import { S, createDevServerEnv, demoPolicy, outbox, sampleNotice, startHarness, startVisit, unitActor, until, type Harness, updateThenRead } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness(await createDevServerEnv());
}, 90_000);
afterAll(async () => {
  await h?.stop();
});

test('an arrival during the ledger write: the deduction notice still names the arrival, not the closure report', async () => {
  const t0 = Date.now();
  const c = await startVisit(h, sampleNotice('district', t0, { unitId: 'dongcun' }), demoPolicy);
  // The demo policy's district deduction is due at 31 s; from 27 s the unit-year's ledger is locked by this test.
  await until('27 s after receipt', () => Date.now(), (now) => now >= t0 + 27 * S, 40_000);
  const lock = await h.records.db.connect();
  try {
    await lock.query('BEGIN');
    await lock.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`ledger:dongcun:${shanghaiYear(t0 + 31 * S)}`]);
    const deducted = await until('the deduction step', () => c.handle.query(caseQuery), (v: CaseView) => v.timeline.some((e) => e.type === 'deduction'), 20_000);
    expect(deducted.deductions).toEqual([]);
    const arrived = await updateThenRead(c.handle, reportArrivalUpdate, { leaderId: 'dongcun-sun', arrivedAt: new Date().toISOString(), actor: unitActor });
    expect(arrived.milestone).toBe('closureReport');
    expect(outbox(h).filter((m) => m.caseId === c.caseId && m.event === 'deduction')).toEqual([]);
  } finally {
    await lock.query('ROLLBACK');
    lock.release();
  }
  const sent = await until('the deduction notices', () => outbox(h).filter((m) => m.caseId === c.caseId && m.event === 'deduction'), (m) => m.length === 2, 20_000);
  const text = `【督办】东村村委会：经催办、督办仍未到达现场且无情况说明，年终考核扣1分。案件号${c.caseId}。`;
  expect(sent.map((m) => [m.recipientId, m.text]).sort()).toEqual([
    ['dongcun-sun', text],
    ['xfb-li', text],
  ]);
  const after = await c.handle.query(caseQuery);
  expect(after.deductions.map((d) => [d.milestone, d.points])).toEqual([['arrival', 1]]);
  expect(Number((await h.records.db.query<{ n: string }>('SELECT count(*) AS n FROM ledger_entries WHERE case_id = $1', [c.caseId])).rows[0]!.n)).toBe(1);
  await c.handle.terminate('test finished');
}, 120_000);
