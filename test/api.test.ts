// The HTTP API against the real dev server and worker: a case's whole life, idempotent create,
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument -- responses are read as untyped JSON */
// the role × action × unit matrix, problem+json refusals, readiness and the policy preview.
import SwaggerParser from '@apidevtools/swagger-parser';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { ACTIONS, loadApiKeys, type Action } from '../src/api/auth.js';
import { buildApiServer } from '../src/api/server.js';
import { SYSTEM_ACTOR } from '../src/domain.js';
import { deadlineFor, plan } from '../src/ladder.js';
import { recordDeduction } from '../src/records/ledger.js';
import { caseQuery, type CaseView, type LedgerEntry } from '../src/messages.js';
import { DEV_KEYS, TASK_QUEUE, createDevServerEnv, demoPolicy, directory, policy, sampleAssignment, sampleNotice, startHarness, until, type Harness } from './helpers.js';
import { createDubanWorker } from '../worker.js';

const KEY = DEV_KEYS;

let h: Harness;
let api: FastifyInstance;
beforeAll(async () => {
  h = await startHarness(await createDevServerEnv());
  api = await buildApiServer({ client: h.env.client, records: h.records, namespace: h.env.namespace ?? 'default', taskQueue: TASK_QUEUE, policy: demoPolicy, directory, keys: loadApiKeys({}), dataDir: h.dataDir });
}, 90_000);
afterAll(async () => {
  await api?.close();
  await h?.stop();
});

// Cases a test created: terminated after it, so a hundred idle ladders do not escalate (and issue documents) during later tests.
const created = new Set<string>();
afterEach(async () => {
  for (const caseId of created) {
    const handle = h.env.client.workflow.getHandle(caseId);
    // It may complete between the two calls: then there is nothing left to terminate.
    if ((await handle.describe()).status.name === 'RUNNING') await handle.terminate('test finished').catch((err: unknown) => {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    });
  }
  created.clear();
});

const call = async (method: 'GET' | 'POST', url: string, key: string | null, body?: unknown, binary = false): Promise<{ status: number; json: any; headers: Record<string, unknown> }> => {
  const res = await api.inject({ method, url, ...(key ? { headers: { authorization: `Bearer ${key}` } } : {}), ...(body !== undefined ? { payload: body as object } : {}) });
  if (method === 'POST' && (url === '/cases' || url === '/assigned-cases') && res.statusCode === 201) created.add((JSON.parse(res.body) as { caseId: string }).caseId);
  // A download (DOCX, XLSX) is bytes, not JSON, when it succeeds.
  return { status: res.statusCode, json: res.body && !(binary && res.statusCode < 300) ? JSON.parse(res.body) : null, headers: res.headers };
};
const newNotice = (unitId = 'wuli-gov'): Record<string, unknown> => ({ ...sampleNotice('city', Date.now() - 1000, { unitId }) });
const path = (caseId: string, suffix = ''): string => `/cases/${encodeURIComponent(caseId)}${suffix}`;
const newAssignment = (overrides: Record<string, unknown> = {}): Record<string, unknown> => sampleAssignment(Date.now() - 60_000, overrides);

test('a case lives its whole life through the API; the actor always comes from the key', async () => {
  const notice = newNotice();
  const created = await call('POST', '/cases', KEY.intake, notice);
  expect(created.status).toBe(201);
  expect(created.headers.location).toBe(path(`visit:${notice.noticeId as string}`));
  const caseId = (created.json as CaseView).caseId;
  expect(created.json.timeline[0]).toMatchObject({ type: 'registered', actor: { id: 'dev-intake', role: 'intake' }, detail: { policyVersion: 'demo-seconds.1' } });

  const again = await call('POST', '/cases', KEY.intake, notice);
  expect(again.status).toBe(200);
  expect(again.json.caseId).toBe(caseId);
  const conflict = await call('POST', '/cases', KEY.intake, { ...notice, headcount: 99 });
  expect(conflict.status).toBe(409);
  expect(conflict.headers['content-type']).toContain('application/problem+json');
  const listed: string[] = [];
  for await (const w of h.env.client.workflow.list({ query: `WorkflowId = '${caseId}'` })) listed.push(w.workflowId);
  expect(listed).toEqual([caseId]);

  const read = await call('GET', path(caseId), KEY.viewer);
  expect(read.status).toBe(200);
  expect(read.json).toMatchObject({ caseId, policyVersion: 'demo-seconds.1', stage: 'arrival.pending' });

  const extended = await call('POST', path(caseId, '/extension'), KEY.supervisor, { newDeadline: new Date(Date.now() + 3_600_000).toISOString(), reason: '路途遥远' });
  expect(extended.status).toBe(200);
  expect(extended.json.timeline.at(-1)).toMatchObject({ type: 'deadlineExtended', actor: { id: 'dev-supervisor', role: 'supervisor' }, reason: '路途遥远' });

  const arrived = await call('POST', path(caseId, '/arrival'), KEY.unit, { leaderId: 'wuli-gov-wang', arrivedAt: new Date().toISOString() });
  expect(arrived.status).toBe(200);
  expect(arrived.json.stage).toBe('closureReport.pending');
  expect(arrived.json.timeline.at(-1).actor).toEqual({ id: 'dev-unit-wuli-gov', role: 'unit' });

  const again2 = await call('POST', path(caseId, '/arrival'), KEY.unit, { leaderId: 'wuli-gov-wang', arrivedAt: new Date().toISOString() });
  expect(again2.status).toBe(409);
  expect(again2.json).toMatchObject({ status: 409, detail: 'leaderId: arrival was already reported', errors: [{ field: 'leaderId', message: 'arrival was already reported' }] });

  const closed = await call('POST', path(caseId, '/closure-report'), KEY.unit, { result: '已接回，书面报结果' });
  expect(closed.status).toBe(200);
  expect(closed.json.status).toBe('closed');
  const late = await call('POST', path(caseId, '/cancellation'), KEY.supervisor, { reason: '撤销' });
  expect(late).toMatchObject({ status: 409, json: { errors: [{ field: 'status', message: 'case is closed' }] } });
}, 60_000);

