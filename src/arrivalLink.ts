// Signed, expiring arrival links: a leader reports arrival by opening the link in the alert.
// token = base64url("<caseId>~<leaderId>~<expiry, unix seconds, base 36>") "." base64url(HMAC-SHA256(secret, payload)[0..16])
// Stateless: the worker signs, the API verifies with the same secret. Reuse is refused twice over: the API's
// used-token store, and the workflow itself, which refuses a second arrival.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface ArrivalClaim {
  caseId: string;
  leaderId: string;
  /** Expiry, ms since the epoch (second precision). */
  expiresAt: number;
}

export interface ArrivalLinkConfig {
  /** Public base URL of the API that serves deliveryRoutes, e.g. https://duban.example.cn */
  baseUrl: string;
  /** At least 32 bytes of secret, shared by the worker (signs) and the API (verifies). */
  secret: string;
  /** How long after the arrival deadline a link still works (late arrivals are still reported). Default 24 h. */
  validAfterDeadlineMs?: number;
}

const MAC_BYTES = 16;
const SEP = '~';

function mac(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest().subarray(0, MAC_BYTES);
}

export function signArrivalToken(secret: string, claim: ArrivalClaim): string {
  if (claim.caseId.includes(SEP) || claim.leaderId.includes(SEP)) throw new Error('case and leader IDs must not contain ~');
  const payload = Buffer.from([claim.caseId, claim.leaderId, Math.floor(claim.expiresAt / 1000).toString(36)].join(SEP), 'utf8').toString('base64url');
  return `${payload}.${mac(secret, payload).toString('base64url')}`;
}

export type TokenCheck = { ok: true; claim: ArrivalClaim; tokenId: string } | { ok: false; reason: 'malformed' | 'badSignature' | 'expired' };

/** Checks the signature first (constant time), then the expiry. tokenId identifies the token in a used-token store. */
export function verifyArrivalToken(secret: string, token: string, now = Date.now()): TokenCheck {
  const m = /^([A-Za-z0-9_-]{1,400})\.([A-Za-z0-9_-]{22})$/.exec(token);
  if (!m) return { ok: false, reason: 'malformed' };
  const [, payload, sig] = m as unknown as [string, string, string];
  const given = Buffer.from(sig, 'base64url');
  const expected = mac(secret, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'badSignature' };
  const parts = Buffer.from(payload, 'base64url').toString('utf8').split(SEP);
  if (parts.length !== 3) return { ok: false, reason: 'malformed' };
  const [caseId, leaderId, exp] = parts as [string, string, string];
  const expiresAt = parseInt(exp, 36) * 1000;
  if (!caseId || !leaderId || !Number.isFinite(expiresAt)) return { ok: false, reason: 'malformed' };
  if (now >= expiresAt) return { ok: false, reason: 'expired' };
  return { ok: true, claim: { caseId, leaderId, expiresAt }, tokenId: sig };
}

/** The link for one leader of one case; expires validAfterDeadlineMs after the deadline (or after now, if later). */
export function arrivalLinkFor(config: ArrivalLinkConfig, caseId: string, leaderId: string, deadline: string | null, now = Date.now()): string {
  const base = Math.max(deadline ? Date.parse(deadline) : now, now);
  const token = signArrivalToken(config.secret, { caseId, leaderId, expiresAt: base + (config.validAfterDeadlineMs ?? 24 * 3_600_000) });
  return `${config.baseUrl.replace(/\/+$/, '')}/a/${token}`;
}

/** Remembers used tokens until they expire. claim() is atomic: true the first time for a token, false after. */
export interface UsedTokenStore {
  claim(tokenId: string, expiresAt: number): Promise<boolean>;
  /** Gives a token back when its use failed for a reason that was not the leader's (Temporal unreachable). */
  release(tokenId: string): Promise<void>;
}

export function memoryTokenStore(): UsedTokenStore {
  const used = new Map<string, number>();
  return {
    claim(tokenId, expiresAt) {
      const now = Date.now();
      for (const [id, exp] of used) if (exp <= now) used.delete(id);
      if (used.has(tokenId)) return Promise.resolve(false);
      used.set(tokenId, expiresAt);
      return Promise.resolve(true);
    },
    release(tokenId) {
      used.delete(tokenId);
      return Promise.resolve();
    },
  };
}

/** One file per used token (created exclusively), for a single API host that must remember across restarts. */
export function fileTokenStore(dir: string): UsedTokenStore {
  const file = (tokenId: string): string => join(dir, `${tokenId.replace(/[^A-Za-z0-9_-]/g, '_')}.used`);
  return {
    async claim(tokenId, expiresAt) {
      await mkdir(dir, { recursive: true });
      try {
        await writeFile(file(tokenId), String(expiresAt), { flag: 'wx' });
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw err;
      }
    },
    async release(tokenId) {
      await rm(file(tokenId), { force: true });
    },
  };
}
