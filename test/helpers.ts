// Shared test wiring: real Temporal servers from the project's .venv, a real worker, the real outbox.
import type { HolidayCalendar } from '../src/deadlines/calendar.js';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEscalatedVisit, type StartVisitResult } from '../src/cases.js';
import { ROOT, loadDirectoryFile, loadPolicyFile, testServerPath, temporalCliPath } from '../src/config.js';
import type { Directory } from '../src/directory.js';
import type { Actor, Level } from '../src/domain.js';
import { cancelUpdate, caseQuery, type CaseAck, type CaseView, type Notice } from '../src/messages.js';
import type { UpdateDefinition } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { Policy } from '../src/policy.js';
import { SEARCH_ATTRIBUTE_KEYS } from '../src/searchAttributes.js';
import { ensureNamespace } from '../src/temporal.js';
import { createDubanWorker } from '../worker.js';
import type { OutboxMessage } from '../activities/outbox.js';
import type { Records } from '../src/records/index.js';

export const TASK_QUEUE = 'duban-test';

Runtime.install({ logger: new DefaultLogger('WARN') });
export const policy: Policy = loadPolicyFile(join(ROOT, 'config/policy.json'));
export const demoPolicy: Policy = loadPolicyFile(join(ROOT, 'config/policy.demo.json'));
export const directory: Directory = loadDirectoryFile(join(ROOT, 'config/units.sample.json'));

export const intake: Actor = { id: 'intake-system', role: 'intake' };
export const supervisor: Actor = { id: 'xfb-li', role: 'supervisor' };
export const unitActor: Actor = { id: 'wuli-gov-chen', role: 'unit' };

/** The fake API keys of config/api-keys.dev.json, by role. */
export const DEV_KEYS = {
  intake: 'dev-intake-key',
  unit: 'dev-unit-wuli-gov-key',
  otherUnit: 'dev-unit-wuli-landres-key',
  supervisor: 'dev-supervisor-key',
  admin: 'dev-admin-key',
  viewer: 'dev-viewer-key',
} as const;

export const H = 3_600_000;
export const M = 60_000;
export const S = 1000;

export function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: testServerPath() } } });
}

export function createDevServerEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath() },
      searchAttributes: SEARCH_ATTRIBUTE_KEYS,
      ui: false,
    },
  });
}

export interface Harness {
  env: TestWorkflowEnvironment;
  /** Cases started by this harness, terminated after each test so their timers never steer skipped time. */
  started: StartVisitResult[];
  terminateOpen(): Promise<void>;
  worker: Worker;
  outboxDir: string;
  /** The worker's data/: documents/ and circulars/ are written here. */
  dataDir: string;
  /** This harness's own database (a fresh one per harness). */
  records: Records & { close(): Promise<void> };
  logs: string[];
  stop(): Promise<void>;
}

/** Starts a real worker on the environment; stop() shuts it down and tears the server down. */
export interface HarnessOptions {
  /** The records to use (and close at stop) instead of a fresh database on the run's server. */
  records?: Records & { close(): Promise<void> };
  /** The holiday calendar monthly rounds pin (default: the bundled data with its overrides). */
  calendar?: HolidayCalendar;
}

