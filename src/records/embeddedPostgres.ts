// A real PostgreSQL server from the project's .venv (PyPI pgserver ships its binaries): no system install, data on disk.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, chownSync, constants, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ROOT } from '../config.js';

/** Where PostgreSQL's binaries are: DUBAN_PG_BIN, else pgserver's copy in the project's .venv. */
export function postgresBinDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DUBAN_PG_BIN) return env.DUBAN_PG_BIN;
  const lib = join(ROOT, '.venv/lib');
  const python = existsSync(lib) ? readdirSync(lib).find((d) => d.startsWith('python')) : undefined;
  const dir = python ? join(lib, python, 'site-packages/pgserver/pginstall/bin') : '';
  if (!dir || !existsSync(join(dir, 'postgres'))) throw new Error(`PostgreSQL binaries are missing from ${join(ROOT, '.venv')}: run 'make setup' (or set DUBAN_PG_BIN)`);
  return dir;
}

/** PostgreSQL refuses to run as root: the server then runs as this system user, created when missing. */
const SERVER_USER = 'duban-pg';

interface RunAs {
  uid: number;
  gid: number;
}

function serverUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = (): string => {
    try {
      return execFileSync('id', ['-u', SERVER_USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '';
    }
  };
  if (!lookup()) execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', SERVER_USER], { stdio: 'ignore' });
  const uid = Number(lookup());
  const gid = Number(execFileSync('id', ['-g', SERVER_USER], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/** The server user must traverse every folder above its data directory. */
function letTraverse(dir: string): void {
  for (let d = dirname(dir); ; d = dirname(d)) {
    const mode = statSync(d).mode;
    if ((mode & 0o001) === 0) chmodSync(d, mode | 0o001);
    if (d === dirname(d)) break;
  }
}

function chownTree(path: string, as: RunAs): void {
  chownSync(path, as.uid, as.gid);
  if (statSync(path).isDirectory()) for (const child of readdirSync(path)) chownTree(join(path, child), as);
}

export interface EmbeddedPostgres {
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** The cluster's folder (created with initdb when empty). */
  dataDir: string;
  port: number;
  /** Where the server's log goes; default <dataDir>/../postgres.log. */
  logFile?: string;
  /** Extra server settings (-c name=value). */
  settings?: Record<string, string>;
}

/** Starts PostgreSQL on 127.0.0.1:port with the cluster in dataDir, and resolves once it accepts connections. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const bin = postgresBinDir();
  const dataDir = resolve(options.dataDir);
  const as = serverUser();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (as) {
    letTraverse(dataDir);
    chownTree(dataDir, as);
  }
  const spawnAs = as ? { uid: as.uid, gid: as.gid } : {};
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    // Local only: trust on 127.0.0.1 (production points DUBAN_DATABASE_URL at its own server with its own auth).
    execFileSync(join(bin, 'initdb'), ['-D', dataDir, '-U', 'duban', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-instructions'], { stdio: 'pipe', ...spawnAs });
  }
  const logFile = options.logFile ?? join(dirname(dataDir), 'postgres.log');
  if (!existsSync(logFile)) writeFileSync(logFile, '');
  if (as) chownSync(logFile, as.uid, as.gid);
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    port: String(options.port),
    unix_socket_directories: '',
    max_connections: '200',
    logging_collector: 'off',
    ...options.settings,
  };
  const args = ['-D', dataDir, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  const { openSync } = await import('node:fs');
  const out = openSync(logFile, 'a');
  const child: ChildProcess = spawn(join(bin, 'postgres'), args, { stdio: ['ignore', out, out], ...spawnAs });
  let exited: string | undefined;
  const exit = new Promise<void>((done) =>
    child.once('exit', (code, signal) => {
      exited = signal ?? `code ${code}`;
      done();
    }),
  );
  const url = `postgres://duban@127.0.0.1:${options.port}/postgres`;
  const deadline = Date.now() + 30_000;
  const { default: pg } = await import('pg');
  for (;;) {
    if (exited) throw new Error(`PostgreSQL exited at start (${exited}); see ${logFile}`);
    const probe = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await probe.connect();
      await probe.end();
      break;
    } catch (err) {
      await probe.end().catch(() => undefined);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`PostgreSQL did not accept connections on port ${options.port} within 30 s: ${(err as Error).message}; see ${logFile}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    port: options.port,
    dataDir,
    async stop() {
      if (exited) return;
      child.kill('SIGINT'); // fast shutdown: commits are on disk, open transactions roll back
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** True when the folder can be used as a data directory by this process (for the error message at start). */
export function canWrite(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
