// The board's own rows in the store of record (migration 005_board_accounts): per-person accounts the admin creates
// and signed-out sessions, so a sign-out holds on every API process.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { ApiRole } from '../api/auth.js';
import type { Records } from '../records/index.js';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;


export interface Account {
  name: string;
  role: ApiRole;
  units: string[];
  disabled: boolean;
  createdAt: string;
}

export class BoardStore {
  constructor(private readonly records: Records) {}


  async signedOut(sid: string): Promise<boolean> {
    const { rows } = await this.records.db.query('SELECT 1 FROM board_signouts WHERE sid = $1', [sid]);
    return rows.length > 0;
  }

  async signOut(sid: string, expiresAt: number): Promise<void> {
    await this.records.db.query('INSERT INTO board_signouts (sid, expires_at) VALUES ($1, $2) ON CONFLICT (sid) DO NOTHING', [sid, new Date(expiresAt)]);
    // Rows of sessions that have expired anyway are no longer needed.
    await this.records.db.query('DELETE FROM board_signouts WHERE expires_at < now()');
  }

  async account(name: string): Promise<Account | null> {
    const { rows } = await this.records.db.query<{ name: string; role: ApiRole; units: string[]; disabled: boolean; created_at: Date }>(
      'SELECT name, role, units, disabled, created_at FROM board_accounts WHERE name = $1',
      [name],
    );
    const r = rows[0];
    return r ? { name: r.name, role: r.role, units: r.units, disabled: r.disabled, createdAt: r.created_at.toISOString() } : null;
  }

  async accounts(): Promise<Account[]> {
    const { rows } = await this.records.db.query<{ name: string; role: ApiRole; units: string[]; disabled: boolean; created_at: Date }>(
      'SELECT name, role, units, disabled, created_at FROM board_accounts ORDER BY name',
    );
    return rows.map((r) => ({ name: r.name, role: r.role, units: r.units, disabled: r.disabled, createdAt: r.created_at.toISOString() }));
  }

  /** False when the name is taken. */
  async createAccount(a: { name: string; role: ApiRole; units: string[]; password: string; createdBy: string }): Promise<boolean> {
    const salt = randomBytes(16);
    const hash = await scryptAsync(a.password, salt, 32);
    const { rowCount } = await this.records.db.query(
      'INSERT INTO board_accounts (name, role, units, password_salt, password_hash, created_by) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO NOTHING',
      [a.name, a.role, a.units, salt, hash, a.createdBy],
    );
    return rowCount === 1;
  }

  async disableAccount(name: string): Promise<void> {
    await this.records.db.query('UPDATE board_accounts SET disabled = true WHERE name = $1', [name]);
  }

  /** The account when the password is right and the account is in use; null otherwise (the same time either way). */
  async verify(name: string, password: string): Promise<Account | null> {
    const { rows } = await this.records.db.query<{ password_salt: Buffer; password_hash: Buffer }>('SELECT password_salt, password_hash FROM board_accounts WHERE name = $1 AND NOT disabled', [name]);
    const row = rows[0];
    // A missing account still costs one scrypt, so the answer's time does not tell which names exist.
    const hash = await scryptAsync(password, row?.password_salt ?? Buffer.alloc(16), 32);
    if (!row || !timingSafeEqual(hash, row.password_hash)) return null;
    return this.account(name);
  }
}
