// What every process holds of the store of record: the pool and the sealer for columns that may carry free text.
import type { PayloadCodec } from '@temporalio/common';
import { databaseUrlFromEnv, openDatabase, type Db, type DbOptions, type Queryable } from './db.js';
import { createSealer, type Sealer } from './seal.js';

export interface Records {
  db: Db;
  sealer: Sealer;
}

/** The sealer with the pool or a transaction's client: what reads and writes of sealed columns take (a Records is one). */
export interface SealedDb {
  db: Queryable;
  sealer: Sealer;
}

/** Opens DUBAN_DATABASE_URL (or the embedded default) and migrates it; a failing migration stops start-up here. */
export async function openRecords(codec: PayloadCodec | undefined, options: DbOptions & { url?: string } = {}): Promise<Records> {
  const db = await openDatabase(options.url ?? databaseUrlFromEnv(), options);
  return { db, sealer: createSealer(codec) };
}
