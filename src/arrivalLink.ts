// Signed, expiring arrival links: a leader reports arrival by opening the link in the alert.
// token = "<noticeId>~<leaderId>~<expiry, unix seconds, base 36>~<base64url(HMAC-SHA256(secret, those three)[0..12])>"
// (IDs are letters, digits, dot, dash, underscore: URL-safe as they are, and short enough for an SMS.) Stateless: the
// worker signs, the API verifies with the same secret. Reuse is refused twice over: the API's used-token store, and
// the workflow itself, which refuses a second arrival.
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

const MAC_BYTES = 12; // 96 bits: a token lives about a day and each guess costs a request
const SEP = '~';
const CASE_PREFIX = 'visit:'; // arrival is a milestone of escalated visits only

function mac(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest().subarray(0, MAC_BYTES);
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function signArrivalToken(secret: string, claim: ArrivalClaim): string {
  const noticeId = claim.caseId.startsWith(CASE_PREFIX) ? claim.caseId.slice(CASE_PREFIX.length) : '';
  if (!SAFE_ID.test(noticeId) || !SAFE_ID.test(claim.leaderId)) throw new Error('arrival links are for visit:<noticeId> cases and directory leader IDs');
  const payload = [noticeId, claim.leaderId, Math.floor(claim.expiresAt / 1000).toString(36)].join(SEP);
  return `${payload}${SEP}${mac(secret, payload).toString('base64url')}`;
}

export type TokenCheck = { ok: true; claim: ArrivalClaim; tokenId: string } | { ok: false; reason: 'malformed' | 'badSignature' | 'expired' };

/** Checks the signature first (constant time), then the expiry. tokenId identifies the token in a used-token store. */
export function verifyArrivalToken(secret: string, token: string, now = Date.now()): TokenCheck {
  const m = /^([A-Za-z0-9._-]{1,64})~([A-Za-z0-9._-]{1,64})~([0-9a-z]{1,10})~([A-Za-z0-9_-]{16})$/.exec(token);
  if (!m) return { ok: false, reason: 'malformed' };
  const [, noticeId, leaderId, exp, sig] = m as unknown as [string, string, string, string, string];
  const given = Buffer.from(sig, 'base64url');
  const expected = mac(secret, [noticeId, leaderId, exp].join(SEP));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'badSignature' };
  const expiresAt = parseInt(exp, 36) * 1000;
  if (now >= expiresAt) return { ok: false, reason: 'expired' };
  return { ok: true, claim: { caseId: CASE_PREFIX + noticeId, leaderId, expiresAt }, tokenId: sig };
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

/** Arrival links from the environment: DUBAN_PUBLIC_URL (where deliveryRoutes is reached) and DUBAN_ARRIVAL_SECRET. */
export function arrivalLinkConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ArrivalLinkConfig | undefined {
  if (!env.DUBAN_PUBLIC_URL || !env.DUBAN_ARRIVAL_SECRET) return undefined;
  if (env.DUBAN_ARRIVAL_SECRET.length < 32) throw new Error('DUBAN_ARRIVAL_SECRET must be at least 32 characters');
  return { baseUrl: env.DUBAN_PUBLIC_URL, secret: env.DUBAN_ARRIVAL_SECRET };
}
