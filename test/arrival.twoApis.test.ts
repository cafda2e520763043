// Several API processes and several worker hosts on one store of record: an arrival link used on one API is refused by
// the other (arrival_tokens_used), and a message a provider accepted is not sent again by another host (send_keys).
// One time-skipping Temporal environment, one PostgreSQL database, a real worker, real Twilio-shaped and SMTP peers.
import { MockActivityEnvironment, type TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createActivities } from '../activities/index.js';
import type { NotifyResult } from '../src/activityTypes.js';
import { loadApiKeys } from '../src/api/auth.js';
import { deliveryRoutes } from '../src/api/deliveryRoutes.js';
import { buildApiServer } from '../src/api/server.js';
import { startEscalatedVisit, type StartVisitResult } from '../src/cases.js';
import type { Directory } from '../src/directory.js';
import type { NotifyRequest } from '../src/notifications.js';
import { dbTokenStore, pruneUsedTokens } from '../src/records/arrivalTokens.js';
import { createDb, type Db } from '../src/records/db.js';
import type { Records } from '../src/records/index.js';
import { ARRIVAL_SECRET, alertDirectory, channelConfigFor, freePort, startAlertWorker, startSmtpPeer, startTwilioPeer, until, type AlertWorker, type SmtpPeer, type TwilioPeer } from './alertHelpers.js';
import { freshRecords } from './db.js';
import { createTimeSkippingEnv, intake, policy, sampleNotice } from './helpers.js';

const TASK_QUEUE = 'duban-two-apis';
const directory: Directory = alertDirectory();
let env: TestWorkflowEnvironment;
let smtp: SmtpPeer;
let twilioPeer: TwilioPeer;
let records: Awaited<ReturnType<typeof freshRecords>>;
let worker: AlertWorker;
let deadDb: Db;
let deadPort: number;
const apis: FastifyInstance[] = [];
const started: StartVisitResult[] = [];
let linkBase: string;

/** An API process as api.ts builds it: its own fastify instance and delivery routes, on the given store of record. */
async function apiProcess(store: Records): Promise<FastifyInstance> {
  const delivery = deliveryRoutes({ client: env.client, db: store.db, publicBaseUrl: linkBase, arrivalSecret: ARRIVAL_SECRET, now: () => env.currentTimeMs() });
  const app = await buildApiServer({
    client: env.client,
    records: store,
    namespace: env.namespace ?? 'default',
    taskQueue: TASK_QUEUE,
    policy,
    directory,
    keys: loadApiKeys({}),
    plugins: [delivery],
    dataDir: mkdtempSync(join(tmpdir(), 'duban-two-apis-data-')),
  });
  apis.push(app);
  return app;
}

beforeAll(async () => {
  [env, smtp, twilioPeer, records] = await Promise.all([createTimeSkippingEnv(), startSmtpPeer(), startTwilioPeer(), freshRecords()]);
  // Nothing listens here: every query on this pool fails as "connection refused".
  deadPort = await freePort();
  deadDb = createDb(`postgres://duban@127.0.0.1:${deadPort}/duban`, { connectTimeoutMs: 1000 });
  linkBase = `http://127.0.0.1:${await freePort()}`;
  worker = await startAlertWorker(env, { taskQueue: TASK_QUEUE, directory: () => directory, channels: channelConfigFor({ smtp, twilio: twilioPeer }), arrivalLinks: { baseUrl: linkBase, secret: ARRIVAL_SECRET }, records });
}, 90_000);
beforeEach(() => {
  smtp.mails.length = 0;
  twilioPeer.requests.length = 0;
  twilioPeer.respond = () => undefined;
});
afterAll(async () => {
  for (const app of apis) await app.close();
  await worker?.stop();
  await Promise.all([smtp?.stop(), twilioPeer?.close()]);
  await deadDb?.end();
  await records?.close();
  await env?.teardown();
});

/** Starts a case and returns the principal's arrival token, as his alert SMS carries it. */
async function caseWithLink(): Promise<{ caseId: string; token: string }> {
  const now = await env.currentTimeMs();
  const c = await startEscalatedVisit(sampleNotice('city', now), { client: env.client, taskQueue: TASK_QUEUE, policy, directory, actor: intake, now });
  started.push(c);
  const sms = await until('the principal’s alert SMS', () => twilioPeer.accepted().find((r) => r.form.To === '+8613800000101' && r.form.Body!.includes(c.caseId)), (r) => r !== undefined);
  const token = new RegExp(`${linkBase}/a/(\\S+)$`).exec(sms!.form.Body!)![1]!;
  return { caseId: c.caseId, token };
}

const post = async (app: FastifyInstance, token: string): Promise<{ status: number; type: string; body: unknown; retryAfter: unknown }> => {
  const res = await app.inject({ method: 'POST', url: `/a/${token}`, headers: { accept: 'application/json' } });
  return { status: res.statusCode, type: String(res.headers['content-type']), body: JSON.parse(res.body) as unknown, retryAfter: res.headers['retry-after'] };
};

