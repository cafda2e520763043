// The store of record itself: the embedded server, migrations in order, a failing migration named.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MigrationError, ensureDatabase, createDb, loadMigrations, migrate } from '../src/records/db.js';
import { freshDatabase, serverUrl, type TestDatabase } from './db.js';

const opened: TestDatabase[] = [];
afterAll(async () => {
  for (const t of opened) await t.close();
});

describe('PostgreSQL store of record', () => {
  it('runs a real PostgreSQL server and applies every migration once', async () => {
    const t = await freshDatabase();
    opened.push(t);
    const version = await t.db.query<{ server_version_num: string }>('SHOW server_version_num');
    expect(Number(version.rows[0]!.server_version_num)).toBeGreaterThanOrEqual(140000);
    const applied = await t.db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY version');
    expect(applied.rows.map((r) => r.name)).toEqual(loadMigrations().map((m) => m.name));
    expect(await migrate(t.db)).toEqual([]);
  });

  it('stops at a failing migration with its name and the database error, applying nothing of it', async () => {
    const url = new URL(serverUrl());
    url.pathname = '/duban_t_badmigration';
    await ensureDatabase(url.toString());
    const db = createDb(url.toString());
    try {
      const dir = mkdtempSync(join(tmpdir(), 'duban-mig-'));
      writeFileSync(join(dir, '001_first.sql'), 'CREATE TABLE first_table (id int);');
      writeFileSync(join(dir, '002_broken.sql'), 'CREATE TABLE second_table (id int); SELECT * FROM no_such_table;');
      const error = await migrate(db, loadMigrations(dir)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationError);
      expect((error as Error).message).toBe('migration 002_broken failed: relation "no_such_table" does not exist');
      const tables = await db.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE tablename IN ('first_table', 'second_table') ORDER BY 1");
      expect(tables.rows.map((r) => r.tablename)).toEqual(['first_table']);
      const names = await db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY version');
      expect(names.rows.map((r) => r.name)).toEqual(['001_first']);
    } finally {
      await db.end();
    }
  });

  it('refuses a migration file with a gap in its numbering', () => {
    const dir = mkdtempSync(join(tmpdir(), 'duban-mig-'));
    writeFileSync(join(dir, '001_a.sql'), 'SELECT 1;');
    writeFileSync(join(dir, '003_c.sql'), 'SELECT 1;');
    expect(() => loadMigrations(dir)).toThrow('migration file 003_c.sql: expected number 002');
  });
});
