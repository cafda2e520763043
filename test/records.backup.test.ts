// Backups of the store of record (issue 15 item 6, docs/scaling.md): pg_dump of a database holding sealed ledger
// entries and case views, pg_restore into a fresh database on the same server, and the restored store reads the same
// with the same payload keys (and cannot be read without them).
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, expect, test } from 'vitest';
import { AesGcmCodec, generateKey, parseKeySet } from '../src/codec.js';
import { SYSTEM_ACTOR } from '../src/domain.js';
import type { LedgerEntry } from '../src/messages.js';
import { readCaseView, recordCaseView } from '../src/records/cases.js';
import { openDatabase } from '../src/records/db.js';
import { postgresBinDir } from '../src/records/embeddedPostgres.js';
import { readLedger, recordDeduction } from '../src/records/ledger.js';
import { createSealer } from '../src/records/seal.js';
import { fakeView } from './circularFixtures.js';
import { freshRecords, serverUrl } from './db.js';

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers) await close();
});

const entry = (n: number): LedgerEntry => ({
  entryId: `visit:B-${n}/arrival/deduction`,
  kind: 'deduction',
  unitId: 'wuli-gov',
  caseId: `visit:B-${n}`,
  milestone: 'arrival',
  level: 'district',
  points: n,
  at: '2026-05-01T01:00:00.000Z',
  actor: SYSTEM_ACTOR,
  reason: '接人逾期，经催办、督办仍未办结且无情况说明',
});

test('dump, restore into a fresh database, and the ledger and the case read the same', async () => {
  const codec = new AesGcmCodec(parseKeySet({ current: 'k1', keys: { k1: generateKey() } }, 'test'));
  const source = await freshRecords(codec);
  closers.push(() => source.close());
  for (const n of [1, 2, 3]) await recordDeduction(source, { unitId: 'wuli-gov', year: 2026 }, entry(n));
  const view = fakeView({ id: 'B-1', unitId: 'wuli-gov', level: 'district', receivedAt: '2026-05-01T00:00:00.000Z', arrival: 'late', urges: 1, deductions: [1] });
  await recordCaseView(source, view);
  const ledger = await readLedger(source, 'wuli-gov', 2026);
  expect(ledger?.entries.map((e) => e.points)).toEqual([1, 2, 3]);

  const bin = postgresBinDir();
  const dump = join(mkdtempSync(join(tmpdir(), 'duban-backup-')), 'duban.dump');
  execFileSync(join(bin, 'pg_dump'), ['--format=custom', '--file', dump, source.url]);
  const target = new URL(serverUrl());
  target.pathname = `/duban_restored_${Date.now()}`;
  const admin = new pg.Client({ connectionString: serverUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${target.pathname.slice(1)}`);
  await admin.end();
  execFileSync(join(bin, 'pg_restore'), ['--no-owner', '--dbname', target.toString(), dump]);

  // Opening runs the migrations: every one is already applied in the copy, so nothing changes.
  const db = await openDatabase(target.toString());
  closers.push(() => db.end());
  const restored = { db, sealer: createSealer(codec) };
  expect(await readLedger(restored, 'wuli-gov', 2026)).toEqual(ledger);
  expect(await readCaseView(restored, 'visit:B-1')).toEqual(view);
  // Without the payload keys the copy's sealed view cannot be read.
  await expect(readCaseView({ db, sealer: createSealer(new AesGcmCodec(parseKeySet({ current: 'k9', keys: { k9: generateKey() } }, 'test'))) }, 'visit:B-1')).rejects.toMatchObject({ message: expect.stringContaining('k1') as unknown as string });
});
