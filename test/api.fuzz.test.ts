// Property-based fuzzing of every endpoint with malformed input: never a 5xx, never a case started or changed.
import { WorkflowNotFoundError } from '@temporalio/client';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadApiKeys } from '../src/api/auth.js';
import { buildApiServer, previewBodySchema } from '../src/api/server.js';
import type { z } from 'zod';
import {
  cancelSchema,
  caseQuery,
  decideExplanationSchema,
  extendDeadlineSchema,
  noticeSchema,
  reassignUnitSchema,
  reportArrivalSchema,
  submitClosureReportSchema,
  submitExplanationSchema,
  type CaseView,
} from '../src/messages.js';
import { TASK_QUEUE, createDevServerEnv, directory, policy, sampleNotice, startHarness, type Harness } from './helpers.js';

let h: Harness;
let api: FastifyInstance;
let caseId: string;
let before: CaseView;
beforeAll(async () => {
  h = await startHarness(await createDevServerEnv());
  api = await buildApiServer({ client: h.env.client, records: h.records, namespace: h.env.namespace ?? 'default', taskQueue: TASK_QUEUE, policy, directory, keys: loadApiKeys({}) });
  const res = await api.inject({ method: 'POST', url: '/cases', headers: { authorization: 'Bearer dev-admin-key' }, payload: sampleNotice('beijing', Date.now() - 1000) });
  caseId = (JSON.parse(res.body) as CaseView).caseId;
  before = await h.env.client.workflow.getHandle(caseId).query(caseQuery);
}, 90_000);
afterAll(async () => {
  await api?.close();
  await h?.stop();
});

/** What the API validates each body against: a fuzzed body is malformed when this schema refuses it. */
const SCHEMA: Record<string, z.ZodTypeAny> = {
  '/cases': noticeSchema,
  arrival: reportArrivalSchema.omit({ actor: true }),
  explanation: submitExplanationSchema.omit({ actor: true }),
  'explanation/decision': decideExplanationSchema.omit({ actor: true }),
  extension: extendDeadlineSchema.omit({ actor: true }),
  reassignment: reassignUnitSchema.omit({ actor: true }),
  cancellation: cancelSchema.omit({ actor: true }),
  'closure-report': submitClosureReportSchema.omit({ actor: true }),
  '/policy/preview': previewBodySchema,
};

const VALID: Record<string, Record<string, unknown>> = {
  '/cases': { noticeId: 'FUZZ-1', level: 'city', receivedAt: new Date().toISOString(), unitId: 'wuli-gov', receptionSite: '市信访局', headcount: 3, matterSummary: '测试' },
  arrival: { leaderId: 'wuli-gov-zhang', arrivedAt: new Date().toISOString() },
  explanation: { text: '说明' },
  'explanation/decision': { decision: 'accept', reason: '属实' },
  extension: { newDeadline: new Date(Date.now() + 86_400_000).toISOString(), reason: '延期' },
  reassignment: { unitId: 'dongcun', reason: '改派' },
  cancellation: { reason: '重复' },
  'closure-report': { result: '已办结' },
  '/policy/preview': { level: 'city', receivedAt: new Date().toISOString() },
};

const hostile = fc.oneof(
  fc.string({ maxLength: 50 }),
  fc.string({ minLength: 1001, maxLength: 12_000 }),
  fc.string({ minLength: 70_000, maxLength: 70_010 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.anything(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.anything(), { maxKeys: 3 }),
  fc.constantFrom('2026-11-25 10:00', '2026-13-45T99:00:00+08:00', '1700000000', '2026-11-25T10:00:00', ''),
);

/** A body that is invalid by construction: one field of a valid body gets a hostile value, is dropped, or an unknown field is added. */
const malformed = (valid: Record<string, unknown>): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.tuple(fc.constantFrom(...Object.keys(valid)), hostile).map(([k, v]) => ({ ...valid, [k]: v })),
    fc.constantFrom(...Object.keys(valid)).map((k) => Object.fromEntries(Object.entries(valid).filter(([key]) => key !== k))),
    fc.tuple(fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !(k in valid) && k !== '__proto__'), fc.anything()).map(([k, v]) => ({ ...valid, [k]: v })),
    fc.anything().filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)),
  );

/** A refused notice started no case: its workflow ID is unknown to Temporal (describe is consistent; visibility lags). */
async function expectNoCaseFor(body: unknown): Promise<void> {
  const noticeId = body !== null && typeof body === 'object' ? (body as { noticeId?: unknown }).noticeId : undefined;
  if (typeof noticeId !== 'string' || noticeId === '') return;
  await expect(h.env.client.workflow.getHandle(`visit:${noticeId}`).describe(), `visit:${noticeId.slice(0, 80)}`).rejects.toBeInstanceOf(WorkflowNotFoundError);
}

