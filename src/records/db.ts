// duban's store of record: a pg pool, ordered migrations applied at start, and one error for "the database is not there".
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export type Db = pg.Pool;
export type Queryable = pg.Pool | pg.PoolClient;

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/** The database could not be reached (or dropped the connection): callers answer 503 or retry, never 500. */
export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
}

// Connection-level failures (refused, reset, shutting down, too many clients), as opposed to a query's own error.
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08006']);

export function isDatabaseUnavailable(err: unknown): boolean {
  if (err instanceof DatabaseUnavailableError) return true;
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: string }).code;
  if (code && UNAVAILABLE_CODES.has(code)) return true;
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down)/i.test(err.message);
}

export interface DbOptions {
  max?: number;
  /** Milliseconds to wait for a connection before the call fails as unavailable. Default 5 s. */
  connectTimeoutMs?: number;
}

export function createDb(url: string, options: DbOptions = {}): Db {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, connectionTimeoutMillis: options.connectTimeoutMs ?? 5000, idleTimeoutMillis: 30_000 });
  // An idle client that loses its server must not crash the process: the next query gets a fresh one.
  pool.on('error', () => undefined);
  return pool;
}

/** The database URL: DUBAN_DATABASE_URL, else the embedded server's default (make start). */
export function databaseUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.DUBAN_DATABASE_URL ?? `postgres://duban@127.0.0.1:${env.DUBAN_PG_PORT ?? '54329'}/duban`;
}

/** Runs fn in one transaction; rolls back on any error. */
export async function inTransaction<R>(db: Db, fn: (tx: pg.PoolClient) => Promise<R>): Promise<R> {
  const tx = await db.connect();
  try {
    await tx.query('BEGIN');
    const result = await fn(tx);
    await tx.query('COMMIT');
    return result;
  } catch (err) {
    await tx.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    tx.release();
  }
}

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** NNN_name.sql files in order; a gap or a repeated number is a packaging error. */
export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  return files.map((file, i) => {
    const m = /^(\d{3})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!m) throw new Error(`migration file ${file}: must be named NNN_name.sql`);
    const version = Number(m[1]);
    if (version !== i + 1) throw new Error(`migration file ${file}: expected number ${String(i + 1).padStart(3, '0')}`);
    return { version, name: `${m[1]}_${m[2]}`, sql: readFileSync(join(dir, file), 'utf8') };
  });
}

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

// One process migrates at a time; the others wait on this advisory lock, then find nothing left to do.
const MIGRATION_LOCK = 73_241_001;

/** Applies the migrations not yet applied, each in its own transaction; returns the names applied now. */
export async function migrate(db: Db, migrations = loadMigrations()): Promise<string[]> {
  const client = await db.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      try {
        await client.query('BEGIN');
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await client.query('COMMIT');
        applied.push(m.name);
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new MigrationError(`migration ${m.name} failed: ${(err as Error).message}`);
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
  return applied;
}

/** Creates the database named in url when missing (the embedded server starts with only postgres). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name || name === 'postgres') return;
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      } catch (err) {
        if ((err as { code?: string }).code !== '42P04') throw err; // created meanwhile by another process
      }
    }
  } finally {
    await client.end();
  }
}

/** Connects, creating the database if needed, and migrates: what every process does at start. */
export async function openDatabase(url: string, options: DbOptions = {}): Promise<Db> {
  await ensureDatabase(url);
  const db = createDb(url, options);
  try {
    await migrate(db);
  } catch (err) {
    await db.end();
    throw err;
  }
  return db;
}
