// Secrets every process of one installation shares without configuration: kept in the store of record.
import { randomBytes } from 'node:crypto';
import type { Records } from './index.js';

/** A secret shared by every process on this database, made by whichever asks first (32 random bytes). */
export async function sharedSecret(records: Records, name: string): Promise<Buffer> {
  await records.db.query('INSERT INTO shared_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, randomBytes(32)]);
  const { rows } = await records.db.query<{ value: Buffer }>('SELECT value FROM shared_secrets WHERE name = $1', [name]);
  return rows[0]!.value;
}
