// Static checks of the production stack (issue 15 item 1), since no Docker engine runs here: docker-compose.yml parsed
// as YAML (merge keys as Compose applies them) and the Dockerfile's text, against a fresh build (scripts/build.ts).
import { spawn, spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT } from '../src/config.js';
import { SECRET_FILE_VARIABLES } from '../src/secretFiles.js';
import { tracingFromEnv } from '../src/metrics/tracing.js';
import { tracingRequested, workflowSource } from '../src/workflowSource.js';

type Env = Record<string, string | number | boolean | null>;
interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  entrypoint?: string[];
  environment?: Env;
  secrets?: (string | { source: string })[];
  ports?: (string | number | { target?: number; published?: number | string })[];
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
  restart?: string;
}
interface ComposeFile {
  services: Record<string, Service>;
  secrets: Record<string, { file?: string }>;
  configs?: Record<string, { file?: string }>;
}

const text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
const compose = parse(text, { merge: true }) as ComposeFile;
const services = Object.entries(compose.services);
const DUBAN = ['duban-setup', 'worker', 'api', 'codec-server'];
const secretNames = (s: Service): string[] => (s.secrets ?? []).map((x) => (typeof x === 'string' ? x : x.source));
const strings = (s: Service): string[] => [...(s.command ?? []), ...(s.entrypoint ?? []), ...Object.values(s.environment ?? {}).map(String), ...(s.healthcheck?.test ?? [])];

let dist: string;
let tmp: string;