test('every endpoint refuses malformed input without a 5xx, and nothing is started or changed', async () => {
  for (const [endpoint, valid] of Object.entries(VALID)) {
    const url = endpoint.startsWith('/') ? endpoint : `/cases/${encodeURIComponent(caseId)}/${endpoint}`;
    await fc.assert(
      fc.asyncProperty(malformed(valid), async (body) => {
        // A hostile value can leave a body valid by chance (a string for a string field): only malformed bodies count.
        fc.pre(!SCHEMA[endpoint]!.safeParse(body).success);
        const res = await api.inject({ method: 'POST', url, headers: { authorization: 'Bearer dev-admin-key', 'content-type': 'application/json' }, payload: JSON.stringify(body) ?? 'null' });
        // Refused as malformed (400) or too large (413): never accepted, never a 5xx.
        expect([400, 413], `${url} ${JSON.stringify(body)?.slice(0, 200)} → ${res.statusCode} ${res.body.slice(0, 300)}`).toContain(res.statusCode);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.body).not.toMatch(/\bat .+:\d+:\d+|node_modules|Error:/);
        if (endpoint === '/cases') await expectNoCaseFor(body);
      }),
      { numRuns: 40, seed: 20261125, maxSkipsPerRun: 100 },
    );
  }
  for (const q of ['level=province', 'overdue=maybe', 'pageSize=0', 'pageSize=abc', "unitId=x' OR 1=1", 'deadlineFrom=yesterday', 'pageToken=%00%01', `stage=${'x'.repeat(5000)}`, 'extra=1']) {
    const res = await api.inject({ method: 'GET', url: `/cases?${q}`, headers: { authorization: 'Bearer dev-admin-key' } });
    expect(res.statusCode, `${q} → ${res.body}`).toBe(400);
  }

  // Raw bodies that are not JSON, or JSON under another content type.
  const posts = Object.keys(VALID).map((e) => (e.startsWith('/') ? e : `/cases/${encodeURIComponent(caseId)}/${e}`));
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...posts), fc.string({ maxLength: 200 }), fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1'), async (url, raw, type) => {
      fc.pre(!(type.startsWith('application/json') && (() => { try { JSON.parse(raw); return true; } catch { return false; } })()));
      const res = await api.inject({ method: 'POST', url, headers: { authorization: 'Bearer dev-admin-key', 'content-type': type }, payload: raw });
      expect([400, 415], `${url} ${type} ${JSON.stringify(raw)} → ${res.statusCode} ${res.body}`).toContain(res.statusCode);
      expect(res.headers['content-type']).toContain('application/problem+json');
      if (url === '/cases') await expectNoCaseFor((() => { try { return JSON.parse(raw) as unknown; } catch { return undefined; } })());
    }),
    { numRuns: 50, seed: 20261126, maxSkipsPerRun: 100 },
  );

  // Hostile query strings and case IDs: refused or answered, never a 5xx.
  const filterValue = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('city', 'true', 'arrival.urge', 'escalatedVisit', '2026-11-25T10:00:00+08:00', 'AAAA', '0', '101', "' OR '1'='1", 'wuli-gov'));
  const queryArb = fc.dictionary(fc.constantFrom('kind', 'level', 'unitId', 'stage', 'overdue', 'deadlineFrom', 'deadlineTo', 'pageSize', 'pageToken', 'x'), filterValue, { maxKeys: 4 });
  await fc.assert(
    fc.asyncProperty(queryArb, async (query) => {
      const res = await api.inject({ method: 'GET', url: `/cases?${new URLSearchParams(query).toString()}`, headers: { authorization: 'Bearer dev-admin-key' } });
      expect(res.statusCode, `${JSON.stringify(query)} → ${res.body.slice(0, 300)}`).toBeLessThan(500);
      if (res.statusCode !== 200) expect(res.headers['content-type']).toContain('application/problem+json');
    }),
    { numRuns: 50, seed: 20261127 },
  );
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.string({ maxLength: 80 }), fc.string({ maxLength: 70 }).map((s) => `visit:${s}`)), fc.constantFrom('', '/arrival', '/cancellation'), async (id, suffix) => {
      const res = await api.inject({ method: suffix ? 'POST' : 'GET', url: `/cases/${encodeURIComponent(id)}${suffix}`, headers: { authorization: 'Bearer dev-admin-key' }, ...(suffix ? { payload: { reason: '撤销' } } : {}) });
      expect(res.statusCode, `${id}${suffix} → ${res.body.slice(0, 300)}`).toBeLessThan(500);
      expect(res.statusCode).not.toBe(200);
    }),
    { numRuns: 50, seed: 20261128 },
  );

  const after = await h.env.client.workflow.getHandle(caseId).query(caseQuery);
  const changes = after.timeline.filter((e) => !['reminder', 'alert'].includes(e.type)).map((e) => e.type);
  expect(changes).toEqual(before.timeline.filter((e) => !['reminder', 'alert'].includes(e.type)).map((e) => e.type));
  // Most malformed notices kept the valid body's ID: no run started it.
  await expectNoCaseFor(VALID['/cases']);
}, 120_000);