export async function startHarness(env: TestWorkflowEnvironment, options: HarnessOptions = {}): Promise<Harness> {
  await ensureNamespace(env.connection, env.namespace ?? 'default');
  // Documents and circulars go under dataDir, so each harness keeps its own files.
  const dataDir = mkdtempSync(join(tmpdir(), 'duban-data-'));
  const outboxDir = join(dataDir, 'outbox');
  mkdirSync(outboxDir);
  const logs: string[] = [];
  // Imported here: test/db.ts needs vitest's inject, and benchmarks import this module outside vitest.
  const records = options.records ?? (await (await import('./db.js')).freshRecords());
  const worker = await createDubanWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue: TASK_QUEUE,
    activities: { directory: () => directory, client: env.client, records, taskQueue: TASK_QUEUE, outboxDir, dataDir, log: (l) => logs.push(l), ...(options.calendar ? { calendar: () => options.calendar! } : {}) },
  });
  const running = worker.run();
  const started: StartVisitResult[] = [];
  return {
    env,
    started,
    async terminateOpen() {
      for (const c of started.splice(0)) {
        // Ended by the case itself (a cancel), not terminated: the Java test server keeps its clock locked for an
        // activity whose workflow was terminated while it ran, and every later test's skipped time then stalls.
        if ((await c.handle.describe()).status.name !== 'RUNNING') continue;
        try {
          await c.handle.executeUpdate(cancelUpdate, { args: [{ reason: '测试结束', actor: supervisor }] });
        } catch (err) {
          // Already closed or cancelled (its background work still finishing), or already completed.
          if (!(err instanceof WorkflowUpdateFailedError) && !(err instanceof WorkflowNotFoundError) && !/already completed|not found/i.test((err as Error).message)) throw err;
        }
        const deadline = Date.now() + 30_000;
        while ((await c.handle.describe()).status.name === 'RUNNING' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
        if ((await c.handle.describe()).status.name === 'RUNNING') await c.handle.terminate('test finished');
      }
    },
    worker,
    outboxDir,
    dataDir,
    records,
    logs,
    async stop() {
      worker.shutdown();
      await running;
      await records.close();
      await env.teardown();
    },
  };
}

let noticeSeq = 0;
let assignmentSeq = 0;
/** An assignment (交办) as an intake system sends it; its ID and reference number are new on every call. */
export function sampleAssignment(receivedAtMs: number, overrides: Record<string, unknown> = {}): Record<string, unknown> & { assignmentId: string } {
  assignmentSeq++;
  return {
    assignmentId: `JB-${process.pid}-${Date.now()}-${assignmentSeq}`,
    sourceLevel: 'city',
    assigningBody: '市信访局',
    referenceNumber: `市信交〔${new Date(receivedAtMs).getUTCFullYear()}〕${assignmentSeq}号`,
    receivedAt: new Date(receivedAtMs).toISOString(),
    unitId: 'wuli-gov',
    leaderId: 'wuli-gov-wang',
    team: ['王立新', '陈晓燕'],
    plan: '入户走访，核实补偿标准',
    matterSummary: '征地补偿款发放争议',
    ...overrides,
  };
}

export function sampleNotice(level: Level, receivedAtMs: number, overrides: Partial<Notice> = {}): Notice {
  noticeSeq++;
  return {
    noticeId: `N-${level}-${process.pid}-${noticeSeq}`,
    level,
    receivedAt: new Date(receivedAtMs).toISOString(),
    unitId: 'wuli-gov',
    receptionSite: '市信访局接待大厅',
    headcount: 12,
    matterSummary: '征地补偿款发放争议',
    ...overrides,
  };
}

export async function startVisit(h: Harness, notice: Notice, usePolicy: Policy = policy): Promise<StartVisitResult> {
  const result = await startEscalatedVisit(notice, {
    client: h.env.client,
    taskQueue: TASK_QUEUE,
    policy: usePolicy,
    directory,
    actor: intake,
    now: await h.env.currentTimeMs(),
  });
  h.started.push(result);
  return result;
}

