// Activities that wait on another workflow's update (ledger, document register) stop when cancelled — as at a worker's
// shutdown — instead of waiting for a workflow worker that is no longer there.
import { MockActivityEnvironment, type TestWorkflowEnvironment } from '@temporalio/testing';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createActivities } from '../activities/index.js';
import type { IssuedDocument, OfficialDocumentRequest } from '../src/documents/types.js';
import { SYSTEM_ACTOR, shanghaiYear } from '../src/domain.js';
import type { LedgerEntry } from '../src/messages.js';
import { readLedger } from '../src/records/ledger.js';
import { ensureNamespace } from '../src/temporal.js';
import { createTimeSkippingEnv, directory } from './helpers.js';
import { freshRecords } from './db.js';

let env: TestWorkflowEnvironment;
const records = await freshRecords();
beforeAll(async () => {
  env = await createTimeSkippingEnv();
  await ensureNamespace(env.connection, env.namespace ?? 'default');
}, 90_000);
afterAll(async () => {
  await env?.teardown();
});

// No worker polls this task queue: the ledger and the register are started but never answer.
const activities = (): ReturnType<typeof createActivities> => {
  const dataDir = mkdtempSync(join(tmpdir(), 'duban-cancel-'));
  return createActivities({ directory: () => directory, client: env.client, records, taskQueue: 'nobody-polls', outboxDir: join(dataDir, 'outbox'), dataDir, log: () => undefined });
};


test('recordLedgerEntry no longer waits on a ledger workflow: with nobody polling it enters the deduction in the store at once', async () => {
  const a = activities();
  const at = new Date(await env.currentTimeMs()).toISOString();
  const entry: LedgerEntry = { entryId: 'visit:C-1/arrival/deduction', kind: 'deduction', unitId: 'wuli-gov', caseId: 'visit:C-1', milestone: 'arrival', level: 'district', points: 1, at, actor: SYSTEM_ACTOR };
  await new MockActivityEnvironment().run((e: LedgerEntry) => a.recordLedgerEntry(e), entry);
  expect((await readLedger(records, 'wuli-gov', shanghaiYear(Date.parse(at))))?.entries).toEqual([entry]);
});

test('issueOfficialDocument no longer waits on a register workflow: with nobody polling it numbers the document in the store at once', async () => {
  const a = activities();
  const now = new Date(await env.currentTimeMs()).toISOString();
  const request: OfficialDocumentRequest = {
    key: 'visit:C-2/arrival/urge', caseId: 'visit:C-2', kind: 'urge', milestone: 'arrival', level: 'district', unitId: 'wuli-gov', unitName: '五里乡人民政府',
    receptionSite: '区信访局', headcount: 3, receivedAt: now, deadline: now, newTimeLimit: null, points: 1, issuedAt: now,
  };
  const issued: IssuedDocument = await new MockActivityEnvironment().run((r: OfficialDocumentRequest): Promise<IssuedDocument> => a.issueOfficialDocument(r), request);
  expect({ number: issued.number, kind: issued.kind, milestone: issued.milestone }).toEqual({ number: 1, kind: 'urge', milestone: 'arrival' });
});
