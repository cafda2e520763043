// What every process holds of the store of record: the pool and the sealer for columns that may carry free text.
import type { PayloadCodec } from '@temporalio/common';
import { databaseUrlFromEnv, openDatabase, type Db, type DbOptions } from './db.js';
import { createSealer, type Sealer } from './seal.js';

export interface Records {
  db: Db;
  sealer: Sealer;
}

/** Opens DUBAN_DATABASE_URL (or the embedded default) and migrates it; a failing migration stops start-up here. */
export async function openRecords(codec: PayloadCodec | undefined, options: DbOptions & { url?: string } = {}): Promise<Records> {
  const db = await openDatabase(options.url ?? databaseUrlFromEnv(), options);
  return { db, sealer: createSealer(codec) };
}
