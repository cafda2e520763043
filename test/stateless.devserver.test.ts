// Stateless processes (issue 11): two worker processes and two API processes on one machine, one Temporal dev server,
// one PostgreSQL database and one codec key, nothing shared on disk (each process has its own data dir). Six district
// cases under the seconds-scale policy, created alternately through API A and API B: every SMS and e-mail of every
// step arrives exactly once, both workers ran the cases' activities, every 催办单 / 督办单 downloads with the same bytes
// from either API (and equals the e-mail's attachment), and an arrival link pointing at API A is accepted by API B and
// then refused by A. Real processes (`node --import tsx worker.ts` / `api.ts`), a Twilio-shaped HTTP peer and an SMTP peer.
import { WorkflowNotFoundError } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { LOAD_TWILIO_FROM, LOAD_TWILIO_SID, LOAD_TWILIO_TOKEN, startLoadTwilioPeer, type LoadTwilioPeer } from '../scripts/loadPeer.js';
import { DOCX_CONTENT_TYPE, type CaseDocument } from '../src/api/documentRoutes.js';
import { generateKey } from '../src/codec.js';
import { ROOT, temporalCliPath } from '../src/config.js';
import type { CaseView } from '../src/messages.js';
import { freePort } from '../src/net.js';
import { ARRIVAL_SECRET, alertDirectory, startSmtpPeer, type ReceivedMail, type SmtpPeer } from './alertHelpers.js';
import { freshDatabase, type TestDatabase } from './db.js';
import { SEARCH_ATTRIBUTE_KEYS } from '../src/searchAttributes.js';
import { DEV_KEYS, S, until } from './helpers.js';

const TASK_QUEUE = 'duban-stateless';
const CASES = 6;
const POLICY_VERSION = `stateless.${process.pid}`;
/** The case whose principal reports arrival by link (created through API B), then the closure report (through API A). */
const ARRIVING = 5;
const ZHANG = 'wuli-gov-zhang'; // principal, SMS
const WANG = 'wuli-gov-wang'; // leader in charge, SMS
const CHEN = 'wuli-gov-chen'; // contact, e-mail
const LI = 'xfb-li'; // supervisor, e-mail
const ADDRESS: Record<string, string> = { [CHEN]: 'chen.xiaoyan@wuli.example.cn', [LI]: 'li.weidong@xfb.example.cn' };
const LEADERS = [ZHANG, WANG];
/** District under config/policy.demo.json: deadline 15 s, reminders 10 s and 5 s before it, 催办 → 督办 8 s → deduction 8 s. */
const DISTRICT_STEPS: [string, number][] = [
  ['reminder', 5],
  ['reminder', 10],
  ['urge', 15],
  ['overdueReminder', 21],
  ['supervise', 23],
  ['overdueReminder', 27],
  ['deduction', 31],
];

interface Proc {
  name: string;
  child: ChildProcess;
  out: () => string;
  exited: Promise<void>;
}
interface Api {
  name: 'A' | 'B';
  url: string;
}
interface Created {
  caseId: string;
  receivedAt: number;
  via: Api['name'];
}

let env: TestWorkflowEnvironment;
let smtp: SmtpPeer;
let peer: LoadTwilioPeer;
let database: TestDatabase;
let tmp: string;
const procs: Proc[] = [];
const workers: { proc: Proc; dataDir: string }[] = [];
const apis: Api[] = [];
const apiDataDirs: string[] = [];
const created: Created[] = [];

const alive = (p: Proc): boolean => p.child.exitCode === null && p.child.signalCode === null;

/** node itself runs the script (no tsx wrapper), in its own process group: a group kill leaves nothing behind. */
function launch(name: string, script: string, childEnv: NodeJS.ProcessEnv): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, script)], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const proc: Proc = { name, child, out: () => out, exited };
  procs.push(proc);
  return proc;
}

function killGroup(p: Proc, signal: NodeJS.Signals): void {
  try {
    process.kill(-p.child.pid!, signal);
  } catch {
    // already gone
  }
}

