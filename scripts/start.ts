// `make start`: the dev server on a SQLite file under data/, duban's namespace and search attributes,
// and the worker; Ctrl-C stops every process it started.
import { Connection } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, loadConfig, loadDirectoryFile, loadPolicyFile, temporalCliPath } from '../src/config.js';
import { CodecConfigError, loadCodec } from '../src/codec.js';
import { searchAttributeArgs } from '../src/searchAttributes.js';
import { ensureCircularSchedule } from '../src/circular/schedule.js';
import { connectClient, ensureNamespace, retentionDaysFromEnv } from '../src/temporal.js';
import { ensureDatabase, databaseUrlFromEnv } from '../src/records/db.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/records/embeddedPostgres.js';
import { childEnvOverrides, startSettings, type StartSettings } from '../src/startSettings.js';

interface ChildSpec {
  name: string;
  command: string;
  args: string[];
}

let settings: StartSettings;
try {
  settings = startSettings();
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
// The worker, the API and the codec server are children: they find the dev server and the Web UI through these.
Object.assign(process.env, childEnvOverrides(settings));
const config = loadConfig();
try {
  loadPolicyFile(config.policyFile);
  loadDirectoryFile(config.directoryFile);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}

// The payload encryption key: outside production, data/codec-keys.json (0600) is created on the first run;
// in production a configured key (DUBAN_CODEC_KEYS or DUBAN_CODEC_KEY_FILE) is required.
try {
  const codec = loadCodec();
  if (codec.created) console.log(`created the local encryption key file ${codec.source} (mode 0600; keep it out of git and backups you share)`);
} catch (err) {
  console.error(err instanceof CodecConfigError ? err.message : `encryption keys: ${(err as Error).message}`);
  process.exit(1);
}

const { external, uiPort: UI_PORT, codecPort: CODEC_PORT } = settings;
const children: { spec: ChildSpec; process: ChildProcess }[] = [];
let stopping = false;
let postgres: EmbeddedPostgres | undefined;

function launch(spec: ChildSpec): ChildProcess {
  const child = spawn(spec.command, spec.args, { cwd: ROOT, stdio: 'inherit', env: process.env });
  children.push({ spec, process: child });
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`${spec.name} exited unexpectedly (${signal ?? `code ${code}`}); stopping the rest`);
    void stop(1);
  });
  return child;
}

async function stop(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  // Stop in reverse start order: the worker before the server it talks to.
  for (const { spec, process: child } of [...children].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    console.log(`stopped ${spec.name}`);
  }
  if (postgres) {
    await postgres.stop();
    console.log('stopped PostgreSQL');
  }
  process.exit(exitCode);
}

process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

async function connectWithRetry(address: string, timeoutMs: number): Promise<Connection> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await Connection.connect({ address, connectTimeout: 1000 });
    } catch (err) {
      if (Date.now() > end) throw new Error(`Temporal at ${address} did not answer within ${timeoutMs / 1000} s: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

async function main(): Promise<void> {
  if (!external) {
    mkdirSync(config.dataDir, { recursive: true });
    launch({
      name: 'Temporal dev server',
      command: temporalCliPath(),
      args: [
        'server', 'start-dev',
        '--db-filename', join(config.dataDir, 'temporal.db'),
        // WAL with synchronous=NORMAL: safe against a crashed process, and no fsync per commit (2× the steps per second).
        '--sqlite-pragma', 'journal_mode=WAL',
        '--sqlite-pragma', 'synchronous=NORMAL',
        '--namespace', config.namespace,
        '--ip', '127.0.0.1',
        '--port', String(settings.temporalPort),
        '--ui-port', String(UI_PORT),
        '--ui-disable-news-fetch',
        '--ui-codec-endpoint', `http://localhost:${CODEC_PORT}`,
        '--log-level', 'warn',
        ...searchAttributeArgs(),
      ],
    });
  }
  // The store of record: DUBAN_DATABASE_URL, else PostgreSQL from the .venv with its cluster in data/pg.
  if (process.env.DUBAN_DATABASE_URL === undefined) {
    const port = Number(process.env.DUBAN_PG_PORT ?? 54329);
    postgres = await startEmbeddedPostgres({ dataDir: join(config.dataDir, 'pg'), port, logFile: join(config.dataDir, 'postgres.log') });
    process.env.DUBAN_DATABASE_URL = databaseUrlFromEnv();
    console.log(`PostgreSQL on 127.0.0.1:${port}, data in ${join(config.dataDir, 'pg')}`);
  }
  await ensureDatabase(process.env.DUBAN_DATABASE_URL);
  const connection = await connectWithRetry(config.temporalAddress, 30_000);
  // Retention is set on every start: the dev server creates its namespace with 24 h, duban keeps closed cases 30 days.
  await ensureNamespace(connection, config.namespace, { retentionDays: retentionDaysFromEnv() });
  await connection.close();
  // The quarterly circular's Schedule (created, or brought up to date): 00:00 Shanghai on each quarter's first day.
  const client = await connectClient(config.temporalAddress, config.namespace);
  await ensureCircularSchedule(client, { taskQueue: config.taskQueue });
  await client.connection.close();
  launch({ name: 'duban worker', command: process.execPath, args: ['--import', 'tsx', join(ROOT, 'worker.ts')] });
  launch({ name: 'codec server', command: process.execPath, args: ['--import', 'tsx', join(ROOT, 'codec-server.ts')] });
  launch({ name: 'duban API', command: process.execPath, args: ['--import', 'tsx', join(ROOT, 'api.ts')] });

  console.log('');
  console.log(`duban is running — Temporal ${config.temporalAddress}, namespace ${config.namespace}, task queue ${config.taskQueue}`);
  if (!external) console.log(`Web UI: http://localhost:${UI_PORT}/namespaces/${config.namespace}/workflows`);
  console.log(`API: http://localhost:${process.env.DUBAN_API_PORT ?? 8080} (docs /docs; local keys in config/api-keys.dev.json, e.g. Authorization: Bearer dev-supervisor-key)`);
  console.log(`  command line: DUBAN_API_URL=http://localhost:${process.env.DUBAN_API_PORT ?? 8080} DUBAN_API_KEY=dev-supervisor-key npm run -s duban -- list (fake local keys: dev-intake-key, dev-unit-wuli-gov-key, dev-supervisor-key, dev-admin-key, dev-viewer-key)`);
  console.log(`Outbox: ${config.outboxDir}`);
  console.log(`Codec server: http://localhost:${CODEC_PORT} — payloads are encrypted; to read cases in the Web UI, sign in at http://localhost:${CODEC_PORT}/login with an API key whose role may read cases, and turn on "Include cross-origin credentials" in the Web UI's codec settings`);
  console.log('Watch a whole ladder: make demo (in another terminal). Ctrl-C stops everything.');
}

main().catch((err: unknown) => {
  console.error((err as Error).message);
  void stop(1);
});
