// A deduction that reaches its year's ledger only after the year-end close: the case records 年度台账已关账, tells
// the supervisors and goes on.
import { Worker } from '@temporalio/worker';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import type { OutboxMessage } from '../activities/outbox.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createActivities } from '../activities/index.js';
import { startEscalatedVisit } from '../src/cases.js';
import { caseQuery, type CaseView, type LedgerEntry } from '../src/messages.js';
import type { Records } from '../src/records/index.js';
import { closeLedger, readLedger } from '../src/records/ledger.js';
import { ensureNamespace } from '../src/temporal.js';
import { workflowsPath } from '../worker.js';
import { H, createTimeSkippingEnv, directory, intake, policy, sampleNotice, supervisor, until } from './helpers.js';
import { freshRecords } from './db.js';

const TASK_QUEUE = 'duban-ledger-closed';
let env: TestWorkflowEnvironment;
let records: Records & { close(): Promise<void> };
let worker: Worker;
let running: Promise<void>;
// The real recordLedgerEntry, held back until the test lets it through (as a worker outage or a long retry would).
let release: () => void = () => undefined;
const gate = new Promise<void>((resolve) => (release = resolve));
let ledgerCalls = 0;
let outboxDir = '';
const supervisorIds = directory.supervisors.map((p) => p.id).sort();
const outboxOf = (dir: string): OutboxMessage[] =>
  existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as OutboxMessage).sort((a, b) => a.recipientId.localeCompare(b.recipientId)) : [];

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  await ensureNamespace(env.connection, env.namespace ?? 'default');
  const dataDir = mkdtempSync(join(tmpdir(), 'duban-ledger-closed-'));
  records = await freshRecords();
  outboxDir = join(dataDir, 'outbox');
  const real = createActivities({ directory: () => directory, client: env.client, records, taskQueue: TASK_QUEUE, outboxDir, dataDir, log: () => undefined });
  worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue: TASK_QUEUE,
    workflowsPath,
    activities: {
      ...real,
      async recordLedgerEntry(entry: LedgerEntry) {
        ledgerCalls++;
        await gate;
        return real.recordLedgerEntry(entry);
      },
    },
  });
  running = worker.run();
}, 90_000);

afterAll(async () => {
  release();
  worker?.shutdown();
  await running;
  await records?.close();
  await env?.teardown();
});

test('a deduction due at 23:59:59.500 on 31 December, entered after the year was closed, is refused and shown in the timeline', async () => {
  // The district deduction falls 9 h after the notice: at 2026-12-31 23:59:59.500 Asia/Shanghai.
  const deductionAt = Date.parse('2026-12-31T15:59:59.500Z');
  const receivedAt = deductionAt - 9 * H;
  await env.sleep(receivedAt - (await env.currentTimeMs()));
  const notice = sampleNotice('district', await env.currentTimeMs());
  const started = await startEscalatedVisit(notice, { client: env.client, taskQueue: TASK_QUEUE, policy, directory, actor: intake, now: await env.currentTimeMs() });
  const caseHandle = started.handle;
  // Step through reminders, 催办 and 督办 until the deduction is taken and its entry waits at the ledger activity.
  let atDeduction: CaseView;
  for (;;) {
    const v = await until('a wait', () => caseHandle.query(caseQuery), (c) => c.waitingFor !== null || c.stage === 'arrival.deduction');
    if (v.stage === 'arrival.deduction') {
      atDeduction = await until('the deduction to reach the ledger activity', () => caseHandle.query(caseQuery), () => ledgerCalls === 1);
      break;
    }
    const step = v.waitingFor!;
    await env.sleep(Date.parse(step.dueAt) - (await env.currentTimeMs()));
    await until(`the step after ${step.key}`, () => caseHandle.query(caseQuery), (c) => c.waitingFor?.key !== step.key);
  }
  const deduction = atDeduction.timeline.find((e) => e.type === 'deduction')!;
  const received = Date.parse(atDeduction.notice.receivedAt);
  expect(deduction.dueAt).toBe(new Date(received + 9 * H).toISOString());
  expect(Date.parse(deduction.dueAt!)).toBeLessThan(Date.parse('2026-12-31T16:00:00.000Z'));

  // The clock passes midnight while the entry waits; a supervisor closes 2026 in the store (by the server's clock).
  const now = await until('the new year', () => env.currentTimeMs(), (t) => t > Date.parse('2026-12-31T16:00:00.000Z'));
  const closed = await closeLedger(records, { unitId: 'wuli-gov', year: 2026 }, { requestId: 'close-2026', reason: '2026 年度结账', actor: supervisor }, { now });
  expect(closed.entries).toEqual([]);
  release();

  const after = await until('ledgerRefused', () => caseHandle.query(caseQuery), (v) => v.timeline.some((e) => e.type === 'ledgerRefused'));
  const refused = after.timeline.find((e) => e.type === 'ledgerRefused')!;
  const message = `year: the 2026 ledger of wuli-gov was closed at ${closed.closed!.at}: it takes no new entry`;
  expect(refused).toMatchObject({ type: 'ledgerRefused', milestone: 'arrival', actor: { id: 'duban', role: 'system' }, reason: `年度台账已关账，扣分未能记入：${message}`, detail: { entryId: `${started.caseId}/arrival/deduction`, points: 1, year: 2026 } });
  expect(Date.parse(refused.at)).toBeGreaterThanOrEqual(Date.parse(closed.closed!.at));
  // The case is still open, with no deduction recorded, and the ledger was tried exactly once (LedgerClosed is final).
  expect(after).toMatchObject<Partial<CaseView>>({ status: 'open', stage: 'arrival.deduction', deductions: [] });
  expect(ledgerCalls).toBe(1);
  expect(await readLedger(records, 'wuli-gov', 2026)).toEqual({ ...closed, entries: [] });
  // Operations are told: the supervisors get the refusal (the outbox here, as no SMS or SMTP is set), the unit does not.
  const told = await until('the refusal sent to the supervisors', () => outboxOf(outboxDir).filter((m) => m.event === 'ledgerRefused'), (m) => m.length > 0);
  expect(told.map((m) => [m.recipientId, m.recipientRole, m.title])).toEqual(supervisorIds.map((id) => [id, 'supervisor', '扣分未能记入台账']));
  expect(told[0]!.text).toContain(`五里乡人民政府2026年度台账拒绝记入本案扣分1分：${message}。案件继续办理，请核查台账后处理。案件号${started.caseId}。`);
  await caseHandle.terminate('test finished');
});
