// duban_db_errors_total on a real PostgreSQL and on a database that is not there: a statement's own error by its
// SQLSTATE (pool queries and transactions alike), an unreachable database as unavailable; /metrics still answers.
import { Client, Connection } from '@temporalio/client';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { loadApiKeys } from '../src/api/auth.js';
import { buildApiServer } from '../src/api/server.js';
import { ROOT, loadDirectoryFile, loadPolicyFile } from '../src/config.js';
import { instrumentDb, registry } from '../src/metrics.js';
import { freePort } from '../src/net.js';
import { createDb, inTransaction } from '../src/records/db.js';
import { createSealer } from '../src/records/seal.js';
import { freshDatabase, type TestDatabase } from './db.js';
import { parseMetrics, samples, total } from './metrics.scrape.js';

const errors = async (): Promise<[Record<string, string>, number][]> =>
  samples(parseMetrics(await registry.getSingleMetricAsString('duban_db_errors_total')), 'duban_db_errors_total').map((s) => [s.labels, s.value]);

let database: TestDatabase | undefined;
afterAll(async () => {
  await database?.close();
});

test('a failing statement counts once under its SQLSTATE, in a pool query and in a transaction; a good one counts nothing', async () => {
  database = await freshDatabase();
  instrumentDb(database.db);
  instrumentDb(database.db); // once per pool, however often it is called
  await expect(database.db.query('SELECT * FROM no_such_table')).rejects.toMatchObject({ code: '42P01' });
  await expect(inTransaction(database.db, (tx) => tx.query('SELECT 1/0'))).rejects.toMatchObject({ code: '22012' });
  await database.db.query('SELECT 1');
  await inTransaction(database.db, (tx) => tx.query('SELECT 2'));
  expect(await errors()).toEqual([
    [{ kind: 'query', code: '42P01' }, 1],
    [{ kind: 'query', code: '22012' }, 1],
  ]);
});

test('the API on a database that is down: each failed read counts as unavailable, /metrics answers with duban_case_metrics_up 0', async () => {
  const db = createDb(`postgres://duban@127.0.0.1:${await freePort()}/duban`, { connectTimeoutMs: 2000 });
  const client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }), namespace: 'default' });
  const policy = loadPolicyFile(join(ROOT, 'config/policy.json'));
  const api = await buildApiServer({ client, records: { db, sealer: createSealer(undefined) }, namespace: 'default', taskQueue: 'duban-metrics', policy, directory: loadDirectoryFile(join(ROOT, 'config/units.sample.json')), keys: loadApiKeys({}) });
  try {
    const listed = await api.inject({ method: 'GET', url: '/cases', headers: { authorization: 'Bearer dev-viewer-key' } });
    expect(listed.statusCode).toBe(503);
    const res = await api.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    const m = parseMetrics(res.body);
    // The list's read and this scrape's own read of the open duties.
    expect(total(m, 'duban_db_errors_total', { kind: 'unavailable', code: 'ECONNREFUSED' })).toBe(2);
    expect(total(m, 'duban_db_errors_total', { kind: 'query' })).toBe(2);
    expect(total(m, 'duban_case_metrics_up')).toBe(0);
    expect(samples(m, 'duban_open_duties')).toEqual([]);
    expect(total(parseMetrics((await api.inject({ method: 'GET', url: '/metrics' })).body), 'duban_db_errors_total', { kind: 'unavailable' })).toBe(3);
  } finally {
    await api.close();
    await db.end();
  }
});
