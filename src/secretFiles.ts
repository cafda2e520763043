// Secrets from files (Docker / Kubernetes secrets): preloaded with `node --import ./dist/src/secretFiles.js`, it sets
// each variable below from the file named by <NAME>_FILE before any of duban's modules reads the environment.
// The codec keys and the API keys have their own file variables (DUBAN_CODEC_KEY_FILE, DUBAN_API_KEYS_FILE).
import { readFileSync } from 'node:fs';

/** Variables that may come from a file: the database's password (node-postgres reads PGPASSWORD), the channels' credentials, shared secrets. */
export const SECRET_FILE_VARIABLES = [
  'PGPASSWORD',
  'DUBAN_DATABASE_URL',
  'DUBAN_ARRIVAL_SECRET',
  'DUBAN_API_PAGE_SECRET',
  'DUBAN_METRICS_TOKEN',
  'SMTP_PASS',
  'TWILIO_AUTH_TOKEN',
  'WECOM_WEBHOOK_URL',
  'DINGTALK_WEBHOOK_URL',
  'DINGTALK_SECRET',
] as const;

/** Sets NAME from the file NAME_FILE names (one trailing newline dropped); NAME set to another value as well is an error. */
export function applySecretFiles(env: NodeJS.ProcessEnv = process.env): string[] {
  const applied: string[] = [];
  for (const name of SECRET_FILE_VARIABLES) {
    const file = env[`${name}_FILE`]?.trim();
    if (!file) continue;
    let value: string;
    try {
      value = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new Error(`${name}_FILE ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    // Equal is fine: the SDK's workflow thread inherits the environment and this preload runs again there.
    if (env[name] === value) continue;
    if (env[name] !== undefined && env[name] !== '') throw new Error(`set ${name} or ${name}_FILE, not both`);
    env[name] = value;
    applied.push(name);
  }
  return applied;
}

try {
  applySecretFiles();
} catch (err) {
  console.error((err as Error).message); // the message names variables and files, never a value
  process.exit(1);
}
