// The quarterly circular: collecting case facts from Temporal, XLSX and DOCX under data/circulars, e-mail.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { createAggregator } from '../src/circular/aggregate.js';
import { circularTitle } from '../src/circular/period.js';
import { DOCX_TYPE, XLSX_TYPE, circularFileNames, circularSummary, renderCircularDocx, renderCircularXlsx } from '../src/circular/render.js';
import type { CircularActivities, CircularFile, CircularMailResult, CircularPeriod } from '../src/circular/types.js';
import type { Directory } from '../src/directory.js';
import { ErrorType } from '../src/errors.js';
import { caseQuery, type CaseView } from '../src/messages.js';
import { kindKey, receivedAtKey } from '../src/searchAttributes.js';
import { circularDir, dataDirOf, writeFileAtomically } from '../src/storage.js';
import { classifySmtpError, messageIdFor, smtpTransportOptions, type SmtpConfig } from './channels/email.js';
import { PermanentDeliveryError } from './channels/types.js';
import type { ActivityDeps } from './index.js';
import { outboxFileName } from './outbox.js';

/** Non-retryable failure type of mailCircular: the mail server refused for good (bad address, relaying denied). */
export const CIRCULAR_MAIL_REFUSED = ErrorType.CircularMailRefused;
/** How many cases are read at once. */
const READ_CONCURRENCY = 8;

/** The visibility query of a period's cases; cases started before DubanReceivedAt existed are listed too and filtered by their notice. */
export function circularListQuery(period: CircularPeriod): string {
  const from = new Date(period.from).toISOString();
  const to = new Date(period.to).toISOString();
  return `${kindKey.name} = 'escalatedVisit' AND ((${receivedAtKey.name} >= '${from}' AND ${receivedAtKey.name} < '${to}') OR ${receivedAtKey.name} IS NULL)`;
}

/** A case's view: a completed case's result (no replay), else its query (a closed case's query replays on a worker). */
export async function readCaseView(client: Client, x: Pick<WorkflowExecutionInfo, 'workflowId' | 'runId' | 'status'>): Promise<CaseView | null> {
  const handle = client.workflow.getHandle(x.workflowId, x.runId);
  try {
    if (x.status.name === 'COMPLETED') return (await handle.result()) as CaseView;
    return await handle.query(caseQuery);
  } catch {
    return null;
  }
}

/** Recipients of the circular: the office's list, else the supervisors who have an e-mail address. */
export function circularRecipients(directory: Directory): string[] {
  if (directory.office.circularRecipients.length > 0) return [...directory.office.circularRecipients];
  return directory.supervisors.flatMap((s) => (s.email ? [s.email] : []));
}

async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

async function sendMail(smtp: SmtpConfig, mail: SendMailOptions): Promise<string> {
  const transport = nodemailer.createTransport(smtpTransportOptions(smtp, false));
  try {
    const info = (await transport.sendMail(mail)) as { messageId: string };
    return info.messageId;
  } catch (err) {
    const classified = classifySmtpError(err);
    if (classified instanceof PermanentDeliveryError) throw ApplicationFailure.create({ type: CIRCULAR_MAIL_REFUSED, message: classified.message, nonRetryable: true });
    throw new Error(classified.message);
  } finally {
    transport.close();
  }
}

