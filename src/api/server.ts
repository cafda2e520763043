// The intake and operations API: strict input, roles from API keys, idempotent create, problem+json errors.
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { join } from 'node:path';
import { createHmac, timingSafeEqual } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync, type FastifyRequest } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NoticeConflictError, ReregistrationRefusedError, caseOwner, startEscalatedVisit, withUnitSnapshot, type BesideStart } from '../cases.js';
import { caseRecordOf } from '../caseRecord.js';
import { COLOURS, colourNow } from '../colour.js';
import { dataRunsOutOn, missingDataAlert, type HolidayCalendar } from '../deadlines/calendar.js';
import { DEFAULT_OVERRIDES_PATH, loadHolidayCalendar } from '../deadlines/calendarData.js';
import { ROOT, loadConfig } from '../config.js';
import type { Directory } from '../directory.js';
import { DUTY_KINDS, LEVELS, MILESTONES, type Stage } from '../domain.js';
import { ErrorType, InputError, type FieldIssue } from '../errors.js';
import { deadlineFor, plan } from '../ladder.js';
import {
  cancelSchema,
  cancelUpdate,
  caseQuery,
  decideExplanationSchema,
  decideExplanationUpdate,
  extendDeadlineSchema,
  extendDeadlineUpdate,
  noticeSchema,
  reassignUnitSchema,
  reassignUnitUpdate,
  reportArrivalSchema,
  reportArrivalUpdate,
  submitClosureReportSchema,
  submitClosureReportUpdate,
  submitExplanationSchema,
  submitExplanationUpdate,
  type CaseView,
} from '../messages.js';
import type { Policy } from '../policy.js';
import { actorOf, authenticate, authorize, type Action, type ApiKeyRecord, type Principal } from './auth.js';
import { Problem, problemResponses, problemSchema, type RouteKit, type RoutesOf } from './kit.js';
import { circularRoutes } from './circularRoutes.js';
import { documentRoutes } from './documentRoutes.js';
import { ledgerRoutes } from './ledgerRoutes.js';
import { ASSIGNED_CASE_ACTION_ROUTES, assignedCaseSchema, assignedPreviewBodySchema, assignedPreviewSchema, assignmentSchema, previewAssignedCase } from './assignedCaseRoutes.js';
import { CASE_ID_MESSAGE, CASE_ID_PATTERN } from '../duties/registry.js';
import type { AssignedCaseView } from '../duties/assignedCase.js';
import type { MonthlyObligationView } from '../duties/monthlyObligation.js';
import { AssignmentConflictError, startAssignedCase } from '../duties/intake.js';
import type { Records } from '../records/index.js';
import { isDatabaseUnavailable } from '../records/db.js';
import { listCaseRows, readCaseView, recordCase, recordCaseView, type CaseRowFilter } from '../records/cases.js';
import { sharedSecret } from '../records/sharedSecrets.js';
import { registerBoard } from '../board/index.js';
import { registerApiMetrics } from '../metrics.js';

export interface ApiDeps {
  client: Client;
  /** The store of record (PostgreSQL): ledgers, documents, closed cases, arrival tokens. */
  records: Records;
  namespace: string;
  taskQueue: string;
  /** The policy in force for new cases. */
  policy: Policy;
  directory: Directory;
  keys: readonly ApiKeyRecord[];
  plugins?: FastifyPluginAsync[];
  /** The process's pino logger (src/log.ts: redacted and masked): the API's errors go through it. Absent: no logging. */
  logger?: FastifyBaseLogger;
  /** Budget of each request's Temporal calls (ms, default 10 s): past it the caller gets a 503, not a hanging request. */
  temporalTimeoutMs?: number;
  /** Where official documents and circulars are stored (data/ by default: src/config.ts dataDir). */
  dataDir?: string;
  /** Signs list page tokens; absent, a key made once in the database and shared by every API process. */
  pageTokenSecret?: string;
  /** The holiday calendar deadlines count with (default: chinese-days with config/calendar.overrides.json). */
  calendar?: HolidayCalendar;
  /** The clock /healthz judges the calendar's data by (tests pass a fixed one). */
  now?: () => number;
}

