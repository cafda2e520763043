// One notify request → one message per recipient, each on the first of their channels that accepts it.
// Progress (who was accepted, which channels failed for good) is heartbeated after every send, so a retried attempt —
// after a provider outage, a timeout, a worker that shut down or died — sends only to those not yet accepted.
// Across attempts and hosts, each message's idempotency key is claimed in the store of record before the provider is
// called and marked sent after it accepted (src/records/sendKeys.ts): a key already sent is never sent again.
import { arrivalLinkFor, type ArrivalLinkConfig } from '../../src/arrivalLink.js';
import type { DeliveryResult, NotifyResult } from '../../src/activityTypes.js';
import { findUnit, type Directory, type Person } from '../../src/directory.js';
import { AUDIENCE, notificationTitle, wantsArrivalLink, type NotifyRequest, type RecipientContext } from '../../src/notifications.js';
import { channelsFor, type ChannelSet } from './index.js';
import type { SendClaim, SendKeyStore } from '../../src/records/sendKeys.js';
import { isDatabaseUnavailable } from '../../src/records/db.js';
import { PermanentDeliveryError, TransientDeliveryError, idempotencyKeyFor } from './types.js';
import { alertsDuplicate, alertsFailed, alertsSent, alertsUnreachable } from '../../src/metrics.js';

/** What a notify attempt has done so far; carried to the next attempt in the heartbeat details. */
export interface NotifyProgress {
  v: 1;
  /** Final result per recipient slot (person ID, or `undeliverable:<failed>:<supervisor>` for reports). */
  done: Record<string, DeliveryResult>;
  /** Channels that failed for good per slot, so a retry goes on with the next one. */
  failed: Record<string, string[]>;
}

export interface DeliverDeps {
  directory: Directory;
  channels: ChannelSet;
  links?: ArrivalLinkConfig;
  log: (line: string) => void;
  /**
   * Send keys in the store of record (sendKeyStore(records.db)), shared by every worker host. Its errors (the database
   * unreachable) fail the attempt before the provider is called, so Temporal retries. Absent (unit tests of channels
   * only): once-only holds within one activity's progress.
   */
  sendKeys?: SendKeyStore;
  /** Progress of an earlier attempt (Context.current().info.heartbeatDetails). */
  prior?: unknown;
  /** Records progress (Context.current().heartbeat). */
  checkpoint?: (progress: NotifyProgress) => void;
  /** Throws when the attempt was cancelled (worker shutdown); called between sends, never during one. */
  throwIfCancelled?: () => void;
  /** The attempt number (1-based): after transientFallbackAttempt attempts, a channel that keeps failing is given up for the next. */
  attempt?: number;
  transientFallbackAttempt?: number;
  now?: () => number;
}

export function recipientsFor(directory: Directory, request: NotifyRequest): Person[] {
  const roles = request.audience ?? AUDIENCE[request.event];
  const unit = findUnit(directory, request.unitId);
  const seen = new Set<string>();
  return [...(unit?.people ?? []), ...directory.supervisors, ...(directory.districtLeaders ?? [])].filter((p) => roles.includes(p.role) && !seen.has(p.id) && seen.add(p.id));
}

function readProgress(prior: unknown): NotifyProgress {
  const p = prior as Partial<NotifyProgress> | undefined;
  if (p && p.v === 1 && typeof p.done === 'object' && typeof p.failed === 'object') return { v: 1, done: { ...p.done }, failed: { ...p.failed } };
  return { v: 1, done: {}, failed: {} };
}