test('a reassigned case follows its new unit: explanation, decision and cancel through the API', async () => {
  const created = await call('POST', '/cases', KEY.supervisor, newNotice('wuli-gov'));
  expect(created.status).toBe(201);
  const caseId = created.json.caseId as string;
  // Refusals by the workflow's own rules come back as 422 naming the field.
  const ghost = await call('POST', path(caseId, '/reassignment'), KEY.supervisor, { unitId: 'ghost', reason: '改派' });
  expect(ghost).toMatchObject({ status: 422, json: { errors: [{ field: 'unitId', message: 'unknown unit ghost' }] } });
  // A caller cannot bring its own unit snapshot: the API resolves it from its directory.
  const forged = await call('POST', path(caseId, '/reassignment'), KEY.supervisor, { unitId: 'wuli-landres', reason: '改派', unit: { id: 'wuli-landres', name: '伪造', leaders: [] } });
  expect(forged).toMatchObject({ status: 400, json: { errors: [{ field: 'unit', message: 'is not a known field' }] } });
  const future = await call('POST', path(caseId, '/arrival'), KEY.unit, { leaderId: 'wuli-gov-zhang', arrivedAt: new Date(Date.now() + 3_600_000).toISOString() });
  expect(future).toMatchObject({ status: 422, json: { errors: [{ field: 'arrivedAt' }] } });
  const moved = await call('POST', path(caseId, '/reassignment'), KEY.supervisor, { unitId: 'wuli-landres', reason: '属国土所职责' });
  expect(moved).toMatchObject({ status: 200, json: { unit: { id: 'wuli-landres', name: '五里乡国土资源所' } } });
  // The unit came with the update: the workflow ran no lookup activity, and the refused ones never reached it.
  const events = (await h.env.client.workflow.getHandle(caseId).fetchHistory()).events ?? [];
  expect(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'lookupUnit')).toHaveLength(0);
  expect(events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).map((e) => e.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest?.input?.name)).toEqual(['reassignUnit']);
  // The old unit's key has lost the case; the new unit's key has it.
  expect(await call('GET', path(caseId), KEY.unit)).toMatchObject({ status: 403, json: { detail: 'key dev-unit-wuli-gov may act only on cases of wuli-gov' } });
  const explained = await call('POST', path(caseId, '/explanation'), KEY.otherUnit, { text: '领导在外地开会，已派分管领导前往' });
  expect(explained).toMatchObject({ status: 200, json: { explanation: { status: 'pending' } } });
  expect(explained.json.timeline.at(-1)).toMatchObject({ type: 'explanationSubmitted', actor: { id: 'dev-unit-wuli-landres', role: 'unit' } });
  expect(await call('POST', path(caseId, '/explanation/decision'), KEY.otherUnit, { decision: 'accept', reason: '自己批准' })).toMatchObject({ status: 403 });
  const rejected = await call('POST', path(caseId, '/explanation/decision'), KEY.admin, { decision: 'reject', reason: '理由不充分' });
  expect(rejected).toMatchObject({ status: 200, json: { explanation: { status: 'rejected' } } });
  const again = await call('POST', path(caseId, '/explanation/decision'), KEY.admin, { decision: 'accept', reason: '再议' });
  expect(again).toMatchObject({ status: 409, json: { errors: [{ field: 'decision', message: 'no explanation awaits a decision' }] } });
  const cancelled = await call('POST', path(caseId, '/cancellation'), KEY.admin, { reason: '重复登记' });
  expect(cancelled).toMatchObject({ status: 200, json: { status: 'cancelled', stage: 'cancelled', deadline: null } });
  expect(cancelled.json.timeline.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['registered', 'reassigned', 'explanationSubmitted', 'explanationRejected', 'cancelled']));
  expect(await call('GET', path(caseId), KEY.otherUnit)).toMatchObject({ status: 200, json: { status: 'cancelled' } });
}, 60_000);

test('the list reads the store of record at once and pages with an opaque token', async () => {
  const mine: string[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await call('POST', '/cases', KEY.intake, { ...newNotice('dongcun'), level: 'beijing' });
    expect(r.status).toBe(201);
    mine.push(r.json.caseId as string);
  }
  // Read-your-writes: the create's answer is recorded before it is sent, so no wait for the worker or visibility.
  const seen: { caseId: string; status: string; stage: string }[] = [];
  let token: string | null = null;
  let pages = 0;
  do {
    const res: { status: number; json: any } = await call('GET', `/cases?unitId=dongcun&level=beijing&stage=arrival.pending&pageSize=2${token ? `&pageToken=${token}` : ''}`, KEY.supervisor);
    expect(res.status).toBe(200);
    seen.push(...(res.json.cases as { caseId: string; status: string; stage: string }[]));
    token = res.json.nextPageToken as string | null;
    pages++;
  } while (token && pages < 10);
  // Newest notice first; two full pages, no empty third one.
  expect(pages).toBe(2);
  expect(seen.map((c) => c.caseId)).toEqual([...mine].reverse());
  expect(seen.map((c) => [c.status, c.stage])).toEqual([['open', 'arrival.pending'], ['open', 'arrival.pending'], ['open', 'arrival.pending']]);
  // A token belongs to its query: another filter, a forged or a tampered token is refused before Temporal sees it.
  const first = await call('GET', '/cases?unitId=dongcun&level=beijing&stage=arrival.pending&pageSize=2', KEY.supervisor);
  const pageToken = first.json.nextPageToken as string;
  expect(pageToken).toMatch(/^[A-Za-z0-9_-]+$/);
  const tampered = `${pageToken.slice(0, -2)}${pageToken.endsWith('A') ? 'B' : 'A'}${pageToken.slice(-1)}`;
  for (const q of [`unitId=wuli-gov&pageSize=2&pageToken=${pageToken}`, `unitId=dongcun&level=beijing&stage=arrival.pending&pageSize=2&pageToken=${tampered}`, 'pageToken=AAAAAAAAAAAAAAAAAAAAAAAAAAAA']) {
    expect(await call('GET', `/cases?${q}`, KEY.supervisor)).toMatchObject({ status: 400, json: { errors: [{ field: 'pageToken', message: 'is not a nextPageToken of this list' }] } });
  }
  const wrong = await call('GET', `/cases?level=province`, KEY.supervisor);
  expect(wrong.status).toBe(400);
  expect(wrong.json.errors[0].field).toBe('level');
  const unitList = await call('GET', '/cases?unitId=dongcun', KEY.unit);
  expect(unitList.status).toBe(403);
});