/** The build stage's context: only what its COPY lines copy (node_modules stands for its `npm ci`). */
function buildStageContext(dir: string): string[] {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const stage = dockerfile.slice(dockerfile.indexOf(' AS build'), dockerfile.indexOf(' AS runtime'));
  const copied: string[] = [];
  for (const [, args] of stage.matchAll(/^COPY (.+)$/gm)) {
    const parts = args!.trim().split(/\s+/);
    const dest = parts.pop()!;
    for (const source of parts) {
      const target = dest.endsWith('/') ? join(dir, dest, source) : join(dir, dest);
      cpSync(join(ROOT, source), target, { recursive: true });
      copied.push(source);
    }
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return copied;
}

let copied: string[];

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'duban-compose-'));
  const context = join(tmp, 'build');
  mkdirSync(context);
  copied = buildStageContext(context);
  dist = join(tmp, 'dist');
  // The build stage's RUN, from that context alone: it proves the COPY lines bring everything the build needs.
  const build = spawn(process.execPath, ['--import', 'tsx', join(context, 'scripts/build.ts'), '--out-dir', dist], { cwd: context, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  build.stdout.on('data', (c: Buffer) => (out += c.toString()));
  build.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((r) => build.once('exit', (c) => r(c)));
  if (code !== 0) throw new Error(`build failed:\n${out.slice(-3000)}`);
}, 300_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('docker-compose.yml', () => {
  test('parses as YAML and holds the stack: PostgreSQL, Temporal’s schema job, duban’s database job, Temporal, its UI, duban’s set-up, worker, API and codec server', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'codec-server', 'duban-db', 'duban-setup', 'postgresql', 'temporal', 'temporal-schema', 'temporal-ui', 'worker'].sort());
  });

  test('Temporal is the server image on PostgreSQL with SQL visibility, its schema set up by the admin tools (never auto-setup)', () => {
    for (const [name, s] of services) expect(s.image ?? '', name).not.toMatch(/auto-setup/);
    const temporal = compose.services.temporal!;
    expect(temporal.image).toMatch(/^temporalio\/server:\d+\.\d+\.\d+$/);
    expect(temporal.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql', DBNAME: 'temporal', VISIBILITY_DBNAME: 'temporal_visibility' });
    expect(Object.keys(temporal.environment!).filter((k) => k.startsWith('ES_') || k === 'ENABLE_ES')).toEqual([]);
    expect(temporal.depends_on).toEqual({ 'temporal-schema': { condition: 'service_completed_successfully' } });
    const schema = compose.services['temporal-schema']!;
    expect(schema.image).toMatch(/^temporalio\/admin-tools:/);
    expect(schema.environment).toMatchObject({ SQL_PLUGIN: 'postgres12', SQL_HOST: 'postgresql' });
    const script = schema.command!.join('\n');
    expect(script).toContain('for db in temporal:temporal visibility:temporal_visibility');
    for (const step of ['create-database', 'setup-schema -v 0.0', 'update-schema -d "/etc/temporal/schema/postgresql/v12/$$schema/versioned"']) expect(script).toContain(`temporal-sql-tool --db "$$name" ${step}`);
  });

  test('duban’s own role and database live in the same PostgreSQL, and every duban process uses them', () => {
    const job = compose.services['duban-db']!;
    expect(job.environment).toMatchObject({ PGHOST: 'postgresql' });
    expect(job.command!.join('\n')).toMatch(/CREATE DATABASE duban OWNER duban/);
    for (const name of ['worker', 'api']) {
      expect(compose.services[name]!.environment).toMatchObject({ DUBAN_DATABASE_URL: 'postgres://duban@postgresql:5432/duban', PGPASSWORD_FILE: '/run/secrets/duban_db_password' });
      expect(compose.services[name]!.depends_on?.['duban-db']).toEqual({ condition: 'service_completed_successfully' });
    }
  });

  test('Temporal’s port 7233 is published by no service', () => {
    for (const [name, s] of services) {
      for (const p of s.ports ?? []) {
        const numbers = typeof p === 'object' ? [p.target, p.published].map(Number) : String(p).split(':').map((x) => Number(x.split('/')[0]));
        expect(numbers, `${name} publishes ${JSON.stringify(p)}`).not.toContain(7233);
      }
    }
    expect(compose.services.temporal!.ports).toBeUndefined();
  });

  test('every long-running service has a healthcheck; each one-shot job is awaited to completion by a service that needs it', () => {
    for (const [name, s] of services) {
      if (s.restart === 'no') {
        const awaitedBy = services.filter(([, other]) => other.depends_on?.[name]?.condition === 'service_completed_successfully').map(([n]) => n);
        expect(awaitedBy.length, `${name} is awaited by nobody`).toBeGreaterThan(0);
      } else {
        expect(s.restart, name).toBe('unless-stopped');
        expect(s.healthcheck?.disable, name).not.toBe(true);
        expect(s.healthcheck?.test?.[0], `${name} has no healthcheck`).toMatch(/^CMD(-SHELL)?$/);
      }
    }
    // Dependents wait for health, not for a started container.
    for (const [name, s] of services) for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) expect(condition, `${name} → ${dep}`).not.toBe('service_started');
  });

  test('every secret a service uses is declared as a file under ./secrets/, every /run/secrets/ path is one of the service’s own secrets, every declared secret is used', () => {
    const used = new Set<string>();
    for (const [name, s] of services) {
      for (const secret of secretNames(s)) {
        used.add(secret);
        expect(compose.secrets[secret]?.file, `${name} uses undeclared secret ${secret}`).toMatch(/^\.\/secrets\//);
      }
      for (const value of strings(s)) {
        for (const [, secret] of value.matchAll(/\/run\/secrets\/([A-Za-z0-9_.-]+)/g)) expect(secretNames(s), `${name} reads /run/secrets/${secret}`).toContain(secret);
      }
    }
    expect([...used].sort()).toEqual(Object.keys(compose.secrets).sort());
  });

  test('no password, key or token is in the file or has a default: each comes from a secret file', () => {
    const sensitive = /PASSWORD|PWD|SECRET|TOKEN|_PASS$|KEYS$|WEBHOOK_URL/;
    for (const [name, s] of services) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (!sensitive.test(key)) continue;
        expect(key.endsWith('_FILE') || key === 'TEMPORAL_CODEC_INCLUDE_CREDENTIALS', `${name}: ${key}=${String(value)}`).toBe(true);
        if (key !== 'TEMPORAL_CODEC_INCLUDE_CREDENTIALS') expect(String(value), `${name}: ${key}`).toMatch(/^\/run\/secrets\//);
      }
    }
    expect(text).not.toMatch(/\$\{[A-Z_]*(PASSWORD|PWD|SECRET|TOKEN)[A-Z_]*:-/);
    // The server images read passwords from files (postgres) or get them from the secret in their entrypoint (Temporal).
    expect(compose.services.postgresql!.environment).toEqual({ POSTGRES_USER: 'temporal', POSTGRES_PASSWORD_FILE: '/run/secrets/postgres_password' });
    expect(compose.services.temporal!.entrypoint!.join(' ')).toContain('POSTGRES_PWD="$$(cat /run/secrets/postgres_password)"');
  });

  test('each duban service runs plain node on compiled files that exist after the build, secrets from files first', () => {
    for (const name of DUBAN) {
      const s = compose.services[name]!;
      expect(s.image, name).toBe('duban:latest');
      expect(s.build, name).toBe('.');
      const [node, importFlag, preload, script, ...rest] = s.command!;
      expect([node, importFlag, preload, rest], name).toEqual(['node', '--import', './dist/src/secretFiles.js', []]);
      expect(script, name).toMatch(/^dist\/.+\.js$/);
      for (const file of [preload!, script!]) expect(existsSync(join(tmp, file)), `${name}: ${file} after the build`).toBe(true);
    }
    expect(compose.services['duban-setup']!.command![3]).toBe('dist/scripts/ensure-namespace.js');
    expect(existsSync(join(dist, 'workflow-bundle.js'))).toBe(true);
    expect(existsSync(join(dist, 'workflow-bundle.tracing.js'))).toBe(true);
  });

  test('the set-up step gets what connectClient needs in production: the codec key from its secret', () => {
    const setup = compose.services['duban-setup']!;
    expect(setup.environment).toMatchObject({ DUBAN_ENV: 'production', DUBAN_CODEC_KEY_FILE: '/run/secrets/codec_keys', TEMPORAL_ADDRESS: 'temporal:7233' });
    expect(secretNames(setup)).toContain('codec_keys');
    expect(setup.depends_on).toEqual({ temporal: { condition: 'service_healthy' } });
  });

  test('the worker and the API get every channel and arrival-link variable the code reads (from the environment, secrets from files)', () => {
    const read = (file: string): string[] => [...new Set([...readFileSync(join(ROOT, file), 'utf8').matchAll(/env\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]!))];
    const names = [...read('activities/channels/index.ts'), ...read('src/arrivalLink.ts')];
    expect(names).toEqual(expect.arrayContaining(['SMTP_HOST', 'TWILIO_ACCOUNT_SID', 'WECOM_WEBHOOK_URL', 'DINGTALK_WEBHOOK_URL', 'DUBAN_PUBLIC_URL', 'DUBAN_ARRIVAL_SECRET']));
    const fromFiles = new Set<string>(SECRET_FILE_VARIABLES);
    for (const service of ['worker', 'api']) {
      const env = compose.services[service]!.environment!;
      for (const name of names) {
        if (name === 'TWILIO_API_BASE_URL') continue; // a test hook (a local Twilio-shaped peer), not a production setting
        const wired = name in env || (`${name}_FILE` in env && fromFiles.has(name));
        expect(wired, `${service}: ${name}`).toBe(true);
      }
    }
  });

  test('the policy and the unit directory are mounted files, the repository’s unless DUBAN_POLICY_SOURCE / DUBAN_DIRECTORY_SOURCE say otherwise', () => {
    expect(compose.configs).toEqual({ policy: { file: '${DUBAN_POLICY_SOURCE:-./config/policy.json}' }, units: { file: '${DUBAN_DIRECTORY_SOURCE:-./config/units.sample.json}' } });
    for (const file of ['config/policy.json', 'config/units.sample.json']) expect(existsSync(join(ROOT, file))).toBe(true);
  });
});

