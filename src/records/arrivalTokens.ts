// Used arrival-link tokens in PostgreSQL (table arrival_tokens_used): a link is used once, whichever API process sees it.
import type { UsedTokenStore } from '../arrivalLink.js';
import type { Queryable } from './db.js';

export interface DbTokenStoreOptions {
  /** At most one prune of expired rows per this many ms, run after a claim. Default 10 minutes. */
  pruneEveryMs?: number;
  now?: () => number;
}

/** Deletes rows whose token expired over an hour ago (the margin absorbs clock skew between API hosts); returns how many. */
export async function pruneUsedTokens(db: Queryable): Promise<number> {
  const deleted = await db.query(`DELETE FROM arrival_tokens_used WHERE expires_at < now() - interval '1 hour'`);
  return deleted.rowCount ?? 0;
}

export function dbTokenStore(db: Queryable, options: DbTokenStoreOptions = {}): UsedTokenStore {
  const every = options.pruneEveryMs ?? 600_000;
  const now = options.now ?? Date.now;
  let lastPrune = now();
  return {
    async claim(tokenId, expiresAt) {
      // Errors (the database unreachable) propagate: the route answers 503 and the token stays unused.
      const inserted = await db.query('INSERT INTO arrival_tokens_used (token_id, expires_at) VALUES ($1, $2) ON CONFLICT (token_id) DO NOTHING RETURNING token_id', [tokenId, new Date(expiresAt)]);
      if (now() - lastPrune >= every) {
        lastPrune = now();
        // Housekeeping only: a failed prune is tried again at the next interval.
        void pruneUsedTokens(db).catch(() => undefined);
      }
      return inserted.rowCount === 1;
    },
    async release(tokenId) {
      await db.query('DELETE FROM arrival_tokens_used WHERE token_id = $1', [tokenId]);
    },
  };
}