async function stop(p: Proc): Promise<void> {
  if (alive(p)) killGroup(p, 'SIGTERM');
  const timer = setTimeout(() => killGroup(p, 'SIGKILL'), 10_000);
  await p.exited;
  clearTimeout(timer);
  // Anything the process left in its group goes too.
  killGroup(p, 'SIGKILL');
}

// Should the test process die without afterAll, its children die with it.
const killAll = (): void => procs.forEach((p) => killGroup(p, 'SIGKILL'));
process.once('exit', killAll);

async function waitReady(p: Proc, ready: () => boolean | Promise<boolean>): Promise<void> {
  await until(
    `${p.name} ready`,
    async () => {
      if (!alive(p)) throw new Error(`${p.name} exited (${p.child.exitCode ?? p.child.signalCode}):\n${p.out().slice(-3000)}`);
      return ready();
    },
    (ok) => ok,
    150_000,
  );
}

/**
 * The dev server as createDevServerEnv (test/helpers.ts) starts it, with eager activity dispatch off: on, each activity
 * runs on the worker whose workflow task scheduled it, so a case's activities all stay with the worker that holds the
 * case (sticky). Off, every activity goes through the task queue to whichever worker polls, as it does on retries and
 * when a worker has no free slot: a 催办单 issued by one worker is attached to the e-mail by the other.
 */
function createDevServer(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath() },
      searchAttributes: SEARCH_ATTRIBUTE_KEYS,
      ui: false,
      extraArgs: ['--dynamic-config-value', 'system.enableActivityEagerExecution=false'],
    },
  });
}