describe('the image', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));

  test('the build stage copies the sources the build needs and no tests (the build above ran from exactly those)', () => {
    expect(copied.sort()).toEqual(['activities', 'api.ts', 'codec-server.ts', 'config', 'package-lock.json', 'package.json', 'scripts', 'src', 'tsconfig.build.json', 'tsconfig.json', 'worker.ts', 'workflows'].sort());
    expect(readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n')).toEqual(expect.arrayContaining(['node_modules', 'dist', 'secrets', 'data', '.venv', 'test']));
  });

  test('the build stage compiles with scripts/build.ts; the runtime stage has production dependencies only, dist/, a non-root user and no tsx', () => {
    expect(dockerfile).toMatch(/FROM node:20[^\n]* AS build\n/);
    expect(dockerfile).toContain('RUN npx tsx scripts/build.ts --out-dir /app/dist');
    expect(runtime).toContain('RUN npm ci --omit=dev');
    expect(runtime).toContain('COPY --from=build /app/dist ./dist');
    expect(runtime).toMatch(/\nUSER node\n/);
    expect(runtime).not.toMatch(/tsx|COPY (src|workflows|activities|\.) /);
    expect(runtime).toContain('CMD ["node", "--import", "./dist/src/secretFiles.js", "dist/worker.js"]');
  });

  test('compiled code imports only Node built-ins and packages in package.json’s dependencies (devDependencies are not installed)', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const files = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));
    const packages = new Map<string, string>();
    for (const file of files(dist).filter((f) => /\.(js|ts)$/.test(f) && !/workflow-bundle[^/]*\.js$/.test(f) && !f.includes('/assets/'))) {
      const code = readFileSync(file, 'utf8');
      for (const [, spec] of code.matchAll(/(?:from\s+|import\(\s*|require(?:\.resolve)?\(\s*)['"]([^'"]+)['"]/g)) {
        if (spec!.startsWith('.') || spec!.startsWith('/') || builtins.has(spec!)) continue;
        const name = spec!.startsWith('@') ? spec!.split('/').slice(0, 2).join('/') : spec!.split('/')[0]!;
        packages.set(name, file.slice(dist.length + 1));
      }
    }
    const notProduction = [...packages].filter(([name]) => !(name in pkg.dependencies)).map(([name, file]) => `${name} (${file}${name in pkg.devDependencies ? ', a devDependency' : ''})`);
    expect(notProduction).toEqual([]);
    expect(packages.size).toBeGreaterThan(10);
  });
});

