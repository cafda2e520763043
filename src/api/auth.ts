// API keys and roles: who may do what with which unit's cases. Shared by the HTTP API and the codec server.
import { createHash, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ROOT } from '../config.js';
import type { Actor } from '../domain.js';

export const API_ROLES = ['intake', 'unit', 'supervisor', 'admin', 'viewer'] as const;
export type ApiRole = (typeof API_ROLES)[number];

export const ACTIONS = [
  'create', 'read', 'list', 'preview', 'arrival', 'explanation', 'closureReport', 'decideExplanation', 'extend', 'reassign', 'cancel',
  'readLedger', 'writeLedger', 'readDocuments', 'readCircular', 'runCircular',
  // Assigned cases: a unit's reports (acceptance, progress, reply, opinion); the office's clock (pause, extension, 复查 request).
  'dutyReport', 'dutyClock',
] as const;
export type Action = (typeof ACTIONS)[number];

const keyRecordSchema = z
  .object({
    id: z.string().min(1).max(100),
    role: z.enum(API_ROLES),
    units: z.array(z.string().min(1)).default([]),
    /** SHA-256 of the key, hex: keys themselves are never stored. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be the hex SHA-256 of the key'),
  })
  .strict()
  .refine((k) => k.role !== 'unit' || k.units.length > 0, { message: 'a unit key needs its unit IDs', path: ['units'] });
export const keyFileSchema = z.object({ keys: z.array(keyRecordSchema) }).strict();
export type ApiKeyRecord = z.infer<typeof keyRecordSchema>;

export interface Principal {
  id: string;
  role: ApiRole;
  units: string[];
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Keys from DUBAN_API_KEYS (JSON) and/or DUBAN_API_KEYS_FILE; outside production, the dev keys file by default. */
export function loadApiKeys(env: NodeJS.ProcessEnv = process.env): ApiKeyRecord[] {
  const production = env.NODE_ENV === 'production' || env.DUBAN_ENV === 'production';
  const file = env.DUBAN_API_KEYS_FILE ?? (production ? undefined : join(ROOT, 'config/api-keys.dev.json'));
  const sources: { name: string; raw: unknown }[] = [];
  if (file) {
    if (!existsSync(file)) throw new Error(`API keys file not found: ${file}`);
    sources.push({ name: file, raw: JSON.parse(readFileSync(file, 'utf8')) });
  }
  if (env.DUBAN_API_KEYS) sources.push({ name: 'DUBAN_API_KEYS', raw: JSON.parse(env.DUBAN_API_KEYS) });
  const keys: ApiKeyRecord[] = [];
  for (const s of sources) {
    const parsed = keyFileSchema.safeParse(s.raw);
    if (!parsed.success) throw new Error(`invalid API keys in ${s.name}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    keys.push(...parsed.data.keys);
  }
  return keys;
}

export type AuthResult = { ok: true; principal: Principal } | { ok: false; reason: string };

/** Reads `Authorization: Bearer <key>` or `X-API-Key: <key>` and finds the key by its hash. */
export function authenticate(keys: readonly ApiKeyRecord[], headers: { authorization?: string | undefined; 'x-api-key'?: string | string[] | undefined }): AuthResult {
  const bearer = headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  const apiKey = Array.isArray(headers['x-api-key']) ? headers['x-api-key'][0] : headers['x-api-key'];
  const key = bearer ?? apiKey;
  if (!key) return { ok: false, reason: 'no API key: send Authorization: Bearer <key>' };
  const digest = Buffer.from(hashKey(key), 'hex');
  const found = keys.find((k) => timingSafeEqual(Buffer.from(k.sha256, 'hex'), digest));
  if (!found) return { ok: false, reason: 'unknown API key' };
  return { ok: true, principal: { id: found.id, role: found.role, units: found.units } };
}

const ALLOWED: Record<Action, readonly ApiRole[]> = {
  create: ['intake', 'supervisor', 'admin'],
  read: ['intake', 'unit', 'supervisor', 'admin', 'viewer'],
  list: ['intake', 'unit', 'supervisor', 'admin', 'viewer'],
  preview: ['intake', 'unit', 'supervisor', 'admin', 'viewer'],
  arrival: ['unit', 'supervisor', 'admin'],
  explanation: ['unit', 'supervisor', 'admin'],
  closureReport: ['unit', 'supervisor', 'admin'],
  decideExplanation: ['supervisor', 'admin'],
  extend: ['supervisor', 'admin'],
  reassign: ['supervisor', 'admin'],
  cancel: ['supervisor', 'admin'],
  // A unit reads its own ledger and its cases' documents; reversals, notes and the year-end close are supervisors'.
  readLedger: ['unit', 'supervisor', 'admin', 'viewer'],
  writeLedger: ['supervisor', 'admin'],
  readDocuments: ['unit', 'supervisor', 'admin', 'viewer'],
  readCircular: ['supervisor', 'admin', 'viewer'],
  runCircular: ['supervisor', 'admin'],
  dutyReport: ['unit', 'supervisor', 'admin'],
  dutyClock: ['supervisor', 'admin'],
};

/** May this principal do the action on a case of this unit? A unit key acts only on its own units. */
export function authorize(principal: Principal, action: Action, unitId?: string): { ok: true } | { ok: false; reason: string } {
  if (!ALLOWED[action].includes(principal.role)) return { ok: false, reason: `role ${principal.role} may not ${action}` };
  if (principal.role === 'unit' && unitId !== undefined && !principal.units.includes(unitId)) {
    return { ok: false, reason: `key ${principal.id} may act only on cases of ${principal.units.join(', ')}` };
  }
  return { ok: true };
}

export function canReadCases(principal: Principal): boolean {
  return ALLOWED.read.includes(principal.role);
}

/** The workflow's actor: always from the key, never from a request body. */
export function actorOf(principal: Principal): Actor {
  if (principal.role === 'viewer') throw new Error('a viewer never acts');
  return { id: principal.id, role: principal.role };
}
