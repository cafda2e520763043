// Privacy end to end on the real dev server (own SQLite file), seconds-scale policy, encrypted worker and client:
// after a whole ladder, neither the SQLite bytes, nor `temporal workflow show -o json`, nor any log line holds a
// case's personal strings; decoded through the codec the case's strings are there; search attributes and the
// workflow ID hold only what they are allowed to.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { StartVisitResult } from '../src/cases.js';
import { createDataConverter } from '../src/codec.js';
import { hashKey } from '../src/api/auth.js';
import { apiCodecAuth, createCodecServer } from '../src/codecServer.js';
import { activityLog, createLogger, installTemporalLogging } from '../src/log.js';
import {
  caseQuery,
  decideExplanationUpdate,
  reassignUnitUpdate,
  reportArrivalUpdate,
  submitClosureReportUpdate,
  submitExplanationUpdate,
  type CaseView,
} from '../src/messages.js';
import { SEARCH_ATTRIBUTE_KEYS } from '../src/searchAttributes.js';
import {
  ALL_SECRETS,
  CASE_SECRETS,
  DIRECTORY_SECRETS,
  ENCRYPTED_B64,
  SECRETS,
  cliShow,
  cliVisible,
  createEncryptedDevServerEnv,
  decodedText,
  found,
  payloadsInJson,
  privacyDirectory,
  privacyNotice,
  sqliteBytes,
  startCase,
  startEncryptedWorker,
  supervisor,
  testCodec,
  unitActor,
  until,
  type RunningWorker,
} from './privacyHelpers.js';

// Every log line of this process — the Runtime (worker, core) and the activities — goes through duban's logger.
const logLines: string[] = [];
const captured = createLogger({ destination: { write: (line: string) => void logLines.push(line) }, level: 'debug' });
installTemporalLogging(captured, 'INFO');

const codec = testCodec('k1');
const dataConverter = createDataConverter(codec);
const directory = privacyDirectory();
let env: TestWorkflowEnvironment;
let dbFilename: string;
let worker: RunningWorker;
let c: StartVisitResult;
let final: CaseView;
let deducted: CaseView;
let searchAttributesAtDeduction: Record<string, unknown[]>;
let failedUpdate: unknown;
// A failure whose message carries this string is stored in the history (activity failure, update outcome).
const FAILURE_MARKER = 'ghostunit-failure-marker-7731';

beforeAll(async () => {
  ({ env, dbFilename } = await createEncryptedDevServerEnv(dataConverter));
  worker = await startEncryptedWorker(env, { dataConverter, client: env.client, directory, log: activityLog(captured) });

  // A whole ladder: reminders, 催办, 督办, deduction; then an explanation, arrival and the closure report.
  const t0 = Date.now();
  c = await startCase(env.client, privacyNotice(t0), directory);
  deducted = await until('the deduction', () => c.handle.query(caseQuery), (v: CaseView) => v.deductions.length === 1, 70_000);
  searchAttributesAtDeduction = (await c.handle.describe()).searchAttributes as Record<string, unknown[]>;
  failedUpdate = await c.handle.executeUpdate(reassignUnitUpdate, { args: [{ unitId: FAILURE_MARKER, reason: 'test', actor: supervisor }] }).catch((err: unknown) => err);
  await c.handle.executeUpdate(submitExplanationUpdate, { args: [{ text: SECRETS.explanation, actor: unitActor }] });
  await c.handle.executeUpdate(decideExplanationUpdate, { args: [{ decision: 'reject', reason: 'deduction already made', actor: supervisor }] });
  await c.handle.executeUpdate(reportArrivalUpdate, { args: [{ leaderId: 'privacy-unit-leader', arrivedAt: new Date().toISOString(), note: SECRETS.arrivalNote, actor: unitActor }] });
  await c.handle.executeUpdate(submitClosureReportUpdate, { args: [{ result: SECRETS.closureResult, actor: unitActor }] });
  final = (await c.handle.result()) as CaseView;
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await env?.teardown();
});

test('the case ran its whole ladder through the encrypted worker and client', () => {
  expect(deducted.timeline.filter((e) => e.dueAt).map((e) => e.type)).toEqual(['reminder', 'reminder', 'urge', 'overdueReminder', 'supervise', 'overdueReminder', 'deduction']);
  expect(final.status).toBe('closed');
  // Read back through the codec, the personal strings are intact.
  expect(final.notice.matterSummary).toBe(SECRETS.matterSummary);
  expect(final.closureReport?.result).toBe(SECRETS.closureResult);
});

test('failures are stored encoded: the client reads their message, the history does not show it', async () => {
  expect(failedUpdate).toBeInstanceOf(Error);
  const cause = (failedUpdate as { cause?: { message?: string; type?: string } }).cause;
  expect(cause?.type).toBe('UnknownUnit');
  expect(cause?.message).toContain(`unknown unit ${FAILURE_MARKER}`);
  const stdout = await cliShow(env, c.caseId);
  expect(stdout).toContain('Encoded failure');
  expect(stdout).toContain('UnknownUnit'); // the failure's type stays readable
  expect(found(cliVisible(stdout), [FAILURE_MARKER, 'unknown unit'])).toEqual([]);
  expect(found(sqliteBytes(dbFilename), [FAILURE_MARKER, 'unknown unit'])).toEqual([]);
});

