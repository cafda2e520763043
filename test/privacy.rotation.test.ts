// Key rotation without downtime on the real dev server: a case started under key k1 keeps running after the workers
// restart with keys {k1, k2}, current k2; its old payloads still decrypt, and every new payload is under k2.
import { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { KEY_ID_METADATA, createDataConverter, generateKey } from '../src/codec.js';
import { caseQuery, reportArrivalUpdate, submitClosureReportUpdate, type CaseView } from '../src/messages.js';
import { SECRETS, createEncryptedDevServerEnv, privacyDirectory, privacyNotice, startCase, startEncryptedWorker, testCodec, unitActor, until, type RunningWorker } from './privacyHelpers.js';

Runtime.install({ logger: new DefaultLogger('WARN') });

const keys = { k1: generateKey(), k2: generateKey() };
const before = testCodec('k1', { k1: keys.k1 });
const after = testCodec('k2', keys);
const directory = privacyDirectory();
let env: TestWorkflowEnvironment;
let worker: RunningWorker | undefined;

beforeAll(async () => {
  ({ env } = await createEncryptedDevServerEnv(createDataConverter(before)));
}, 90_000);
afterAll(async () => {
  await worker?.stop();
  await env?.teardown();
});

type Event = { eventType?: unknown; [k: string]: unknown };
function keyIdsOf(value: unknown, out: string[] = []): string[] {
  if (value instanceof Uint8Array || value === null || typeof value !== 'object') return out;
  if (Array.isArray(value)) {
    for (const v of value) keyIdsOf(v, out);
    return out;
  }
  if ((value as { markerName?: string }).markerName === 'core_patch') return out; // written by the SDK's core: patch ID only
  const metadata = (value as Payload).metadata;
  if (metadata && metadata.encoding instanceof Uint8Array) {
    out.push(Buffer.from(metadata[KEY_ID_METADATA] ?? 'plain').toString());
    return out;
  }
  // Search attribute values are never encrypted: the server indexes them.
  for (const [k, v] of Object.entries(value)) if (k !== 'searchAttributes') keyIdsOf(v, out);
  return out;
}

test('a case started under k1 runs on after rotation to k2 and reads back under the new key', async () => {
  worker = await startEncryptedWorker(env, { dataConverter: createDataConverter(before), client: env.client, directory, log: () => undefined });
  const c = await startCase(env.client, privacyNotice(Date.now()), directory);
  await until('the first reminder', () => c.handle.query(caseQuery), (v: CaseView) => v.timeline.some((e) => e.type === 'reminder'), 30_000);
  await worker.stop();
  const rotatedAt = (await c.handle.fetchHistory()).events?.length ?? 0;

  // Workers and clients restart with {k1, k2}, current k2.
  const client = new Client({ connection: env.connection, namespace: env.namespace ?? 'default', dataConverter: createDataConverter(after) });
  worker = await startEncryptedWorker(env, { dataConverter: createDataConverter(after), client, directory, log: () => undefined });
  const handle = client.workflow.getHandle(c.caseId);
  const v = await until('催办 under the new key', () => handle.query(caseQuery), (x: CaseView) => x.timeline.some((e) => e.type === 'urge'), 40_000);
  expect(v.notice.matterSummary).toBe(SECRETS.matterSummary); // the k1 start input, decrypted by the rotated worker
  await handle.executeUpdate(reportArrivalUpdate, { args: [{ leaderId: 'privacy-unit-leader', arrivedAt: new Date().toISOString(), actor: unitActor }] });
  await handle.executeUpdate(submitClosureReportUpdate, { args: [{ result: SECRETS.closureResult, actor: unitActor }] });
  const result = (await handle.result()) as CaseView;
  expect(result.status).toBe('closed');
  expect(result.notice.receptionSite).toBe(SECRETS.receptionSite);

  const events = ((await handle.fetchHistory()).events ?? []) as Event[];
  const oldIds = new Set(events.slice(0, rotatedAt).flatMap((e) => keyIdsOf(e)));
  const newIds = new Set(events.slice(rotatedAt).flatMap((e) => keyIdsOf(e)));
  expect(oldIds).toEqual(new Set(['k1']));
  expect(newIds).toEqual(new Set(['k2']));
  expect(keyIdsOf(events[0])).toEqual(['k1', 'k1']); // the start input and the memo (the notice's digest)
  expect(keyIdsOf(events.at(-1))).toEqual(['k2']); // the result

  // A process still on the old key set alone cannot read what k2 wrote: every process needs the new set first.
  await expect(env.client.workflow.getHandle(c.caseId).result()).rejects.toThrow('key "k2", which this process does not have');
}, 120_000);