describe('arrival links across two API processes on one database', () => {
  // Their cases end with these tests, so no later reminder reaches the peers the worker-host tests count.
  afterAll(async () => {
    for (const c of started) {
      const { status } = await c.handle.describe();
      if (status.name === 'RUNNING') await c.handle.terminate('test finished');
    }
  });

  test('a link used on API 1 is refused by API 2; a fresh link used on API 2 is refused by API 1', async () => {
    const [api1, api2] = [await apiProcess(records), await apiProcess(records)];
    const first = await caseWithLink();
    const used = await post(api1, first.token);
    expect(used.status).toBe(200);
    expect(used.body).toMatchObject({ caseId: first.caseId, leaderId: 'wuli-gov-zhang', stage: 'closureReport.pending', arrival: { leaderId: 'wuli-gov-zhang', onTime: true } });
    // Refused by the shared token store, before the workflow (which would answer 409 InvalidState "already reported").
    const again = await post(api2, first.token);
    expect(again).toEqual({ status: 409, type: 'application/json; charset=utf-8', body: { error: 'link already used', caseId: first.caseId }, retryAfter: undefined });

    const second = await caseWithLink();
    const fresh = await post(api2, second.token);
    expect(fresh.status).toBe(200);
    expect(fresh.body).toMatchObject({ caseId: second.caseId, leaderId: 'wuli-gov-zhang', stage: 'closureReport.pending' });
    expect(await post(api1, second.token)).toEqual({ status: 409, type: 'application/json; charset=utf-8', body: { error: 'link already used', caseId: second.caseId }, retryAfter: undefined });
    const rows = await records.db.query<{ n: number }>('SELECT count(*)::int AS n FROM arrival_tokens_used');
    expect(rows.rows).toEqual([{ n: 2 }]);
  });

  test('the database down while a link is used: 503 problem+json, and the token is not consumed', async () => {
    const [down, api1] = [await apiProcess({ db: deadDb, sealer: records.sealer }), await apiProcess(records)];
    const c = await caseWithLink();
    expect(await post(down, c.token)).toEqual({
      status: 503,
      type: 'application/problem+json; charset=utf-8',
      body: { type: 'about:blank', title: 'Temporarily unavailable 暂时不可用', status: 503, detail: 'the database is unreachable; nothing was written; retry later', errors: [] },
      retryAfter: '5',
    });
    const later = await post(api1, c.token);
    expect(later.status).toBe(200);
    expect(later.body).toMatchObject({ caseId: c.caseId, leaderId: 'wuli-gov-zhang', stage: 'closureReport.pending' });
  });

  test('the token store: claim once, release gives it back, expired rows are pruned (an hour past expiry)', async () => {
    const t = await freshRecords();
    try {
      const store = dbTokenStore(t.db);
      const soon = Date.now() + 3_600_000;
      expect(await store.claim('tok-a', soon)).toBe(true);
      expect(await store.claim('tok-a', soon)).toBe(false);
      await store.release('tok-a');
      expect(await store.claim('tok-a', soon)).toBe(true);
      await t.db.query(`INSERT INTO arrival_tokens_used (token_id, expires_at) VALUES ('tok-old', now() - interval '2 hours'), ('tok-recent', now() - interval '10 minutes')`);
      expect(await pruneUsedTokens(t.db)).toBe(1);
      const left = await t.db.query<{ token_id: string }>('SELECT token_id FROM arrival_tokens_used ORDER BY 1');
      expect(left.rows.map((r) => r.token_id)).toEqual(['tok-a', 'tok-recent']);
    } finally {
      await t.close();
    }
  });
});

// --- two worker hosts -------------------------------------------------------------------------------------------

function alertRequest(caseId: string): NotifyRequest {
  return { caseId, key: 'alert', event: 'alert', unitId: 'wuli-gov', unitName: '五里乡人民政府', level: 'city', milestone: 'arrival', deadline: '2026-11-25T09:30:00.000Z', receptionSite: '市信访局接待大厅' };
}

/** One worker host's activities (its own channels and outbox) on the given database. */
function host(store: Records, hostDirectory: Directory): { notify: (r: NotifyRequest) => Promise<NotifyResult>; outboxDir: string; logs: string[] } {
  const dataDir = mkdtempSync(join(tmpdir(), 'duban-host-'));
  const outboxDir = join(dataDir, 'outbox');
  const logs: string[] = [];
  const activities = createActivities({ directory: () => hostDirectory, client: env.client, records: store, taskQueue: TASK_QUEUE, outboxDir, dataDir, log: (l) => logs.push(l), channels: channelConfigFor({ smtp, twilio: twilioPeer }) });
  // Each run is a new activity attempt with no heartbeat details: the progress of the other host's attempt is lost.
  return { notify: (r) => new MockActivityEnvironment().run((req: NotifyRequest) => activities.notify(req), r), outboxDir, logs };
}