/** The result of a case that has finished, read without waiting (waiting on a result would skip time). */
export async function finishedResult(c: StartVisitResult): Promise<CaseView> {
  const deadline = Date.now() + 20_000;
  while ((await c.handle.describe()).status.name === 'RUNNING') {
    if (Date.now() > deadline) throw new Error(`${c.caseId} did not finish`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return (await c.handle.result()) as CaseView;
}

export async function view(result: StartVisitResult): Promise<CaseView> {
  return result.handle.query(caseQuery);
}

/** Waits (in real time) until the workflow sits in its timer for the given step. */
export async function waitForStep(result: StartVisitResult, key: string): Promise<CaseView> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const v = await view(result);
    if (v.waitingFor?.key === key) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${key}; waiting for ${JSON.stringify(v.waitingFor)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function outbox(h: Harness): OutboxMessage[] {
  return readdirSync(h.outboxDir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(h.outboxDir, f), 'utf8')) as OutboxMessage)
    .sort((a, b) => a.writtenAt.localeCompare(b.writtenAt) || a.idempotencyKey.localeCompare(b.idempotencyKey));
}

/** Polls (in real time) until ok(probe()) holds; the error names what was awaited and shows the last value. */
export async function until<T>(what: string, probe: () => T | Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: last ${JSON.stringify(v)?.slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Timeline as [type, hours after the notice's receipt]: ladder steps by the moment the policy set (exact),
 * other entries by when they happened, rounded to the second.
 */
export function hoursOf(v: CaseView): [string, number][] {
  const t0 = Date.parse(v.notice.receivedAt);
  return v.timeline.map((e) => {
    const at = e.dueAt ? Date.parse(e.dueAt) - t0 : Math.round((Date.parse(e.at) - t0) / S) * S;
    return [e.type, at / H];
  });
}

/** Each ladder step ran when it was due: within a second of its planned moment, never before. */
export function expectStepsOnTime(v: CaseView): void {
  for (const e of v.timeline) {
    if (!e.dueAt) continue;
    const lag = Date.parse(e.at) - Date.parse(e.dueAt);
    if (lag < 0 || lag >= S) throw new Error(`${e.type} ran ${lag} ms after its due time ${e.dueAt}`);
  }
}

/**
 * Skips time on the time-skipping server so it reads `hours` after t0. Tests send updates between timer
 * moments: the time-skipping server (1.40.0) never answered an update that landed on an instant where a timer fired.
 */
export async function skipTo(h: Harness, t0: number, hours: number): Promise<void> {
  const now = await h.env.currentTimeMs();
  const target = t0 + hours * H;
  if (target <= now) throw new Error(`already ${(now - t0) / H} h after t0, cannot skip to ${hours} h`);
  await h.env.sleep(target - now);
}

/** An update answers with a CaseAck only; this sends it and reads the case after it, as the API does. */
export async function updateThenRead<Arg>(handle: WorkflowHandle, update: UpdateDefinition<CaseAck, [Arg]>, arg: Arg): Promise<CaseView> {
  const ack = await handle.executeUpdate(update, { args: [arg] });
  const view = await handle.query(caseQuery);
  // The entry the update made is in the view it acknowledged (later entries may follow it).
  if (view.timeline.length < ack.seq || view.status !== ack.status) throw new Error(`ack ${JSON.stringify(ack)} does not match the case read after it`);
  return view;
}

/** Skips the time-skipping server's clock to an instant (a file's tests run in order, each later than the last). */
export async function skipUntil(env: TestWorkflowEnvironment, at: string): Promise<void> {
  const now = await env.currentTimeMs();
  if (Date.parse(at) <= now) throw new Error(`already past ${at}`);
  await env.sleep(Date.parse(at) - now);
}

/** An instant to the second (a workflow's clock reads the task's start, a few milliseconds after the skipped-to instant). */
export const toSecond = (iso: string): string => new Date(Math.round(Date.parse(iso) / 1000) * 1000).toISOString();

/** How a workflow update was refused: its failure type and message (an accepted update fails the test). */
export async function updateRefusal(p: Promise<unknown>): Promise<{ type: string | undefined; message: string }> {
  const err = await p.then(
    () => new Error('the update was accepted'),
    (e: unknown) => e,
  );
  if (!(err instanceof WorkflowUpdateFailedError)) throw err;
  const cause = err.cause as { type?: string; message: string } | undefined;
  return { type: cause?.type, message: cause?.message ?? '' };
}
