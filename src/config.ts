// Process configuration from the environment, with embedded local defaults.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { directorySchema, type Directory } from './directory.js';
import { formatIssuePath, parsePolicy, type Policy } from './policy.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface Config {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  policyFile: string;
  directoryFile: string;
  dataDir: string;
  outboxDir: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = resolve(env.DUBAN_DATA_DIR ?? join(ROOT, 'data'));
  return {
    temporalAddress: env.TEMPORAL_ADDRESS ?? 'localhost:7233',
    namespace: env.TEMPORAL_NAMESPACE ?? 'duban',
    taskQueue: env.DUBAN_TASK_QUEUE ?? 'duban',
    policyFile: resolve(env.DUBAN_POLICY_FILE ?? join(ROOT, 'config/policy.json')),
    directoryFile: resolve(env.DUBAN_DIRECTORY_FILE ?? join(ROOT, 'config/units.sample.json')),
    dataDir,
    outboxDir: resolve(env.DUBAN_OUTBOX_DIR ?? join(dataDir, 'outbox')),
  };
}

function readJson(file: string, what: string): unknown {
  if (!existsSync(file)) throw new Error(`${what} file not found: ${file}`);
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${what} file ${file} is not valid JSON: ${(err as Error).message}`);
  }
}

export function loadPolicyFile(file: string): Policy {
  return parsePolicy(readJson(file, 'policy'), file);
}

export function loadDirectoryFile(file: string): Directory {
  const result = directorySchema.safeParse(readJson(file, 'unit directory'));
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${formatIssuePath(i.path)}: ${i.message}`).join('; ');
    throw new Error(`invalid unit directory ${file}: ${issues}`);
  }
  return result.data;
}

const pathOverride = z.string().min(1).optional();

/** The Temporal CLI (dev server) from the project's .venv, or TEMPORAL_CLI_PATH. */
export function temporalCliPath(env: NodeJS.ProcessEnv = process.env): string {
  return binary(pathOverride.parse(env.TEMPORAL_CLI_PATH) ?? join(ROOT, '.venv/bin/temporal'), 'TEMPORAL_CLI_PATH');
}

/** The Java time-skipping test server from the project's .venv, or TEMPORAL_TEST_SERVER_PATH. */
export function testServerPath(env: NodeJS.ProcessEnv = process.env): string {
  return binary(pathOverride.parse(env.TEMPORAL_TEST_SERVER_PATH) ?? join(ROOT, '.venv/bin/temporal-test-server'), 'TEMPORAL_TEST_SERVER_PATH');
}

function binary(path: string, variable: string): string {
  if (!existsSync(path)) throw new Error(`${path} is missing: run 'make setup' (or set ${variable})`);
  return path;
}
