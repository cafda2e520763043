// Issue 14 (12): whoever reaches Temporal's port without a key must not act on a case. Under production settings the worker
// refuses inputs that are not encrypted with a configured key: a plaintext cancel "as a supervisor" sent straight to
// Temporal is refused before it is accepted and changes nothing; a plaintext signal is dropped. In development the same
// update still applies (plaintext is allowed there), which is also what production did before.
import { Client, WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { startEscalatedVisit, type StartVisitResult } from '../src/cases.js';
import { createDataConverter, createWorkerDataConverter, failureConverterPath } from '../src/codec.js';
import { ROOT, loadPolicyFile } from '../src/config.js';
import { ErrorType } from '../src/errors.js';
import { cancelUpdate, caseQuery, deliveryReceiptSignal, type CaseView } from '../src/messages.js';
import { TASK_QUEUE, createEncryptedDevServerEnv, intake, privacyDirectory, privacyNotice, startEncryptedWorker, supervisor, testCodec, until, type RunningWorker } from './privacyHelpers.js';

const logs: string[] = [];
Runtime.install({ logger: new DefaultLogger('WARN', (entry) => logs.push(entry.message)) });

const codec = testCodec('k1');
const directory = privacyDirectory();
// Hours-scale policy: no ladder step comes due while the test runs, so the case's view changes only by what it is sent.
const policy = loadPolicyFile(join(ROOT, 'config/policy.json'));
let env: TestWorkflowEnvironment;
let plain: Client;
let worker: RunningWorker | undefined;

beforeAll(async () => {
  ({ env } = await createEncryptedDevServerEnv(createDataConverter(codec)));
  // What anyone who can reach Temporal's port can send: plaintext payloads. This client also decrypts the answers (an
  // attacker could not) only so that the test can read why the worker refused.
  const sendsPlaintext: PayloadCodec = { encode: (payloads) => Promise.resolve(payloads), decode: (payloads) => codec.decode(payloads) };
  plain = new Client({ connection: env.connection, namespace: env.namespace ?? 'default', dataConverter: { payloadCodecs: [sendsPlaintext], failureConverterPath } });
}, 90_000);
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
});
afterAll(async () => {
  await env?.teardown();
});

/** A fresh case, once its alert went out and it waits for its first step. */
async function settledCase(): Promise<{ c: StartVisitResult; view: CaseView }> {
  const c = await startEscalatedVisit(privacyNotice(Date.now()), { client: env.client, taskQueue: TASK_QUEUE, policy, directory, actor: intake });
  await until('the alert sent and no activity pending', async () => ({ view: await c.handle.query(caseQuery), pending: (await c.handle.describe()).raw.pendingActivities?.length ?? 0 }), (s) => s.pending === 0 && s.view.waitingFor !== null && s.view.timeline.some((e) => e.type === 'alert'), 30_000);
  return { c, view: await c.handle.query(caseQuery) };
}

const cancelAsSupervisor = { reason: '伪造的撤销', actor: { id: supervisor.id, role: 'supervisor' as const } };

test('production: a plaintext cancel sent straight to Temporal is refused, nothing is applied, the case goes on', async () => {
  worker = await startEncryptedWorker(env, { dataConverter: createWorkerDataConverter(codec, { DUBAN_ENV: 'production' }), client: env.client, directory, log: () => undefined });
  const { c, view: before } = await settledCase();
  const eventsBefore = (await c.handle.fetchHistory()).events?.length ?? 0;

  const refusal = await plain.workflow.getHandle(c.caseId).executeUpdate(cancelUpdate, { args: [cancelAsSupervisor] }).then(() => 'applied', (e: unknown) => e);
  expect(refusal).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (refusal as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  expect([(cause as ApplicationFailure).type, (cause as ApplicationFailure).message]).toEqual([
    ErrorType.PlaintextRefused,
    'payload: update cancel refused: not encrypted with a configured key (production accepts encrypted payloads only, see docs/security.md)',
  ]);
  expect(logs.filter((l) => l.startsWith('refused an update'))).toEqual(['refused an update that was not encrypted']);

  // A plaintext delivery receipt is dropped, not recorded.
  await plain.workflow.getHandle(c.caseId).signal(deliveryReceiptSignal, { key: 'arrival.alert', recipientId: 'privacy-unit-leader', channel: 'sms', providerId: 'SMforged', status: 'delivered', receivedAt: new Date().toISOString() });
  await until('the signal handled', () => Promise.resolve(logs.filter((l) => l.startsWith('dropped a signal'))), (l) => l.length === 1);

  expect(await c.handle.query(caseQuery)).toEqual(before);
  const history = (await c.handle.fetchHistory()).events ?? [];
  // The refused update left nothing in the history; the dropped signal only its own event and the task it woke.
  const { EventType } = proto.temporal.api.enums.v1;
  expect(history.slice(eventsBefore).map((e) => e.eventType)).toEqual([
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
  ]);

  // The case is not stuck: the API's encrypted cancel applies.
  const cancelled = await c.handle.executeUpdate(cancelUpdate, { args: [{ reason: '重复登记', actor: supervisor }] });
  expect(cancelled.status).toBe('cancelled');

  // A case started with plaintext input fails at once, having done nothing: no activity, no timer.
  const started = await plain.workflow.start('escalatedVisit', { workflowId: `visit:PLAIN-${process.pid}`, taskQueue: TASK_QUEUE, args: [{ forged: true }] });
  const failed = await started.result().then(() => 'completed', (e: unknown) => e);
  expect(failed).toBeInstanceOf(WorkflowFailedError);
  expect([((failed as WorkflowFailedError).cause as ApplicationFailure).type, (failed as WorkflowFailedError).cause?.message]).toEqual([
    ErrorType.PlaintextRefused,
    'payload: workflow input refused: not encrypted with a configured key (production accepts encrypted payloads only, see docs/security.md)',
  ]);
  const startedEvents = ((await started.fetchHistory()).events ?? []).map((e) => e.eventType);
  expect(startedEvents.filter((t) => t === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED || t === EventType.EVENT_TYPE_TIMER_STARTED)).toEqual([]);
}, 90_000);

test('development: the same plaintext cancel still applies', async () => {
  worker = await startEncryptedWorker(env, { dataConverter: createWorkerDataConverter(codec, {}), client: env.client, directory, log: () => undefined });
  const { c } = await settledCase();
  const applied = await plain.workflow.getHandle(c.caseId).executeUpdate(cancelUpdate, { args: [cancelAsSupervisor] });
  expect(applied.status).toBe('cancelled');
  const after = await c.handle.query(caseQuery);
  expect(after.status).toBe('cancelled');
  expect(after.timeline.filter((e) => e.type === 'cancelled').map((e) => [e.actor, e.reason])).toEqual([[cancelAsSupervisor.actor, cancelAsSupervisor.reason]]);
}, 90_000);