export const BODY_LIMIT = 64 * 1024;

const caseIdParam = z.object({ caseId: z.string().regex(CASE_ID_PATTERN, CASE_ID_MESSAGE) }).strict();
const instant = z.string().datetime({ offset: true, message: 'must be an ISO 8601 time with an offset, e.g. 2026-11-25T09:30:00+08:00' });
const STAGES = [...MILESTONES.flatMap((m): Stage[] => [`${m}.pending`, `${m}.urge`, `${m}.supervise`, `${m}.deduction`]), 'paused', 'reviewWindow', 'reexaminationWindow', 'closed', 'cancelled'] as unknown as [Stage, ...Stage[]];
const listQuery = z
  .object({
    kind: z.enum(DUTY_KINDS).default('escalatedVisit'),
    level: z.enum(LEVELS).optional(),
    unitId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/).optional(),
    stage: z.enum(STAGES).optional(),
    overdue: z.enum(['true', 'false']).optional(),
    colour: z.enum(COLOURS).optional(),
    deadlineFrom: instant.optional(),
    deadlineTo: instant.optional(),
    pageSize: z.coerce.number().int().min(1).max(100).default(20),
    pageToken: z.string().max(4000).regex(/^[A-Za-z0-9_-]+$/, 'must be a nextPageToken of this list').optional(),
  })
  .strict();
/** The visit's preview body (with or without its kind), or another duty's: `{ kind, …its start facts }`. */
export const visitPreviewBodySchema = z.object({ kind: z.literal('escalatedVisit').optional(), level: z.enum(LEVELS), receivedAt: instant }).strict();
export const previewBodySchema = z.union([visitPreviewBodySchema, assignedPreviewBodySchema]);
// Response shapes document the API; a test checks a case read through the API equals the workflow's query, so no field is dropped.
const at = z.string().describe('UTC ISO 8601');
const actorOut = z.object({ id: z.string(), role: z.string() });
const timelineEntrySchema = z
  .object({ seq: z.number(), at, type: z.string(), milestone: z.string().optional(), actor: actorOut, reason: z.string().optional(), dueAt: at.optional(), detail: z.record(z.union([z.string(), z.number(), z.boolean()])).optional() });
const caseSchema = z
  .object({
    caseId: z.string(),
    kind: z.literal('escalatedVisit'),
    notice: z.object({ noticeId: z.string(), level: z.enum(LEVELS), receivedAt: z.string(), unitId: z.string(), receptionSite: z.string(), headcount: z.number(), matterSummary: z.string() }),
    unit: z.object({ id: z.string(), name: z.string(), leaders: z.array(z.object({ id: z.string(), role: z.string() })) }),
    policyVersion: z.string(),
    status: z.enum(['open', 'closed', 'cancelled']),
    stage: z.string(),
    milestone: z.string().nullable(),
    deadline: at.nullable().describe("the current milestone's deadline, null when the case is over"),
    overdue: z.boolean(),
    colour: z.enum(COLOURS).nullable().describe('三色预警: green inside the time limit, yellow inside the policy window before the deadline, red at or past it; null when over'),
    yellowFrom: at.nullable().describe("when the current milestone turns yellow (the case's pinned policy window)"),
    arrival: z.object({ leaderId: z.string(), leaderRole: z.string(), arrivedAt: at, onTime: z.boolean() }).nullable(),
    explanation: z.object({ status: z.enum(['none', 'pending', 'accepted', 'rejected']), milestone: z.string().nullable(), text: z.string().optional(), reason: z.string().optional() }),
    closureReport: z.object({ result: z.string(), reportedAt: at }).nullable(),
    deductions: z.array(z.object({ entryId: z.string(), milestone: z.string(), points: z.number(), at })),
    waitingFor: z.object({ key: z.string(), kind: z.string(), dueAt: at }).nullable(),
    deductionHeld: z.boolean(),
    timeline: z.array(timelineEntrySchema),
  })
  .describe('CaseView: state, deadlines, policy version, timeline');
