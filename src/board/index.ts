// The web board (督办工作台) at / on the API's host and port: server-rendered pages, a session cookie, CSRF tokens on every
// form, live updates over server-sent events. Roles and unit scope are the API's (src/api/auth.ts authorize).
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeAny } from 'zod';
import { z } from 'zod';
import { actorOf, authenticate, authorize, type Action, type Principal } from '../api/auth.js';
import { contentDisposition } from '../api/kit.js';
import { visitPreviewBodySchema, type ApiDeps } from '../api/server.js';
import { ASSIGNED_CASE_ACTION_ROUTES } from '../api/assignedCaseRoutes.js';
import type { AssignedCaseView } from '../duties/assignedCase.js';
import { recordLeadershipStudySchema, recordLeadershipStudyUpdate, type MonthlyObligationView } from '../duties/monthlyObligation.js';
import { CASE_ID_PATTERN } from '../duties/registry.js';
import type { DutyKind } from '../domain.js';
import { circularTitle } from '../circular/period.js';
import { findUnit } from '../directory.js';
import { shanghaiYear } from '../domain.js';
import { ErrorType, InputError, type FieldIssue } from '../errors.js';
import { withUnitSnapshot } from '../cases.js';
import { deadlineFor, plan } from '../ladder.js';
import { emptyLedgerView } from '../ledger.js';
import {
  cancelSchema,
  cancelUpdate,
  caseQuery,
  decideExplanationSchema,
  decideExplanationUpdate,
  extendDeadlineSchema,
  extendDeadlineUpdate,
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
import { listCaseRows, readCaseView, recordCaseView, MAX_CASE_ROWS } from '../records/cases.js';
import { readCircularRecord, readStoredCircular, type StoredCircular } from '../records/circularFacts.js';
import { isDatabaseUnavailable } from '../records/db.js';
import { listCaseDocuments, readDocument } from '../records/documents.js';
import { LedgerRefusal, readLedger, reverseDeduction } from '../records/ledger.js';
import { sharedSecret } from '../records/sharedSecrets.js';
import type { SafeHtml } from './html.js';
import { colourOf as colourFrom } from '../colour.js';
import { COLOURS, GROUPS, applyFilter, boardRow, colourOf, counts, dutyOf, filterFromQuery, queryString, sortByTimeLeft, warnWindowMs } from './model.js';
import { accountsPage, boardLive, boardPage, casePage, circularsPage, errorPage, ledgerPage, loginPage, previewPage, type BoardData, type CaseAction, type FieldErrors, type PageContext } from './pages.js';
import { LOGIN_COOKIE, LOGIN_TTL_MS, SESSION_COOKIE, SESSION_TTL_MS, cookieHeader, csrfToken, csrfValid, newSid, openSession, parseCookies, sealSession, type Session } from './session.js';
import { BoardStore } from './store.js';
import { LiveUpdates } from './live.js';
import { zhMessage } from './text.js';

const ASSET_DIR = join(dirname(fileURLToPath(import.meta.url)), 'assets');
const ASSETS: Record<string, string> = { 'board.css': 'text/css; charset=utf-8', 'board.js': 'text/javascript; charset=utf-8' };

/** Strict: only this origin's files; no inline script or style, no frames, forms only back to the board. */
export const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const WRONG_SIGN_IN = '登录信息不正确，请核对后重试。';
/** Any duty's case, as the API's routes take it. */
const CASE_ID = CASE_ID_PATTERN;

/** A refusal shown as a page (never problem+json: people read these). */
class PageError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Form = Record<string, string | string[]>;
const one = (form: Form, name: string): string => {
  const v = form[name];
  return (Array.isArray(v) ? v[0] : v) ?? '';
};
/** A datetime-local value (Beijing time, no offset) as the API's instant; anything else is passed on for the schema to refuse. */
const beijingInstant = (value: string): string => (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value) ? `${value}:00+08:00` : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(value) ? `${value}+08:00` : value);

type AnyCaseView = CaseView | AssignedCaseView | MonthlyObligationView;

interface BoardAction {
  key: string;
  /** The duties whose cases take it (the common ones take every duty's). */
  kinds: readonly DutyKind[];
  action: Action;
  label: string;
  schema: ZodTypeAny;
  update: typeof cancelUpdate;
  input(form: Form): Record<string, unknown>;
  /** Offered only when the case is in a state that takes it. */
  offered(view: AnyCaseView): boolean;
}

