// The quarterly circular: figures from the store of record (SQL over cases and case facts), XLSX and DOCX kept in
// circular_files, and one mail per circular whichever worker sends it (circular_mailings).
import { ApplicationFailure } from '@temporalio/activity';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { circularTitle } from '../src/circular/period.js';
import { DOCX_TYPE, XLSX_TYPE, circularFileNames, circularSummary, renderCircularDocx, renderCircularXlsx } from '../src/circular/render.js';
import type { CircularActivities, CircularFile, CircularMailResult } from '../src/circular/types.js';
import type { Directory } from '../src/directory.js';
import { ErrorType } from '../src/errors.js';
import { FIGURES_RECORD, MAIL_RECORD, circularFiguresFromRecords, putCircularRecord, readCircularMail, readCircularRecord, type StoredCircular } from '../src/records/circularFacts.js';
import { inTransaction } from '../src/records/db.js';
import { classifySmtpError, messageIdFor, smtpTransportOptions, type SmtpConfig } from './channels/email.js';
import { PermanentDeliveryError } from './channels/types.js';
import type { ActivityDeps } from './index.js';
import { outboxFileName } from './outbox.js';

/** Non-retryable failure type of mailCircular: the mail server refused for good (bad address, relaying denied). */
export const CIRCULAR_MAIL_REFUSED = ErrorType.CircularMailRefused;

/** Recipients of the circular: the office's list, else the supervisors who have an e-mail address. */
export function circularRecipients(directory: Directory): string[] {
  if (directory.office.circularRecipients.length > 0) return [...directory.office.circularRecipients];
  return directory.supervisors.flatMap((s) => (s.email ? [s.email] : []));
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
  return {
    async collectCircularFacts({ circularId, period }) {
      const cutoff = new Date().toISOString();
      const directory = deps.directory();
      const figures = await circularFiguresFromRecords(deps.records, { circularId, period, cutoff, units: directory.units.map((u) => ({ id: u.id, name: u.name })) });
      log(`circular ${circularId}: ${figures.total.escalated} cases in the period`);
      return figures;
    },

    async renderCircular({ request, figures }) {
      const directory = deps.directory();
      // The date line is the cut-off's day: a retry renders the same circular.
      const meta = { officeName: directory.office.name, issuedAt: figures.cutoff, ...(request.documentNumber ? { documentNumber: request.documentNumber } : {}) };
      const names = circularFileNames(figures);
      const outputs: [string, string, string, Buffer][] = [
        [names.xlsx, names.downloadXlsx, XLSX_TYPE, await renderCircularXlsx(figures, meta)],
        [names.docx, names.downloadDocx, DOCX_TYPE, await renderCircularDocx(figures, meta)],
      ];
      const files: CircularFile[] = outputs.map(([name, downloadName, contentType, bytes]) => ({ name, downloadName, contentType, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }));
      const stored: StoredCircular = { request, figures, files };
      // One transaction: a reader sees the files and their description together, never half of a re-run.
      await inTransaction(deps.records.db, async (tx) => {
        const on = { db: tx, sealer: deps.records.sealer };
        for (const [name, , , bytes] of outputs) await putCircularRecord(on, request.circularId, name, bytes);
        await putCircularRecord(on, request.circularId, FIGURES_RECORD, Buffer.from(JSON.stringify(stored, null, 2)));
      });
      return files;
    },

    async mailCircular({ request, figures, files }) {
      const id = request.circularId;
      // The marker row is inserted first and committed only after the send: a second worker's insert waits on it,
      // then finds it (sends nothing) or, if this send failed and rolled back, sends itself.
      const result = await inTransaction(deps.records.db, async (tx): Promise<CircularMailResult> => {
        const on = { db: tx, sealer: deps.records.sealer };
        const claimed = await tx.query('INSERT INTO circular_mailings (circular_id) VALUES ($1) ON CONFLICT (circular_id) DO NOTHING', [id]);
        if (claimed.rowCount === 0) {
          const earlier = await readCircularMail(on, id);
          if (!earlier) throw new Error(`circular ${id} is marked mailed but its mail record is missing`);
          return { ...earlier, duplicate: true };
        }
        const to = circularRecipients(deps.directory());
        const subject = circularTitle(figures.period);
        const text = [`${subject}`, '', ...circularSummary(figures), '', `附件：${files.map((f) => f.downloadName).join('、')}`].join('\n');
        const smtp = deps.channelSet?.smtp ?? deps.channels?.smtp;
        let sent: CircularMailResult;
        if (smtp && to.length > 0) {
          const attachments = [];
          for (const f of files) {
            const content = await readCircularRecord(on, id, f.name);
            if (!content) throw new Error(`circular ${id} has no stored file ${f.name}`);
            attachments.push({ filename: f.downloadName, content, contentType: f.contentType });
          }
          const messageId = await sendMail(smtp, { from: smtp.from, to, subject, text, messageId: messageIdFor(`circular:${id}`, smtp.from), attachments });
          sent = { channel: 'email', to, messageId, duplicate: false };
        } else {
          const name = outboxFileName(`circular:${id}`);
          await mkdir(deps.outboxDir, { recursive: true });
          const mail = {
            idempotencyKey: `circular:${id}`,
            caseId: `circular:${id}`,
            event: 'circular',
            recipientId: 'circularRecipients',
            recipientRole: 'office',
            title: subject,
            text,
            to,
            // The files live in the database: the outbox names where the API serves them.
            attachments: files.map((f) => ({ filename: f.downloadName, url: `/circulars/${id}/files/${f.name}`, contentType: f.contentType, bytes: f.bytes, sha256: f.sha256 })),
            writtenAt: new Date().toISOString(),
          };
          await writeFile(join(deps.outboxDir, name), JSON.stringify(mail, null, 2));
          sent = { channel: 'outbox', to, messageId: name, duplicate: false };
        }
        await putCircularRecord(on, id, MAIL_RECORD, Buffer.from(JSON.stringify(sent, null, 2)));
        return sent;
      });
      if (!result.duplicate) log(`circular ${id}: mailed by ${result.channel} to ${result.to.length} recipient(s)`);
      return result;
    },
  };
}