const listSchema = z.object({
  cases: z.array(
    z.object({ caseId: z.string(), kind: z.string(), level: z.string().nullable(), unitId: z.string(), status: z.enum(['open', 'closed', 'cancelled']), stage: z.string(), receivedAt: at, deadline: at.nullable(), overdue: z.boolean().describe('open and past its deadline now'), colour: z.enum(COLOURS).nullable().describe('三色预警 now') }),
  ),
  nextPageToken: z.string().nullable().describe('opaque: pass it back as pageToken for the next page'),
});
const previewSchema = z.union([z.object({ policyVersion: z.string(), deadline: at, steps: z.array(z.object({ kind: z.string(), dueAt: at })) }), assignedPreviewSchema]);
/** Any duty's case. */
const anyCaseSchema = z.union([caseSchema, assignedCaseSchema]);

/** Update bodies are the workflow's input schemas without `actor`: the actor always comes from the key. */
const ACTIONS_ROUTES = [
  { path: 'arrival', action: 'arrival', body: reportArrivalSchema.omit({ actor: true }), update: reportArrivalUpdate },
  { path: 'explanation', action: 'explanation', body: submitExplanationSchema.omit({ actor: true }), update: submitExplanationUpdate },
  { path: 'explanation/decision', action: 'decideExplanation', body: decideExplanationSchema.omit({ actor: true }), update: decideExplanationUpdate },
  { path: 'extension', action: 'extend', body: extendDeadlineSchema.omit({ actor: true }), update: extendDeadlineUpdate },
  { path: 'reassignment', action: 'reassign', body: reassignUnitSchema.omit({ actor: true, unit: true }), update: reassignUnitUpdate },
  { path: 'cancellation', action: 'cancel', body: cancelSchema.omit({ actor: true }), update: cancelUpdate },
  { path: 'closure-report', action: 'closureReport', body: submitClosureReportSchema.omit({ actor: true }), update: submitClosureReportUpdate },
] as const;

/** gRPC codes that mean "not now": UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, and CANCELLED (only our deadline cancels). */
const RETRY_LATER_CODES = new Set([14, 4, 8, 1]);

function isTemporalUnavailable(err: unknown): boolean {
  // The update's RPC timed out or was cancelled by the request's deadline: the worker or server did not answer in time.
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
  const cause = (err as { cause?: Error })?.cause;
  const text = `${(err as Error)?.name ?? ''} ${(err as Error)?.message ?? ''} ${cause?.message ?? ''}`;
  const code = (err as { code?: unknown })?.code ?? (err as { cause?: { code?: unknown } })?.cause?.code;
  return (typeof code === 'number' && RETRY_LATER_CODES.has(code)) || /UNAVAILABLE|DEADLINE_EXCEEDED|ECONNREFUSED|Failed to connect|No connection established/i.test(text);
}

function problemFromUpdateFailure(err: WorkflowUpdateFailedError): Problem {
  const cause = err.cause;
  if (!(cause instanceof ApplicationFailure)) return new Problem(422, 'Refused 已拒绝', cause?.message ?? 'the case refused the action');
  const issues = Array.isArray(cause.details?.[0]) ? (cause.details[0] as FieldIssue[]) : [];
  const status = cause.type === ErrorType.InvalidState ? 409 : cause.type === ErrorType.NotAllowed ? 403 : 422;
  return new Problem(status, status === 409 ? 'Conflict with the case state 与案件状态冲突' : 'Refused 已拒绝', cause.message, issues);
}

