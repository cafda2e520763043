// SMS through Twilio's Messages API with the official SDK.
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import type * as TwilioResponse from 'twilio/lib/http/response.js';
import type { Person } from '../../src/directory.js';
import { maskPersonalData } from '../../src/log.js';
import { renderSms } from '../../src/notifications.js';
import { PermanentDeliveryError, TransientDeliveryError, type DeliveryChannel, type OutgoingMessage, type SendReceipt } from './types.js';

export interface TwilioConfig {
  accountSid: string;
  authToken: string;
  /** A sender number (E.164) or alphanumeric sender ID; or messagingServiceSid. */
  from?: string;
  messagingServiceSid?: string;
  /** Public base URL of deliveryRoutes: each message's StatusCallback is <base>/twilio/status?caseId=…&key=…&recipientId=… */
  statusCallbackBase?: string;
  /** Send to this base instead of https://api.twilio.com (local peers, Prism, a regional proxy). */
  apiBaseUrl?: string;
  /** Per-request timeout; a timeout is retried. Default 15 s. */
  timeoutMs?: number;
}

/** Twilio error codes that mean "this number will never take this message": fall back to the next channel. */
export const PERMANENT_TWILIO_CODES = new Set([
  21211, // invalid 'To' phone number
  21214, // 'To' number cannot be reached
  21408, // permission to send to this region not enabled
  21610, // recipient replied STOP
  21612, // 'To' number not reachable via this sender
  21614, // 'To' number is not a valid mobile number
  21635, // landline
]);

/** The SDK's own RequestClient, pointed at another host: used for local peers (tests, Prism) only. */
export class RedirectingRequestClient extends twilio.RequestClient {
  constructor(
    private readonly baseUrl: string,
    opts?: RequestClient.RequestClientOptions,
  ) {
    super(opts);
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>): Promise<TwilioResponse.default<TData>> {
    const target = new URL(this.baseUrl);
    const uri = new URL(opts.uri);
    uri.protocol = target.protocol;
    uri.host = target.host;
    uri.pathname = target.pathname.replace(/\/+$/, '') + uri.pathname;
    return super.request({ ...opts, uri: uri.toString() });
  }
}

export function statusCallbackUrl(base: string, caseId: string, key: string, recipientId: string): string {
  const q = new URLSearchParams({ caseId, key, recipientId });
  return `${base.replace(/\/+$/, '')}/twilio/status?${q.toString()}`;
}

interface HttpishError {
  status?: number;
  code?: number | string;
  message?: string;
}

export function classifyTwilioError(err: unknown): PermanentDeliveryError | TransientDeliveryError {
  const e = (err ?? {}) as HttpishError;
  const message = maskPersonalData(e.message ?? String(err));
  if (typeof e.status === 'number') {
    const code = typeof e.code === 'number' ? e.code : undefined;
    const text = `Twilio ${e.status}${code !== undefined ? ` error ${code}` : ''}: ${message}`;
    if (e.status === 429 || e.status === 408 || e.status >= 500) return new TransientDeliveryError('sms', text, code ?? e.status);
    if (code !== undefined && PERMANENT_TWILIO_CODES.has(code)) return new PermanentDeliveryError('sms', text, code);
    // Other 4xx (bad credentials, a disabled sender, a malformed request): no retry will help; try the next channel.
    return new PermanentDeliveryError('sms', text, code ?? e.status);
  }
  // No HTTP answer: refused, reset, timed out. Twilio may or may not have it; retry (see docs/alerts.md, the window).
  return new TransientDeliveryError('sms', `Twilio unreachable: ${message}`, typeof e.code === 'string' ? e.code : undefined);
}

export function createSmsChannel(config: TwilioConfig): DeliveryChannel {
  if (!config.from && !config.messagingServiceSid) throw new Error('Twilio needs TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID');
  const timeout = config.timeoutMs ?? 15_000;
  const httpClient = config.apiBaseUrl ? new RedirectingRequestClient(config.apiBaseUrl, { timeout }) : new twilio.RequestClient({ timeout, keepAlive: true });
  const client = twilio(config.accountSid, config.authToken, { httpClient });
  return {
    name: 'sms',
    canReach: (person: Person) => Boolean(person.phone),
    async send(message: OutgoingMessage): Promise<SendReceipt> {
      const { request, recipient } = message;
      const body = renderSms(request, message.context);
      try {
        const sent = await client.messages.create({
          to: recipient.phone!,
          body,
          ...(config.messagingServiceSid ? { messagingServiceSid: config.messagingServiceSid } : { from: config.from! }),
          ...(config.statusCallbackBase ? { statusCallback: statusCallbackUrl(config.statusCallbackBase, request.caseId, request.key, recipient.id) } : {}),
        });
        return { providerId: sent.sid };
      } catch (err) {
        throw classifyTwilioError(err);
      }
    },
  };
}