const overdueStage = (v: AnyCaseView): boolean => /\.(urge|supervise|deduction)$/.test(v.stage);
const optional = (v: string): string | undefined => (v.trim() === '' ? undefined : v);
/** A whole number typed in a form; anything else goes on as typed for the schema to refuse. */
const integer = (v: string): number | string | undefined => (v.trim() === '' ? undefined : /^\d{1,6}$/.test(v.trim()) ? Number(v.trim()) : v);
const EVERY: readonly DutyKind[] = ['escalatedVisit', 'assignedCase', 'monthlyObligation'];
const VISIT: readonly DutyKind[] = ['escalatedVisit'];
const ASSIGNED: readonly DutyKind[] = ['assignedCase'];
const MONTHLY: readonly DutyKind[] = ['monthlyObligation'];
/** Every value a form sent under a name (checkboxes), in order. */
const all = (form: Form, name: string): string[] => {
  const v = form[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
};
/** An assigned case's route as the API declares it: its action (role), body schema and update, nothing restated. */
const assignedRoute = (path: (typeof ASSIGNED_CASE_ACTION_ROUTES)[number]['path']): Pick<BoardAction, 'action' | 'schema' | 'update'> => {
  const r = ASSIGNED_CASE_ACTION_ROUTES.find((x) => x.path === path)!;
  return { action: r.action, schema: r.body, update: r.update as unknown as typeof cancelUpdate };
};
const phaseOf = (v: AnyCaseView): string | null => (v.kind === 'assignedCase' && v.status === 'open' ? v.phase : null);

// The API's update bodies (the workflow's schemas without actor), filled from the form's fields.
const ACTIONS: BoardAction[] = [
  { key: 'arrival', kinds: VISIT, action: 'arrival', label: '报告领导到达', schema: reportArrivalSchema.omit({ actor: true }), update: reportArrivalUpdate as unknown as typeof cancelUpdate, input: (f) => ({ leaderId: one(f, 'leaderId'), arrivedAt: beijingInstant(one(f, 'arrivedAt')), ...(optional(one(f, 'note')) ? { note: one(f, 'note') } : {}) }), offered: (v) => v.status === 'open' && v.milestone === 'arrival' },
  { key: 'explanation', kinds: EVERY, action: 'explanation', label: '提交情况说明', schema: submitExplanationSchema.omit({ actor: true }), update: submitExplanationUpdate as unknown as typeof cancelUpdate, input: (f) => ({ text: one(f, 'text') }), offered: (v) => v.status === 'open' && overdueStage(v) && v.explanation.status !== 'pending' && v.explanation.status !== 'accepted' },
  { key: 'decideExplanation', kinds: EVERY, action: 'decideExplanation', label: '审核情况说明', schema: decideExplanationSchema.omit({ actor: true }), update: decideExplanationUpdate, input: (f) => ({ decision: one(f, 'decision'), reason: one(f, 'reason') }), offered: (v) => v.status === 'open' && v.explanation.status === 'pending' },
  { key: 'extend', kinds: VISIT, action: 'extend', label: '延长期限', schema: extendDeadlineSchema.omit({ actor: true }), update: extendDeadlineUpdate, input: (f) => ({ newDeadline: beijingInstant(one(f, 'newDeadline')), reason: one(f, 'reason') }), offered: (v) => v.status === 'open' },
  { key: 'reassign', kinds: EVERY, action: 'reassign', label: '变更责任单位', schema: reassignUnitSchema.omit({ actor: true, unit: true }), update: reassignUnitUpdate, input: (f) => ({ unitId: one(f, 'unitId'), reason: one(f, 'reason') }), offered: (v) => v.status === 'open' },
  { key: 'cancel', kinds: EVERY, action: 'cancel', label: '撤销案件', schema: cancelSchema.omit({ actor: true }), update: cancelUpdate, input: (f) => ({ reason: one(f, 'reason') }), offered: (v) => v.status === 'open' },
  { key: 'closureReport', kinds: VISIT, action: 'closureReport', label: '提交书面办理结果', schema: submitClosureReportSchema.omit({ actor: true }), update: submitClosureReportUpdate as unknown as typeof cancelUpdate, input: (f) => ({ result: one(f, 'result') }), offered: (v) => v.status === 'open' && v.milestone === 'closureReport' },
  // 交办案件: the API's own routes (src/api/assignedCaseRoutes.ts), in the order a case goes through them.
  { key: 'acceptance', kinds: ASSIGNED, ...assignedRoute('acceptance'), label: '作出受理决定', input: (f) => ({ decision: one(f, 'decision'), writtenNoticeAt: beijingInstant(one(f, 'writtenNoticeAt')), ...(optional(one(f, 'reason')) ? { reason: one(f, 'reason') } : {}) }), offered: (v) => phaseOf(v) === 'acceptance' },
  { key: 'progress', kinds: ASSIGNED, ...assignedRoute('progress'), label: '报送办理进展', input: (f) => ({ text: one(f, 'text') }), offered: (v) => phaseOf(v) === 'handling' },
  { key: 'reply', kinds: ASSIGNED, ...assignedRoute('reply'), label: '出具答复意见', input: (f) => ({ result: one(f, 'result'), writtenReplyAt: beijingInstant(one(f, 'writtenReplyAt')) }), offered: (v) => phaseOf(v) === 'handling' && v.stage !== 'paused' },
  { key: 'opinion', kinds: ASSIGNED, ...assignedRoute('opinion'), label: '出具复查（复核）意见', input: (f) => ({ opinion: one(f, 'opinion'), writtenOpinionAt: beijingInstant(one(f, 'writtenOpinionAt')) }), offered: (v) => phaseOf(v) === 'review' || phaseOf(v) === 'reexamination' },
  { key: 'pause', kinds: ASSIGNED, ...assignedRoute('pause'), label: '中止计时', input: (f) => ({ pauseKind: one(f, 'pauseKind'), reason: one(f, 'reason'), ...(optional(one(f, 'approverId')) ? { approverId: one(f, 'approverId') } : {}) }), offered: (v) => phaseOf(v) === 'handling' && v.stage !== 'paused' },
  { key: 'resumption', kinds: ASSIGNED, ...assignedRoute('resumption'), label: '恢复计时', input: (f) => (optional(one(f, 'note')) ? { note: one(f, 'note') } : {}), offered: (v) => phaseOf(v) === 'handling' && v.stage === 'paused' },
  { key: 'handlingExtension', kinds: ASSIGNED, ...assignedRoute('handling-extension'), label: '延长办理期限', input: (f) => ({ days: integer(one(f, 'days')), reason: one(f, 'reason'), ...(optional(one(f, 'approverId')) ? { approverId: one(f, 'approverId') } : {}), petitionerNotifiedAt: beijingInstant(one(f, 'petitionerNotifiedAt')) }), offered: (v) => phaseOf(v) === 'handling' },
  { key: 'reviewRequest', kinds: ASSIGNED, ...assignedRoute('review-request'), label: '登记复查（复核）申请', input: (f) => ({ requestedAt: beijingInstant(one(f, 'requestedAt')) }), offered: (v) => phaseOf(v) === 'reviewWindow' || phaseOf(v) === 'reexaminationWindow' },
  // 月度工作: the unit records its leadership's monthly study (the report with its file is not on the board yet).
  { key: 'leadershipStudy', kinds: MONTHLY, action: 'dutyReport', label: '登记领导班子研究信访工作', schema: recordLeadershipStudySchema.omit({ actor: true }), update: recordLeadershipStudyUpdate as unknown as typeof cancelUpdate, input: (f) => ({ meetingDate: one(f, 'meetingDate'), attendees: all(f, 'attendees'), topics: one(f, 'topics') }), offered: (v) => v.kind === 'monthlyObligation' && v.status === 'open' && v.obligation === 'leadershipStudy' },
];

const fieldErrorsOf = (issues: FieldIssue[]): FieldErrors => {
  const out: FieldErrors = {};
  for (const i of issues) {
    const field = i.field.split('.')[0] ?? '';
    out[field] ??= zhMessage(i.message);
  }
  return out;
};

const accountSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]{2,39}$/, '只能是 3–40 位小写字母、数字、点、横线或下划线'),
    role: z.enum(['unit', 'supervisor', 'admin', 'viewer'], { errorMap: () => ({ message: '请从选项中选择一项' }) }),
    units: z.array(z.string()),
    password: z.string().min(12, '至少 12 位').max(200, '最多 200 位'),
  })
  .refine((a) => a.role !== 'unit' || a.units.length > 0, { message: '责任单位角色须选择所属单位', path: ['units'] });