export async function buildApiServer(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: BODY_LIMIT,
    // Unexpected errors only: access lines would carry URLs with arrival-link tokens, so request logging stays off.
    ...(deps.logger ? { loggerInstance: deps.logger, logController: new LogController({ disableRequestLogging: true }) } : { logger: false }),
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'duban 督办 API', version: '1.0.0', description: 'Intake and operations API: escalated-visit cases, their actions and the policy preview.' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  app.setErrorHandler((err: unknown, request, reply) => {
    let problem: Problem;
    const e = err as { validation?: unknown; code?: string; statusCode?: number; message?: string };
    if (err instanceof Problem) problem = err;
    else if (e.validation) {
      const zodError = (err as { validation: { instancePath?: string; message?: string; params?: { issue?: { path: (string | number)[]; code: string; keys?: string[]; message: string } } }[] }).validation;
      const issues: FieldIssue[] = zodError.flatMap((v) => {
        const issue = v.params?.issue;
        if (issue?.code === 'unrecognized_keys') return (issue.keys ?? []).map((k) => ({ field: [...issue.path, k].join('.'), message: 'is not a known field' }));
        const field = issue ? issue.path.join('.') : (v.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
        return [{ field: field || '(body)', message: issue?.message ?? v.message ?? 'is invalid' }];
      });
      problem = new Problem(400, 'Invalid request 请求无效', issues.map((i) => `${i.field}: ${i.message}`).join('; '), issues);
    } else if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') problem = new Problem(413, 'Body too large 请求体过大', `the body may be at most ${BODY_LIMIT} bytes`);
    else if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') problem = new Problem(415, 'Unsupported media type', 'send application/json');
    // gRPC errors carry a numeric code: only fastify's own codes are strings.
    else if ((typeof e.code === 'string' && e.code.startsWith('FST_ERR_CTP')) || (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500)) problem = new Problem(400, 'Invalid request 请求无效', 'the body is not valid JSON');
    else if (isDatabaseUnavailable(err)) problem = new Problem(503, 'Temporarily unavailable 暂时不可用', 'the database is unreachable; nothing was written; retry later', [], 5);
    else if (isTemporalUnavailable(err)) problem = new Problem(503, 'Temporarily unavailable 暂时不可用', 'Temporal is unreachable or did not answer in time; retry later (a repeated create is idempotent; read the case before repeating an action)', [], 5);
    else {
      request.log.error({ err }, 'unexpected error');
      problem = new Problem(500, 'Internal error 内部错误', 'an unexpected error occurred; read the case before repeating the request');
    }
    if (problem.retryAfter !== undefined) void reply.header('Retry-After', String(problem.retryAfter));
    void reply
      .status(problem.status)
      .type('application/problem+json')
      .send({ type: 'about:blank', title: problem.title, status: problem.status, detail: problem.detail, errors: problem.errors });
  });

  // Unknown paths answer in the same problem shape as every other refusal.
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).type('application/problem+json').send({ type: 'about:blank', title: 'Not found 未找到', status: 404, detail: `no route ${request.method} ${request.url.split('?')[0]}`, errors: [] });
  });

  // GET /metrics (no API key: Prometheus scrapes counts only; DUBAN_METRICS_TOKEN guards it) and the intake timer.
  registerApiMetrics(app, deps);

  // Every Temporal call of a request shares one deadline: the SDK would otherwise retry an unreachable server for ~20 s.
  const timeoutMs = deps.temporalTimeoutMs ?? 10_000;
  const temporal = <R>(fn: () => Promise<R>): Promise<R> => deps.client.withDeadline(Date.now() + timeoutMs, fn);

  // Page tokens carry the last row's (receivedAt, caseId), signed with the list's query: a forged or foreign token is
  // a 400, and a token never widens a unit key's list. The key is shared through the database by every API process.
  // Read on first use, not at start: the API starts (and answers 503) while the database is down.
  let pageSecret: Promise<string | Buffer> | undefined = deps.pageTokenSecret === undefined ? undefined : Promise.resolve(deps.pageTokenSecret);
  const pageKey = (): Promise<string | Buffer> => {
    pageSecret ??= sharedSecret(deps.records, 'case-list-page-token').catch((err: unknown) => {
      pageSecret = undefined;
      throw err;
    });
    return pageSecret;
  };
  const pageMac = async (query: string, cursor: Buffer): Promise<Buffer> => createHmac('sha256', await pageKey()).update(query).update('\0').update(cursor).digest().subarray(0, 16);
  const sealPageToken = async (query: string, after: { receivedAt: string; caseId: string }): Promise<string> => {
    const cursor = Buffer.from(JSON.stringify([after.receivedAt, after.caseId]));
    return Buffer.concat([await pageMac(query, cursor), cursor]).toString('base64url');
  };
  const openPageToken = async (query: string, sealed: string): Promise<{ receivedAt: string; caseId: string } | null> => {
    const raw = Buffer.from(sealed, 'base64url');
    if (raw.length <= 16) return null;
    const cursor = raw.subarray(16);
    if (!timingSafeEqual(raw.subarray(0, 16), await pageMac(query, cursor))) return null;
    const [receivedAt, caseId] = JSON.parse(cursor.toString()) as [string, string];
    return { receivedAt, caseId };
  };

  const principalOf = (request: FastifyRequest): Principal => {
    const result = authenticate(deps.keys, request.headers);
    if (!result.ok) throw new Problem(401, 'Unauthorized 未认证', result.reason);
    return result.principal;
  };
  const allow = (principal: Principal, action: Action, unitId?: string): void => {
    const r = authorize(principal, action, unitId);
    if (!r.ok) throw new Problem(403, 'Forbidden 无权操作', r.reason);
  };
  // Key and role are checked before the body is read or validated: a caller without them learns nothing of the schema.
  const principals = new WeakMap<FastifyRequest, Principal>();
  const guard = (action: Action) => (request: FastifyRequest, _reply: unknown, done: (err?: Error) => void): void => {
    try {
      const principal = principalOf(request);
      allow(principal, action);
      principals.set(request, principal);
      done();
    } catch (err) {
      done(err as Error);
    }
  };
  const principalFor = (request: FastifyRequest): Principal => principals.get(request) ?? principalOf(request);
  // A recorded view ages: its colour is said as of now (and views recorded before the colour existed get one).
  const asOfNow = (view: CaseView): CaseView => ({ ...view, colour: colourNow(view, Date.now()), yellowFrom: view.yellowFrom ?? null });
  const readCase = async (caseId: string): Promise<CaseView> => {
    try {
      return await temporal(() => deps.client.workflow.getHandle(caseId).query(caseQuery));
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    // Past the namespace's retention Temporal has forgotten the case; its last recorded view is in the database.
    const recorded = await readCaseView(deps.records, caseId);
    if (recorded) return asOfNow(recorded);
    throw new Problem(404, 'Not found 案件不存在', `no case ${caseId}`);
  };

  // The view an answer carries is recorded at once, so the list reads what the caller was just told; the worker
  // records it too (newest wins), so a database that is down costs only this write, never the answer.
  const remember = async <V extends CaseView | AssignedCaseView | MonthlyObligationView>(view: V): Promise<V> => {
    try {
      await recordCaseView(deps.records, view);
    } catch (err) {
      deps.logger?.warn({ caseId: view.caseId, err: (err as Error).message }, 'case view not recorded by the API; the worker records it');
    }
    return view;
  };

  // A create's record is written beside its start, in a transaction committed only once the start created the case (a
  // repeat, a conflict or a failed start rolls it back: nothing of it was ever visible). The answer then waits for the
  // commit, not for the whole write. With the pool busy the record is written after the start instead, as remember does.
  const recordBeside = (view: CaseView): BesideStart | undefined => {
    const pool = deps.records.db;
    if (pool.idleCount === 0 && pool.totalCount >= (pool.options.max ?? 10)) return undefined;
    const written = (async () => {
      const tx = await pool.connect();
      try {
        await tx.query('BEGIN');
        await recordCase({ db: tx as unknown as typeof pool, sealer: deps.records.sealer }, caseRecordOf(view, 0, true));
        return tx;
      } catch (err) {
        await tx.query('ROLLBACK').catch(() => undefined);
        tx.release();
        throw err;
      }
    })();
    // Held until keep or drop: an unhandled rejection must not escape before either is called.
    written.catch(() => undefined);
    return {
      async keep() {
        try {
          const tx = await written;
          try {
            await tx.query('COMMIT');
          } finally {
            tx.release();
          }
        } catch (err) {
          deps.logger?.warn({ caseId: view.caseId, err: (err as Error).message }, 'case view not recorded by the API; the worker records it');
        }
      },
      drop() {
        void written.then(
          async (tx) => {
            await tx.query('ROLLBACK').catch(() => undefined);
            tx.release();
          },
          () => undefined,
        );
      },
    };
  };

  // The last recorded view, or null (none yet, or the database is down: the caller then asks Temporal).
  const recordedView = async (caseId: string): Promise<CaseView | null> => {
    try {
      return await readCaseView(deps.records, caseId);
    } catch (err) {
      deps.logger?.warn({ caseId, err: (err as Error).message }, 'case view not readable from the database; asking Temporal');
      return null;
    }
  };

  // Up, and what operations must know without reading logs: whether the holiday data runs out within 60 days.
  const calendar = deps.calendar ?? loadHolidayCalendar(join(ROOT, DEFAULT_OVERRIDES_PATH));
  const calendarAlert = z.object({ lastCoveredDay: z.string().nullable(), daysLeft: z.number(), ranOut: z.boolean(), message: z.string() });
  const healthSchema = z.object({ status: z.literal('ok'), calendar: z.object({ version: z.string(), dataUntil: z.string().nullable(), alert: calendarAlert.nullable() }) });
  app.get('/healthz', { schema: { response: { 200: healthSchema } } }, () => {
    const now = new Date((deps.now ?? Date.now)()).toISOString();
    return { status: 'ok' as const, calendar: { version: calendar.version, dataUntil: dataRunsOutOn(calendar), alert: missingDataAlert(calendar, now) } };
  });
  const startAlert = missingDataAlert(calendar, new Date((deps.now ?? Date.now)()).toISOString());
  if (startAlert) deps.logger?.warn({ calendar: calendar.version, daysLeft: startAlert.daysLeft, ranOut: startAlert.ranOut }, startAlert.message);
  app.get('/readyz', { schema: { response: { 200: z.object({ status: z.literal('ready') }), 503: problemSchema } } }, async () => {
    // The deadline ends the SDK's retries; the timer bounds the answer to 2 s whatever its backoff does.
    // describeNamespace, not only a ping: a server without duban's namespace cannot take a case either.
    const probe = deps.client.withDeadline(Date.now() + 2000, () => deps.client.connection.workflowService.describeNamespace({ namespace: deps.namespace }));
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(Object.assign(new Error('UNAVAILABLE: timed out'), { code: 14 })), 2000).unref());
    try {
      await Promise.race([probe, timeout]);
    } catch {
      throw new Problem(503, 'Not ready 未就绪', `Temporal is unreachable or has no namespace ${deps.namespace}`, [], 5);
    }
    return { status: 'ready' as const };
  });

  app.post('/cases', { onRequest: guard('create'), schema: { body: noticeSchema, response: { 200: caseSchema, 201: caseSchema, ...problemResponses } } }, async (request, reply) => {
    const principal = principalFor(request);
    allow(principal, 'create', request.body.unitId);
    try {
      // Answered with the view the workflow starts from (the same pure code builds both): no wait for a worker.
      const started = await temporal(() => startEscalatedVisit(request.body, { client: deps.client, taskQueue: deps.taskQueue, policy: deps.policy, directory: deps.directory, actor: actorOf(principal), records: deps.records, beside: recordBeside }));
      void reply.status(started.created ? 201 : 200).header('Location', `/cases/${encodeURIComponent(started.caseId)}`);
      if (started.created) {
        // Its record was written while the case started: now committed (else, the pool being busy, written now).
        if (!started.beside) return await remember(started.opening);
        await started.beside.keep();
        return started.opening;
      }
      // A repeat: the case as last recorded, else as it was registered.
      const last = await recordedView(started.caseId);
      return last ? asOfNow(last) : started.opening;
    } catch (err) {
      if (err instanceof InputError) throw new Problem(422, 'Invalid notice 接人通知无效', err.message, err.issues);
      if (err instanceof NoticeConflictError) throw new Problem(409, 'Conflict 通知编号冲突', err.message, [{ field: 'noticeId', message: 'already registered with a different body' }]);
      if (err instanceof ReregistrationRefusedError) throw new Problem(409, 'Conflict 通知编号冲突', err.message, [{ field: 'noticeId', message: `the case's last run ended ${err.previousStatus} with a recorded ${err.blocker.type}: not registered again` }]);
      throw err;
    }
  });

  // 交办案件: the assignment and its 五个一 (src/duties/assignedCase.ts); answered, like a visit, without a worker.
  app.post('/assigned-cases', { onRequest: guard('create'), schema: { body: assignmentSchema, response: { 200: assignedCaseSchema, 201: assignedCaseSchema, ...problemResponses } } }, async (request, reply) => {
    const principal = principalFor(request);
    allow(principal, 'create', request.body.unitId);
    try {
      const started = await temporal(() => startAssignedCase(request.body, { client: deps.client, taskQueue: deps.taskQueue, policy: deps.policy, directory: deps.directory, calendar, actor: actorOf(principal) }));
      void reply.status(started.created ? 201 : 200).header('Location', `/cases/${encodeURIComponent(started.caseId)}`);
      if (started.created) return await remember(started.opening);
      const last = await recordedView(started.caseId);
      return last && (last as { kind: string }).kind === 'assignedCase' ? (last as unknown as typeof started.opening) : started.opening;
    } catch (err) {
      if (err instanceof InputError) throw new Problem(422, 'Invalid assignment 交办事项无效', err.message, err.issues);
      if (err instanceof AssignmentConflictError) throw new Problem(409, 'Conflict 交办编号冲突', err.message, [{ field: 'assignmentId', message: 'already registered with a different body' }]);
      throw err;
    }
  });

  app.get('/cases/:caseId', { onRequest: guard('read'), schema: { params: caseIdParam, response: { 200: anyCaseSchema, ...problemResponses } } }, async (request) => {
    const principal = principalFor(request);
    allow(principal, 'read');
    const view = await readCase(request.params.caseId);
    allow(principal, 'read', view.unit.id);
    return view;
  });

  app.get('/cases', { onRequest: guard('list'), schema: { querystring: listQuery, response: { 200: listSchema, ...problemResponses } } }, async (request) => {
    const principal = principalFor(request);
    allow(principal, 'list', request.query.unitId);
    const q = request.query;
    // The store of record, not visibility: a case stays listed after Temporal's retention has dropped it.
    const filter: Omit<CaseRowFilter, 'limit' | 'after'> = {
      kind: q.kind,
      ...(q.level ? { level: q.level } : {}),
      ...(q.unitId ? { unitId: q.unitId } : principal.role === 'unit' ? { units: principal.units } : {}),
      ...(q.stage ? { stage: q.stage } : {}),
      ...(q.overdue ? { overdue: q.overdue === 'true' } : {}),
      ...(q.colour ? { colour: q.colour } : {}),
      ...(q.deadlineFrom ? { deadlineFrom: new Date(q.deadlineFrom).toISOString() } : {}),
      ...(q.deadlineTo ? { deadlineTo: new Date(q.deadlineTo).toISOString() } : {}),
    };
    const query = JSON.stringify(filter);
    const after = q.pageToken === undefined ? undefined : await openPageToken(query, q.pageToken);
    if (after === null) throw new Problem(400, 'Invalid request 请求无效', 'pageToken: is not a nextPageToken of this list', [{ field: 'pageToken', message: 'is not a nextPageToken of this list' }]);
    // One row more than the page: a next token only when there is a next row.
    const rows = await listCaseRows(deps.records, { ...filter, limit: q.pageSize + 1, ...(after ? { after } : {}) });
    const page = rows.slice(0, q.pageSize);
    const last = page.at(-1);
    return {
      cases: page.map((r) => ({ caseId: r.caseId, kind: r.kind, level: r.level, unitId: r.unitId, status: r.status, stage: r.stage, receivedAt: r.receivedAt, deadline: r.deadline, overdue: r.overdue, colour: r.colour ?? null })),
      nextPageToken: rows.length > q.pageSize && last ? await sealPageToken(query, last) : null,
    };
  });

  for (const route of [...ACTIONS_ROUTES, ...ASSIGNED_CASE_ACTION_ROUTES]) {
    app.post(`/cases/:caseId/${route.path}`, { onRequest: guard(route.action), schema: { params: caseIdParam, body: route.body, response: { 200: anyCaseSchema, ...problemResponses } } }, async (request) => {
      const principal = principalFor(request);
      allow(principal, route.action);
      // The unit is read from the record's columns (else the case's search attributes), never by a query: an action
      // waits for no worker before its update.
      const owner = await temporal(() => caseOwner(request.params.caseId, { client: deps.client, records: deps.records, onDatabaseError: (err) => deps.logger?.warn({ caseId: request.params.caseId, err: (err as Error).message }, "case's unit not readable from the database; asking Temporal") }));
      if (!owner) throw new Problem(404, 'Not found 案件不存在', `no case ${request.params.caseId}`);
      allow(principal, route.action, owner.unitId);
      try {
        const input = withUnitSnapshot({ ...(request.body), actor: actorOf(principal) }, deps.directory);
        const handle = deps.client.workflow.getHandle(request.params.caseId);
        await temporal(() => handle.executeUpdate(route.update as typeof cancelUpdate, { args: [input as never] }));
        // The update answers with a small acknowledgement (it stays in the history); the case as it now is, by query.
        return await remember(await temporal(() => handle.query(caseQuery)));
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError) throw problemFromUpdateFailure(err);
        if (err instanceof InputError) throw new Problem(422, 'Refused 已拒绝', err.message, err.issues);
        // A case that has finished (closed or cancelled) takes no more actions.
        if (err instanceof WorkflowNotFoundError || /already completed/i.test((err as Error).message)) {
          throw new Problem(409, 'Conflict with the case state 与案件状态冲突', `case ${request.params.caseId} is ${owner.status}`, [{ field: 'status', message: `case is ${owner.status}` }]);
        }
        throw err;
      }
    });
  }

  app.post('/policy/preview', { onRequest: guard('preview'), schema: { body: previewBodySchema, response: { 200: previewSchema, ...problemResponses } } }, (request) => {
    allow(principalFor(request), 'preview');
    if (request.body.kind === 'assignedCase') return previewAssignedCase(request.body.receivedAt, { policy: deps.policy, directory: deps.directory, calendar });
    const receivedAt = Date.parse(request.body.receivedAt);
    const deadline = deadlineFor(deps.policy, 'arrival', request.body.level, receivedAt);
    const steps = plan(deps.policy, { milestone: 'arrival', level: request.body.level, startedAt: receivedAt, registeredAt: receivedAt, deadline, deadlineSetAt: receivedAt, explanation: 'none', done: {} }).steps;
    return { policyVersion: deps.policy.version, deadline: new Date(deadline).toISOString(), steps: steps.map((s) => ({ kind: s.kind, dueAt: new Date(s.dueAt).toISOString() })) };
  });

  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());

  // Ledgers, official documents and circulars: each in its own module, sharing auth, deadlines and problem answers.
  const kit: RouteKit = { client: deps.client, records: deps.records, namespace: deps.namespace, taskQueue: deps.taskQueue, directory: deps.directory, dataDir: deps.dataDir ?? loadConfig().dataDir, temporal, guard, principalFor, allow, readCase };
  const routeModules: RoutesOf[] = [ledgerRoutes, documentRoutes, circularRoutes];
  for (const routes of routeModules) routes(app, kit);
  // The web board (docs/board.md) at / on the same host and port.
  await registerBoard(app, deps);

  for (const plugin of deps.plugins ?? []) await app.register(plugin);
  return app;
}

/** The case right after start: a query needs the first workflow task to have run. */