describe('secrets from files (the compiled src/secretFiles.ts, preloaded as the compose commands preload it)', () => {
  const run = (env: NodeJS.ProcessEnv): { status: number | null; out: string } => {
    const r = spawnSync(process.execPath, ['--import', join(dist, 'src/secretFiles.js'), '-e', 'console.log(JSON.stringify([process.env.PGPASSWORD, process.env.SMTP_PASS ?? null]))'], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  };

  test('<NAME>_FILE sets NAME from the file without its trailing newline; an empty file sets it empty (the channel stays off)', () => {
    writeFileSync(join(tmp, 'pw'), 'p@ss word\n');
    writeFileSync(join(tmp, 'empty'), '');
    expect(run({ PGPASSWORD_FILE: join(tmp, 'pw'), SMTP_PASS_FILE: join(tmp, 'empty') })).toEqual({ status: 0, out: '["p@ss word",""]\n' });
  });

  test('NAME set to another value as well, or a missing file, stops the process naming the variable, never the value', () => {
    expect(run({ PGPASSWORD: 'other', PGPASSWORD_FILE: join(tmp, 'pw') })).toEqual({ status: 1, out: 'set PGPASSWORD or PGPASSWORD_FILE, not both\n' });
    expect(run({ SMTP_PASS_FILE: join(tmp, 'missing') })).toEqual({ status: 1, out: `SMTP_PASS_FILE ${join(tmp, 'missing')} cannot be read: ENOENT\n` });
  });
});

describe('the worker’s workflow source (src/workflowSource.ts)', () => {
  const sources = (): { workflows: string; interceptor: string } => ({ workflows: join(ROOT, 'workflows/index.ts'), interceptor: join(ROOT, 'workflows/refusePlaintext.ts') });

  test('DUBAN_WORKFLOW_BUNDLE first (it must exist), then the bundle beside the compiled code, else the sources with the interceptor', () => {
    const { workflows, interceptor } = sources();
    const bundle = join(dist, 'workflow-bundle.js');
    expect(workflowSource(workflows, [interceptor], { DUBAN_WORKFLOW_BUNDLE: bundle }, join(tmp, 'none.js'))).toEqual({ workflowBundle: { codePath: bundle } });
    expect(() => workflowSource(workflows, [interceptor], { DUBAN_WORKFLOW_BUNDLE: join(tmp, 'missing.js') }, bundle)).toThrow(`DUBAN_WORKFLOW_BUNDLE ${join(tmp, 'missing.js')} does not exist (build it with 'make build')`);
    expect(workflowSource(workflows, [interceptor], {}, bundle)).toEqual({ workflowBundle: { codePath: bundle } });
    expect(workflowSource(workflows, [interceptor], {}, join(tmp, 'none.js'))).toEqual({ workflowsPath: workflows, interceptors: { workflowModules: [interceptor] } });
  });

  test('with an OTLP endpoint the tracing bundle beside the bundle (when built), as tracingFromEnv decides that tracing is on', async () => {
    const { workflows, interceptor } = sources();
    const bundle = join(dist, 'workflow-bundle.js');
    const traced = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };
    expect(workflowSource(workflows, [interceptor], traced, bundle)).toEqual({ workflowBundle: { codePath: join(dist, 'workflow-bundle.tracing.js') } });
    writeFileSync(join(tmp, 'only.js'), '');
    expect(workflowSource(workflows, [interceptor], traced, join(tmp, 'only.js'))).toEqual({ workflowBundle: { codePath: join(tmp, 'only.js') } });
    for (const env of [{}, traced, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' }, { OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }]) {
      const tracing = tracingFromEnv('duban-test', env);
      expect(tracingRequested(env), JSON.stringify(env)).toBe(tracing !== undefined);
      await tracing?.shutdown();
    }
  });

  test('compiled code without a bundle falls back from the .ts names to the compiled .js files; the source tree has no bundle', () => {
    const compiled = { workflows: join(dist, 'workflows/index.ts'), interceptor: join(dist, 'workflows/refusePlaintext.ts') };
    expect(workflowSource(compiled.workflows, [compiled.interceptor], {}, join(tmp, 'none.js'))).toEqual({ workflowsPath: join(dist, 'workflows/index.js'), interceptors: { workflowModules: [join(dist, 'workflows/refusePlaintext.js')] } });
    const { workflows, interceptor } = sources();
    expect(workflowSource(workflows, [interceptor], {})).toEqual({ workflowsPath: workflows, interceptors: { workflowModules: [interceptor] } });
  });
});