const perPhone = (phone: string): number => twilioPeer.requests.filter((r) => r.form.To === phone).length;

describe('one notify delivered by two worker hosts on one database', () => {
  test('SMS and e-mail: the second host sends nothing; each recipient got the message once', async () => {
    const [a, b] = [host(records, directory), host(records, directory)];
    const request = alertRequest('visit:N-TWO-HOSTS');
    const first = await a.notify(request);
    const second = await b.notify(request);
    expect(first.deliveries.map((d) => [d.recipientId, d.channel, d.status])).toEqual([
      ['wuli-gov-zhang', 'sms', 'accepted'],
      ['wuli-gov-wang', 'sms', 'accepted'],
      ['wuli-gov-chen', 'email', 'accepted'],
    ]);
    expect(second.deliveries).toEqual([
      { recipientId: 'wuli-gov-zhang', channel: 'sms', status: 'duplicate' },
      { recipientId: 'wuli-gov-wang', channel: 'sms', status: 'duplicate' },
      { recipientId: 'wuli-gov-chen', channel: 'email', status: 'duplicate' },
    ]);
    expect(twilioPeer.requests).toHaveLength(2);
    expect(perPhone('+8613800000101')).toBe(1);
    expect(perPhone('+8613800000102')).toBe(1);
    expect(smtp.mails.map((m) => m.envelopeTo)).toEqual([['chen.xiaoyan@wuli.example.cn']]);
    expect(b.logs).toEqual([
      'sms duplicate alert case=visit:N-TWO-HOSTS to=wuli-gov-zhang',
      'sms duplicate alert case=visit:N-TWO-HOSTS to=wuli-gov-wang',
      'email duplicate alert case=visit:N-TWO-HOSTS to=wuli-gov-chen',
    ]);
  });

  test('the outbox: one file per recipient, on the first host only', async () => {
    const outboxOnly: Directory = { ...directory, units: directory.units.map((u) => ({ ...u, people: u.people.map((p) => ({ ...p, channels: ['outbox' as const] })) })) };
    const [a, b] = [host(records, outboxOnly), host(records, outboxOnly)];
    const request = alertRequest('visit:N-TWO-OUTBOX');
    expect((await a.notify(request)).deliveries.map((d) => d.status)).toEqual(['accepted', 'accepted', 'accepted']);
    expect((await b.notify(request)).deliveries.map((d) => d.status)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect(readdirSync(a.outboxDir).sort()).toEqual(['visit_N-TWO-OUTBOX_alert_wuli-gov-chen_outbox.json', 'visit_N-TWO-OUTBOX_alert_wuli-gov-wang_outbox.json', 'visit_N-TWO-OUTBOX_alert_wuli-gov-zhang_outbox.json']);
    expect(readdirSync(join(b.outboxDir, '..'))).not.toContain('outbox');
    expect(twilioPeer.requests).toHaveLength(0);
  });

  // The ladder never waits on a record: with the send keys unreachable each message goes out on the attempt's own
  // heartbeat progress (once within the activity), and the log says which keys were neither claimed nor marked.
  test('the database down: each message still goes out once, on the attempt’s progress, and the log names it', async () => {
    const down = host({ db: deadDb, sealer: records.sealer }, directory);
    const result = await down.notify(alertRequest('visit:N-DB-DOWN'));
    expect(result.deliveries.map((d) => [d.recipientId, d.channel, d.status])).toEqual([
      ['wuli-gov-zhang', 'sms', 'accepted'],
      ['wuli-gov-wang', 'sms', 'accepted'],
      ['wuli-gov-chen', 'email', 'accepted'],
    ]);
    expect([perPhone('+8613800000101'), perPhone('+8613800000102'), smtp.mails.length]).toEqual([1, 1, 1]);
    const lines = (channel: string, to: string): string[] => [
      `${channel} send key store unreachable alert case=visit:N-DB-DOWN to=${to}: sending on this attempt's progress`,
      `${channel} accepted alert case=visit:N-DB-DOWN to=${to}`,
      `${channel} send key not marked alert case=visit:N-DB-DOWN to=${to}: connect ECONNREFUSED 127.0.0.1:${deadPort}`,
    ];
    expect(down.logs).toEqual([...lines('sms', 'wuli-gov-zhang'), ...lines('sms', 'wuli-gov-wang'), ...lines('email', 'wuli-gov-chen')]);
    expect((await records.db.query(`SELECT count(*)::int AS n FROM send_keys WHERE idempotency_key LIKE 'visit:N-DB-DOWN|%'`)).rows).toEqual([{ n: 0 }]);
  });
});
