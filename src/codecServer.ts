// The codec server for the Temporal Web UI and CLI (Temporal's codec server protocol): POST /encode and /decode (also
// under /{namespace}/…), JSON {payloads: [{metadata: {k: base64}, data: base64}]} in and out. Decoding shows case
// contents, so only authenticated callers whose role may read cases get it — the API's keys and roles.
// Credentials: `Authorization: Bearer <API key>` (CLI: --codec-auth), or a session cookie set by /login, which the
// Web UI sends when "Include cross-origin credentials" is on in its codec settings.
import type { Payload, PayloadCodec } from '@temporalio/common';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { z } from 'zod';
import { authenticate, authorize, canReadCases, type ApiKeyRecord, type Principal } from './api/auth.js';

/** How the codec server checks callers: the API's authentication and role model, never a copy of it. */
export interface CodecServerAuth<P> {
  /** The principal for a presented API key, or undefined when the key is unknown. */
  authenticate(apiKey: string): P | undefined | Promise<P | undefined>;
  /** Whether the principal may see decoded payloads (case contents). */
  canDecode(principal: P): boolean;
  /** Whether the principal may have payloads encoded (inputs typed into the Web UI or CLI). */
  canEncode(principal: P): boolean;
  /** A non-personal identifier for logs. */
  describe(principal: P): string;
}

/** A unit ID no key can hold: asking whether a principal may read it asks whether it may read every unit's cases. */
const ANY_UNIT = '\u0000codec-server:any-unit';

/**
 * The codec server's checks on the API's keys and roles (src/api/auth.ts):
 * - decode: roles that may read cases (canReadCases) and may read every unit's — a unit key reads only its own
 *   units' cases, and a payload does not say which case it belongs to, so unit keys are refused (403);
 * - encode: admin only — an encoded input can carry any actor into a workflow through the Web UI's write actions.
 */
export function apiCodecAuth(keys: readonly ApiKeyRecord[]): CodecServerAuth<Principal> {
  return {
    authenticate(apiKey) {
      const result = authenticate(keys, { authorization: `Bearer ${apiKey}` });
      return result.ok ? result.principal : undefined;
    },
    canDecode: (p) => canReadCases(p) && authorize(p, 'read', ANY_UNIT).ok,
    canEncode: (p) => p.role === 'admin',
    describe: (p) => `${p.role}:${p.id}`,
  };
}

export interface CodecServerOptions<P> {
  codec: PayloadCodec;
  auth: CodecServerAuth<P>;
  /** Web UI origins allowed by CORS, e.g. http://localhost:8233. */
  allowedOrigins: readonly string[];
  /** Namespaces whose payloads this server serves (the X-Namespace header or the path segment). */
  namespaces: readonly string[];
  logger?: Logger;
  /** Largest request body accepted, bytes (default 8 MiB). */
  maxBodyBytes?: number;
  /** Lifetime of a /login session (default 8 h). */
  sessionTtlMs?: number;
}

export const SESSION_COOKIE = 'duban_codec_session';
const ALLOWED_HEADERS = 'Authorization, Content-Type, X-Namespace';

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const bodySchema = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), base64).nullish(), data: base64.nullish() }).passthrough()),
});

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function toPayload(p: z.infer<typeof bodySchema>['payloads'][number]): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
    data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')),
  };
}

