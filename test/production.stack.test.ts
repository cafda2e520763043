// The production stack without Docker (issue 15 item 1): a fresh build (scripts/build.ts) laid out as the image lays it
// out (/app/package.json, production-only node_modules, dist/), then the duban commands of docker-compose.yml, read from the file and run
// as plain `node` processes with their compose environment — duban-db's psql script, duban-setup, worker, API, codec
// server — against a bare Temporal dev server (no namespace, no search attributes: the setup registers them) and an
// embedded PostgreSQL that asks for passwords (scram-sha-256). Every secret comes from a file, DUBAN_ENV=production.
import { Client, Connection, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, type Payload } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CIRCULAR_SCHEDULE_ID } from '../src/circular/schedule.js';
import { createDataConverter, generateKey, loadCodec } from '../src/codec.js';
import { ROOT, temporalCliPath } from '../src/config.js';
import { cancelUpdate, caseQuery } from '../src/messages.js';
import { freePort } from '../src/net.js';
import { postgresBinDir, startEmbeddedPostgres, type EmbeddedPostgres } from '../src/records/embeddedPostgres.js';
import { SEARCH_ATTRIBUTE_KEYS } from '../src/searchAttributes.js';
import type { OutboxMessage } from '../activities/outbox.js';
import { DEV_KEYS, until } from './helpers.js';

interface ComposeService {
  command?: string[];
  environment?: Record<string, string | number | null>;
  secrets?: string[];
  healthcheck?: { test: string[] };
}
interface Proc {
  name: string;
  child: ChildProcess;
  out: () => string;
  exited: Promise<void>;
}

const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
const NOTICE = `PROD-${process.pid}`;
const METRICS_TOKEN = randomBytes(16).toString('hex');

let tmp: string;
let app: string;
/** What `docker compose up` would find in its shell (or .env) for the pass-through variables. */
const shell: Record<string, string> = {};
let temporal: TestWorkflowEnvironment;
let postgres: EmbeddedPostgres;
let apiPort: number;
let workerMetricsPort: number;
let sdkMetricsPort: number;
let codecPort: number;
const procs: Proc[] = [];
const alive = (p: Proc): boolean => p.child.exitCode === null && p.child.signalCode === null;
const killGroup = (p: Proc, signal: NodeJS.Signals): void => {
  try {
    process.kill(-p.child.pid!, signal);
  } catch {
    // already gone
  }
};
// Should the test process die without afterAll, its children die with it.
process.once('exit', () => procs.forEach((p) => killGroup(p, 'SIGKILL')));

/**
 * What `npm ci --omit=dev` installs, without a registry: every package the lock file does not mark dev-only, hard-linked
 * from the project's node_modules (real paths, so nothing resolves back into the full tree). Nested copies come with their parent.
 */
function productionNodeModules(target: string): void {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  const byParent = new Map<string, string[]>();
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path.startsWith('node_modules/') || entry.dev || path.lastIndexOf('node_modules/') !== 0) continue;
    if (!existsSync(join(ROOT, path))) continue; // an optional package for another platform
    const parent = join(target, dirname(path.slice('node_modules/'.length)));
    byParent.set(parent, [...(byParent.get(parent) ?? []), join(ROOT, path)]);
  }
  for (const [parent, sources] of byParent) {
    mkdirSync(parent, { recursive: true });
    const r = spawnSync('cp', ['-al', ...sources, parent], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`cp -al into ${parent}: ${r.stderr}`);
  }
}

/** Compose's interpolation of what this file uses: $$ is a dollar, ${NAME:-default} the variable or the default. */
function interpolate(value: string): string {
  return value.replace(/\$\$|\$\{([A-Z0-9_]+)(?::-([^}]*))?\}/g, (m, name?: string, fallback?: string) => (m === '$$' ? '$' : (process.env[name!] ?? fallback ?? '')));
}

/** The service's /run/secrets: only the secrets compose gives it, so a variable naming any other file fails as it would there. */
function secretsOf(service: string): string {
  const dir = join(tmp, 'run', service);
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true });
    for (const name of compose.services[service]!.secrets ?? []) copyFileSync(join(tmp, 'secrets', name), join(dir, name));
  }
  return dir;
}

