// The codec on the time-skipping test server: a Beijing case climbs to its deduction in skipped time with an
// encrypted client and worker; every payload of its history is encrypted, and it reads back intact.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startEscalatedVisit } from '../src/cases.js';
import { ENCRYPTED_ENCODING, createDataConverter } from '../src/codec.js';
import { ROOT, loadPolicyFile, testServerPath } from '../src/config.js';
import { cancelUpdate, caseQuery, type CaseView } from '../src/messages.js';
import { ensureNamespace } from '../src/temporal.js';
import { CASE_SECRETS, SECRETS, TASK_QUEUE, found, intake, privacyDirectory, privacyNotice, startEncryptedWorker, supervisor, testCodec, type RunningWorker } from './privacyHelpers.js';

Runtime.install({ logger: new DefaultLogger('WARN') });

const H = 3_600_000;
const codec = testCodec('k1');
const dataConverter = createDataConverter(codec);
const directory = privacyDirectory();
let env: TestWorkflowEnvironment;
let worker: RunningWorker;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: testServerPath() } }, client: { dataConverter } });
  await ensureNamespace(env.connection, env.namespace ?? 'default');
  worker = await startEncryptedWorker(env, { dataConverter, client: env.client, directory, log: () => undefined });
}, 90_000);
afterAll(async () => {
  await worker?.stop();
  await env?.teardown();
});

test('a Beijing ladder in skipped time: encrypted history, intact read-back', async () => {
  const t0 = await env.currentTimeMs();
  const policy = loadPolicyFile(join(ROOT, 'config/policy.json'));
  const c = await startEscalatedVisit(privacyNotice(t0, { level: 'beijing' }), { client: env.client, taskQueue: TASK_QUEUE, policy, directory, actor: intake, now: t0 });
  await env.sleep(61 * H - 30_000); // past the deduction at 60 h, clear of timer instants
  const v: CaseView = await c.handle.query(caseQuery);
  expect(v.deductions).toHaveLength(1);
  expect(v.notice.matterSummary).toBe(SECRETS.matterSummary);
  await c.handle.executeUpdate(cancelUpdate, { args: [{ reason: 'test over', actor: supervisor }] });
  expect(((await c.handle.result()) as CaseView).status).toBe('cancelled');

  const events = (await c.handle.fetchHistory()).events ?? [];
  const payloads: { encoding: string; data: Buffer }[] = [];
  const walk = (value: unknown): void => {
    if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return;
    if (Array.isArray(value)) return value.forEach(walk);
    if ((value as { markerName?: string }).markerName === 'core_patch') return; // written by the SDK's core: patch ID only
    const m = (value as { metadata?: Record<string, Uint8Array> }).metadata;
    if (m?.encoding instanceof Uint8Array) {
      payloads.push({ encoding: Buffer.from(m.encoding).toString(), data: Buffer.from((value as { data?: Uint8Array }).data ?? []) });
      return;
    }
    // Search attribute values are never encrypted: the server indexes them (checked in privacy.devserver.test.ts).
    for (const [k, v] of Object.entries(value)) if (k !== 'searchAttributes') walk(v);
  };
  walk(events);
  expect(payloads.length).toBeGreaterThan(10);
  expect(payloads.filter((p) => p.encoding !== ENCRYPTED_ENCODING)).toEqual([]);
  expect(found(Buffer.concat(payloads.map((p) => p.data)), CASE_SECRETS)).toEqual([]);
}, 60_000);