export function createCircularActivities(deps: ActivityDeps): CircularActivities {
  const log = deps.log ?? ((line: string) => console.log(line));
  const dataDir = dataDirOf(deps);
  const dirOf = (circularId: string): string => circularDir(dataDir, circularId);
  return {
    async collectCircularFacts({ circularId, period }) {
      const ctx = Context.current();
      const cutoff = new Date().toISOString();
      const directory = deps.directory();
      const agg = createAggregator({ circularId, period, cutoff, units: directory.units.map((u) => ({ id: u.id, name: u.name })) });
      let listed = 0;
      let counted = 0;
      let batch: WorkflowExecutionInfo[] = [];
      const flush = async (): Promise<void> => {
        const views = await Promise.all(batch.map((x) => readCaseView(deps.client, x)));
        views.forEach((v, i) => {
          if (v === null) agg.unreadable(batch[i]!.workflowId);
          else if (agg.add(v)) counted++;
        });
        batch = [];
        ctx.heartbeat({ listed, counted });
      };
      for await (const x of deps.client.workflow.list({ query: circularListQuery(period) })) {
        listed++;
        batch.push(x);
        if (batch.length >= READ_CONCURRENCY) await flush();
      }
      await flush();
      const figures = agg.finish();
      log(`circular ${circularId}: ${listed} cases listed, ${counted} in the period, ${figures.unreadable.length} unreadable`);
      return figures;
    },

    async renderCircular({ request, figures }) {
      const dir = dirOf(request.circularId);
      await mkdir(dir, { recursive: true });
      const directory = deps.directory();
      // The date line is the cut-off's day: a retry renders the same circular.
      const meta = { officeName: directory.office.name, issuedAt: figures.cutoff, ...(request.documentNumber ? { documentNumber: request.documentNumber } : {}) };
      const names = circularFileNames(figures);
      const outputs: [string, string, string, Buffer][] = [
        [names.xlsx, names.downloadXlsx, XLSX_TYPE, await renderCircularXlsx(figures, meta)],
        [names.docx, names.downloadDocx, DOCX_TYPE, await renderCircularDocx(figures, meta)],
      ];
      const files: CircularFile[] = [];
      for (const [name, downloadName, contentType, bytes] of outputs) {
        await writeFileAtomically(join(dir, name), bytes);
        files.push({ name, downloadName, contentType, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
      }
      await writeFileAtomically(join(dir, 'figures.json'), JSON.stringify({ request, figures, files }, null, 2));
      return files;
    },

    async mailCircular({ request, figures, files }) {
      const dir = dirOf(request.circularId);
      const marker = join(dir, 'mail.json');
      // Sent once per circular: a retry after a successful send (worker died before completing) sends nothing.
      const earlier = await readJson<CircularMailResult>(marker);
      if (earlier) return { ...earlier, duplicate: true };
      const to = circularRecipients(deps.directory());
      const subject = circularTitle(figures.period);
      const text = [`${subject}`, '', ...circularSummary(figures), '', `附件：${files.map((f) => f.downloadName).join('、')}`].join('\n');
      const smtp = deps.channelSet?.smtp ?? deps.channels?.smtp;
      let result: CircularMailResult;
      if (smtp && to.length > 0) {
        const messageId = await sendMail(smtp, {
          from: smtp.from,
          to,
          subject,
          text,
          messageId: messageIdFor(`circular:${request.circularId}`, smtp.from),
          attachments: files.map((f) => ({ filename: f.downloadName, path: join(dir, f.name), contentType: f.contentType })),
        });
        result = { channel: 'email', to, messageId, duplicate: false };
      } else {
        const name = outboxFileName(`circular:${request.circularId}`);
        await mkdir(deps.outboxDir, { recursive: true });
        const mail = {
          idempotencyKey: `circular:${request.circularId}`,
          caseId: `circular:${request.circularId}`,
          event: 'circular',
          recipientId: 'circularRecipients',
          recipientRole: 'office',
          title: subject,
          text,
          to,
          attachments: files.map((f) => ({ filename: f.downloadName, path: join(dir, f.name), contentType: f.contentType, bytes: f.bytes })),
          writtenAt: new Date().toISOString(),
        };
        let duplicate = false;
        try {
          await writeFile(join(deps.outboxDir, name), JSON.stringify(mail, null, 2), { flag: 'wx' });
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
          duplicate = true;
        }
        result = { channel: 'outbox', to, messageId: name, duplicate };
      }
      await writeFileAtomically(marker, JSON.stringify(result, null, 2));
      log(`circular ${request.circularId}: mailed by ${result.channel} to ${to.length} recipient(s)`);
      return result;
    },
  };
}
