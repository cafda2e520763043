// The configured channels: each one only when its credentials are there; the local outbox always.
import type { Channel as ChannelName, Person } from '../../src/directory.js';
import { renderNotification, notificationTitle } from '../../src/notifications.js';
import { writeOutbox } from '../outbox.js';
import { createEmailChannel, type LoadDocument, type SmtpConfig } from './email.js';
import { createDingtalkChannel, createWecomChannel, type DingtalkConfig, type WecomConfig } from './robots.js';
import { createSmsChannel, type TwilioConfig } from './sms.js';
import type { DeliveryChannel, OutgoingMessage, SendReceipt } from './types.js';

export * from './types.js';
export type { LoadDocument } from './email.js';

export interface ChannelConfig {
  twilio?: TwilioConfig;
  smtp?: SmtpConfig;
  wecom?: WecomConfig;
  dingtalk?: DingtalkConfig;
}

export interface ChannelSet {
  /** A configured channel, or undefined when it has no credentials (the outbox is used instead). */
  get(name: ChannelName): DeliveryChannel | undefined;
  outbox: DeliveryChannel;
  /** The SMTP settings, when e-mail is configured: reports (the circular) mail their own attachments with them. */
  smtp?: SmtpConfig;
  close(): Promise<void>;
}

export function createOutboxChannel(outboxDir: string): DeliveryChannel {
  return {
    name: 'outbox',
    canReach: () => true,
    // Once-only is the send key's claim (deliver), not the file's existence: a repeated claimed send rewrites the file.
    async send(m: OutgoingMessage): Promise<SendReceipt> {
      const file = await writeOutbox(outboxDir, {
        idempotencyKey: m.idempotencyKey,
        caseId: m.request.caseId,
        event: m.event,
        recipientId: m.recipient.id,
        recipientRole: m.recipient.role,
        title: notificationTitle(m.event, m.request.milestone),
        text: renderNotification(m.request) + (m.context.arrivalLink ? `报告到达：${m.context.arrivalLink}` : ''),
        writtenAt: new Date().toISOString(),
      });
      return { providerId: file };
    },
  };
}

/** What the channels read from the store of record. */
export interface ChannelDeps {
  /** The DOCX of a 催办单 / 督办单 by document ID, attached to e-mails; without it e-mails go without attachments. */
  loadDocument?: LoadDocument;
}

export function createChannels(config: ChannelConfig, outboxDir: string, deps: ChannelDeps = {}): ChannelSet {
  const built = new Map<ChannelName, DeliveryChannel>();
  if (config.twilio) built.set('sms', createSmsChannel(config.twilio));
  if (config.smtp) built.set('email', createEmailChannel(config.smtp, deps.loadDocument));
  if (config.wecom) built.set('wecom', createWecomChannel(config.wecom));
  if (config.dingtalk) built.set('dingtalk', createDingtalkChannel(config.dingtalk));
  const outbox = createOutboxChannel(outboxDir);
  built.set('outbox', outbox);
  return {
    get: (name) => built.get(name),
    outbox,
    ...(config.smtp ? { smtp: config.smtp } : {}),
    async close() {
      for (const c of built.values()) await c.close?.();
    },
  };
}

/**
 * The channels to try for a person, in their order of preference: a channel without credentials becomes the outbox,
 * a channel that cannot reach the person (no phone for SMS, no address for e-mail) is skipped, repeats are dropped.
 * Never empty: the outbox is the last resort when nothing else is possible.
 */
export function channelsFor(person: Person, channels: ChannelSet): DeliveryChannel[] {
  const out: DeliveryChannel[] = [];
  for (const name of person.channels) {
    const ch = channels.get(name) ?? channels.outbox;
    if (!ch.canReach(person) || out.includes(ch)) continue;
    out.push(ch);
  }
  return out.length > 0 ? out : [channels.outbox];
}

const bool = (v: string | undefined): boolean => v === 'true' || v === '1' || v === 'yes';

/**
 * Channel credentials from the environment. A channel is configured only when all it needs is set; what is missing
 * is returned as a note (names of variables, never values), so start-up can say why a channel falls back to the outbox.
 */
export function channelConfigFromEnv(env: NodeJS.ProcessEnv = process.env): { config: ChannelConfig; notes: string[] } {
  const config: ChannelConfig = {};
  const notes: string[] = [];
  const publicUrl = env.DUBAN_PUBLIC_URL;
  if (env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN && (env.TWILIO_FROM || env.TWILIO_MESSAGING_SERVICE_SID)) {
    config.twilio = {
      accountSid: env.TWILIO_ACCOUNT_SID,
      authToken: env.TWILIO_AUTH_TOKEN,
      ...(env.TWILIO_FROM ? { from: env.TWILIO_FROM } : {}),
      ...(env.TWILIO_MESSAGING_SERVICE_SID ? { messagingServiceSid: env.TWILIO_MESSAGING_SERVICE_SID } : {}),
      ...(publicUrl ? { statusCallbackBase: publicUrl } : {}),
      ...(env.TWILIO_API_BASE_URL ? { apiBaseUrl: env.TWILIO_API_BASE_URL } : {}),
    };
  } else notes.push('sms → outbox (set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID)');
  if (env.SMTP_HOST && env.SMTP_FROM) {
    const secure = bool(env.SMTP_SECURE);
    config.smtp = {
      host: env.SMTP_HOST,
      port: env.SMTP_PORT ? Number(env.SMTP_PORT) : secure ? 465 : 587,
      secure,
      from: env.SMTP_FROM,
      ...(env.SMTP_USER ? { user: env.SMTP_USER, pass: env.SMTP_PASS ?? '' } : {}),
    };
  } else notes.push('email → outbox (set SMTP_HOST and SMTP_FROM; SMTP_PORT, SMTP_SECURE, SMTP_USER, SMTP_PASS as needed)');
  if (env.WECOM_WEBHOOK_URL) config.wecom = { webhookUrl: env.WECOM_WEBHOOK_URL };
  else notes.push('wecom → outbox (set WECOM_WEBHOOK_URL)');
  if (env.DINGTALK_WEBHOOK_URL) config.dingtalk = { webhookUrl: env.DINGTALK_WEBHOOK_URL, ...(env.DINGTALK_SECRET ? { secret: env.DINGTALK_SECRET } : {}) };
  else notes.push('dingtalk → outbox (set DINGTALK_WEBHOOK_URL, DINGTALK_SECRET)');
  return { config, notes };
}