/** Registers the board on the API's server: call once, after the API's routes. */
export async function registerBoard(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const store = new BoardStore(deps.records);
  const timeoutMs = deps.temporalTimeoutMs ?? 10_000;
  const temporal = <R>(fn: () => Promise<R>): Promise<R> => deps.client.withDeadline(Date.now() + timeoutMs, fn);
  // The same key on every API process (the database's shared_secrets), read on first use like the list's page key.
  let secretP: Promise<Buffer> | undefined;
  const secret = (): Promise<Buffer> => {
    secretP ??= sharedSecret(deps.records, 'board-session').catch((err: unknown) => {
      secretP = undefined;
      throw err;
    });
    return secretP;
  };
  const assets = Object.fromEntries(Object.keys(ASSETS).map((name) => [name, readFileSync(join(ASSET_DIR, name))]));
  const unitName = (id: string): string => findUnit(deps.directory, id)?.name ?? id;
  const people = new Map<string, string>([...deps.directory.units.flatMap((u) => u.people), ...deps.directory.supervisors].map((p) => [p.id, p.name]));
  const personName = (id: string): string => people.get(id) ?? id;
  const unitsOf = (p: Principal): { id: string; name: string }[] => deps.directory.units.filter((u) => p.role !== 'unit' || p.units.includes(u.id)).map((u) => ({ id: u.id, name: u.name }));
  const live = new LiveUpdates(deps.records);

  await app.register((board, _opts, registered) => {
    // Pages, not API operations: kept out of the OpenAPI document.
    board.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, hide: true };
    });
    board.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => {
      const form: Form = {};
      for (const [k, v] of new URLSearchParams(body as string)) {
        const prev = form[k];
        form[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
      done(null, form);
    });
    board.addHook('onSend', (request, reply, payload, done) => {
      void reply.header('content-security-policy', CSP).header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer').header('x-frame-options', 'DENY');
      if (!request.url.startsWith('/board/assets/')) void reply.header('cache-control', 'no-store');
      done(null, payload);
    });
    board.addHook('preClose', (done) => {
      live.close();
      done();
    });

    const secure = (request: FastifyRequest): boolean => request.protocol === 'https';
    /** The signed-in person, from the cookie; the key or account is looked up again on every request (revocation holds). */
    const signedIn = async (request: FastifyRequest): Promise<{ principal: Principal; session: Session } | null> => {
      const session = openSession(await secret(), parseCookies(request.headers.cookie)[SESSION_COOKIE]);
      if (!session) return null;
      if (await store.signedOut(session.sid)) return null;
      if (session.via === 'key') {
        const key = deps.keys.find((k) => k.id === session.sub);
        return key ? { session, principal: { id: key.id, role: key.role, units: key.units } } : null;
      }
      const account = await store.account(session.sub);
      return account && !account.disabled ? { session, principal: { id: `account:${account.name}`, role: account.role, units: account.units } } : null;
    };
    const ctxOf = async (s: { principal: Principal; session: Session }): Promise<PageContext> => ({ principal: s.principal, csrf: csrfToken(await secret(), s.session.sid), now: Date.now() });
    const send = (reply: FastifyReply, page: SafeHtml, status = 200): FastifyReply => reply.status(status).type('text/html; charset=utf-8').send(page.value);
    const allowed = (p: Principal, action: Action, unitId?: string): boolean => authorize(p, action, unitId).ok;
    const must = (p: Principal, action: Action, unitId?: string): void => {
      if (!allowed(p, action, unitId)) throw new PageError(403, '您的角色或所属单位无权查看或办理此项。');
    };
    /** Every page needs a session; a POST also needs the session's CSRF token. */
    const need = async (request: FastifyRequest, reply: FastifyReply): Promise<{ principal: Principal; session: Session; ctx: PageContext } | null> => {
      const s = await signedIn(request);
      if (!s) {
        if (request.method === 'GET') void reply.redirect('/board/login', 303);
        else void send(reply, errorPage({ principal: null, csrf: '', now: Date.now() }, 401, '登录已失效，请重新登录。'), 401);
        return null;
      }
      if (request.method === 'POST' && !csrfValid(await secret(), s.session.sid, one((request.body ?? {}) as Form, '_csrf'))) {
        void send(reply, errorPage(await ctxOf(s), 403, '页面已过期或请求来源不明，请刷新页面后重试。'), 403);
        return null;
      }
      return { ...s, ctx: await ctxOf(s) };
    };

    board.setErrorHandler(async (err: unknown, request, reply) => {
      const s = await signedIn(request).catch(() => null);
      const ctx: PageContext = s ? await ctxOf(s) : { principal: null, csrf: '', now: Date.now() };
      if (err instanceof PageError) return send(reply, errorPage(ctx, err.status, err.message), err.status);
      if ((err as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE') return send(reply, errorPage(ctx, 413, '提交的内容过长。'), 413);
      if (isDatabaseUnavailable(err) || isUnavailable(err)) return send(reply.header('retry-after', '5'), errorPage(ctx, 503, '系统暂时不可用，请稍后重试。'), 503);
      request.log.error({ err }, 'board: unexpected error');
      return send(reply, errorPage(ctx, 500, '系统出错，请稍后重试。'), 500);
    });

    board.get('/board/assets/:name', (request, reply) => {
      const name = (request.params as { name: string }).name;
      const type = ASSETS[name];
      if (!type) return reply.status(404).type('text/plain; charset=utf-8').send('未找到');
      return reply.type(type).header('cache-control', 'public, max-age=300').send(assets[name]);
    });

    // Sign-in: the form's CSRF token is bound to a nonce cookie, so a foreign page cannot sign someone in as itself.
    const loginForm = async (reply: FastifyReply, error?: string, status = 200): Promise<FastifyReply> => {
      const nonce = newSid();
      void reply.header('set-cookie', cookieHeader(LOGIN_COOKIE, nonce, LOGIN_TTL_MS, false));
      return send(reply, loginPage({ principal: null, csrf: csrfToken(await secret(), `login:${nonce}`), now: Date.now() }, error ? { error } : {}), status);
    };
    board.get('/board/login', async (request, reply) => {
      if (await signedIn(request)) return reply.redirect('/', 303);
      return loginForm(reply);
    });
    board.post('/board/login', async (request, reply) => {
      const form = (request.body ?? {}) as Form;
      const nonce = parseCookies(request.headers.cookie)[LOGIN_COOKIE] ?? '';
      if (!nonce || !csrfValid(await secret(), `login:${nonce}`, one(form, '_csrf'))) return loginForm(reply, '页面已过期，请重新登录。', 403);
      let session: Session | null = null;
      if (one(form, 'mode') === 'account') {
        const account = await store.verify(one(form, 'name').trim(), one(form, 'password'));
        if (account) session = { sid: newSid(), via: 'account', sub: account.name, exp: Date.now() + SESSION_TTL_MS };
      } else {
        // The API's own check: the same key file, the same hash comparison (src/api/auth.ts).
        const result = authenticate(deps.keys, { authorization: `Bearer ${one(form, 'key').trim() || '-'}` });
        if (result.ok) session = { sid: newSid(), via: 'key', sub: result.principal.id, exp: Date.now() + SESSION_TTL_MS };
      }
      if (!session) return loginForm(reply, WRONG_SIGN_IN, 401);
      void reply.header('set-cookie', [cookieHeader(SESSION_COOKIE, sealSession(await secret(), session), SESSION_TTL_MS, secure(request)), cookieHeader(LOGIN_COOKIE, '', 0, false)]);
      return reply.redirect('/', 303);
    });
    board.post('/board/logout', async (request, reply) => {
      const s = await need(request, reply);
      if (!s) return reply;
      await store.signOut(s.session.sid, s.session.exp);
      void reply.header('set-cookie', cookieHeader(SESSION_COOKIE, '', 0, secure(request)));
      return reply.redirect('/board/login', 303);
    });

    // The board: the same rows GET /cases reads (listCaseRows), scoped as it scopes a unit key.
    const boardData = async (principal: Principal, query: Record<string, unknown>): Promise<BoardData> => {
      must(principal, 'list');
      const filter = filterFromQuery(query);
      if (filter.unit) must(principal, 'list', filter.unit);
      // Every duty's cases unless the kind filter names one.
      const rows = await listCaseRows(deps.records, {
        ...(filter.kind ? { kind: filter.kind } : {}),
        ...(filter.unit ? { unitId: filter.unit } : principal.role === 'unit' ? { units: principal.units } : {}),
        ...(filter.level ? { level: filter.level } : {}),
        limit: MAX_CASE_ROWS,
      });
      const now = Date.now();
      const all = rows.map((r) => boardRow(r, deps.policy, now));
      return {
        rows: sortByTimeLeft(applyFilter(all, filter)),
        groupCounts: counts(applyFilter(all, filter, 'group'), GROUPS, (r) => r.group),
        colourCounts: counts(applyFilter(all, filter, 'colour'), COLOURS, (r) => r.colour),
        filter,
        units: unitsOf(principal),
        unitName,
        truncated: rows.length >= MAX_CASE_ROWS,
      };
    };
    board.get('/', async (request, reply) => {
      const s = await need(request, reply);
      if (!s) return reply;
      // One URL per filter: a form's empty fields and unknown values are dropped, so the address bar says what is shown.
      const search = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
      const canonical = queryString(filterFromQuery(request.query as Record<string, unknown>));
      if (search !== canonical) return reply.redirect(`/${canonical}`, 303);
      return send(reply, boardPage(s.ctx, await boardData(s.principal, request.query as Record<string, unknown>)));
    });
    board.get('/board/fragment', async (request, reply) => {
      const s = await signedIn(request);
      if (!s) return reply.status(401).type('text/plain; charset=utf-8').send('登录已失效');
      return send(reply, boardLive(await ctxOf(s), await boardData(s.principal, request.query as Record<string, unknown>)));
    });
    board.get('/board/events', async (request, reply) => {
      const s = await signedIn(request);
      if (!s) return reply.status(401).type('text/plain; charset=utf-8').send('登录已失效');
      must(s.principal, 'list');
      reply.hijack();
      live.subscribe(reply.raw, s.principal, s.session.exp);
      return reply;
    });

    // caseQuery answers the view of the case's own duty (an assigned case's AssignedCaseView).
    const readCase = async (caseId: string): Promise<AnyCaseView> => {
      if (!CASE_ID.test(caseId)) throw new PageError(404, '没有这个案件。');
      try {
        const view: AnyCaseView = await temporal(() => deps.client.workflow.getHandle(caseId).query(caseQuery));
        return view;
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
      // Past retention: the last recorded view, as the API answers.
      const recorded = (await readCaseView(deps.records, caseId)) as AnyCaseView | null;
      if (recorded) return recorded;
      throw new PageError(404, '没有这个案件。');
    };
    const scopedCase = async (principal: Principal, caseId: string, action: Action = 'read'): Promise<AnyCaseView> => {
      must(principal, action);
      const view = await readCase(caseId);
      // Not found and not yours look the same to a unit: its clerk learns nothing of other units' cases.
      if (!allowed(principal, action, view.unit.id)) throw new PageError(principal.role === 'unit' ? 404 : 403, principal.role === 'unit' ? '没有这个案件。' : '您的角色无权办理此项。');
      return view;
    };
    const renderCase = async (ctx: PageContext, principal: Principal, view: AnyCaseView, extra: { errors?: { action: string; fields: FieldErrors; values: Record<string, string> }; done?: string } = {}): Promise<SafeHtml> => {
      const docs = allowed(principal, 'readDocuments', view.unit.id) ? (await listCaseDocuments(deps.records.db, view.caseId)).filter((d) => d.hasContent) : [];
      const deadline = view.status === 'open' && view.deadline ? Date.parse(view.deadline) : null;
      const actions: CaseAction[] = ACTIONS.filter((a) => a.kinds.includes(view.kind) && a.offered(view) && allowed(principal, a.action, view.unit.id)).map((a) => ({ key: a.key, label: a.label }));
      return casePage(ctx, {
        view,
        unitName: view.unit.name,
        // The case's own window (pinned with its policy) when its view has it; else the policy in force.
        // An assigned case's window is always pinned; without a running deadline it has no colour.
        colour: view.yellowFrom ? colourFrom(deadline, Date.parse(view.yellowFrom), ctx.now) : view.kind !== 'escalatedVisit' ? null : colourOf(deadline, warnWindowMs(deps.policy, view.notice.level, view.status === 'open' ? dutyOf(view.stage) : null), ctx.now),
        documents: docs.map((d) => ({ documentId: d.documentId, documentNumber: d.documentNumber, kind: d.kind, issuedAt: d.issuedAt })),
        actions,
        directory: deps.directory,
        personName,
        ...extra,
      });
    };
    board.get('/board/cases/:caseId', async (request, reply) => {
      const s = await need(request, reply);
      if (!s) return reply;
      const view = await scopedCase(s.principal, (request.params as { caseId: string }).caseId);
      const done = (request.query as { done?: string }).done;
      return send(reply, await renderCase(s.ctx, s.principal, view, done ? { done } : {}));
    });
    board.get('/board/cases/:caseId/documents/:documentId', async (request, reply) => {
      const s = await need(request, reply);
      if (!s) return reply;
      const { caseId, documentId } = request.params as { caseId: string; documentId: string };
      const view = await scopedCase(s.principal, caseId, 'readDocuments');
      const doc = /^[A-Za-z0-9._-]{1,100}$/.test(documentId) ? await readDocument(deps.records, documentId) : undefined;
      if (doc?.caseId !== view.caseId || !doc.content) throw new PageError(404, '没有这份文书。');
      return reply.type('application/vnd.openxmlformats-officedocument.wordprocessingml.document').header('content-disposition', contentDisposition(doc.fileName, `${doc.documentId}.docx`)).send(doc.content);
    });

    for (const a of ACTIONS) {
      board.post(`/board/cases/:caseId/${a.key}`, async (request, reply) => {
        const s = await need(request, reply);
        if (!s) return reply;
        const caseId = (request.params as { caseId: string }).caseId;
        const view = await scopedCase(s.principal, caseId, a.action);
        // Another duty's form posted to this case: as if there were no such form.
        if (!a.kinds.includes(view.kind)) throw new PageError(404, '此类案件没有这项操作。');
        const form = (request.body ?? {}) as Form;
        // Checkboxes' values joined, so a refused form shows them still ticked.
        const values = Object.fromEntries(Object.entries(form).filter(([k]) => k !== '_csrf').map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
        const refuse = async (status: number, fields: FieldErrors): Promise<FastifyReply> => send(reply, await renderCase(s.ctx, s.principal, view, { errors: { action: a.key, fields, values } }), status);
        // The API's schema first (the same messages at the same fields), then the workflow's own validator.
        const parsed = a.schema.safeParse(a.input(form));
        if (!parsed.success) return refuse(400, fieldErrorsOf(parsed.error.issues.map((i) => ({ field: i.path.join('.') || '', message: i.message }))));
        try {
          const handle = deps.client.workflow.getHandle(caseId);
          await temporal(() => handle.executeUpdate(a.update, { args: [withUnitSnapshot({ ...(parsed.data as object), actor: actorOf(s.principal) }, deps.directory) as never] }));
          const updated = await temporal(() => handle.query(caseQuery));
          // As the API does: the list reads what the person was just shown.
          await recordCaseView(deps.records, updated).catch((err: unknown) => deps.logger?.warn({ caseId, err: (err as Error).message }, 'board: case view not recorded; the worker records it'));
          return reply.redirect(`/board/cases/${encodeURIComponent(caseId)}?done=${a.key}`, 303);
        } catch (err) {
          if (err instanceof InputError) return refuse(422, fieldErrorsOf(err.issues));
          if (err instanceof WorkflowUpdateFailedError) {
            const cause = err.cause;
            const issues = cause instanceof ApplicationFailure && Array.isArray(cause.details?.[0]) ? (cause.details[0] as FieldIssue[]) : [];
            const status = cause instanceof ApplicationFailure && cause.type === ErrorType.InvalidState ? 409 : 422;
            const fields = fieldErrorsOf(issues);
            // A field this form does not have (status, actor.role) is said at the top of the form.
            const shown = Object.fromEntries(Object.entries(fields).map(([k, v]) => (['status', 'actor', 'noticeId'].includes(k) ? ['', v] : [k, v])));
            return refuse(status, Object.keys(shown).length > 0 ? shown : { '': `已拒绝：${zhMessage(cause?.message ?? '')}` });
          }
          if (err instanceof WorkflowNotFoundError || /already completed/i.test((err as Error).message)) return refuse(409, { '': '案件已结束，不能再操作。' });
          if (isUnavailable(err)) return refuse(503, { '': '系统暂时不可用：操作可能已生效，请先刷新页面查看案件，再决定是否重试。' });
          throw err;
        }
      });
    }

    // The ledger of a unit and year: what GET /ledgers/{unitId}/{year} reads; reversals as POST …/reversals does.
    const ledgerView = async (reply: FastifyReply, s: { principal: Principal; ctx: PageContext }, q: { unit?: string; year?: string }, extra: { errors?: FieldErrors; done?: boolean; status?: number } = {}): Promise<FastifyReply> => {
      const units = unitsOf(s.principal);
      const unitId = q.unit && units.some((u) => u.id === q.unit) ? q.unit : q.unit ? q.unit : (units[0]?.id ?? '');
      must(s.principal, 'readLedger', unitId);
      const yearN = Number(q.year);
      const year = Number.isInteger(yearN) && yearN >= 2000 && yearN <= 2100 ? yearN : shanghaiYear(Date.now());
      const ledger = (await readLedger(deps.records, unitId, year)) ?? (findUnit(deps.directory, unitId) ? emptyLedgerView(unitId, year) : null);
      return send(reply, ledgerPage(s.ctx, { units, unitId, year, ledger, canWrite: allowed(s.principal, 'writeLedger', unitId), personName, ...(extra.errors ? { errors: extra.errors } : {}), ...(extra.done ? { done: true } : {}) }), extra.status ?? 200);
    };
    board.get('/board/ledger', async (request, reply) => {
      const s = await need(request, reply);
      if (!s) return reply;
      const q = request.query as { unit?: string; year?: string; done?: string };
      return ledgerView(reply, s, q, q.done ? { done: true } : {});
    });
    board.post('/board/ledger/reverse', async (request, reply) => {
      const s = await need(request, reply);
      if (!s) return reply;
      const form = (request.body ?? {}) as Form;
      const unit = one(form, 'unit');
      const year = Number(one(form, 'year'));
      must(s.principal, 'writeLedger', unit);
      try {
        await reverseDeduction(deps.records, { unitId: unit, year }, { requestId: newSid().replace(/[^A-Za-z0-9]/g, 'x').slice(0, 24), entryId: one(form, 'entryId'), reason: one(form, 'reason'), actor: actorOf(s.principal) });
      } catch (err) {
        if (err instanceof LedgerRefusal) return ledgerView(reply, s, { unit, year: String(year) }, { errors: { '': err.issues.length > 0 ? err.issues.map((i) => `${i.field === 'reason' ? '撤销理由' : i.field}：${zhMessage(i.message)}`).join('；') : zhMessage(err.message) }, status: err.type === ErrorType.LedgerClosed ? 409 : 422 });
        throw err;
      }
      return reply.redirect(`/board/ledger?unit=${encodeURIComponent(unit)}&year=${year}&done=1`, 303);
    });

    // Circulars: those whose files are stored (circular_files), newest first, each file a download.
    board.get('/board/circulars', async (request, reply) => {
      const s = await need(request, reply);
      if (!s) return reply;
      must(s.principal, 'readCircular');
      const { rows } = await deps.records.db.query<{ circular_id: string; created_at: Date }>("SELECT circular_id, created_at FROM circular_files WHERE name = 'figures.json' ORDER BY created_at DESC, circular_id DESC LIMIT 100");
      const list = [];
      for (const r of rows) {
        const stored: StoredCircularLike | null = await readStoredCircular(deps.records, r.circular_id);
        if (stored) list.push({ circularId: r.circular_id, title: circularTitle(stored.request.period), createdAt: r.created_at.toISOString(), files: stored.files.map((f) => ({ name: f.name, downloadName: f.downloadName })) });
      }
      return send(reply, circularsPage(s.ctx, list));
    });
    board.get('/board/circulars/:circularId/files/:name', async (request, reply) => {
      const s = await need(request, reply);
      if (!s) return reply;
      must(s.principal, 'readCircular');
      const { circularId, name } = request.params as { circularId: string; name: string };
      const stored = /^[A-Za-z0-9-]{1,40}$/.test(circularId) ? await readStoredCircular(deps.records, circularId) : null;
      const file = stored?.files.find((f) => f.name === name);
      const bytes = file ? await readCircularRecord(deps.records, circularId, file.name) : null;
      if (!file || !bytes) throw new PageError(404, '没有这个文件。');
      return reply.type(file.contentType).header('content-disposition', contentDisposition(file.downloadName, file.name)).send(bytes);
    });

    // The policy preview: the planner POST /policy/preview and the workflow use, on a hypothetical notice.
    board.get('/board/preview', async (request, reply) => {
      const s = await need(request, reply);
      if (!s) return reply;
      must(s.principal, 'preview');
      return send(reply, previewPage(s.ctx, { values: { level: '', receivedAt: '' } }));
    });
    board.post('/board/preview', async (request, reply) => {
      const s = await need(request, reply);
      if (!s) return reply;
      must(s.principal, 'preview');
      const form = (request.body ?? {}) as Form;
      const values = { level: one(form, 'level'), receivedAt: one(form, 'receivedAt') };
      const parsed = visitPreviewBodySchema.safeParse({ level: values.level, receivedAt: beijingInstant(values.receivedAt) });
      if (!parsed.success) return send(reply, previewPage(s.ctx, { values, errors: fieldErrorsOf(parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }))) }), 400);
      const receivedAt = Date.parse(parsed.data.receivedAt);
      const deadline = deadlineFor(deps.policy, 'arrival', parsed.data.level, receivedAt);
      const steps = plan(deps.policy, { milestone: 'arrival', level: parsed.data.level, startedAt: receivedAt, registeredAt: receivedAt, deadline, deadlineSetAt: receivedAt, explanation: 'none', done: {} }).steps;
      return send(reply, previewPage(s.ctx, { values, result: { policyVersion: deps.policy.version, deadline: new Date(deadline).toISOString(), steps: steps.map((x) => ({ kind: x.kind, dueAt: new Date(x.dueAt).toISOString() })) } }));
    });

    // Per-person accounts: admins only (the API has no account routes; keys stay in their file).
    const accounts = async (reply: FastifyReply, ctx: PageContext, extra: { errors?: FieldErrors; values?: Record<string, string>; done?: string; status?: number } = {}): Promise<FastifyReply> =>
      send(reply, accountsPage(ctx, { accounts: await store.accounts(), units: deps.directory.units.map((u) => ({ id: u.id, name: u.name })), ...extra }), extra.status ?? 200);
    const adminOnly = (p: Principal): void => {
      if (p.role !== 'admin') throw new PageError(403, '只有管理员可以管理账号。');
    };
    board.get('/board/accounts', async (request, reply) => {
      const s = await need(request, reply);
      if (!s) return reply;
      adminOnly(s.principal);
      const done = (request.query as { done?: string }).done;
      return accounts(reply, s.ctx, done === 'created' ? { done: '账号已建立。' } : done === 'disabled' ? { done: '账号已停用。' } : {});
    });
    board.post('/board/accounts', async (request, reply) => {
      const s = await need(request, reply);
      if (!s) return reply;
      adminOnly(s.principal);
      const form = (request.body ?? {}) as Form;
      const units = ([] as string[]).concat(form.units ?? []).filter((u) => findUnit(deps.directory, u));
      const values = { name: one(form, 'name'), role: one(form, 'role') };
      const parsed = accountSchema.safeParse({ name: one(form, 'name').trim(), role: one(form, 'role'), units, password: one(form, 'password') });
      if (!parsed.success) return accounts(reply, s.ctx, { errors: Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0] ?? ''), i.message])), values, status: 400 });
      const created = await store.createAccount({ ...parsed.data, units: parsed.data.role === 'unit' ? parsed.data.units : [], createdBy: s.principal.id });
      if (!created) return accounts(reply, s.ctx, { errors: { name: '该账号已存在' }, values, status: 409 });
      return reply.redirect('/board/accounts?done=created', 303);
    });
    board.post('/board/accounts/disable', async (request, reply) => {
      const s = await need(request, reply);
      if (!s) return reply;
      adminOnly(s.principal);
      await store.disableAccount(one((request.body ?? {}) as Form, 'name'));
      return reply.redirect('/board/accounts?done=disabled', 303);
    });
    registered();
  });
}

type StoredCircularLike = Pick<StoredCircular, 'request' | 'files'>;

function isUnavailable(err: unknown): boolean {
  const text = `${(err as Error)?.name ?? ''} ${(err as Error)?.message ?? ''} ${(err as { cause?: Error })?.cause?.message ?? ''}`;
  const code = (err as { code?: unknown })?.code;
  return (typeof code === 'number' && [14, 4, 8, 1].includes(code)) || /UNAVAILABLE|DEADLINE_EXCEEDED|ECONNREFUSED|Failed to connect|No connection established|RPCTimeoutOrCancelled/i.test(text);
}