beforeAll(async () => {
  [env, smtp, peer, database] = await Promise.all([createDevServer(), startSmtpPeer(), startLoadTwilioPeer(20), freshDatabase()]);
  tmp = mkdtempSync(join(tmpdir(), 'duban-stateless-'));
  const policyFile = join(tmp, 'policy.json');
  // config/policy.demo.json pinned under its own version, as bench:load does.
  const demo = JSON.parse(readFileSync(join(ROOT, 'config/policy.demo.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(policyFile, JSON.stringify({ ...demo, version: POLICY_VERSION }));
  const directoryFile = join(tmp, 'units.json');
  writeFileSync(directoryFile, JSON.stringify(alertDirectory()));
  const [portA, portB] = [await freePort(), await freePort()];
  apis.push({ name: 'A', url: `http://127.0.0.1:${portA}` }, { name: 'B', url: `http://127.0.0.1:${portB}` });

  // One installation: the same Temporal, database, codec key, arrival secret and public URL (API A's) for every process.
  const shared: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmp,
    LANG: 'C.UTF-8',
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_NAMESPACE: env.namespace ?? 'default',
    DUBAN_TASK_QUEUE: TASK_QUEUE,
    DUBAN_DATABASE_URL: database.url,
    DUBAN_POLICY_FILE: policyFile,
    DUBAN_DIRECTORY_FILE: directoryFile,
    DUBAN_CODEC_KEYS: JSON.stringify({ current: 'st1', keys: { st1: generateKey() } }),
    DUBAN_ARRIVAL_SECRET: ARRIVAL_SECRET,
    DUBAN_PUBLIC_URL: apis[0]!.url,
    TWILIO_ACCOUNT_SID: LOAD_TWILIO_SID,
    TWILIO_AUTH_TOKEN: LOAD_TWILIO_TOKEN,
    TWILIO_FROM: LOAD_TWILIO_FROM,
    TWILIO_API_BASE_URL: peer.baseUrl,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtp.port),
    SMTP_FROM: '督办系统 <duban@xfb.example.cn>',
  };
  for (const name of ['worker 1', 'worker 2']) {
    const dataDir = mkdtempSync(join(tmpdir(), 'duban-stateless-worker-'));
    workers.push({ proc: launch(name, 'worker.ts', { ...shared, DUBAN_DATA_DIR: dataDir }), dataDir });
  }
  for (const api of apis) {
    const dataDir = mkdtempSync(join(tmpdir(), 'duban-stateless-api-'));
    apiDataDirs.push(dataDir);
    launch(`API ${api.name}`, 'api.ts', { ...shared, DUBAN_DATA_DIR: dataDir, DUBAN_API_HOST: '127.0.0.1', DUBAN_API_PORT: new URL(api.url).port });
  }
  await Promise.all([
    ...workers.map((w) => waitReady(w.proc, () => w.proc.out().includes('duban worker: namespace'))),
    ...apis.map((api, i) => waitReady(procs[2 + i]!, () => fetch(`${api.url}/readyz`).then((r) => r.status === 200, () => false))),
  ]);
}, 180_000);

afterAll(async () => {
  // Cases still open (their ladders end in a wait for arrival) are terminated before their workers stop.
  try {
    for (const c of env ? created : []) {
      // No describe(): this client has no codec key, and a case's memo is encrypted.
      await env.client.workflow.getHandle(c.caseId).terminate('test finished').catch((err: Error) => {
        if (!(err instanceof WorkflowNotFoundError) && !/already completed/i.test(err.message)) throw err;
      });
    }
  } finally {
    await Promise.all(procs.map((p) => stop(p)));
  }
  process.off('exit', killAll);
  await Promise.all([smtp?.stop(), peer?.close()]);
  await database?.close();
  await env?.teardown();
  for (const dir of [tmp, ...workers.map((w) => w.dataDir), ...apiDataDirs]) if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

const headers = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });
async function getJson<T>(api: Api, path: string, key: string = DEV_KEYS.supervisor): Promise<T> {
  const res = await fetch(`${api.url}${path}`, { headers: headers(key) });
  if (res.status !== 200) throw new Error(`GET ${path} on API ${api.name}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}
async function download(api: Api, path: string): Promise<{ status: number; type: string | null; sha256: string; size: number; magic: string }> {
  const res = await fetch(`${api.url}${path}`, { headers: headers(DEV_KEYS.supervisor) });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, type: res.headers.get('content-type'), sha256: sha256(bytes), size: bytes.length, magic: bytes.subarray(0, 2).toString('latin1') };
}
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const enc = encodeURIComponent;
const mailKey = (m: ReceivedMail): string => {
  const key = m.parsed.headers.get('x-duban-idempotency-key');
  return typeof key === 'string' ? key : '';
};
const accepted = (): LoadTwilioPeer['messages'] => peer.messages.filter((m) => m.status === 201);
const smsKeys = (): string[] => accepted().map((m) => `${m.caseId}|${m.key}|${m.recipientId}`).sort();

test('two workers and two APIs on one database: every message once, documents from either API, a link from A used on B', async () => {
  const [A, B] = apis as [Api, Api];
  const t0 = Date.now();

  // --- six cases, alternately through API A and API B ---------------------------------------------------------------
  for (let i = 0; i < CASES; i++) {
    const api = apis[i % 2]!;
    const receivedAt = Date.now();
    const noticeId = `N-STATELESS-${process.pid}-${i}`;
    const res = await fetch(`${api.url}/cases`, {
      method: 'POST',
      headers: headers(DEV_KEYS.intake),
      body: JSON.stringify({ noticeId, level: 'district', receivedAt: new Date(receivedAt).toISOString(), unitId: 'wuli-gov', receptionSite: '区信访局接待大厅', headcount: 2 + i, matterSummary: '工程款拖欠' }),
    });
    expect(res.status).toBe(201);
    const view = (await res.json()) as CaseView;
    expect([view.caseId, view.policyVersion, view.unit.id]).toEqual([`visit:${noticeId}`, POLICY_VERSION, 'wuli-gov']);
    created.push({ caseId: view.caseId, receivedAt, via: api.name });
  }
  const ids = created.map((c) => c.caseId);
  const arriving = created[ARRIVING]!;
  expect(arriving.via).toBe('B');

  // The list reads the database: each API lists the cases the other one created.
  for (const api of apis) {
    const listed = await until(
      `API ${api.name} lists the six cases`,
      async () => (await getJson<{ cases: { caseId: string; unitId: string; level: string | null }[] }>(api, '/cases?unitId=wuli-gov&pageSize=100')).cases.map((c) => [c.caseId, c.unitId, c.level]).sort(),
      (rows) => rows.length === CASES,
      20_000,
    );
    expect(listed).toEqual(ids.map((id) => [id, 'wuli-gov', 'district']).sort());
  }

  // --- an arrival link pointing at API A, used on API B, refused by A ----------------------------------------------
  const deadline = arriving.receivedAt + 15 * S;
  const firstReminder = `arrival.reminder.10s@${deadline}`;
  await until('the arriving case’s first reminder to both leaders', () => accepted().filter((m) => m.caseId === arriving.caseId && m.key === firstReminder).length, (n) => n === 2, 30_000);
  const alertSms = accepted().find((m) => m.caseId === arriving.caseId && m.key === 'alert' && m.recipientId === ZHANG)!;
  const link = new RegExp(`${A.url.replace(/[.]/g, '\\.')}/a/([A-Za-z0-9._~-]+)`).exec(alertSms.body);
  expect(link).not.toBeNull();
  const token = link![1]!;
  expect((await fetch(`${A.url}/a/${token}`)).status).toBe(200); // the confirmation page; reports nothing
  const onB = await fetch(`${B.url}/a/${token}`, { method: 'POST', headers: { accept: 'application/json' } });
  expect(onB.status).toBe(200);
  expect(await onB.json()).toMatchObject({ caseId: arriving.caseId, leaderId: ZHANG, stage: 'closureReport.pending', arrival: { leaderId: ZHANG, onTime: true } });
  // Before the second reminder was due: that one never runs.
  expect(Date.now()).toBeLessThan(arriving.receivedAt + 10 * S);
  const onA = await fetch(`${A.url}/a/${token}`, { method: 'POST', headers: { accept: 'application/json' } });
  expect([onA.status, await onA.json()]).toEqual([409, { error: 'link already used', caseId: arriving.caseId }]);
  const used = await database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM arrival_tokens_used');
  expect(used.rows).toEqual([{ n: 1 }]);
  // The closure report through API A ends the case that API B created.
  const closure = await fetch(`${A.url}/cases/${enc(arriving.caseId)}/closure-report`, { method: 'POST', headers: headers(DEV_KEYS.unit), body: JSON.stringify({ result: '已接回，矛盾已化解' }) });
  expect(closure.status).toBe(200);
  expect(((await closure.json()) as CaseView).status).toBe('closed');

  // --- every case to its last step --------------------------------------------------------------------------------
  const full = created.filter((_, i) => i !== ARRIVING);
  const views = new Map<string, CaseView>();
  for (const [i, c] of created.entries()) {
    const api = apis[(i + 1) % 2]!; // read through the API that did not create it
    const done = (v: CaseView): boolean =>
      c === arriving ? v.status === 'closed' : v.timeline.some((e) => e.type === 'deduction') && v.deductions.length === 1 && v.timeline.filter((e) => e.type === 'documentIssued').length === 2;
    views.set(c.caseId, await until(`${c.caseId} at its last step (via API ${api.name})`, () => getJson<CaseView>(api, `/cases/${enc(c.caseId)}`), done, 60_000));
  }
  const closedEntry = views.get(arriving.caseId)!.timeline.find((e) => e.type === 'closed')!;

  // The messages each step owes: SMS to both leaders (alert, every step, the closure), e-mail to the contact (alert)
  // and the supervisor (催办, 督办, deduction, closure).
  const expectedSms: string[] = [];
  const expectedMail: string[] = [];
  for (const c of full) {
    const d = c.receivedAt + 15 * S;
    const keys = ['alert', `arrival.reminder.10s@${d}`, `arrival.reminder.5s@${d}`, 'arrival.urge', 'arrival.overdueReminder.1', 'arrival.supervise', 'arrival.overdueReminder.2', 'arrival.deduction'];
    for (const k of keys) for (const r of LEADERS) expectedSms.push(`${c.caseId}|${k}|${r}`);
    expectedMail.push(`${c.caseId}|alert|${CHEN}|email`, ...['arrival.urge', 'arrival.supervise', 'arrival.deduction'].map((k) => `${c.caseId}|${k}|${LI}|email`));
  }
  for (const k of ['alert', firstReminder, `closure.${closedEntry.seq}`]) for (const r of LEADERS) expectedSms.push(`${arriving.caseId}|${k}|${r}`);
  expectedMail.push(`${arriving.caseId}|alert|${CHEN}|email`, `${arriving.caseId}|closure.${closedEntry.seq}|${LI}|email`);
  expect(expectedSms).toHaveLength(5 * 16 + 6);
  await until('every expected SMS and e-mail', () => ({ sms: smsKeys().length, mails: smtp.mails.length }), (n) => n.sms >= expectedSms.length && n.mails >= expectedMail.length, 30_000);
  // Quiet: a repeat would come from a retry within seconds.
  await new Promise((r) => setTimeout(r, 3 * S));

  // --- exactly once ------------------------------------------------------------------------------------------------
  expect(peer.messages.map((m) => m.status).filter((s) => s !== 201)).toEqual([]);
  expect(smsKeys()).toEqual(expectedSms.sort());
  expect(smtp.mails.map((m) => [mailKey(m), m.envelopeTo]).sort()).toEqual(expectedMail.sort().map((k) => [k, [ADDRESS[k.split('|')[2]!]]]));
  const keyStates = await database.db.query<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM send_keys GROUP BY state');
  expect(keyStates.rows).toEqual([{ state: 'sent', n: expectedSms.length + expectedMail.length }]);

  // Each ladder ran its planned steps, once, by the pinned policy.
  for (const c of full) {
    const v = views.get(c.caseId)!;
    expect(v.timeline.filter((e) => e.dueAt).map((e) => [e.type, (Date.parse(e.dueAt!) - c.receivedAt) / S])).toEqual(DISTRICT_STEPS);
  }
  const arrived = views.get(arriving.caseId)!;
  expect(arrived.timeline.filter((e) => e.dueAt).map((e) => [e.type, (Date.parse(e.dueAt!) - arriving.receivedAt) / S])).toEqual([['reminder', 5]]);
  expect(arrived.timeline.filter((e) => ['arrival', 'closureReport', 'closed'].includes(e.type)).map((e) => [e.type, e.actor.id])).toEqual([
    ['arrival', ZHANG],
    ['closureReport', 'dev-unit-wuli-gov'],
    ['closed', 'duban'],
  ]);

  // --- documents: listed and downloaded alike on both APIs, the e-mail's attachment byte for byte ----------------------
  const numbers: number[] = [];
  for (const c of created) {
    const [onA, onB] = [await getJson<{ caseId: string; documents: CaseDocument[] }>(A, `/cases/${enc(c.caseId)}/documents`), await getJson<{ caseId: string; documents: CaseDocument[] }>(B, `/cases/${enc(c.caseId)}/documents`)];
    expect(onB).toEqual(onA);
    expect(onA.documents.map((d) => [d.kind, d.milestone])).toEqual(c === arriving ? [] : [['urge', 'arrival'], ['supervise', 'arrival']]);
    for (const d of onA.documents) {
      numbers.push(d.number);
      const [fromA, fromB] = [await download(A, d.url), await download(B, d.url)];
      expect(fromA).toMatchObject({ status: 200, type: DOCX_CONTENT_TYPE, magic: 'PK' });
      expect(fromB).toEqual(fromA);
      // The stored DOCX is sealed at rest: its recorded digest is of the clear bytes both APIs served.
      const stored = await database.db.query<{ sha: string; sealed: boolean }>('SELECT content_sha256 AS sha, content_sealed AS sealed FROM documents WHERE document_id = $1', [d.documentId]);
      expect(stored.rows).toEqual([{ sha: fromA.sha256, sealed: true }]);
      const mail = smtp.mails.find((m) => mailKey(m) === `${c.caseId}|arrival.${d.kind}|${LI}|email`)!;
      expect(mail.parsed.attachments.map((a) => [a.filename, sha256(a.content)])).toEqual([[d.fileName, fromA.sha256]]);
    }
  }
  // Gapless across the six cases, whichever worker issued them.
  expect(numbers.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

  // --- cases spread across the two workers -------------------------------------------------------------------------
  const identities = workers.map((w) => `${w.proc.child.pid}@${hostname()}`);
  const ran = new Map<string, Map<string, number>>(); // identity → activity type → count
  const casesOf = new Map<string, Set<string>>(); // identity → cases it ran activities of
  const workflowTasks = new Map<string, number>();
  let attachedByTheOther = 0; // a document issued on one worker, its step's notice sent by the other
  for (const id of ids) {
    const events = (await env.client.workflow.getHandle(id).fetchHistory()).events ?? [];
    const typeOf = new Map(events.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => [String(e.eventId), e.activityTaskScheduledEventAttributes!.activityType!.name!]));
    const runBy = new Map(events.filter((e) => e.activityTaskStartedEventAttributes).map((e) => [String(e.activityTaskStartedEventAttributes!.scheduledEventId), e.activityTaskStartedEventAttributes!.identity ?? '']));
    const scheduled = [...typeOf];
    scheduled.forEach(([eventId, type], k) => {
      if (type !== 'issueOfficialDocument') return;
      // The step's notice is the next notify the workflow scheduled (payloads are encrypted: matched by order).
      const notice = scheduled.slice(k + 1).find(([, t]) => t === 'notify');
      if (notice && runBy.get(notice[0]) !== runBy.get(eventId)) attachedByTheOther++;
    });
    for (const e of events) {
      const started = e.activityTaskStartedEventAttributes;
      if (started) {
        const who = started.identity ?? '';
        const perType = ran.get(who) ?? new Map<string, number>();
        const type = typeOf.get(String(started.scheduledEventId))!;
        perType.set(type, (perType.get(type) ?? 0) + 1);
        ran.set(who, perType);
        casesOf.set(who, (casesOf.get(who) ?? new Set()).add(id));
      }
      const wft = e.workflowTaskCompletedEventAttributes;
      if (wft) workflowTasks.set(wft.identity ?? '', (workflowTasks.get(wft.identity ?? '') ?? 0) + 1);
    }
  }
  const summary = [...ran].map(([who, m]) => `${who}: ${[...m].map(([t, n]) => `${t}×${n}`).join(' ')} (cases ${casesOf.get(who)!.size}); workflow tasks ${workflowTasks.get(who) ?? 0}`);
  console.log(`stateless: ${((Date.now() - t0) / S).toFixed(1)} s from the first case; ${summary.join('; ')}; documents attached by the other worker: ${attachedByTheOther} of 10`);
  // Only these two workers ran anything, and each of them ran notify activities.
  expect([...ran.keys()].sort()).toEqual([...identities].sort());
  expect([...workflowTasks.keys()].every((who) => identities.includes(who))).toBe(true);
  for (const who of identities) expect(ran.get(who)!.get('notify') ?? 0).toBeGreaterThan(0);
  // Cases spread: each worker ran activities of at least half the cases (each case has 10 to 19 activities, dispatched
  // to whichever worker polls; in the runs so far every worker ran activities of all six).
  for (const who of identities) expect(casesOf.get(who)!.size).toBeGreaterThanOrEqual(CASES / 2);
  // One notify per message-bearing event: 8 per full ladder, 3 for the arriving case (alert, reminder, closure).
  expect(identities.reduce((n, who) => n + (ran.get(who)!.get('notify') ?? 0), 0)).toBe(5 * 8 + 3);
  expect(identities.reduce((n, who) => n + (ran.get(who)!.get('issueOfficialDocument') ?? 0), 0)).toBe(10);

  // --- nothing on disk: no outbox, no documents in any process's data dir -------------------------------------------
  for (const dir of [...workers.map((w) => w.dataDir), ...apiDataDirs]) expect(readdirSync(dir, { recursive: true })).toEqual([]);
}, 240_000);
