// Issue 14 (3): no worker ran across the deadline; on its return a "期限将至" reminder that is already past its
// deadline is recorded as skipped and not sent, while the 催办 that fell due goes out at once.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createDubanWorker } from '../worker.js';
import { caseQuery, type CaseView } from '../src/messages.js';
import { S, TASK_QUEUE, createDevServerEnv, demoPolicy, directory, outbox, sampleNotice, startHarness, startVisit, until, waitForStep, type Harness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness(await createDevServerEnv());
}, 90_000);
afterAll(async () => {
  // The harness's own worker was stopped by the test: only the database and the server remain.
  await h?.records.close();
  await h?.env.teardown();
});

test('a reminder due before its deadline but run after it is skipped and recorded; 催办 goes out', async () => {
  // The demo policy's district case: reminders at 5 s and 10 s, deadline and 催办 at 15 s.
  const t0 = Date.now();
  const c = await startVisit(h, sampleNotice('district', t0), demoPolicy);
  await waitForStep(c, `arrival.reminder.10s@${t0 + 15 * S}`);
  // The worker stops before the first reminder and nobody runs the case until 17 s, past the deadline.
  h.worker.shutdown();
  await until('the worker stopped', () => h.worker.getState(), (s) => s === 'STOPPED', 10_000);
  expect(Date.now() - t0).toBeLessThan(5 * S);
  await until('17 s after receipt', () => Date.now(), (now) => now >= t0 + 17 * S, 20_000);
  const worker = await createDubanWorker({
    connection: h.env.nativeConnection,
    namespace: h.env.namespace ?? 'default',
    taskQueue: TASK_QUEUE,
    activities: { directory: () => directory, client: h.env.client, records: h.records, taskQueue: TASK_QUEUE, outboxDir: h.outboxDir, dataDir: h.dataDir, log: (l) => h.logs.push(l) },
  });
  // The checks run while the new worker does: the notices of a step go out after its timeline entry.
  await worker.runUntil(async () => {
    const v = await until('the 催办 after the return', () => c.handle.query(caseQuery), (x: CaseView) => x.timeline.some((e) => e.type === 'urge'), 30_000);
    const ladder = v.timeline.filter((e) => e.dueAt).map((e) => [e.type, (Date.parse(e.dueAt!) - t0) / S, e.reason ?? null]);
    expect(ladder).toEqual([
      ['reminderSkipped', 5, '提醒到期时已过办理期限，未发送'],
      ['reminderSkipped', 10, '提醒到期时已过办理期限，未发送'],
      ['urge', 15, null],
    ]);
    for (const e of v.timeline.filter((x) => x.type === 'reminderSkipped')) expect(Date.parse(e.at)).toBeGreaterThan(t0 + 15 * S);
    const urged = await until('the 催办 notices', () => outbox(h).filter((m) => m.caseId === c.caseId && m.event === 'urge'), (m) => m.length >= 3, 20_000);
    expect(urged.map((m) => m.recipientId).sort()).toEqual(['wuli-gov-wang', 'wuli-gov-zhang', 'xfb-li']);
    expect(outbox(h).filter((m) => m.caseId === c.caseId && m.event === 'reminder')).toEqual([]);
    await c.handle.terminate('test finished');
  });
}, 90_000);
