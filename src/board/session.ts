// Board sessions without server state: an HMAC-signed cookie with its expiry, the key shared by every API process
// through the database (shared_secrets), so any process of one installation accepts a session any other made.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'duban_board';
export const LOGIN_COOKIE = 'duban_board_login';
/** A working day: the cookie and the signed session end together. */
export const SESSION_TTL_MS = 8 * 3_600_000;
export const LOGIN_TTL_MS = 30 * 60_000;

export interface Session {
  /** Random per sign-in: the CSRF token and a sign-out are bound to it. */
  sid: string;
  /** How the person signed in: an API key (sub = key ID) or a board account (sub = account name). */
  via: 'key' | 'account';
  sub: string;
  /** Expiry, ms since the epoch. */
  exp: number;
}

const mac = (secret: Buffer, purpose: string, data: string): Buffer => createHmac('sha256', secret).update(purpose).update('\0').update(data).digest();

export function newSid(): string {
  return randomBytes(18).toString('base64url');
}

/** payload.mac, both base64url: the payload is readable (IDs and times only) but not forgeable. */
export function sealSession(secret: Buffer, session: Session): string {
  const payload = Buffer.from(JSON.stringify([session.sid, session.via, session.sub, session.exp])).toString('base64url');
  return `${payload}.${mac(secret, 'session', payload).toString('base64url')}`;
}

export function openSession(secret: Buffer, cookie: string | undefined, now = Date.now()): Session | null {
  if (!cookie || cookie.length > 1000) return null;
  const [payload, tag, extra] = cookie.split('.');
  if (!payload || !tag || extra !== undefined) return null;
  const given = Buffer.from(tag, 'base64url');
  const expected = mac(secret, 'session', payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const [sid, via, sub, exp] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as [unknown, unknown, unknown, unknown];
    if (typeof sid !== 'string' || (via !== 'key' && via !== 'account') || typeof sub !== 'string' || typeof exp !== 'number') return null;
    if (exp <= now) return null;
    return { sid, via, sub, exp };
  } catch {
    return null;
  }
}

/** The CSRF token of a session (or of a sign-in form's nonce): a MAC, so it needs no storage. */
export function csrfToken(secret: Buffer, bound: string): string {
  return mac(secret, 'csrf', bound).subarray(0, 24).toString('base64url');
}

export function csrfValid(secret: Buffer, bound: string, token: unknown): boolean {
  if (typeof token !== 'string' || token.length === 0 || token.length > 100) return false;
  const given = Buffer.from(token);
  const expected = Buffer.from(csrfToken(secret, bound));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    try {
      out[name] = decodeURIComponent(value);
    } catch {
      // A cookie that is not ours (bad percent-encoding) is ignored, not an error.
    }
  }
  return out;
}

/** Set-Cookie for the board: HttpOnly, SameSite=Strict, Path=/; Secure when the page came over HTTPS. */
export function cookieHeader(name: string, value: string, maxAgeMs: number, secure: boolean): string {
  return `${name}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.max(0, Math.floor(maxAgeMs / 1000))}${secure ? '; Secure' : ''}`;
}
