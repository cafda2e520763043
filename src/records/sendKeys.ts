// Send once across worker hosts: a message's idempotency key is claimed in PostgreSQL before its provider is called and
// marked sent once the provider accepted it (table send_keys, migration 001).
import type { Channel } from '../directory.js';
import type { Queryable } from './db.js';

/**
 * fresh: claimed now, send it. sent: a provider already accepted it, never send again. claimed: an earlier attempt
 * claimed it and recorded no outcome (it died mid-send, or its provider refused): send again — the remaining window.
 */
export type SendClaim = 'fresh' | 'sent' | 'claimed';

export async function claimSend(db: Queryable, idempotencyKey: string, channel: Channel): Promise<SendClaim> {
  const inserted = await db.query(
    `INSERT INTO send_keys (idempotency_key, channel, state) VALUES ($1, $2, 'claimed') ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key`,
    [idempotencyKey, channel],
  );
  if (inserted.rowCount === 1) return 'fresh';
  // Rows are never deleted, so the conflicting row is still there to read.
  const existing = await db.query<{ state: 'claimed' | 'sent' }>('SELECT state FROM send_keys WHERE idempotency_key = $1', [idempotencyKey]);
  const state = existing.rows[0]?.state;
  if (!state) throw new Error(`send key ${idempotencyKey}: conflicting row vanished`);
  return state;
}

/** Records that the provider accepted the message; the first acceptance's provider ID is kept. */
export async function markSent(db: Queryable, idempotencyKey: string, providerId?: string): Promise<void> {
  const updated = await db.query(`UPDATE send_keys SET state = 'sent', provider_id = $2, sent_at = now() WHERE idempotency_key = $1 AND state = 'claimed'`, [idempotencyKey, providerId ?? null]);
  if (updated.rowCount === 1) return;
  const existing = await db.query<{ state: string }>('SELECT state FROM send_keys WHERE idempotency_key = $1', [idempotencyKey]);
  if (existing.rows[0]?.state !== 'sent') throw new Error(`send key ${idempotencyKey}: marked sent without a claim`);
}

/** What deliver() needs of the store (activities/channels/deliver.ts DeliverDeps.sendKeys). */
export interface SendKeyStore {
  claim(idempotencyKey: string, channel: Channel): Promise<SendClaim>;
  markSent(idempotencyKey: string, providerId?: string): Promise<void>;
}

export function sendKeyStore(db: Queryable): SendKeyStore {
  return {
    claim: (key, channel) => claimSend(db, key, channel),
    markSent: (key, providerId) => markSent(db, key, providerId),
  };
}
