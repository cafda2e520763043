// Benchmarks run their own real PostgreSQL (the .venv's binaries) in a temporary folder, or DUBAN_DATABASE_URL when set.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PayloadCodec } from '@temporalio/common';
import { startEmbeddedPostgres } from '../src/records/embeddedPostgres.js';
import { openRecords, type Records } from '../src/records/index.js';
import { freePort } from '../src/net.js';

export interface BenchRecords extends Records {
  url: string;
  close(): Promise<void>;
}

export async function openBenchRecords(codec?: PayloadCodec, poolSize = 20): Promise<BenchRecords> {
  if (process.env.DUBAN_DATABASE_URL) {
    const records = await openRecords(codec, { url: process.env.DUBAN_DATABASE_URL, max: poolSize });
    return { ...records, url: process.env.DUBAN_DATABASE_URL, close: () => records.db.end() };
  }
  const dir = mkdtempSync(join(tmpdir(), 'duban-bench-pg-'));
  const server = await startEmbeddedPostgres({ dataDir: join(dir, 'pgdata'), port: await freePort() });
  const url = server.url.replace(/\/postgres$/, '/duban');
  const records = await openRecords(codec, { url, max: poolSize });
  return {
    ...records,
    url,
    async close() {
      await records.db.end();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
