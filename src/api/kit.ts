// What every route module of the API shares: problem answers, auth guards, the Temporal deadline, the case reader.
import type { Client } from '@temporalio/client';
import type { Records } from '../records/index.js';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Directory } from '../directory.js';
import type { FieldIssue } from '../errors.js';
import type { CaseView } from '../messages.js';
import type { Action, Principal } from './auth.js';

/** An RFC 9457 problem: the error handler answers it as application/problem+json with its field errors. */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors: FieldIssue[] = [],
    readonly retryAfter?: number,
  ) {
    super(detail);
  }
}

export const problemSchema = z.object({ type: z.string(), title: z.string(), status: z.number(), detail: z.string(), errors: z.array(z.object({ field: z.string(), message: z.string() })) });
export const problemResponses = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema, 409: problemSchema, 413: problemSchema, 415: problemSchema, 422: problemSchema, 503: problemSchema };

/** A download's Content-Disposition (RFC 6266 / 5987): an ASCII fallback name and the real (Chinese) one, percent-encoded UTF-8. */
export function contentDisposition(fileName: string, fallback: string): string {
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback.replace(/[^A-Za-z0-9._-]/g, '_')}"; filename*=UTF-8''${encoded}`;
}

export type ZodApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

export interface RouteKit {
  client: Client;
  /** The store of record: a route's database errors become 503 in the server's error handler. */
  records: Records;
  namespace: string;
  taskQueue: string;
  directory: Directory;
  /** data/: documents under data/documents, circulars under data/circulars. */
  dataDir: string;
  /** Runs the request's Temporal calls under one deadline (past it: 503). */
  temporal<R>(fn: () => Promise<R>): Promise<R>;
  /** onRequest hook: key and role checked before the body is read. */
  guard(action: Action): (request: FastifyRequest, reply: unknown, done: (err?: Error) => void) => void;
  principalFor(request: FastifyRequest): Principal;
  /** Throws a 403 Problem unless the principal may do the action (on this unit). */
  allow(principal: Principal, action: Action, unitId?: string): void;
  /** A case's view, 404 when there is no such case. */
  readCase(caseId: string): Promise<CaseView>;
}

export type RoutesOf = (app: ZodApp, kit: RouteKit) => void;