function fromPayload(p: Payload): { metadata: Record<string, string>; data: string } {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    data: Buffer.from(p.data ?? []).toString('base64'),
  };
}

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `request body larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const LOGIN_PAGE = `<!doctype html><meta charset="utf-8"><title>duban codec server</title>
<h1>督办 codec server</h1>
<p>Sign in with your duban API key so the Temporal Web UI can show decoded case data. In the Web UI's codec settings,
turn on “Include cross-origin credentials”.</p>
<form method="post" action="/login"><input type="password" name="key" autocomplete="off" placeholder="API key" required>
<button type="submit">Sign in</button></form>`;

export interface CodecServer {
  server: Server;
  /** Starts listening (default 127.0.0.1); resolves with the bound port. */
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

export function createCodecServer<P>(options: CodecServerOptions<P>): CodecServer {
  const { codec, auth, logger } = options;
  const origins = new Set(options.allowedOrigins);
  const namespaces = new Set(options.namespaces);
  const maxBody = options.maxBodyBytes ?? 8 * 1024 * 1024;
  const ttl = options.sessionTtlMs ?? 8 * 3_600_000;
  const sessions = new Map<string, { principal: P; expires: number }>();

  const corsHeaders = (req: IncomingMessage): Record<string, string> => {
    const origin = req.headers.origin;
    if (!origin || !origins.has(origin)) return { Vary: 'Origin' };
    return { 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true', Vary: 'Origin' };
  };

  const send = (req: IncomingMessage, res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...corsHeaders(req), ...headers });
    res.end(JSON.stringify(body));
  };

  const principalOf = async (req: IncomingMessage): Promise<P> => {
    const header = req.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      const principal = match ? await auth.authenticate(match[1]!) : undefined;
      if (principal === undefined) throw new HttpError(401, 'invalid API key');
      return principal;
    }
    const session = sessions.get(parseCookies(req.headers.cookie)[SESSION_COOKIE] ?? '');
    if (session && session.expires > Date.now()) return session.principal;
    throw new HttpError(401, 'an API key is required: Authorization: Bearer <key>, or sign in at /login');
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://codec.local');
    const origin = req.headers.origin;
    if (origin !== undefined && !origins.has(origin)) throw new HttpError(403, 'origin not allowed');

    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        ...corsHeaders(req),
        'Access-Control-Allow-Methods': 'POST, OPTIONS',
        'Access-Control-Allow-Headers': ALLOWED_HEADERS,
        'Access-Control-Max-Age': '600',
      });
      res.end();
      return;
    }
    if (url.pathname === '/healthz' && req.method === 'GET') return send(req, res, 200, { ok: true });
    if (url.pathname === '/login') {
      if (req.method === 'GET') {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'X-Frame-Options': 'DENY' });
        res.end(LOGIN_PAGE);
        return;
      }
      if (req.method !== 'POST') throw new HttpError(405, 'method not allowed');
      const body = await readBody(req, 16 * 1024);
      const key = new URLSearchParams(body).get('key') ?? '';
      const principal = key ? await auth.authenticate(key) : undefined;
      if (principal === undefined) throw new HttpError(401, 'invalid API key');
      if (!auth.canDecode(principal)) throw new HttpError(403, 'this role may not read cases');
      const id = randomBytes(32).toString('base64url');
      sessions.set(id, { principal, expires: Date.now() + ttl });
      logger?.info({ principal: auth.describe(principal) }, 'codec session opened');
      return send(req, res, 200, { ok: true }, { 'Set-Cookie': `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Lax; Path=/; Max-Age=${Math.floor(ttl / 1000)}` });
    }
    if (url.pathname === '/logout' && req.method === 'POST') {
      sessions.delete(parseCookies(req.headers.cookie)[SESSION_COOKIE] ?? '');
      return send(req, res, 200, { ok: true }, { 'Set-Cookie': `${SESSION_COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0` });
    }

    const match = /^(?:\/([^/]+))?\/(encode|decode)$/.exec(url.pathname);
    if (!match) throw new HttpError(404, 'not found');
    if (req.method !== 'POST') throw new HttpError(405, 'method not allowed');
    const operation = match[2] as 'encode' | 'decode';
    const headerNamespace = req.headers['x-namespace'];
    const namespace = (Array.isArray(headerNamespace) ? headerNamespace[0] : headerNamespace) ?? (match[1] ? decodeURIComponent(match[1]) : undefined);
    if (namespace !== undefined && !namespaces.has(namespace)) throw new HttpError(403, `namespace ${namespace} is not served here`);

    const principal = await principalOf(req);
    if (operation === 'decode' && !auth.canDecode(principal)) throw new HttpError(403, 'this role may not read cases');
    if (operation === 'encode' && !auth.canEncode(principal)) throw new HttpError(403, 'this role may not encode payloads');

    let parsed: z.infer<typeof bodySchema>;
    try {
      parsed = bodySchema.parse(JSON.parse(await readBody(req, maxBody)));
    } catch (err) {
      if (err instanceof HttpError) throw err;
      throw new HttpError(400, 'body must be JSON {"payloads": [{"metadata": {…base64}, "data": base64}]}');
    }
    const input = parsed.payloads.map(toPayload);
    let output: Payload[];
    try {
      output = operation === 'decode' ? await codec.decode(input) : await codec.encode(input);
    } catch (err) {
      // The codec's messages name key IDs only, never payload contents.
      throw new HttpError(422, `cannot ${operation}: ${(err as Error).message}`);
    }
    logger?.info({ principal: auth.describe(principal), namespace: namespace ?? null, payloads: input.length }, `codec ${operation}`);
    send(req, res, 200, { payloads: output.map(fromPayload) });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      const message = err instanceof HttpError ? err.message : 'internal error';
      if (status === 500) logger?.error({ err }, 'codec server error');
      if (!res.headersSent) send(req, res, status, { error: message });
      else res.end();
    });
  });

  return {
    server,
    listen(port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      });
    },
    close() {
      return new Promise((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
