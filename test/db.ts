// Each caller gets a fresh, migrated database on the run's PostgreSQL server (test/globalSetup.ts).
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { openDatabase, type Db } from '../src/records/db.js';

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