test('the list filters overdue, a deadline range and kind; a unit key sees only its own units', async () => {
  const now = Date.now();
  // The demo policy's district deadline is 15 s: received a minute ago, it is already overdue.
  const late = await call('POST', '/cases', KEY.intake, sampleNotice('district', now - 60_000, { unitId: 'wuli-landres' }));
  const onTime = await call('POST', '/cases', KEY.intake, sampleNotice('beijing', now, { unitId: 'wuli-landres' }));
  expect([late.status, onTime.status]).toEqual([201, 201]);
  const [lateId, onTimeId] = [late.json.caseId as string, onTime.json.caseId as string];
  const ids = async (query: string, key: string = KEY.supervisor): Promise<string[]> => {
    const res = await call('GET', `/cases?${query}`, key);
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    return (res.json.cases as { caseId: string }[]).map((c) => c.caseId);
  };
  const from = encodeURIComponent(new Date(now + 10_000).toISOString());
  const to = encodeURIComponent(new Date(now + 120_000).toISOString());
  const got = [
    await ids('unitId=wuli-landres&overdue=true'),
    await ids('unitId=wuli-landres&overdue=false&kind=escalatedVisit'),
    await ids(`unitId=wuli-landres&deadlineFrom=${from}&deadlineTo=${to}`),
    await ids('', KEY.otherUnit),
  ];
  expect(got[0]).toContain(lateId);
  expect(got[0]).not.toContain(onTimeId);
  expect(got[1]).toContain(onTimeId);
  expect(got[1]).not.toContain(lateId);
  expect(got[2]).toEqual([onTimeId]);
  expect(got[3]).toEqual(expect.arrayContaining([lateId, onTimeId]));
  const ownOnly = await call('GET', '/cases?pageSize=100', KEY.otherUnit);
  expect(new Set((ownOnly.json.cases as { unitId: string }[]).map((c) => c.unitId))).toEqual(new Set(['wuli-landres']));
  const wrongKind = await call('GET', '/cases?kind=petitioner', KEY.supervisor);
  expect(wrongKind).toMatchObject({ status: 400, json: { errors: [{ field: 'kind' }] } });
  const noRoute = await call('GET', '/nowhere', KEY.supervisor);
  expect(noRoute).toMatchObject({ status: 404, headers: { 'content-type': expect.stringContaining('application/problem+json') }, json: { status: 404 } });
}, 60_000);

describe('every role × every action × own and other unit', () => {
  // allowed: passes authentication and authorization (the workflow may still refuse on business grounds: never 401/403).
  const ROLES = ['intake', 'unit', 'supervisor', 'admin', 'viewer'] as const;
  const ALLOWED: Record<string, readonly string[]> = {
    create: ['intake', 'supervisor', 'admin'],
    read: ['intake', 'unit', 'supervisor', 'admin', 'viewer'],
    list: ['intake', 'unit', 'supervisor', 'admin', 'viewer'],
    preview: ['intake', 'unit', 'supervisor', 'admin', 'viewer'],
    arrival: ['unit', 'supervisor', 'admin'],
    explanation: ['unit', 'supervisor', 'admin'],
    closureReport: ['unit', 'supervisor', 'admin'],
    decideExplanation: ['supervisor', 'admin'],
    extend: ['supervisor', 'admin'],
    reassign: ['supervisor', 'admin'],
    cancel: ['supervisor', 'admin'],
    dutyReport: ['unit', 'supervisor', 'admin'],
    dutyClock: ['supervisor', 'admin'],
  };
  // Ledger, document and circular actions have their own matrices (test/api.auth.test.ts, test/api.ledger.test.ts).
  const RECORD_ACTIONS = ['readLedger', 'writeLedger', 'readDocuments', 'readCircular', 'runCircular'];
  test('the matrix covers every case action the API knows', () => {
    expect(Object.keys(ALLOWED).sort()).toEqual(ACTIONS.filter((a) => !RECORD_ACTIONS.includes(a)).sort());
  });
  const request = (action: Action, caseId: string): ['GET' | 'POST', string, unknown] => {
    const soon = new Date(Date.now() + 7_200_000).toISOString();
    switch (action) {
      case 'read': return ['GET', path(caseId), undefined];
      // The case's unit as a filter: a unit key may list only its own units.
      case 'list': return ['GET', '/cases?unitId=wuli-gov', undefined];
      case 'preview': return ['POST', '/policy/preview', { level: 'city', receivedAt: new Date().toISOString() }];
      case 'arrival': return ['POST', path(caseId, '/arrival'), { leaderId: 'wuli-gov-zhang', arrivedAt: new Date(Date.now() - 1000).toISOString() }];
      case 'explanation': return ['POST', path(caseId, '/explanation'), { text: '情况说明' }];
      case 'closureReport': return ['POST', path(caseId, '/closure-report'), { result: '已办结' }];
      case 'decideExplanation': return ['POST', path(caseId, '/explanation/decision'), { decision: 'accept', reason: '属实' }];
      case 'extend': return ['POST', path(caseId, '/extension'), { newDeadline: soon, reason: '延期' }];
      case 'reassign': return ['POST', path(caseId, '/reassignment'), { unitId: 'dongcun', reason: '改派' }];
      case 'cancel': return ['POST', path(caseId, '/cancellation'), { reason: '重复登记' }];
      // On an assigned case: its acceptance decision; a pause before acceptance (refused by the case's state).
      case 'dutyReport': return ['POST', path(caseId, '/acceptance'), { decision: 'accepted', writtenNoticeAt: new Date().toISOString() }];
      case 'dutyClock': return ['POST', path(caseId, '/pause'), { pauseKind: 'hearing', reason: '组织听证', approverId: 'wuli-gov-zhang' }];
      default: throw new Error(action);
    }
  };
  const cells: [string, string, 'own' | 'other'][] = [];
  for (const role of ROLES) for (const action of Object.keys(ALLOWED)) for (const unit of ['own', 'other'] as const) cells.push([role, action, unit]);

  test.each(cells)('%s × %s × %s unit', async (role, action, unit) => {
    const key = role === 'unit' ? (unit === 'own' ? KEY.unit : KEY.otherUnit) : KEY[role as keyof typeof KEY];
    const expectAllowed = ALLOWED[action]!.includes(role);
    if (action === 'create') {
      const res = await call('POST', '/cases', key, newNotice());
      expect(res.status, JSON.stringify(res.json)).toBe(expectAllowed && !(role === 'unit') ? 201 : 403);
      return;
    }
    const assignedAction = action === 'dutyReport' || action === 'dutyClock';
    const created = assignedAction ? await call('POST', '/assigned-cases', KEY.intake, newAssignment()) : await call('POST', '/cases', KEY.intake, newNotice());
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const [method, url, body] = request(action as Action, created.json.caseId as string);
    const res = await call(method, url, key, body);
    const refused = res.status === 401 || res.status === 403;
    // The preview concerns no case, so no unit: a unit key previews like any other reader.
    const allowed = expectAllowed && !(role === 'unit' && unit === 'other' && action !== 'preview');
    expect(refused, `${res.status} ${JSON.stringify(res.json)}`).toBe(!allowed);
    if (!allowed) expect(res.json.detail).toMatch(/may not|may act only on cases of/);
    // Allowed cells on a fresh case: a closure report before arrival and a decision without an explanation are
    // refused by the case's state (409) — past authorization, which is what this cell checks.
    if (allowed) expect(res.status, JSON.stringify(res.json)).toBe(action === 'closureReport' || action === 'decideExplanation' || action === 'dutyClock' ? 409 : 200);
  });
});

