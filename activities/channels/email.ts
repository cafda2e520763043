// E-mail over SMTP with nodemailer: UTF-8 subject, a plain-text part and an HTML part.
import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { Person } from '../../src/directory.js';
import { maskPersonalData } from '../../src/log.js';
import { renderEmail, type NotifyRequest } from '../../src/notifications.js';
import { PermanentDeliveryError, TransientDeliveryError, type DeliveryChannel, type OutgoingMessage, type SendReceipt } from './types.js';

export interface SmtpConfig {
  host: string;
  port: number;
  /** true: TLS from the first byte (port 465); false: plain, upgraded by STARTTLS when the server offers it. */
  secure: boolean;
  user?: string;
  pass?: string;
  /** The From address, e.g. "督办系统 <duban@xfb.example.cn>". */
  from: string;
  /** Keep a few connections open (throughput); default true. */
  pool?: boolean;
  /** Connection, greeting and socket timeouts; a timeout is retried. Default 15 s. */
  timeoutMs?: number;
  /** Extra TLS options (a private CA; tests: nothing). */
  tls?: SMTPTransport.Options['tls'];
}

/** The Message-ID of a message is derived from its idempotency key: a receiving system can drop a repeat. */
export function messageIdFor(idempotencyKey: string, from: string): string {
  const domain = /@([A-Za-z0-9.-]+)/.exec(from)?.[1] ?? 'duban.local';
  return `<${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}@${domain}>`;
}

interface SmtpError {
  code?: string;
  responseCode?: number;
  message?: string;
}

export function classifySmtpError(err: unknown): PermanentDeliveryError | TransientDeliveryError {
  const e = (err ?? {}) as SmtpError;
  const message = maskPersonalData(e.message ?? String(err));
  const rc = e.responseCode;
  if (typeof rc === 'number') {
    // 5xx: permanent (no such mailbox, relaying denied, authentication refused …); 4xx: try again later.
    if (rc >= 500) return new PermanentDeliveryError('email', `SMTP ${rc}: ${message}`, rc);
    return new TransientDeliveryError('email', `SMTP ${rc}: ${message}`, rc);
  }
  // No SMTP reply: an envelope nodemailer itself refuses (a bad address) cannot succeed; anything else is the network.
  if (e.code === 'EENVELOPE' || e.code === 'EMESSAGE') return new PermanentDeliveryError('email', `SMTP ${e.code}: ${message}`, e.code);
  return new TransientDeliveryError('email', `SMTP unreachable${e.code ? ` (${e.code})` : ''}: ${message}`, e.code);
}

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/** The DOCX bytes of a document by its ID (the store of record); undefined when it is not (yet) stored. */
export type LoadDocument = (documentId: string) => Promise<Buffer | undefined>;

/** The step's 催办单 / 督办单 as attachments; one that is not there or cannot be read is left out (the text still names it). */
export async function documentAttachments(request: NotifyRequest, loadDocument: LoadDocument | undefined): Promise<{ filename: string; content: Buffer; contentType: string }[]> {
  const out: { filename: string; content: Buffer; contentType: string }[] = [];
  if (!loadDocument) return out;
  for (const d of request.documents ?? []) {
    try {
      const content = await loadDocument(d.documentId);
      if (content) out.push({ filename: d.fileName, content, contentType: DOCX });
    } catch {
      // The alert matters more than its attachment: it goes out, and the document stays downloadable from the API.
    }
  }
  return out;
}

/** nodemailer's settings for an SMTP server: the alerts' pooled channel and one-off report mails (the circular). */
export function smtpTransportOptions(config: SmtpConfig, pooled: boolean): SMTPTransport.Options {
  const timeout = config.timeoutMs ?? 15_000;
  return {
    host: config.host,
    port: config.port,
    secure: config.secure,
    ...(config.user ? { auth: { user: config.user, pass: config.pass ?? '' } } : {}),
    ...(pooled && config.pool !== false ? { pool: true, maxConnections: 5 } : {}),
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    ...(config.tls ? { tls: config.tls } : {}),
  };
}

export function createEmailChannel(config: SmtpConfig, loadDocument?: LoadDocument): DeliveryChannel {
  const transport = nodemailer.createTransport(smtpTransportOptions(config, true));
  return {
    name: 'email',
    canReach: (person: Person) => Boolean(person.email),
    async send(message: OutgoingMessage): Promise<SendReceipt> {
      const { subject, text, html } = renderEmail(message.request, message.context);
      const messageId = messageIdFor(message.idempotencyKey, config.from);
      const attachments = await documentAttachments(message.request, loadDocument);
      let info: SMTPTransport.SentMessageInfo;
      try {
        info = await transport.sendMail({
          from: config.from,
          to: { name: message.recipient.name, address: message.recipient.email! },
          subject,
          text,
          html,
          messageId,
          ...(attachments.length > 0 ? { attachments } : {}),
          headers: { 'X-Duban-Idempotency-Key': message.idempotencyKey },
        });
      } catch (err) {
        throw classifySmtpError(err);
      }
      if (info.rejected.length > 0) throw new PermanentDeliveryError('email', `SMTP rejected the recipient: ${maskPersonalData(info.response)}`);
      return { providerId: info.messageId || messageId };
    },
    close() {
      transport.close();
    },
  };
}