test('search attributes hold only kind, level, unit ID, stage, deadline and overdue; the workflow ID is visit:<noticeId>', async () => {
  const noticeId = final.notice.noticeId;
  expect(c.caseId).toBe(`visit:${noticeId}`);
  expect((await c.handle.describe()).workflowId).toBe(`visit:${noticeId}`);
  expect(found(c.caseId, ALL_SECRETS)).toEqual([]);

  const allowed = SEARCH_ATTRIBUTE_KEYS.map((k) => k.name).sort();
  const atDeduction = Object.fromEntries(Object.entries(searchAttributesAtDeduction).filter(([k]) => k.startsWith('Duban')));
  expect(Object.keys(atDeduction).sort()).toEqual(allowed);
  expect(atDeduction).toMatchObject({
    DubanKind: ['escalatedVisit'],
    DubanLevel: ['district'],
    DubanUnit: ['privacy-unit'],
    DubanStage: ['arrival.deduction'],
    DubanOverdue: [true],
  });
  expect(atDeduction.DubanDeadline![0]).toBeInstanceOf(Date);
  // Nothing else of ours, and no value anywhere among all of them (Temporal's own included) holds a personal string.
  const now = (await c.handle.describe()).searchAttributes as Record<string, unknown[]>;
  for (const sa of [searchAttributesAtDeduction, now]) {
    expect(Object.keys(sa).filter((k) => !allowed.includes(k) && !['BuildIds', 'TemporalChangeVersion'].includes(k))).toEqual([]);
    expect(found(JSON.stringify(sa), ALL_SECRETS)).toEqual([]);
  }
  expect(now).toMatchObject({ DubanStage: ['closed'], DubanUnit: ['privacy-unit'] });
});

test('`temporal workflow show -o json` shows no personal string; decoded through the codec the case strings are there', async () => {
  const stdout = await cliShow(env, c.caseId);
  const payloads = payloadsInJson(JSON.parse(stdout));
  expect(payloads.length).toBeGreaterThan(20);
  // Every payload of the history is encrypted under the key ID k1, except search attribute values (never encrypted:
  // the server indexes them), which carry a `type` in their metadata.
  const searchAttributeValues = payloads.filter((p) => p.metadata.type !== undefined);
  const encrypted = payloads.filter((p) => p.metadata.type === undefined);
  expect(searchAttributeValues.length).toBeGreaterThan(0);
  expect(encrypted.filter((p) => p.metadata.encoding !== ENCRYPTED_B64)).toEqual([]);
  expect(new Set(encrypted.map((p) => Buffer.from(p.metadata['encryption-key-id'] ?? '', 'base64').toString()))).toEqual(new Set(['k1']));
  expect(found(cliVisible(stdout), ALL_SECRETS)).toEqual([]);

  const decoded = await decodedText(codec, encrypted);
  expect(found(decoded, CASE_SECRETS)).toEqual(CASE_SECRETS);
  // The directory's names and phones never enter a case at all: notifications are addressed by person ID.
  expect(found(decoded, DIRECTORY_SECRETS)).toEqual([]);
});

test("the dev server's SQLite file holds no personal string", () => {
  const bytes = sqliteBytes(dbFilename);
  // It is the right file, and it holds this case's (encrypted) history.
  expect(bytes.includes(Buffer.from(c.caseId))).toBe(true);
  expect(bytes.includes(Buffer.from('binary/encrypted'))).toBe(true);
  expect(found(bytes, ALL_SECRETS)).toEqual([]);
});

test('no log line of the whole ladder holds a personal string', () => {
  const log = logLines.join('');
  // The capture worked: the Runtime's and the activities' lines are there.
  expect(log).toContain('"component":"temporal"');
  expect(log).toContain(`outbox wrote alert case=${c.caseId} to=privacy-unit-leader`);
  expect(found(log, ALL_SECRETS)).toEqual([]);
});

test('the CLI reads the case decoded only through the codec server, with an API key whose role may read cases', async () => {
  // The API's keys and roles: a supervisor reads every case; a unit key (its own units only) is refused.
  const auth = apiCodecAuth([
    { id: 'xfb-li', role: 'supervisor', units: [], sha256: hashKey('sup-key') },
    { id: 'privacy-unit-key', role: 'unit', units: ['privacy-unit'], sha256: hashKey('unit-key') },
  ]);
  const server = createCodecServer({ codec, auth, allowedOrigins: [], namespaces: [env.namespace ?? 'default'], logger: captured });
  const endpoint = `http://127.0.0.1:${await server.listen(0)}`;
  try {
    const decoded = await cliShow(env, c.caseId, ['--codec-endpoint', endpoint, '--codec-auth', 'Bearer sup-key']);
    expect(found(cliVisible(decoded), CASE_SECRETS)).toEqual(CASE_SECRETS);
    // Refused (403 for a role without read access, 401 for an unknown key): the CLI gets nothing to show and fails.
    for (const refused of ['Bearer unit-key', 'Bearer wrong-key']) {
      const failure = await cliShow(env, c.caseId, ['--codec-endpoint', endpoint, '--codec-auth', refused, '--command-timeout', '3s']).then(
        (stdout) => ({ failed: false, out: stdout }),
        (err: { stdout?: string; stderr?: string }) => ({ failed: true, out: `${err.stdout ?? ''}${err.stderr ?? ''}` }),
      );
      expect(failure.failed).toBe(true);
      expect(found(failure.out, ALL_SECRETS)).toEqual([]);
    }
  } finally {
    await server.close();
  }
  expect(found(logLines.join(''), ALL_SECRETS)).toEqual([]);
});
