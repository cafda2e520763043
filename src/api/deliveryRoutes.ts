// HTTP endpoints of alert delivery, as a fastify plugin the main API registers:
//   POST /twilio/status   Twilio status callbacks (X-Twilio-Signature checked) → deliveryReceipt signal → case timeline
//   GET  /a/:token        the arrival link: a confirmation page (link previews and scanners must not report arrival)
//   POST /a/:token        reports arrival through the validated reportArrival update, once per token (arrival_tokens_used)
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import twilio from 'twilio';
import { verifyArrivalToken, type UsedTokenStore } from '../arrivalLink.js';
import { dbTokenStore } from '../records/arrivalTokens.js';
import type { Queryable } from '../records/db.js';
import { ErrorType } from '../errors.js';
import { caseQuery, deliveryReceiptSchema, deliveryReceiptSignal, reportArrivalUpdate, type DeliveryReceipt } from '../messages.js';
import { escapeHtml } from '../notifications.js';

export interface DeliveryRoutesDeps {
  /** A Temporal client (with the payload codec's data converter). */
  client: Client;
  /**
   * The public URL under which these routes are reached, exactly as given to Twilio (DUBAN_PUBLIC_URL): its origin plus
   * the request's path and query is the URL whose signature is checked.
   */
  publicBaseUrl: string;
  /** TWILIO_AUTH_TOKEN; without it every status callback is refused. */
  twilioAuthToken?: string;
  /** DUBAN_ARRIVAL_SECRET (the worker signs links with the same); without it every arrival link is refused. */
  arrivalSecret?: string;
  /** The store of record: used arrival tokens live in its arrival_tokens_used, shared by every API process. */
  db: Queryable;
  /** Replaces the database's token store (unit tests of the routes only). */
  usedTokens?: UsedTokenStore;
  /** The clock for token expiry and arrival times (tests pass the Temporal test server's). */
  now?: () => number | Promise<number>;
}

const FINAL_STATUSES = new Set(['delivered', 'undelivered', 'failed']);

type Form = Record<string, string>;

function page(reply: FastifyReply, status: number, title: string, body: string): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .send(
      `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title></head>` +
        `<body style="font-family:sans-serif;max-width:36em;margin:2em auto;padding:0 1em"><h1>${escapeHtml(title)}</h1>${body}</body></html>`,
    );
}

function wantsJson(req: FastifyRequest): boolean {
  return (req.headers.accept ?? '').includes('application/json');
}

function answer(req: FastifyRequest, reply: FastifyReply, status: number, json: Record<string, unknown>, title: string, text: string): FastifyReply {
  if (wantsJson(req)) return reply.code(status).header('cache-control', 'no-store').send(json);
  return page(reply, status, title, `<p>${escapeHtml(text)}</p>`);
}

const TOKEN_REFUSAL: Record<'malformed' | 'badSignature' | 'expired', { status: number; text: string }> = {
  malformed: { status: 404, text: '链接无效。' },
  badSignature: { status: 403, text: '链接无效或已被篡改。' },
  expired: { status: 410, text: '链接已过期，请联系区信访办报告到达。' },
};