/** A service's container paths and hosts, moved to this machine: the same values otherwise. */
function hostEnv(service: string, overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  for (const [name, raw] of Object.entries(compose.services[service]!.environment ?? {})) {
    if (raw === null) {
      // Passed through from the host's environment when set there: only DUBAN_PUBLIC_URL here, so the channels fall back to the outbox.
      if (shell[name] !== undefined) env[name] = shell[name];
      continue;
    }
    env[name] = interpolate(String(raw))
      .replace('temporal:7233', temporal.address)
      .replace('@postgresql:5432/', `@127.0.0.1:${postgres.port}/`)
      .replace(/^\/run\/secrets\//, `${secretsOf(service)}/`)
      .replace(/^\/etc\/duban\//, `${tmp}/config/`)
      .replace(/^\/data$/, `${tmp}/data`);
  }
  return { ...env, ...overrides };
}

/** The service's command as compose runs it, node being this node; cwd is the image's WORKDIR. */
function launch(service: string, env: NodeJS.ProcessEnv): Proc {
  const [command, ...args] = compose.services[service]!.command!;
  const child = spawn(command === 'node' ? process.execPath : command!, args, { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const proc: Proc = { name: service, child, out: () => out, exited: new Promise<void>((r) => child.once('exit', () => r())) };
  procs.push(proc);
  return proc;
}

async function exitCode(p: Proc, timeoutMs: number): Promise<number | null> {
  const timer = setTimeout(() => killGroup(p, 'SIGKILL'), timeoutMs);
  await p.exited;
  clearTimeout(timer);
  return p.child.exitCode;
}

/** Runs a service's healthcheck test (["CMD", …] or ["CMD-SHELL", "…"]) with that service's environment. */
function healthcheck(service: string, env: NodeJS.ProcessEnv): { status: number | null; output: string } {
  const [kind, ...rest] = compose.services[service]!.healthcheck!.test;
  const [command, ...args] = kind === 'CMD-SHELL' ? ['sh', '-c', rest[0]!] : rest;
  const r = spawnSync(command === 'node' ? process.execPath : command!, args, { cwd: app, env, encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** duban-db: its psql script, as compose runs it (sh -c), with the .venv's psql. */
function runDubanDb(): { status: number | null; output: string } {
  const [, ...args] = compose.services['duban-db']!.command!;
  const r = spawnSync('sh', args.map(interpolate), { env: hostEnv('duban-db', { PGHOST: '127.0.0.1', PGPORT: String(postgres.port), PATH: `${postgresBinDir()}:${process.env.PATH}` }), encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

function writeSecret(name: string, content: string): void {
  writeFileSync(join(tmp, 'secrets', name), content, { mode: 0o600 });
}

let workerEnv: NodeJS.ProcessEnv;
let apiEnv: NodeJS.ProcessEnv;
let codecEnv: NodeJS.ProcessEnv;
let worker: Proc;
let api: Proc;
let codecServer: Proc;
let setupOutput = '';

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'duban-prod-'));
  app = join(tmp, 'app');
  // The image's layout: package.json (type module) and production-only node_modules beside dist/.
  mkdirSync(app, { recursive: true });
  copyFileSync(join(ROOT, 'package.json'), join(app, 'package.json'));
  productionNodeModules(join(app, 'node_modules'));
  const build = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/build.ts'), '--out-dir', join(app, 'dist')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let buildOut = '';
  build.stdout.on('data', (c: Buffer) => (buildOut += c.toString()));
  build.stderr.on('data', (c: Buffer) => (buildOut += c.toString()));
  const [buildCode, env, pgPort] = await Promise.all([
    new Promise<number | null>((r) => build.once('exit', (code) => r(code))),
    TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path: temporalCliPath() }, ui: false } }),
    freePort(),
  ]);
  temporal = env;
  if (buildCode !== 0) throw new Error(`build failed:\n${buildOut.slice(-3000)}`);

  mkdirSync(join(tmp, 'secrets'));
  mkdirSync(join(tmp, 'config'));
  copyFileSync(join(ROOT, 'config/policy.json'), join(tmp, 'config/policy.json'));
  copyFileSync(join(ROOT, 'config/units.sample.json'), join(tmp, 'config/units.json'));
  writeSecret('postgres_password', `pg-${generateKey()}\n`);
  writeSecret('duban_db_password', `duban-${generateKey()}\n`);
  writeSecret('codec_keys', JSON.stringify({ current: 'k1', keys: { k1: generateKey() } }));
  writeSecret('api_keys', readFileSync(join(ROOT, 'config/api-keys.dev.json'), 'utf8')); // hashed fake keys: dev-intake-key …
  // No channel credentials: empty files leave every channel off, so messages go to the outbox.
  for (const name of ['smtp_password', 'twilio_auth_token', 'wecom_webhook_url', 'dingtalk_webhook_url', 'dingtalk_secret']) writeSecret(name, '');
  writeSecret('arrival_secret', `${randomBytes(32).toString('hex')}\n`);
  writeSecret('metrics_token', `${METRICS_TOKEN}\n`);

  // PostgreSQL as the postgres image starts it: superuser temporal with the secret's password, and passwords required.
  postgres = await startEmbeddedPostgres({ dataDir: join(tmp, 'pg'), port: pgPort, settings: { fsync: 'off', synchronous_commit: 'off' } });
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  const superPassword = readFileSync(join(tmp, 'secrets/postgres_password'), 'utf8').trim();
  await admin.query(`CREATE ROLE temporal SUPERUSER LOGIN PASSWORD '${superPassword}'`);
  await admin.end();
  // The embedded server's bootstrap superuser is called duban: renamed, so that duban-db makes duban an ordinary role.
  const asTemporal = new pg.Client({ connectionString: `postgres://temporal@127.0.0.1:${postgres.port}/postgres` });
  await asTemporal.connect();
  await asTemporal.query('ALTER ROLE duban RENAME TO bootstrap');
  writeFileSync(join(postgres.dataDir, 'pg_hba.conf'), 'host all all 127.0.0.1/32 scram-sha-256\n');
  await asTemporal.query('SELECT pg_reload_conf()');
  await asTemporal.end();

  [apiPort, codecPort] = await Promise.all([freePort(), freePort()]);
  shell.DUBAN_PUBLIC_URL = `http://127.0.0.1:${apiPort}`;
  const dbSetup = runDubanDb();
  if (dbSetup.status !== 0) throw new Error(`duban-db failed: ${dbSetup.output}`);

  // duban-setup, then the long-running services.
  const setup = launch('duban-setup', hostEnv('duban-setup'));
  const setupCode = await exitCode(setup, 150_000);
  setupOutput = setup.out();
  if (setupCode !== 0) throw new Error(`duban-setup exited ${setupCode}:\n${setupOutput.slice(-3000)}`);
  [workerMetricsPort, sdkMetricsPort] = await Promise.all([freePort(), freePort()]);
  // Ports of their own here (compose: 9464 and 9465 inside the worker's container), loopback as the rest.
  workerEnv = hostEnv('worker', { DUBAN_WORKER_METRICS_HOST: '127.0.0.1', DUBAN_WORKER_METRICS_PORT: String(workerMetricsPort), DUBAN_SDK_METRICS_ADDRESS: `127.0.0.1:${sdkMetricsPort}` });
  apiEnv = hostEnv('api', { DUBAN_API_HOST: '127.0.0.1', DUBAN_API_PORT: String(apiPort) });
  codecEnv = hostEnv('codec-server', { DUBAN_CODEC_HOST: '127.0.0.1', DUBAN_CODEC_PORT: String(codecPort) });
  worker = launch('worker', workerEnv);
  api = launch('api', apiEnv);
  codecServer = launch('codec-server', codecEnv);
  for (const [p, env] of [[worker, workerEnv], [api, apiEnv], [codecServer, codecEnv]] as const) {
    await until(
      `${p.name} healthy`,
      () => {
        if (!alive(p)) throw new Error(`${p.name} exited (${p.child.exitCode ?? p.child.signalCode}):\n${p.out().slice(-3000)}`);
        return healthcheck(p.name, env).status;
      },
      (status) => status === 0,
      120_000,
    );
  }
}, 400_000);

afterAll(async () => {
  for (const p of [...procs].reverse()) {
    if (alive(p)) killGroup(p, 'SIGTERM');
    await exitCode(p, 10_000);
  }
  await temporal?.teardown();
  await postgres?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}, 60_000);

describe('the compose sequence as plain processes (DUBAN_ENV=production, secrets from files)', () => {
  test('every process runs compiled JavaScript from dist/ with plain node and production dependencies only: no tsx, no TypeScript source', () => {
    for (const service of ['duban-setup', 'worker', 'api', 'codec-server']) {
      const [command, ...args] = compose.services[service]!.command!;
      expect(command).toBe('node');
      expect(args.join(' ')).not.toMatch(/tsx|\.ts\b/);
      for (const file of args.filter((a) => a.endsWith('.js'))) expect(existsSync(join(app, file)), `${service}: ${file}`).toBe(true);
    }
    expect(existsSync(join(app, 'dist/workflow-bundle.js'))).toBe(true);
    // Production dependencies only, as in the image: no devDependency is there to be used.
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(['tsx', 'typescript', 'vitest', '@temporalio/testing', 'eslint'].filter((name) => existsSync(join(app, 'node_modules', name)))).toEqual([]);
    // (A devDependency that a production package also needs, e.g. jszip for exceljs, is installed by npm too, and here.)
    expect(Object.keys(pkg.dependencies).filter((name) => !existsSync(join(app, 'node_modules', name)))).toEqual([]);
  });

  test('duban-setup registered the namespace, every search attribute and the circular Schedule on a bare server', async () => {
    expect(setupOutput).toContain('namespace duban, search attributes and the quarterly circular');
    const connection = await Connection.connect({ address: temporal.address });
    try {
      const described = await connection.workflowService.describeNamespace({ namespace: 'duban' });
      expect(Number(described.config?.workflowExecutionRetentionTtl?.seconds)).toBe(30 * 86_400);
      const attributes = (await connection.operatorService.listSearchAttributes({ namespace: 'duban' })).customAttributes ?? {};
      expect(Object.keys(attributes).sort()).toEqual(expect.arrayContaining(SEARCH_ATTRIBUTE_KEYS.map((k) => k.name).sort()));
    } finally {
      await connection.close();
    }
    const client = clientWithKeys();
    try {
      const schedule = await client.schedule.getHandle(CIRCULAR_SCHEDULE_ID).describe();
      expect(schedule.action.type).toBe('startWorkflow');
    } finally {
      await client.connection.close();
    }
  });

  test('the worker loads the prebuilt bundle (nothing bundled at start) and says it refuses plaintext', () => {
    expect(worker.out()).not.toMatch(/Workflow bundle created|webpack/);
    expect(worker.out()).toMatch(/payloads encrypted with key k1 \(.*codec_keys\); inputs not encrypted with a configured key are refused/);
  });

  test('a case posted through the API reaches the outbox, is encrypted in Temporal and recorded in duban’s database as role duban', async () => {
    const response = await fetch(`http://127.0.0.1:${apiPort}/cases`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEV_KEYS.intake}`, 'content-type': 'application/json' },
      body: JSON.stringify({ noticeId: NOTICE, level: 'district', receivedAt: new Date().toISOString(), unitId: 'wuli-gov', receptionSite: '区信访局', headcount: 2, matterSummary: '欠薪' }),
    });
    expect(response.status, await response.clone().text()).toBe(201);
    const caseId = `visit:${NOTICE}`;
    const outbox = join(tmp, 'data/outbox');
    const messages = await until(
      'the alert in the outbox',
      () => (existsSync(outbox) ? readdirSync(outbox).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(outbox, f), 'utf8')) as OutboxMessage) : []).filter((m) => m.caseId === caseId),
      (found) => found.length > 0,
      60_000,
    );
    expect(messages.map((m) => m.event)).toContain('alert');

    // Temporal holds ciphertext only: the workflow's input as stored in its history.
    const connection = await Connection.connect({ address: temporal.address });
    try {
      const history = await connection.workflowService.getWorkflowExecutionHistory({ namespace: 'duban', execution: { workflowId: caseId } });
      const input = history.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
      expect(input.length).toBeGreaterThan(0);
      for (const p of input) expect(Buffer.from(p.metadata!.encoding!).toString()).toBe('binary/encrypted');
    } finally {
      await connection.close();
    }

    // duban's records, read back as role duban with the password from its secret file.
    const password = encodeURIComponent(readFileSync(join(tmp, 'secrets/duban_db_password'), 'utf8').trim());
    const db = new pg.Client({ connectionString: `postgres://duban:${password}@127.0.0.1:${postgres.port}/duban` });
    await db.connect();
    try {
      const row = await until('the case row', async () => (await db.query<{ case_id: string }>('SELECT case_id FROM cases WHERE case_id = $1', [caseId])).rows, (rows) => rows.length === 1, 30_000);
      expect(row[0]!.case_id).toBe(caseId);
      // An ordinary role, as duban-db makes it: the migrations and records need no superuser.
      expect((await db.query<{ rolsuper: boolean }>("SELECT rolsuper FROM pg_roles WHERE rolname = 'duban'")).rows).toEqual([{ rolsuper: false }]);
    } finally {
      await db.end();
    }
  });

  test('the alert carries an arrival link (DUBAN_PUBLIC_URL from the environment, DUBAN_ARRIVAL_SECRET from its file) that the API accepts', async () => {
    const caseId = `visit:${NOTICE}`;
    const outbox = join(tmp, 'data/outbox');
    const texts = readdirSync(outbox).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(outbox, f), 'utf8')) as OutboxMessage).filter((m) => m.caseId === caseId && m.event === 'alert').map((m) => m.text);
    const link = texts.map((t) => new RegExp(`报告到达：(http://127\\.0\\.0\\.1:${apiPort}/a/[^\\s]+)`).exec(t)?.[1]).find(Boolean);
    expect(link, texts.join('\n')).toBeDefined();
    const arrived = await fetch(link!, { method: 'POST', headers: { accept: 'application/json' } });
    const body = (await arrived.json()) as { caseId: string; arrival: { arrivedAt: string } | null };
    expect([arrived.status, body.caseId, body.arrival !== null]).toEqual([200, caseId, true]);
  });

  test('/metrics answers only with the scrape token from its file: the API’s and the worker’s; Temporal’s SDK metrics on their address', async () => {
    for (const url of [`http://127.0.0.1:${apiPort}/metrics`, `http://127.0.0.1:${workerMetricsPort}/metrics`]) {
      expect((await fetch(url)).status, url).toBe(401);
      const scraped = await fetch(url, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(scraped.status, url).toBe(200);
      expect(await scraped.text(), url).toMatch(/^# (HELP|TYPE) duban_/m);
    }
    const sdk = await fetch(`http://127.0.0.1:${sdkMetricsPort}/metrics`);
    expect(sdk.status).toBe(200);
    expect(await sdk.text()).toMatch(/temporal_/);
  });

  test('the bundled interceptors refuse a plaintext cancel sent straight to Temporal: nothing is applied', async () => {
    const caseId = `visit:${NOTICE}`;
    const keyed = clientWithKeys();
    // Sends plaintext, reads the worker's (encrypted) answer: the key decodes only.
    const { codec } = loadCodec({ DUBAN_CODEC_KEY_FILE: join(tmp, 'secrets/codec_keys') });
    const decodeOnly = { encode: (p: Payload[]) => Promise.resolve(p), decode: (p: Payload[]) => codec.decode(p) };
    const plain = new Client({ connection: Connection.lazy({ address: temporal.address }), namespace: 'duban', dataConverter: createDataConverter(decodeOnly) });
    try {
      const refusal = await plain.workflow.getHandle(caseId).executeUpdate(cancelUpdate, { args: [{ reason: '伪造的撤销', actor: { id: 'xfb-li', role: 'supervisor' } }] }).then(() => 'applied', (e: unknown) => e);
      expect(refusal).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(((refusal as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('PlaintextRefused');
      await until('the worker’s log line', () => worker.out(), (out) => out.includes('refused an update that was not encrypted'), 10_000);
      const view = await keyed.workflow.getHandle(caseId).query(caseQuery);
      expect(view.status).toBe('open');
    } finally {
      await plain.connection.close();
      await keyed.connection.close();
    }
  });

  test('the next `up` reruns the one-shot jobs cleanly: duban-db (role and database exist) and duban-setup (namespace exists)', async () => {
    expect(runDubanDb().status).toBe(0);
    const setup = launch('duban-setup', hostEnv('duban-setup'));
    expect(await exitCode(setup, 150_000), setup.out()).toBe(0);
  });

  test('the healthchecks fail when they should: the worker’s for a queue it does not poll or a Temporal that does not answer, the API’s with nothing on its port', async () => {
    expect(healthcheck('worker', { ...workerEnv, DUBAN_TASK_QUEUE: 'nobody-polls-this' }).status).toBe(1);
    const badPort = await freePort();
    expect(healthcheck('worker', { ...workerEnv, TEMPORAL_ADDRESS: `127.0.0.1:${badPort}` }).status).not.toBe(0);
    expect(healthcheck('api', { ...apiEnv, DUBAN_API_PORT: String(badPort) }).status).toBe(1);
  });

  test('the healthchecks of postgresql and temporal, run with the .venv’s pg_isready and temporal CLI, pass against these servers', () => {
    const pgCheck = compose.services.postgresql!.healthcheck!.test;
    expect(pgCheck[0]).toBe('CMD-SHELL');
    const pgRun = spawnSync('sh', ['-c', pgCheck[1]!], { env: { PATH: `${postgresBinDir()}:${process.env.PATH}`, PGHOST: '127.0.0.1', PGPORT: String(postgres.port) }, encoding: 'utf8' });
    expect(pgRun.status, pgRun.stdout + pgRun.stderr).toBe(0);
    const temporalCheck = compose.services.temporal!.healthcheck!.test;
    expect(temporalCheck[0]).toBe('CMD-SHELL');
    const cli = dirname(temporalCliPath());
    const temporalRun = spawnSync('sh', ['-c', temporalCheck[1]!.replace('temporal:7233', temporal.address)], { env: { PATH: `${cli}:${process.env.PATH}` }, encoding: 'utf8' });
    expect(temporalRun.status, temporalRun.stdout + temporalRun.stderr).toBe(0);
  });

  test('with another password in its file the worker stops at start with the database’s refusal', async () => {
    writeSecret('wrong_password', 'not-the-password\n');
    // Metrics off: the running worker holds their ports.
    const p = launch('worker', { ...workerEnv, PGPASSWORD_FILE: join(tmp, 'secrets/wrong_password'), DUBAN_WORKER_METRICS_PORT: '0', DUBAN_SDK_METRICS_ADDRESS: '' });
    expect(await exitCode(p, 60_000)).toBe(1);
    expect(p.out()).toContain('password authentication failed for user "duban"');
  });

  test('with an OTLP endpoint the worker takes the tracing bundle: the workflow’s StartActivity spans (workflow interceptors), each notify run under its own', async () => {
    // RunWorkflow ends with the case, which stays open here; StartActivity spans come only from workflow interceptors in the bundle.
    // A worker restarted with tracing on: the other one stops first, so the new case runs here.
    killGroup(worker, 'SIGTERM');
    await exitCode(worker, 15_000);
    const spans: { name: string; spanId: string; parentSpanId?: string }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const parsed = JSON.parse(body || '{}') as { resourceSpans?: { scopeSpans?: { spans?: { name: string; spanId: string; parentSpanId?: string }[] }[] }[] };
        for (const rs of parsed.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) spans.push(...(ss.spans ?? []));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
      const traced = launch('worker', { ...workerEnv, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: '200' });
      await until('the traced worker polls', () => healthcheck('worker', workerEnv).status === 0 && traced.out().includes('traces to'), (ok) => ok, 60_000);
      const response = await fetch(`http://127.0.0.1:${apiPort}/cases`, {
        method: 'POST',
        headers: { authorization: `Bearer ${DEV_KEYS.intake}`, 'content-type': 'application/json' },
        body: JSON.stringify({ noticeId: `${NOTICE}-T`, level: 'district', receivedAt: new Date().toISOString(), unitId: 'wuli-gov', receptionSite: '区信访局', headcount: 1, matterSummary: '欠薪' }),
      });
      expect(response.status).toBe(201);
      await until('workflow and activity spans', () => spans.map((x) => x.name), (names) => names.includes('StartActivity:notify') && names.includes('RunActivity:notify'), 40_000).catch((err: unknown) => {
        throw new Error(`${(err as Error).message}; spans ${JSON.stringify(spans.map((x) => x.name))}; worker:\n${traced.out().slice(-3000)}`);
      });
      const started = new Set(spans.filter((x) => x.name === 'StartActivity:notify').map((x) => x.spanId));
      expect(spans.filter((x) => x.name === 'RunActivity:notify').every((x) => x.parentSpanId !== undefined && started.has(x.parentSpanId))).toBe(true);
    } finally {
      await new Promise<void>((r) => receiver.close(() => r()));
    }
  }, 120_000);
});

function clientWithKeys(): Client {
  const keys = loadCodec({ DUBAN_CODEC_KEY_FILE: join(tmp, 'secrets/codec_keys') });
  return new Client({ connection: Connection.lazy({ address: temporal.address }), namespace: 'duban', dataConverter: createDataConverter(keys) });
}
