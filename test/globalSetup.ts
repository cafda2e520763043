// One real PostgreSQL server (the .venv's binaries) for the whole run; each test file takes its own database.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/records/embeddedPostgres.js';
import { freePort } from '../src/net.js';

let server: EmbeddedPostgres | undefined;
let dir: string | undefined;

export async function setup({ provide }: { provide: (key: 'pgUrl', value: string) => void }): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'duban-pg-'));
  // Tests favour speed over durability: a lost commit on a crash of this throwaway server does not matter.
  server = await startEmbeddedPostgres({ dataDir: join(dir, 'pgdata'), port: await freePort(), settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' } });
  provide('pgUrl', server.url);
}

export async function teardown(): Promise<void> {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
  }
}