export function deliveryRoutes(deps: DeliveryRoutesDeps): FastifyPluginAsync {
  const origin = new URL(deps.publicBaseUrl).origin;
  const usedTokens = deps.usedTokens ?? dbTokenStore(deps.db);
  const now = async (): Promise<number> => (deps.now ? await deps.now() : Date.now());

  // eslint-disable-next-line @typescript-eslint/require-await
  return async (app) => {
    if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
      app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => {
        const form: Form = {};
        for (const [k, v] of new URLSearchParams(body as string)) form[k] = v;
        done(null, form);
      });
    }

    app.post('/twilio/status', async (req, reply) => {
      const form = (req.body ?? {}) as Form;
      const signature = req.headers['x-twilio-signature'];
      const url = origin + req.url;
      if (!deps.twilioAuthToken || typeof signature !== 'string' || !twilio.validateRequest(deps.twilioAuthToken, signature, url, form)) {
        req.log.warn({ url: req.routeOptions.url }, 'twilio status callback refused: bad signature');
        return reply.code(403).send({ error: 'invalid signature' });
      }
      const query = req.query as Record<string, string | undefined>;
      const status = form.MessageStatus ?? form.SmsStatus ?? '';
      if (!FINAL_STATUSES.has(status)) return reply.code(200).send({ recorded: false, reason: `status ${status} is not final` });
      const candidate = {
        key: query.key,
        recipientId: query.recipientId,
        channel: 'sms',
        providerId: form.MessageSid ?? form.SmsSid,
        status,
        ...(form.ErrorCode ? { errorCode: form.ErrorCode } : {}),
        receivedAt: new Date(await now()).toISOString(),
      };
      const parsed = deliveryReceiptSchema.safeParse(candidate);
      if (!query.caseId || !parsed.success) return reply.code(400).send({ error: 'callback URL or body lacks caseId, key, recipientId or MessageSid' });
      const receipt: DeliveryReceipt = parsed.data;
      try {
        await deps.client.workflow.getHandle(query.caseId).signal(deliveryReceiptSignal, receipt);
      } catch (err) {
        // A case that is over (or unknown) cannot record it; answering 200 stops Twilio from calling again.
        if (err instanceof WorkflowNotFoundError) return reply.code(200).send({ recorded: false, reason: 'case not running' });
        req.log.error({ err }, 'twilio status callback: signal failed');
        return reply.code(503).send({ error: 'temporarily unavailable' });
      }
      return reply.code(200).send({ recorded: true });
    });

    app.get('/a/:token', async (req, reply) => {
      const { token } = req.params as { token: string };
      const check = verifyArrivalToken(deps.arrivalSecret ?? '', token, await now());
      if (!deps.arrivalSecret || !check.ok) {
        const refusal = TOKEN_REFUSAL[check.ok ? 'badSignature' : check.reason];
        return answer(req, reply, refusal.status, { error: refusal.text }, '无法报告到达', refusal.text);
      }
      return page(
        reply,
        200,
        '报告到达现场',
        `<p>案件号：${escapeHtml(check.claim.caseId)}</p><p>请在到达接待现场后点击下方按钮。每个链接只能使用一次。</p>` +
          `<form method="post"><button type="submit" style="font-size:1.2em;padding:.5em 1.5em">我已到达现场</button></form>`,
      );
    });

    app.post('/a/:token', async (req, reply) => {
      const { token } = req.params as { token: string };
      const at = await now();
      const check = verifyArrivalToken(deps.arrivalSecret ?? '', token, at);
      if (!deps.arrivalSecret || !check.ok) {
        const refusal = TOKEN_REFUSAL[check.ok ? 'badSignature' : check.reason];
        return answer(req, reply, refusal.status, { error: refusal.text }, '无法报告到达', refusal.text);
      }
      const { caseId, leaderId } = check.claim;
      // The database unreachable: the error goes to the API's handler (503 problem+json) and the token stays unused.
      if (!(await usedTokens.claim(check.tokenId, check.claim.expiresAt))) {
        return answer(req, reply, 409, { error: 'link already used', caseId }, '链接已使用', '此链接已经用过，到达已报告。');
      }
      try {
        const handle = deps.client.workflow.getHandle(caseId);
        const ack = await handle.executeUpdate(reportArrivalUpdate, {
          args: [{ leaderId, arrivedAt: new Date(at).toISOString(), note: '通过到达链接报告', actor: { id: leaderId, role: 'unit' } }],
        });
        // The arrival is recorded: a failing read afterwards must not make the leader report it again.
        const arrival = (await handle.query(caseQuery).catch(() => null))?.arrival ?? null;
        return answer(req, reply, 200, { caseId, leaderId, arrival, stage: ack.stage }, '已报告到达', `已记录：${arrival?.arrivedAt ?? new Date(at).toISOString()} 到达现场。`);
      } catch (err) {
        // The workflow refused (already arrived, case over, no longer this unit's leader): the token stays used.
        if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
          const type = err.cause.type;
          const status = type === ErrorType.InvalidState ? 409 : type === ErrorType.NotAllowed ? 403 : 422;
          return answer(req, reply, status, { error: err.cause.message, type, caseId }, '无法报告到达', `系统拒绝：${err.cause.message}`);
        }
        if (err instanceof WorkflowNotFoundError) return answer(req, reply, 404, { error: 'case not found', caseId }, '无法报告到达', '案件不存在或已结束。');
        // Not the leader's fault (Temporal unreachable …): the token may be used again.
        await usedTokens.release(check.tokenId);
        req.log.error({ err }, 'arrival link: update failed');
        return answer(req, reply, 503, { error: 'temporarily unavailable' }, '暂时无法报告', '系统暂时无法记录，请稍后再试。');
      }
    });
  };
}
