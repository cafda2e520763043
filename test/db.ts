// Each caller gets a fresh, migrated database on the run's PostgreSQL server (test/globalSetup.ts).
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { PayloadCodec } from '@temporalio/common';
import { openDatabase, type Db } from '../src/records/db.js';
import type { Records } from '../src/records/index.js';
import { createSealer } from '../src/records/seal.js';

export interface TestDatabase {
  url: string;
  db: Db;
  close(): Promise<void>;
}

export function serverUrl(): string {
  return inject('pgUrl');
}

/** A new database (duban_t_<random>) with every migration applied. */
export async function freshDatabase(): Promise<TestDatabase> {
  const url = new URL(serverUrl());
  url.pathname = `/duban_t_${randomBytes(6).toString('hex')}`;
  const db = await openDatabase(url.toString());
  return { url: url.toString(), db, close: () => db.end() };
}

/** Records on a fresh database, unsealed (the test workers run without a payload codec unless a test passes one). */
export async function freshRecords(codec?: PayloadCodec): Promise<Records & { url: string; close(): Promise<void> }> {
  const t = await freshDatabase();
  return { db: t.db, sealer: createSealer(codec), url: t.url, close: () => t.close() };
}
