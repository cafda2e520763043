// The quarterly circular on demand: POST /circulars runs one (a quarter that has ended, or a date range), GET reads its
// status and figures, and its XLSX / DOCX download from the store of record (circular_files).
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { z } from 'zod';
import { readCircularMail, readCircularRecord, readStoredCircular } from '../records/circularFacts.js';
import { CIRCULAR_ID_PATTERN, DATE_PATTERN, MAX_RANGE_DAYS, QUARTER_PATTERN, circularIdFor, circularTitle, circularWorkflowId, localDateStart, quarterOf, quarterPeriod, rangePeriod } from '../circular/period.js';
import type { CircularFile, CircularRequest, CircularView } from '../circular/types.js';
import { circularQuery } from '../messages.js';
import { actorOf } from './auth.js';
import { Problem, contentDisposition, problemResponses, type RoutesOf } from './kit.js';

const DAY_MS = 86_400_000;

export const runCircularBody = z
  .object({
    quarter: z.string().regex(QUARTER_PATTERN, 'must be a quarter such as 2026-Q3').optional(),
    from: z.string().regex(DATE_PATTERN, 'must be a date YYYY-MM-DD (Asia/Shanghai), the first day counted').optional(),
    to: z.string().regex(DATE_PATTERN, 'must be a date YYYY-MM-DD (Asia/Shanghai), the day after the last day counted').optional(),
    /** 文号 printed under the title. */
    documentNumber: z.string().trim().min(1, 'must not be empty').max(40).optional(),
    /** Mail the files to the circular's recipients; default: yes for a quarter, no for a range. */
    mail: z.boolean().optional(),
  })
  .strict();
export type RunCircularBody = z.infer<typeof runCircularBody>;

const fileSchema = z.object({ name: z.string(), downloadName: z.string(), contentType: z.string(), bytes: z.number(), sha256: z.string(), url: z.string() });
const countsSchema = z.object({
  escalated: z.number(),
  arrivedOnTime: z.number(),
  arrivedLate: z.number(),
  urged: z.number(),
  supervised: z.number(),
  deductions: z.number(),
  deductionPoints: z.number(),
  overdueOpen: z.number(),
});
const levelsSchema = z.object({ district: countsSchema, city: countsSchema, beijing: countsSchema });
const periodSchema = z.object({ quarter: z.string().optional(), from: z.string(), to: z.string() });
const figuresSchema = z.object({
  circularId: z.string(),
  period: periodSchema,
  cutoff: z.string(),
  units: z.array(z.object({ unitId: z.string(), unitName: z.string(), levels: levelsSchema, total: countsSchema })),
  byLevel: levelsSchema,
  total: countsSchema,
  unreadable: z.array(z.string()),
});
export const circularSchema = z.object({
  circularId: z.string(),
  title: z.string(),
  period: periodSchema,
  /** collecting → rendering → mailing → done; failed when the workflow failed or was ended. */
  status: z.enum(['collecting', 'rendering', 'mailing', 'done', 'failed']),
  requestedBy: z.object({ id: z.string(), role: z.string() }),
  figures: figuresSchema.nullable(),
  files: z.array(fileSchema),
  mail: z.object({ channel: z.enum(['email', 'outbox']), to: z.array(z.string()), messageId: z.string(), duplicate: z.boolean() }).nullable(),
});
type CircularBody = z.infer<typeof circularSchema>;
const startedSchema = z.object({ circularId: z.string(), workflowId: z.string(), created: z.boolean(), status: circularSchema.shape.status, location: z.string() });

const circularId = z.string().regex(CIRCULAR_ID_PATTERN, 'must be a circular ID such as 2026-Q4 or range-20261001-20261231');
const idParams = z.object({ circularId }).strict();
const fileParams = z.object({ circularId, name: z.string().regex(/^circular-[A-Za-z0-9-]{1,40}\.(xlsx|docx)$/, 'must be a file name of the circular, e.g. circular-2026-Q4.xlsx') }).strict();

