// API keys and roles without a server: loading (file, env, both), hashing, both headers, the role × action × unit rules.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ACTIONS, API_ROLES, actorOf, authenticate, authorize, canReadCases, hashKey, loadApiKeys, type Principal } from '../src/api/auth.js';

const record = (id: string, role: string, key: string, units: string[] = []): Record<string, unknown> => ({ id, role, units, sha256: hashKey(key) });
const dir = mkdtempSync(join(tmpdir(), 'duban-keys-'));
const file = (name: string, body: unknown): string => {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(body));
  return path;
};

describe('loadApiKeys', () => {
  test('outside production the fake dev keys file is the default; it holds one key per role and no key in the clear', () => {
    const keys = loadApiKeys({});
    expect(new Set(keys.map((k) => k.role))).toEqual(new Set(API_ROLES));
    for (const k of keys) expect(k.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(authenticate(keys, { authorization: 'Bearer dev-supervisor-key' })).toMatchObject({ ok: true, principal: { id: 'dev-supervisor', role: 'supervisor' } });
  });
  test('a file and DUBAN_API_KEYS together; in production only what is configured', () => {
    const path = file('a.json', { keys: [record('office', 'supervisor', 's3cret-office')] });
    const env = JSON.stringify({ keys: [record('hotline', 'intake', 's3cret-hotline')] });
    expect(loadApiKeys({ DUBAN_API_KEYS_FILE: path, DUBAN_API_KEYS: env }).map((k) => k.id)).toEqual(['office', 'hotline']);
    expect(loadApiKeys({ NODE_ENV: 'production', DUBAN_API_KEYS: env }).map((k) => k.id)).toEqual(['hotline']);
    expect(loadApiKeys({ NODE_ENV: 'production' })).toEqual([]);
  });
  test('bad key records are refused naming the field', () => {
    expect(() => loadApiKeys({ DUBAN_API_KEYS_FILE: join(dir, 'missing.json') })).toThrow(/not found/);
    expect(() => loadApiKeys({ NODE_ENV: 'production', DUBAN_API_KEYS: JSON.stringify({ keys: [{ id: 'u', role: 'unit', units: [], sha256: hashKey('k') }] }) })).toThrow(/keys\.0\.units: a unit key needs its unit IDs/);
    expect(() => loadApiKeys({ NODE_ENV: 'production', DUBAN_API_KEYS: JSON.stringify({ keys: [{ id: 'x', role: 'root', sha256: 'abc' }] }) })).toThrow(/keys\.0\.role.*keys\.0\.sha256/s);
    expect(() => loadApiKeys({ NODE_ENV: 'production', DUBAN_API_KEYS: JSON.stringify({ keys: [{ ...record('x', 'admin', 'k'), key: 'k' }] }) })).toThrow(/Unrecognized key/);
  });
});

describe('authenticate', () => {
  const keys = loadApiKeys({ NODE_ENV: 'production', DUBAN_API_KEYS: JSON.stringify({ keys: [record('u1', 'unit', 'unit-key', ['wuli-gov'])] }) });
  test('Bearer or X-API-Key; none or an unknown key says why', () => {
    expect(authenticate(keys, { authorization: 'Bearer unit-key' })).toEqual({ ok: true, principal: { id: 'u1', role: 'unit', units: ['wuli-gov'] } });
    expect(authenticate(keys, { authorization: 'bearer unit-key' })).toMatchObject({ ok: true });
    expect(authenticate(keys, { 'x-api-key': 'unit-key' })).toMatchObject({ ok: true });
    expect(authenticate(keys, {})).toEqual({ ok: false, reason: 'no API key: send Authorization: Bearer <key>' });
    expect(authenticate(keys, { authorization: 'Basic dW5pdC1rZXk=' })).toMatchObject({ ok: false });
    expect(authenticate(keys, { authorization: 'Bearer unit-key2' })).toEqual({ ok: false, reason: 'unknown API key' });
  });
});

describe('authorize', () => {
  const p = (role: Principal['role'], units: string[] = []): Principal => ({ id: `k-${role}`, role, units });
  const ACTING = ['arrival', 'explanation', 'closureReport', 'decideExplanation', 'extend', 'reassign', 'cancel'] as const;
  test('a viewer reads and never acts; only supervisors and admins decide, extend, reassign or cancel', () => {
    for (const action of ACTIONS) {
      const viewer = authorize(p('viewer'), action).ok;
      expect(viewer, action).toBe(['read', 'list', 'preview', 'readLedger', 'readDocuments', 'readCircular'].includes(action));
    }
    for (const action of ['decideExplanation', 'extend', 'reassign', 'cancel', 'writeLedger', 'runCircular'] as const) {
      expect(API_ROLES.filter((r) => authorize(p(r, ['wuli-gov']), action, 'wuli-gov').ok)).toEqual(['supervisor', 'admin']);
    }
    expect(() => actorOf(p('viewer'))).toThrow();
    expect(actorOf(p('supervisor'))).toEqual({ id: 'k-supervisor', role: 'supervisor' });
  });
  test('a unit key acts only on its own units', () => {
    const unit = p('unit', ['wuli-gov', 'dongcun']);
    for (const action of ['arrival', 'explanation', 'closureReport', 'read'] as const) {
      expect(authorize(unit, action, 'dongcun').ok).toBe(true);
      expect(authorize(unit, action, 'wuli-landres')).toEqual({ ok: false, reason: 'key k-unit may act only on cases of wuli-gov, dongcun' });
    }
    for (const action of ACTING) expect(authorize(p('admin'), action, 'wuli-landres').ok).toBe(true);
  });
  test('ledgers, documents and circulars: a unit reads its own ledger and documents, never a circular; only supervisors and admins write a ledger or run a circular', () => {
    const unit = p('unit', ['wuli-gov']);
    expect(authorize(unit, 'readLedger', 'wuli-gov').ok).toBe(true);
    expect(authorize(unit, 'readLedger', 'dongcun')).toEqual({ ok: false, reason: 'key k-unit may act only on cases of wuli-gov' });
    expect(authorize(unit, 'readDocuments', 'wuli-gov').ok).toBe(true);
    expect(API_ROLES.filter((r) => authorize(p(r, ['wuli-gov']), 'readCircular').ok)).toEqual(['supervisor', 'admin', 'viewer']);
    expect(API_ROLES.filter((r) => authorize(p(r, ['wuli-gov']), 'writeLedger', 'wuli-gov').ok)).toEqual(['supervisor', 'admin']);
    expect(API_ROLES.filter((r) => authorize(p(r, ['wuli-gov']), 'runCircular').ok)).toEqual(['supervisor', 'admin']);
  });
  test('canReadCases: every role reads (a unit key its own units)', () => {
    expect(API_ROLES.filter((r) => canReadCases(p(r)))).toEqual([...API_ROLES]);
  });
});