describe('refusals', () => {
  test('no key → 401, unknown key → 401, both saying why', async () => {
    expect(await call('GET', '/cases', null)).toMatchObject({ status: 401, json: { detail: 'no API key: send Authorization: Bearer <key>' } });
    expect(await call('GET', '/cases', 'not-a-key')).toMatchObject({ status: 401, json: { detail: 'unknown API key' } });
    // Key and role come before the body: no schema details for a caller without them, a role refusal even for a bad body.
    expect(await call('POST', '/cases', null, { noticeId: 'x' })).toMatchObject({ status: 401 });
    expect(await call('POST', '/cases', KEY.viewer, { noticeId: 'x' })).toMatchObject({ status: 403, json: { detail: 'role viewer may not create' } });
    const viaHeader = await api.inject({ method: 'GET', url: '/cases?pageSize=1', headers: { 'x-api-key': KEY.viewer } });
    expect(viaHeader.statusCode).toBe(200);
  });
  test('unknown fields, a body actor, bad timestamps and wrong types name the field; nothing is started', async () => {
    const notice = newNotice();
    const bad = await call('POST', '/cases', KEY.intake, { ...notice, actor: { id: 'x', role: 'admin' }, receivedAt: '2026-11-25 10:00', headcount: 'many' });
    expect(bad.status).toBe(400);
    expect(bad.json.errors.map((e: { field: string }) => e.field).sort()).toEqual(['actor', 'headcount', 'receivedAt']);
    const unknownUnit = await call('POST', '/cases', KEY.intake, { ...notice, unitId: 'ghost' });
    expect(unknownUnit).toMatchObject({ status: 422, json: { errors: [{ field: 'unitId', message: 'unknown unit ghost' }] } });
    await expect(h.env.client.workflow.getHandle(`visit:${notice.noticeId as string}`).describe()).rejects.toThrow(WorkflowNotFoundError);
  });
  test('a body over 64 KiB → 413; a missing case → 404; never a stack trace', async () => {
    const big = await call('POST', '/cases', KEY.intake, { ...newNotice(), matterSummary: 'x'.repeat(70_000) });
    expect(big.status).toBe(413);
    const missing = await call('GET', '/cases/visit:NOPE-1', KEY.viewer);
    expect(missing).toMatchObject({ status: 404, json: { title: 'Not found 案件不存在' } });
    expect(JSON.stringify(missing.json)).not.toMatch(/at .*\.ts:\d+/);
  });
  test('Temporal down → 503 with Retry-After, and /readyz says not ready', async () => {
    const down = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }), namespace: 'default' });
    const offline = await buildApiServer({ client: down, records: h.records, namespace: 'default', taskQueue: TASK_QUEUE, policy, directory, keys: loadApiKeys({}), temporalTimeoutMs: 2000 });
    const created = await offline.inject({ method: 'POST', url: '/cases', headers: { authorization: `Bearer ${KEY.intake}` }, payload: newNotice() });
    expect(created.statusCode).toBe(503);
    expect(created.headers['retry-after']).toBe('5');
    expect(created.headers['content-type']).toContain('application/problem+json');
    // The list reads the store of record: it answers without Temporal.
    const listed = await offline.inject({ method: 'GET', url: `/cases?unitId=wuli-gov&pageSize=1`, headers: { authorization: `Bearer ${KEY.admin}` } });
    expect(listed.statusCode, listed.body).toBe(200);
    expect(listed.json()).toMatchObject({ cases: [{ unitId: 'wuli-gov', kind: 'escalatedVisit' }] });
    // Every endpoint that reaches Temporal answers 503 within its budget (the SDK alone retries ~20 s), never a 500.
    for (const [method, url, payload] of [['GET', '/cases/visit:N-1'], ['POST', '/cases/visit:N-1/cancellation', { reason: '撤销' }]] as const) {
      const began = Date.now();
      const res = await offline.inject({ method, url, headers: { authorization: `Bearer ${KEY.admin}` }, ...(payload ? { payload } : {}) });
      expect(res.statusCode, `${method} ${url} ${res.body}`).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.json()).toMatchObject({ status: 503, title: 'Temporarily unavailable 暂时不可用' });
      expect(Date.now() - began).toBeLessThan(9000);
    }
    const began = Date.now();
    const ready = await offline.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.headers['retry-after']).toBe('5');
    expect(Date.now() - began).toBeLessThan(3000);
    expect((await api.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    expect((await offline.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    await offline.close();
    // Temporal up but without the API's namespace is not ready either.
    const lost = await buildApiServer({ client: h.env.client, records: h.records, namespace: 'no-such-namespace', taskQueue: TASK_QUEUE, policy, directory, keys: loadApiKeys({}) });
    expect(await lost.inject({ method: 'GET', url: '/readyz' })).toMatchObject({ statusCode: 503 });
    await lost.close();
  }, 60_000);
  test('no worker answering: a create is answered at once (10 identical creates: one 201, nine 200, one body); a read or an action is a 503; the case runs once a worker polls', async () => {
    // Temporal is up but nothing polls this task queue yet: no create may wait for a worker.
    const queue = `nobody-polls-${Date.now()}`;
    const stalled = await buildApiServer({ client: h.env.client, records: h.records, namespace: h.env.namespace ?? 'default', taskQueue: queue, policy, directory, keys: loadApiKeys({}), temporalTimeoutMs: 3000 });
    const notice = newNotice();
    const caseId = `visit:${notice.noticeId as string}`;
    const creates = await Promise.all(Array.from({ length: 10 }, () => stalled.inject({ method: 'POST', url: '/cases', headers: { authorization: `Bearer ${KEY.intake}` }, payload: notice })));
    expect(creates.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    const bodies = creates.map((r) => JSON.parse(r.body) as CaseView);
    for (const b of bodies) expect(b).toEqual(bodies[0]);
    const opened = bodies[0]!;
    expect(opened).toMatchObject({ caseId, status: 'open', stage: 'arrival.pending', milestone: 'arrival', deadline: new Date(Date.parse(notice.receivedAt as string) + 8 * 3_600_000).toISOString(), waitingFor: null, deductions: [] });
    expect(opened.timeline.map((t) => [t.seq, t.type, t.actor.role])).toEqual([
      [1, 'registered', 'intake'],
      [2, 'alert', 'system'],
    ]);
    // Listed from the record at once.
    const listed = await stalled.inject({ method: 'GET', url: `/cases?unitId=wuli-gov&pageSize=100`, headers: { authorization: `Bearer ${KEY.supervisor}` } });
    expect((JSON.parse(listed.body) as { cases: { caseId: string }[] }).cases.filter((c) => c.caseId === caseId)).toHaveLength(1);
    // A different body under the same notice ID is still refused, without a worker.
    const conflict = await stalled.inject({ method: 'POST', url: '/cases', headers: { authorization: `Bearer ${KEY.intake}` }, payload: { ...notice, headcount: 99 } });
    expect(conflict.statusCode).toBe(409);
    const began = Date.now();
    const read = await stalled.inject({ method: 'GET', url: path(caseId), headers: { authorization: `Bearer ${KEY.supervisor}` } });
    expect(read.statusCode, read.body).toBe(503);
    expect(read.headers['retry-after']).toBe('5');
    expect(Date.now() - began).toBeLessThan(9000);
    // An action waits for a worker to apply it (on a case of its own: it may still be applied once a worker polls).
    const other = JSON.parse((await stalled.inject({ method: 'POST', url: '/cases', headers: { authorization: `Bearer ${KEY.intake}` }, payload: newNotice() })).body) as CaseView;
    const action = await stalled.inject({ method: 'POST', url: path(other.caseId, '/cancellation'), headers: { authorization: `Bearer ${KEY.admin}` }, payload: { reason: '撤销' } });
    expect(action.statusCode, action.body).toBe(503);
    // A worker comes: the case it runs is the one the create answered with.
    const late = await createDubanWorker({ connection: h.env.nativeConnection, namespace: h.env.namespace ?? 'default', taskQueue: queue, activities: { directory: () => directory, client: h.env.client, records: h.records, taskQueue: queue, outboxDir: h.outboxDir, dataDir: h.dataDir, log: () => undefined } });
    await late.runUntil(async () => {
      const handle = h.env.client.workflow.getHandle(caseId);
      const ran = await until('the first task', () => handle.query(caseQuery), (v) => v.timeline.length >= 2);
      expect({ ...ran, timeline: ran.timeline.slice(0, 2), waitingFor: null }).toEqual(opened);
      await handle.terminate('test finished');
      const o = h.env.client.workflow.getHandle(other.caseId);
      if ((await o.describe()).status.name === 'RUNNING') {
        await o.terminate('test finished').catch((e: Error) => {
          if (!/already completed/i.test(e.message)) throw e;
        });
      }
    });
    await stalled.close();
  }, 30_000);
});

test('the policy preview is the workflow planner\'s own plan', async () => {
  const res = await call('POST', '/policy/preview', KEY.viewer, { level: 'district', receivedAt: '2026-11-25T09:00:00+08:00' });
  expect(res.status).toBe(200);
  // The facts a district case received at that moment starts with: the workflow plans from the same ones.
  const receivedAt = Date.parse('2026-11-25T09:00:00+08:00');
  const deadline = deadlineFor(demoPolicy, 'arrival', 'district', receivedAt);
  const planned = plan(demoPolicy, { milestone: 'arrival', level: 'district', startedAt: receivedAt, registeredAt: receivedAt, deadline, deadlineSetAt: receivedAt, explanation: 'none', done: {} }).steps;
  expect(res.json).toEqual({ policyVersion: demoPolicy.version, deadline: '2026-11-25T01:00:15.000Z', steps: planned.map((s) => ({ kind: s.kind, dueAt: new Date(s.dueAt).toISOString() })) });
  expect(new Date(deadline).toISOString()).toBe('2026-11-25T01:00:15.000Z');
  expect(res.json.steps.slice(0, 4)).toEqual([
    { kind: 'reminder', dueAt: '2026-11-25T01:00:05.000Z' },
    { kind: 'reminder', dueAt: '2026-11-25T01:00:10.000Z' },
    { kind: 'urge', dueAt: '2026-11-25T01:00:15.000Z' },
    { kind: 'overdueReminder', dueAt: '2026-11-25T01:00:21.000Z' },
  ]);
});

test('an assigned case through the API: intake with its statutory deadlines, its actions, the list by kind, refusals naming the field', async () => {
  const body = newAssignment({ receivedAt: '2026-09-20T02:00:00.000Z', listed: true });
  const created = await call('POST', '/assigned-cases', KEY.intake, body);
  expect(created.status, JSON.stringify(created.json)).toBe(201);
  const caseId = `assignedCase:${body.assignmentId as string}`;
  expect(created.headers.location).toBe(path(caseId));
  expect(created.json).toMatchObject({ caseId, kind: 'assignedCase', stage: 'acceptance.pending', phase: 'acceptance', priority: 'high', deadline: '2026-10-08T16:00:00.000Z', overdue: true, colour: 'red' });
  expect(created.json.deadlines).toEqual([
    { milestone: 'acceptance', deadline: '2026-10-08T16:00:00.000Z', rule: 'calendarDays', calendarVersion: expect.any(String), calendarDataMissing: false, note: '自 2026-09-20 次日起算 15 日（逢节假日、周末顺延），最后一日 2026-10-08 24:00 止；2026-10-05 逢国庆节，顺延至 2026-10-08' },
  ]);
  expect(created.json.timeline[0]).toMatchObject({ type: 'registered', actor: { id: 'dev-intake', role: 'intake' } });
  // The same body again is the same case; a different body under the same ID is a conflict naming the field.
  const again = await call('POST', '/assigned-cases', KEY.intake, body);
  expect([again.status, again.json.caseId]).toEqual([200, caseId]);
  const conflict = await call('POST', '/assigned-cases', KEY.intake, { ...body, plan: '另一方案' });
  expect(conflict).toMatchObject({ status: 409, json: { errors: [{ field: 'assignmentId' }] } });
  // Bad intake: each refused naming the field, nothing started.
  const refusedIntake = [
    await call('POST', '/assigned-cases', KEY.intake, newAssignment({ leaderId: 'wuli-gov-chen' })),
    await call('POST', '/assigned-cases', KEY.intake, newAssignment({ team: [] })),
    await call('POST', '/assigned-cases', KEY.intake, newAssignment({ receivedAt: new Date(Date.now() + 3_600_000).toISOString() })),
    await call('POST', '/assigned-cases', KEY.intake, newAssignment({ sourceLevel: 'province' })),
  ];
  expect(refusedIntake.map((r): [number, string] => [r.status, r.json.errors?.[0]?.field as string])).toEqual([[422, 'leaderId'], [400, 'team'], [422, 'receivedAt'], [400, 'sourceLevel']]);
  // Recorded after the limit, it is late whatever the notice's date: the time duban learns it is checked, the claim is not.
  const unit = await call('POST', path(caseId, '/acceptance'), KEY.unit, { decision: 'accepted', writtenNoticeAt: '2026-09-25T02:00:00.000Z' });
  expect(unit.status, JSON.stringify(unit.json)).toBe(200);
  expect(unit.json).toMatchObject({ phase: 'handling', acceptance: { decision: 'accepted', writtenNoticeAt: '2026-09-25T02:00:00.000Z', onTime: false } });
  expect(unit.json.timeline.find((e: { type: string }) => e.type === 'acceptanceDecided')).toMatchObject({ actor: { id: 'dev-unit-wuli-gov', role: 'unit' } });
  // A unit may not stop its own clock; a pause without a reason and an extension beyond 30 days are refused naming the field.
  const byUnit = await call('POST', path(caseId, '/pause'), KEY.unit, { pauseKind: 'hearing', reason: '组织听证', approverId: 'wuli-gov-zhang' });
  expect(byUnit.status).toBe(403);
  const noReason = await call('POST', path(caseId, '/pause'), KEY.supervisor, { pauseKind: 'hearing', approverId: 'wuli-gov-zhang' });
  expect(noReason).toMatchObject({ status: 400, json: { errors: [{ field: 'reason' }] } });
  const tooLong = await call('POST', path(caseId, '/handling-extension'), KEY.supervisor, { days: 31, reason: '情况复杂', approverId: 'wuli-gov-zhang', petitionerNotifiedAt: new Date().toISOString() });
  expect(tooLong).toMatchObject({ status: 422, json: { detail: 'days: must be at most 30 (the handling limit may be extended by 30 days in all)', errors: [{ field: 'days' }] } });
  const noApprover = await call('POST', path(caseId, '/handling-extension'), KEY.supervisor, { days: 10, reason: '情况复杂', petitionerNotifiedAt: new Date().toISOString() });
  expect(noApprover).toMatchObject({ status: 400, json: { errors: [{ field: 'approverId' }] } });
  const unchanged = await call('GET', path(caseId), KEY.viewer);
  expect(unchanged.json.handling).toMatchObject({ extensionDays: 0, pausedDays: 0, pauses: [], extensions: [] });
  const extended = await call('POST', path(caseId, '/handling-extension'), KEY.supervisor, { days: 30, reason: '情况复杂', approverId: 'wuli-gov-zhang', petitionerNotifiedAt: new Date().toISOString() });
  expect(extended.status, JSON.stringify(extended.json)).toBe(200);
  expect(extended.json.handling).toMatchObject({ extensionDays: 30, extensions: [{ days: 30, reason: '情况复杂', approverId: 'wuli-gov-zhang' }] });
  // The list filters by kind: the assigned case is there, a visit is not.
  const visit = (await call('POST', '/cases', KEY.intake, newNotice())).json.caseId as string;
  const listed = await call('GET', '/cases?kind=assignedCase&unitId=wuli-gov&pageSize=100', KEY.supervisor);
  expect(listed.status, JSON.stringify(listed.json)).toBe(200);
  const listedIds = (listed.json.cases as { caseId: string }[]).map((c) => c.caseId);
  expect(listedIds).toContain(caseId);
  expect(listedIds).not.toContain(visit);
  expect((listed.json.cases as { caseId: string; kind: string }[]).find((c) => c.caseId === caseId)).toMatchObject({ kind: 'assignedCase', unitId: 'wuli-gov' });
  // A visit's own action on an assigned case is refused by the case, and an unknown case ID form names its field.
  const arrival = await call('POST', path(caseId, '/arrival'), KEY.unit, { leaderId: 'wuli-gov-zhang', arrivedAt: new Date().toISOString() });
  expect(arrival.status).toBeGreaterThanOrEqual(400);
  expect(arrival.status).toBeLessThan(500);
  const badId = await call('GET', '/cases/monthly%3AX', KEY.viewer);
  expect(badId).toMatchObject({ status: 400, json: { errors: [{ field: 'caseId' }] } });
}, 60_000);

test('the preview of an assigned case: every deadline with its rule and calendar, and the acceptance ladder', async () => {
  const res = await call('POST', '/policy/preview', KEY.viewer, { kind: 'assignedCase', receivedAt: '2026-09-20T10:00:00+08:00' });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  expect(res.json.deadlines.map((d: { milestone: string; deadline: string; rule: string; calendarDataMissing: boolean }) => [d.milestone, d.deadline, d.rule, d.calendarDataMissing])).toEqual([
    ['acceptance', '2026-10-08T16:00:00.000Z', 'calendarDays', false],
    ['handling', '2026-12-07T16:00:00.000Z', 'calendarDays', false],
  ]);
  expect(res.json.deadlines[0].note).toBe('自 2026-09-20 次日起算 15 日（逢节假日、周末顺延），最后一日 2026-10-08 24:00 止；2026-10-05 逢国庆节，顺延至 2026-10-08');
  expect(res.json.steps.map((s: { kind: string; dueAt: string }) => [s.kind, s.dueAt])).toEqual([
    ['reminder', '2026-10-05T16:00:00.000Z'],
    ['reminder', '2026-10-07T16:00:00.000Z'],
    ['urge', '2026-10-08T16:00:00.000Z'],
    ['overdueReminder', '2026-10-09T16:00:00.000Z'],
    ['overdueReminder', '2026-10-10T16:00:00.000Z'],
    ['overdueReminder', '2026-10-11T16:00:00.000Z'],
    ['supervise', '2026-10-11T16:00:00.000Z'],
    ['overdueReminder', '2026-10-12T16:00:00.000Z'],
    ['overdueReminder', '2026-10-13T16:00:00.000Z'],
    ['deduction', '2026-10-18T16:00:00.000Z'],
  ]);
  const unknownKind = await call('POST', '/policy/preview', KEY.viewer, { kind: 'monthlyTea', receivedAt: '2026-09-20T10:00:00+08:00' });
  expect(unknownKind.status).toBe(400);
  // The visit's body, with its kind named or not, keeps its answer.
  const visit = await call('POST', '/policy/preview', KEY.viewer, { kind: 'escalatedVisit', level: 'district', receivedAt: '2026-11-25T09:00:00+08:00' });
  expect(visit.json.deadline).toBe('2026-11-25T01:00:15.000Z');
});

test('the OpenAPI document validates, and every operation answers a sample request with a status it documents', async () => {
  const doc = (await call('GET', '/openapi.json', null)).json;
  await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeTruthy();
  const documented = (route: string, method: string): string[] => Object.keys(doc.paths[route][method].responses as object);
  // One fresh case per action, so that each sample is valid in its case's state.
  const fresh = async (): Promise<string> => (await call('POST', '/cases', KEY.intake, newNotice())).json.caseId as string;
  const arrived = await fresh();
  expect((await call('POST', path(arrived, '/arrival'), KEY.admin, { leaderId: 'wuli-gov-zhang', arrivedAt: new Date().toISOString() })).status).toBe(200);
  const explained = await fresh();
  expect((await call('POST', path(explained, '/explanation'), KEY.admin, { text: '路途遥远' })).status).toBe(200);
  const soon = new Date(Date.now() + 7_200_000).toISOString();
  // A deduction in this year's ledger (as a case enters it), a late notice that gets its 催办单 at once, today's circular.
  const year = new Date(Date.now() + 8 * 3_600_000).getUTCFullYear();
  const deduction: LedgerEntry = { entryId: `visit:OPENAPI-${Date.now()}/arrival/deduction`, kind: 'deduction', unitId: 'wuli-gov', caseId: `visit:OPENAPI-${Date.now()}`, milestone: 'arrival', level: 'district', points: 1, at: new Date().toISOString(), actor: SYSTEM_ACTOR };
  await recordDeduction(h.records, { unitId: 'wuli-gov', year }, deduction);
  const late = (await call('POST', '/cases', KEY.intake, { ...sampleNotice('district', Date.now() - 3_600_000) })).json.caseId as string;
  const firstDocumentUrl = async (): Promise<string> => {
    for (let i = 0; i < 80; i++) {
      const docs = (await call('GET', path(late, '/documents'), KEY.admin)).json.documents as { url: string }[];
      if (docs.length > 0) return docs[0]!.url;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`no 催办单 for the late notice: ${JSON.stringify((await call('GET', path(late), KEY.admin)).json?.timeline)}`);
  };
  const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
  const tomorrow = new Date(Date.now() + 32 * 3_600_000).toISOString().slice(0, 10);
  const circularId = `range-${today.replaceAll('-', '')}-${today.replaceAll('-', '')}`;
  const firstCircularFileUrl = async (): Promise<string> => {
    for (let i = 0; i < 80; i++) {
      const c = (await call('GET', `/circulars/${circularId}`, KEY.admin)).json as { status: string; files: { url: string }[] };
      if (c.status === 'done') return c.files[0]!.url;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`circular ${circularId} not done`);
  };
  // Assigned cases in the state each of their actions needs.
  const now = (): string => new Date().toISOString();
  const act = async (caseId: string, suffix: string, body: unknown): Promise<string> => {
    const res = await call('POST', path(caseId, suffix), KEY.admin, body);
    expect(res.status, `${suffix}: ${JSON.stringify(res.json)}`).toBe(200);
    return caseId;
  };
  const assigned = async (): Promise<string> => (await call('POST', '/assigned-cases', KEY.intake, newAssignment())).json.caseId as string;
  const accepted = async (): Promise<string> => act(await assigned(), '/acceptance', { decision: 'accepted', writtenNoticeAt: now() });
  const replied = async (): Promise<string> => act(await accepted(), '/reply', { result: '已按标准补发补偿款', writtenReplyAt: now() });
  const samples: Record<string, Record<string, () => [string, unknown] | Promise<[string, unknown]>>> = {
    '/assigned-cases': { post: () => ['/assigned-cases', newAssignment()] },
    '/cases/{caseId}/acceptance': { post: async () => [path(await assigned(), '/acceptance'), { decision: 'accepted', writtenNoticeAt: now() }] },
    '/cases/{caseId}/pause': { post: async () => [path(await accepted(), '/pause'), { pauseKind: 'hearing', reason: '组织听证', approverId: 'wuli-gov-zhang' }] },
    '/cases/{caseId}/resumption': { post: async () => [path(await act(await accepted(), '/pause', { pauseKind: 'appraisal', reason: '委托鉴定', approverId: 'wuli-gov-zhang' }), '/resumption'), { note: '鉴定完成' }] },
    '/cases/{caseId}/handling-extension': { post: async () => [path(await accepted(), '/handling-extension'), { days: 30, reason: '情况复杂', approverId: 'wuli-gov-zhang', petitionerNotifiedAt: now() }] },
    '/cases/{caseId}/progress': { post: async () => [path(await accepted(), '/progress'), { text: '已入户走访两次' }] },
    '/cases/{caseId}/reply': { post: async () => [path(await accepted(), '/reply'), { result: '已按标准补发补偿款', writtenReplyAt: now() }] },
    '/cases/{caseId}/review-request': { post: async () => [path(await replied(), '/review-request'), { requestedAt: now() }] },
    '/cases/{caseId}/opinion': { post: async () => [path(await act(await replied(), '/review-request', { requestedAt: now() }), '/opinion'), { opinion: '维持原处理意见', writtenOpinionAt: now() }] },
    '/healthz': { get: () => ['/healthz', undefined] },
    '/readyz': { get: () => ['/readyz', undefined] },
    '/cases': { post: () => ['/cases', newNotice()], get: () => ['/cases?level=city&pageSize=5', undefined] },
    '/cases/{caseId}': { get: () => [path(arrived), undefined] },
    '/cases/{caseId}/arrival': { post: async () => [path(await fresh(), '/arrival'), { leaderId: 'wuli-gov-wang', arrivedAt: new Date().toISOString(), note: '已到' }] },
    '/cases/{caseId}/explanation': { post: async () => [path(await fresh(), '/explanation'), { text: '情况说明' }] },
    '/cases/{caseId}/explanation/decision': { post: () => [path(explained, '/explanation/decision'), { decision: 'accept', reason: '属实' }] },
    '/cases/{caseId}/extension': { post: async () => [path(await fresh(), '/extension'), { newDeadline: soon, reason: '延期' }] },
    '/cases/{caseId}/reassignment': { post: async () => [path(await fresh(), '/reassignment'), { unitId: 'dongcun', reason: '改派' }] },
    '/cases/{caseId}/cancellation': { post: async () => [path(await fresh(), '/cancellation'), { reason: '重复登记' }] },
    '/cases/{caseId}/closure-report': { post: () => [path(arrived, '/closure-report'), { result: '已办结' }] },
    '/policy/preview': { post: () => ['/policy/preview', { level: 'beijing', receivedAt: '2026-11-25T09:00:00+08:00' }] },
    '/ledgers/{unitId}/{year}': { get: () => [`/ledgers/wuli-gov/${year}`, undefined] },
    '/ledgers/{unitId}/{year}/reversals': { post: () => [`/ledgers/wuli-gov/${year}/reversals`, { entryId: deduction.entryId, reason: '经复核非本单位责任' }] },
    '/ledgers/{unitId}/{year}/notes': { post: () => [`/ledgers/wuli-gov/${year}/notes`, { text: '已约谈', caseId: deduction.caseId }] },
    // Only a year that has ended can be closed.
    '/ledgers/{unitId}/{year}/close': { post: () => [`/ledgers/wuli-gov/${year - 1}/close`, { reason: `${year - 1} 年度结账` }] },
    '/cases/{caseId}/documents': { get: () => [path(late, '/documents'), undefined] },
    '/cases/{caseId}/documents/{documentId}': { get: async () => [await firstDocumentUrl(), undefined] },
    '/circulars': { post: () => ['/circulars', { from: today, to: tomorrow }] },
    '/circulars/{circularId}': { get: () => [`/circulars/${circularId}`, undefined] },
    '/circulars/{circularId}/files/{name}': { get: async () => [await firstCircularFileUrl(), undefined] },
  };
  const answered: string[] = [];
  for (const [route, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
    for (const method of Object.keys(ops)) {
      const sample = samples[route]?.[method];
      expect(sample, `a sample request for ${method} ${route}`).toBeDefined();
      const [url, body] = await sample!();
      const res = await call(method.toUpperCase() as 'GET' | 'POST', url, KEY.admin, body, route.includes('/documents/') || route.includes('/files/'));
      expect(res.status, `${method} ${route}: ${JSON.stringify(res.json)}`).toBeLessThan(300);
      expect(documented(route, method), `${method} ${route} answered ${res.status}`).toContain(String(res.status));
      if (method === 'post' && route !== '/cases') {
        // A malformed body is refused with a status the document lists too.
        // (A resumption's note is optional: its malformed body is a note that is not text.)
        const bad = await call('POST', url, KEY.admin, route.endsWith('/resumption') ? { note: 1 } : {});
        expect(documented(route, method)).toContain(String(bad.status));
        expect(bad.status).toBe(400);
      }
      answered.push(`${method} ${route} ${res.status}`);
    }
  }
  expect(answered).toHaveLength(31);
  // Response schemas document CaseView without dropping a field of it.
  const viaApi = await call('GET', path(arrived), KEY.viewer);
  expect(viaApi.json).toEqual(await h.env.client.workflow.getHandle(arrived).query(caseQuery));
}, 60_000);

test('the OpenAPI document lists every endpoint', async () => {
  const doc = (await call('GET', '/openapi.json', null)).json;
  expect(doc.openapi).toMatch(/^3\./);
  expect(Object.keys(doc.paths).sort()).toEqual([
    '/assigned-cases',
    '/cases', '/cases/{caseId}', '/cases/{caseId}/acceptance', '/cases/{caseId}/arrival', '/cases/{caseId}/cancellation', '/cases/{caseId}/closure-report',
    '/cases/{caseId}/documents', '/cases/{caseId}/documents/{documentId}',
    '/cases/{caseId}/explanation', '/cases/{caseId}/explanation/decision', '/cases/{caseId}/extension', '/cases/{caseId}/handling-extension',
    '/cases/{caseId}/opinion', '/cases/{caseId}/pause', '/cases/{caseId}/progress', '/cases/{caseId}/reassignment', '/cases/{caseId}/reply',
    '/cases/{caseId}/resumption', '/cases/{caseId}/review-request',
    '/circulars', '/circulars/{circularId}', '/circulars/{circularId}/files/{name}',
    '/healthz',
    '/ledgers/{unitId}/{year}', '/ledgers/{unitId}/{year}/close', '/ledgers/{unitId}/{year}/notes', '/ledgers/{unitId}/{year}/reversals',
    '/policy/preview', '/readyz',
  ]);
});