/** A just-started workflow answers queries only after its first workflow task: ask again for up to 2 s. */
async function queryOnceStarted<R>(fn: () => Promise<R>): Promise<R> {
  const end = Date.now() + 2000;
  for (let wait = 10; ; wait = Math.min(wait * 2, 200)) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

const bad = (field: string, message: string): Problem => new Problem(400, 'Invalid request 请求无效', `${field}: ${message}`, [{ field, message }]);

/** The request a body asks for, checked against the calendar and the clock; each refusal names its field. */
export function circularRequestFor(body: RunCircularBody, now: number): Omit<CircularRequest, 'requestedBy'> {
  const range = body.from !== undefined || body.to !== undefined;
  if (body.quarter !== undefined && range) throw bad('quarter', 'give either quarter or from and to, not both');
  if (body.quarter !== undefined) {
    const period = quarterPeriod(body.quarter);
    if (Date.parse(period.to) > now) throw bad('quarter', `${body.quarter} has not ended yet (the current quarter is ${quarterOf(now)})`);
    return { circularId: body.quarter, period, mail: body.mail ?? true, ...(body.documentNumber ? { documentNumber: body.documentNumber } : {}) };
  }
  if (body.from === undefined) throw bad(range ? 'from' : 'quarter', range ? 'is required with to' : 'give either quarter or from and to');
  if (body.to === undefined) throw bad('to', 'is required with from');
  const from = localDateStart(body.from);
  const to = localDateStart(body.to);
  if (from === null) throw bad('from', 'is not a calendar date');
  if (to === null) throw bad('to', 'is not a calendar date');
  if (to <= from) throw bad('to', 'must be after from (to is the day after the last day counted)');
  if (to - from > MAX_RANGE_DAYS * DAY_MS) throw bad('to', `the range may cover at most ${MAX_RANGE_DAYS} days`);
  if (from > now) throw bad('from', 'must not be in the future');
  const period = rangePeriod(body.from, body.to);
  return { circularId: circularIdFor(period), period, mail: body.mail ?? false, ...(body.documentNumber ? { documentNumber: body.documentNumber } : {}) };
}

const filesWithUrls = (id: string, files: CircularFile[]): CircularBody['files'] => files.map((f) => ({ ...f, url: `/circulars/${id}/files/${f.name}` }));

function bodyOf(v: CircularView, status: CircularBody['status'] = v.status): CircularBody {
  return { circularId: v.circularId, title: circularTitle(v.period), period: v.period, status, requestedBy: v.requestedBy, figures: v.figures, files: filesWithUrls(v.circularId, v.files), mail: v.mail };
}

export const circularRoutes: RoutesOf = (app, kit) => {
  /** What render stored (kept after Temporal's retention has dropped the workflow). */
  const stored = (id: string): ReturnType<typeof readStoredCircular> => readStoredCircular(kit.records, id);

  const read = async (id: string): Promise<CircularBody> => {
    const handle = kit.client.workflow.getHandle(circularWorkflowId(id));
    try {
      const d = await kit.temporal(() => handle.describe());
      if (d.status.name === 'COMPLETED') return bodyOf((await kit.temporal(() => handle.result())) as CircularView);
      if (d.status.name === 'RUNNING') return bodyOf(await kit.temporal(() => queryOnceStarted(() => handle.query(circularQuery))));
      const s = await stored(id);
      const request = s?.request;
      return {
        circularId: id,
        title: request ? circularTitle(request.period) : id,
        period: request?.period ?? { from: '', to: '' },
        status: 'failed',
        requestedBy: request?.requestedBy ?? { id: 'unknown', role: 'system' },
        figures: s?.figures ?? null,
        files: s ? filesWithUrls(id, s.files) : [],
        mail: null,
      };
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      const s = await stored(id);
      if (!s) throw new Problem(404, 'Not found 通报不存在', `no circular ${id}`, [{ field: 'circularId', message: 'no such circular' }]);
      const mail = await readCircularMail(kit.records, id);
      return bodyOf({ circularId: id, period: s.request.period, status: 'done', requestedBy: s.request.requestedBy, figures: s.figures, files: s.files, mail });
    }
  };

  app.post(
    '/circulars',
    { onRequest: kit.guard('runCircular'), schema: { body: runCircularBody, response: { 200: startedSchema, 202: startedSchema, ...problemResponses } } },
    async (request, reply) => {
      const principal = kit.principalFor(request);
      kit.allow(principal, 'runCircular');
      const wanted: CircularRequest = { ...circularRequestFor(request.body, Date.now()), requestedBy: actorOf(principal) };
      const workflowId = circularWorkflowId(wanted.circularId);
      const location = `/circulars/${wanted.circularId}`;
      void reply.header('location', location);
      try {
        // A failed circular may be run again; a running or produced one is answered as it is (idempotent by period).
        await kit.temporal(() => kit.client.workflow.start('circular', { workflowId, taskQueue: kit.taskQueue, args: [wanted], workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY }));
        return reply.status(202).send({ circularId: wanted.circularId, workflowId, created: true, status: 'collecting', location });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        const existing = await read(wanted.circularId);
        return reply.status(200).send({ circularId: wanted.circularId, workflowId, created: false, status: existing.status, location });
      }
    },
  );

  app.get(
    '/circulars/:circularId',
    { onRequest: kit.guard('readCircular'), schema: { params: idParams, response: { 200: circularSchema, ...problemResponses } } },
    async (request) => {
      kit.allow(kit.principalFor(request), 'readCircular');
      return read(request.params.circularId);
    },
  );

  app.get(
    '/circulars/:circularId/files/:name',
    { onRequest: kit.guard('readCircular'), schema: { params: fileParams, response: { 200: z.any().describe('the XLSX or DOCX bytes'), ...problemResponses } } },
    async (request, reply) => {
      kit.allow(kit.principalFor(request), 'readCircular');
      const { circularId: id, name } = request.params;
      // Only a file the circular recorded: the name is looked up, never taken as a path.
      const file = (await stored(id))?.files.find((f) => f.name === name);
      if (!file) throw new Problem(404, 'Not found 通报文件不存在', `circular ${id} has no file ${name} (yet)`, [{ field: 'name', message: 'is not a file of this circular' }]);
      const bytes = await readCircularRecord(kit.records, id, file.name);
      if (!bytes) throw new Problem(404, 'Not found 通报文件不存在', `circular ${id} has no file ${name} (yet)`, [{ field: 'name', message: 'is not a file of this circular' }]);
      return reply.type(file.contentType).header('content-disposition', contentDisposition(file.downloadName, file.name)).send(bytes);
    },
  );
};