export async function deliver(request: NotifyRequest, deps: DeliverDeps): Promise<NotifyResult> {
  const progress = readProgress(deps.prior);
  const now = deps.now ?? Date.now;
  const save = (): void => deps.checkpoint?.(progress);

  // The message went out: a failure to record it leaves the key claimed (sent again only if this progress is lost too).
  const markSentOrLog = async (key: string, providerId: string | undefined, channel: string, req: NotifyRequest, personId: string): Promise<void> => {
    try {
      await deps.sendKeys?.markSent(key, providerId);
    } catch (err) {
      deps.log(`${channel} send key not marked ${req.event} case=${req.caseId} to=${personId}: ${(err as Error).message}`);
    }
  };

  const sendTo = async (slot: string, person: Person, req: NotifyRequest): Promise<DeliveryResult> => {
    const earlier = progress.done[slot];
    if (earlier) return earlier;
    const context: RecipientContext = {
      id: person.id,
      name: person.name,
      role: person.role,
      ...(person.title ? { title: person.title } : {}),
      ...(deps.links && wantsArrivalLink(req, person.role) ? { arrivalLink: arrivalLinkFor(deps.links, req.caseId, person.id, req.deadline, now()) } : {}),
    };
    const failed = (progress.failed[slot] ??= []);
    for (const channel of channelsFor(person, deps.channels)) {
      if (failed.some((f) => f.startsWith(`${channel.name}:`))) continue;
      deps.throwIfCancelled?.();
      const idempotencyKey = idempotencyKeyFor(req, person.id, channel.name);
      // An alert matters more than its send record: with the database unreachable it goes out on the heartbeat progress alone.
      let claim: SendClaim = 'fresh';
      try {
        if (deps.sendKeys) claim = await deps.sendKeys.claim(idempotencyKey, channel.name);
      } catch (err) {
        if (!isDatabaseUnavailable(err)) throw err;
        deps.log(`${channel.name} send key store unreachable ${req.event} case=${req.caseId} to=${person.id}: sending on this attempt's progress`);
      }
      const fellBackFrom = failed.length > 0 ? { fellBackFrom: failed.map((f) => f.split(':')[0]!) } : {};
      if (claim === 'sent') {
        const result: DeliveryResult = { recipientId: person.id, channel: channel.name, status: 'duplicate', ...fellBackFrom };
        progress.done[slot] = result;
        save();
        alertsDuplicate.inc({ channel: channel.name, event: req.event });
        deps.log(`${channel.name} ${channel.name === 'outbox' ? 'skipped duplicate' : 'duplicate'} ${req.event} case=${req.caseId} to=${person.id}`);
        return result;
      }
      try {
        const receipt = await channel.send({ idempotencyKey, request: req, event: req.event, recipient: person, context });
        const result: DeliveryResult = {
          recipientId: person.id,
          channel: channel.name,
          status: receipt.duplicate ? 'duplicate' : 'accepted',
          ...(receipt.providerId ? { providerId: receipt.providerId } : {}),
          ...fellBackFrom,
        };
        progress.done[slot] = result;
        save();
        (receipt.duplicate ? alertsDuplicate : alertsSent).inc({ channel: channel.name, event: req.event });
        // Log IDs only: texts, phones and addresses stay out of logs.
        const verb = channel.name === 'outbox' ? (receipt.duplicate ? 'skipped duplicate' : 'wrote') : receipt.duplicate ? 'duplicate' : 'accepted';
        deps.log(`${channel.name} ${verb} ${req.event} case=${req.caseId} to=${person.id}`);
        await markSentOrLog(idempotencyKey, receipt.providerId, channel.name, req, person.id);
        return result;
      } catch (err) {
        const giveUp = err instanceof TransientDeliveryError && (deps.attempt ?? 1) >= (deps.transientFallbackAttempt ?? Infinity);
        alertsFailed.inc({ channel: channel.name, event: req.event, failure: err instanceof PermanentDeliveryError ? 'permanent' : 'transient' });
        if (err instanceof PermanentDeliveryError || giveUp) {
          failed.push(`${channel.name}:${(err as Error).message}`);
          save();
          deps.log(`${channel.name} failed ${req.event} case=${req.caseId} to=${person.id}: ${(err as Error).message}`);
          continue;
        }
        save();
        throw err;
      }
    }
    const result: DeliveryResult = { recipientId: person.id, channel: failed.map((f) => f.split(':')[0]).join(','), status: 'failed', error: failed.join('; ') };
    progress.done[slot] = result;
    save();
    alertsUnreachable.inc({ event: req.event });
    deps.log(`unreachable ${req.event} case=${req.caseId} to=${person.id}`);
    return result;
  };

  const deliveries: DeliveryResult[] = [];
  for (const person of recipientsFor(deps.directory, request)) deliveries.push(await sendTo(person.id, person, request));

  // Whoever could be reached on none of their channels is reported to the supervisors (by ID and name, on their channels).
  const reports: DeliveryResult[] = [];
  for (const miss of deliveries.filter((d) => d.status === 'failed')) {
    const person = recipientsFor(deps.directory, request).find((p) => p.id === miss.recipientId)!;
    const report: NotifyRequest = {
      ...request,
      event: 'undeliverable',
      key: `${request.key}.undeliverable.${person.id}`,
      detail: { recipientId: person.id, recipientName: person.name, originalTitle: notificationTitle(request.event, request.milestone) },
    };
    delete report.audience;
    for (const supervisor of recipientsFor(deps.directory, report).filter((s) => s.id !== person.id)) {
      reports.push({ ...(await sendTo(`undeliverable:${person.id}:${supervisor.id}`, supervisor, report)), about: person.id });
    }
  }
  return { deliveries, ...(reports.length > 0 ? { reports } : {}) };
}

export { TransientDeliveryError, PermanentDeliveryError };
