// One interface for every delivery channel, and the two ways a send can fail.
import type { Channel as ChannelName, Person } from '../../src/directory.js';
import type { NotificationEvent, NotifyRequest, RecipientContext } from '../../src/notifications.js';

/** One message to one person on one channel. */
export interface OutgoingMessage {
  /** `${caseId}|${key}|${recipientId}|${channel}`: stable across retries and continue-as-new. */
  idempotencyKey: string;
  request: NotifyRequest;
  event: NotificationEvent;
  recipient: Person;
  context: RecipientContext;
}

export interface SendReceipt {
  /** The provider's message ID (Twilio MessageSid, SMTP Message-ID, outbox file name …). */
  providerId?: string;
  /** True when the channel itself knew the key and did not send again (the outbox). */
  duplicate?: boolean;
}

export interface DeliveryChannel {
  readonly name: ChannelName;
  /** False when this person lacks what the channel needs (a phone for SMS, an e-mail address for e-mail). */
  canReach(person: Person): boolean;
  /** Resolves once the provider accepted the message. Throws PermanentDeliveryError or TransientDeliveryError. */
  send(message: OutgoingMessage): Promise<SendReceipt>;
  close?(): Promise<void> | void;
}

/** This recipient cannot be reached on this channel, whatever the retries: try their next channel. */
export class PermanentDeliveryError extends Error {
  constructor(
    readonly channel: ChannelName,
    message: string,
    readonly code?: string | number,
  ) {
    super(message);
    this.name = 'PermanentDeliveryError';
  }
}

/** The provider is down, slow or throttling: retry later (the activity fails and Temporal retries with backoff). */
export class TransientDeliveryError extends Error {
  constructor(
    readonly channel: ChannelName,
    message: string,
    readonly code?: string | number,
  ) {
    super(message);
    this.name = 'TransientDeliveryError';
  }
}

export function idempotencyKeyFor(request: NotifyRequest, recipientId: string, channel: ChannelName): string {
  return `${request.caseId}|${request.key}|${recipientId}|${channel}`;
}
