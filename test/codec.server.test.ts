// The codec server over real HTTP: the protocol's /encode and /decode, authentication (401), roles (403), CORS for
// the Web UI (preflight, credentials), X-Namespace, /login sessions, error bodies without payload contents.
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ENCRYPTED_ENCODING } from '../src/codec.js';
import { hashKey, type ApiKeyRecord } from '../src/api/auth.js';
import { SESSION_COOKIE, apiCodecAuth, createCodecServer, type CodecServer, type CodecServerAuth } from '../src/codecServer.js';
import { testCodec } from './privacyHelpers.js';

const codec = testCodec('k1');
const UI = 'http://localhost:8233';
const SECRET = '隐私测试矛盾事项 +8613712340001';

// The role model the API defines is plugged in by codec-server.ts; here a stand-in with the same shape.
interface Principal {
  id: string;
  role: string;
}
const keys: Record<string, Principal> = {
  'key-supervisor': { id: 'xfb-li', role: 'supervisor' },
  'key-intake': { id: 'hotline', role: 'intake' },
};
const auth: CodecServerAuth<Principal> = {
  authenticate: (k) => keys[k],
  canDecode: (p) => p.role === 'supervisor',
  canEncode: (p) => p.role === 'supervisor',
  describe: (p) => `${p.role}:${p.id}`,
};

let server: CodecServer;
let base: string;
beforeAll(async () => {
  server = createCodecServer({ codec, auth, allowedOrigins: [UI], namespaces: ['duban'] });
  base = `http://127.0.0.1:${await server.listen(0)}`;
});
afterAll(async () => {
  await server?.close();
});

type Wire = { metadata: Record<string, string>; data: string };
const toWire = (p: Payload): Wire => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? []).toString('base64'),
});
const fromWire = (w: Wire): Payload => ({
  metadata: Object.fromEntries(Object.entries(w.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(w.data, 'base64'),
});
async function sealed(value: unknown): Promise<Wire> {
  return toWire((await codec.encode([defaultPayloadConverter.toPayload(value)]))[0]!);
}

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Namespace': 'duban', ...headers }, body: JSON.stringify(body) });
}

describe('authentication and roles', () => {
  test('a missing, malformed or wrong key is refused with 401, and nothing is decoded', async () => {
    const body = { payloads: [await sealed(SECRET)] };
    for (const headers of <Record<string, string>[]>[{}, { Authorization: 'key-supervisor' }, { Authorization: 'Bearer wrong-key' }, { Authorization: 'Basic a2V5LXN1cGVydmlzb3I=' }]) {
      const res = await post('/decode', body, headers);
      expect(res.status).toBe(401);
      const text = await res.text();
      expect(text).not.toContain('隐私');
      expect(JSON.parse(text)).toHaveProperty('error');
    }
  });

  test('a role without read access is refused with 403', async () => {
    const res = await post('/decode', { payloads: [await sealed(SECRET)] }, { Authorization: 'Bearer key-intake' });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: 'this role may not read cases' });
    expect((await post('/encode', { payloads: [] }, { Authorization: 'Bearer key-intake' })).status).toBe(403);
  });

  test('a supervisor gets decoded payloads in the protocol shape', async () => {
    const res = await post('/decode', { payloads: [await sealed({ matterSummary: SECRET }), toWire(defaultPayloadConverter.toPayload('plain'))] }, { Authorization: 'Bearer key-supervisor' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const { payloads } = (await res.json()) as { payloads: Wire[] };
    expect(payloads).toHaveLength(2);
    expect(Buffer.from(payloads[0]!.metadata.encoding!, 'base64').toString()).toBe('json/plain');
    expect(defaultPayloadConverter.fromPayload(fromWire(payloads[0]!))).toEqual({ matterSummary: SECRET });
    expect(defaultPayloadConverter.fromPayload(fromWire(payloads[1]!))).toBe('plain'); // unencrypted: unchanged
  });

  test('encode encrypts under the current key; the namespace may also come from the path', async () => {
    const res = await fetch(`${base}/duban/encode`, {
      method: 'POST',
      headers: { Authorization: 'Bearer key-supervisor', 'Content-Type': 'application/json' },
      body: JSON.stringify({ payloads: [toWire(defaultPayloadConverter.toPayload(SECRET))] }),
    });
    expect(res.status).toBe(200);
    const { payloads } = (await res.json()) as { payloads: Wire[] };
    expect(Buffer.from(payloads[0]!.metadata.encoding!, 'base64').toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(payloads[0]!.metadata['encryption-key-id']!, 'base64').toString()).toBe('k1');
    expect(defaultPayloadConverter.fromPayload((await codec.decode([fromWire(payloads[0]!)]))[0]!)).toBe(SECRET);
  });

  test('another namespace, a bad body, an undecryptable payload and an unknown path are refused without contents', async () => {
    const auth = { Authorization: 'Bearer key-supervisor' };
    expect((await post('/decode', { payloads: [] }, { ...auth, 'X-Namespace': 'default' })).status).toBe(403);
    const byPath = await fetch(`${base}/other/decode`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: '{"payloads":[]}' });
    expect(byPath.status).toBe(403);
    expect(await byPath.json()).toEqual({ error: 'namespace other is not served here' });
    expect((await post('/decode', { nope: 1 }, auth)).status).toBe(400);
    expect((await post('/decode', { payloads: [{ metadata: { encoding: 'not base64!' } }] }, auth)).status).toBe(400);
    const foreign = toWire((await testCodec('k1').encode([defaultPayloadConverter.toPayload(SECRET)]))[0]!);
    const res = await post('/decode', { payloads: [foreign] }, auth);
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({ error: 'cannot decode: payload could not be decrypted with key "k1": wrong key or altered data' });
    expect((await post('/nothing', {}, auth)).status).toBe(404);
    expect((await fetch(`${base}/decode`)).status).toBe(405);
  });
});

describe('the Web UI: CORS and sessions', () => {
  test('the preflight from the Web UI origin is answered with credentials and the three headers', async () => {
    const res = await fetch(`${base}/decode`, {
      method: 'OPTIONS',
      headers: { Origin: UI, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type,x-namespace' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(UI);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('access-control-allow-headers')).toBe('Authorization, Content-Type, X-Namespace');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
  });

  test('another origin gets no CORS headers and is refused', async () => {
    const pre = await fetch(`${base}/decode`, { method: 'OPTIONS', headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST' } });
    expect(pre.status).toBe(403);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    const res = await post('/decode', { payloads: [await sealed(SECRET)] }, { Origin: 'http://evil.example', Authorization: 'Bearer key-supervisor' });
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain('隐私');
  });

  test('signing in at /login gives a session cookie the Web UI sends with credentials; logout ends it', async () => {
    expect((await fetch(`${base}/login`)).headers.get('content-type')).toContain('text/html');
    const form = (key: string): RequestInit => ({ method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ key }).toString() });
    expect((await fetch(`${base}/login`, form('wrong'))).status).toBe(401);
    expect((await fetch(`${base}/login`, form('key-intake'))).status).toBe(403);
    const login = await fetch(`${base}/login`, form('key-supervisor'));
    expect(login.status).toBe(200);
    const setCookie = login.headers.get('set-cookie')!;
    expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Lax; Path=/; Max-Age=28800$`));
    const cookie = setCookie.split(';')[0]!;
    const res = await post('/decode', { payloads: [await sealed(SECRET)] }, { Origin: UI, Cookie: cookie });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(UI);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    const { payloads } = (await res.json()) as { payloads: Wire[] };
    expect(defaultPayloadConverter.fromPayload(fromWire(payloads[0]!))).toBe(SECRET);
    await fetch(`${base}/logout`, { method: 'POST', headers: { Cookie: cookie } });
    expect((await post('/decode', { payloads: [] }, { Cookie: cookie })).status).toBe(401);
  });
});

describe("with the API's keys and roles (src/api/auth.ts)", () => {
  const record = (id: string, role: ApiKeyRecord['role'], units: string[] = []): ApiKeyRecord => ({ id, role, units, sha256: hashKey(`secret-${id}`) });
  const apiKeys = [record('sup', 'supervisor'), record('adm', 'admin'), record('view', 'viewer'), record('hotline', 'intake'), record('wuli', 'unit', ['wuli-gov'])];
  let api: CodecServer;
  let url: string;
  beforeAll(async () => {
    api = createCodecServer({ codec, auth: apiCodecAuth(apiKeys), allowedOrigins: [UI], namespaces: ['duban'] });
    url = `http://127.0.0.1:${await api.listen(0)}`;
  });
  afterAll(async () => {
    await api?.close();
  });
  const call = async (op: 'decode' | 'encode', key: string | undefined, payloads: Wire[]): Promise<Response> =>
    fetch(`${url}/${op}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Namespace': 'duban', ...(key === undefined ? {} : { Authorization: `Bearer ${key}` }) },
      body: JSON.stringify({ payloads }),
    });

  test('no key or an unknown key: 401', async () => {
    const body = [await sealed(SECRET)];
    expect((await call('decode', undefined, body)).status).toBe(401);
    expect((await call('decode', 'secret-nobody', body)).status).toBe(401);
    expect((await call('decode', hashKey('secret-sup'), body)).status).toBe(401); // the stored hash is not a key
  });

  test('a unit key reads only its own units, which a bare payload cannot show: 403', async () => {
    const res = await call('decode', 'secret-wuli', [await sealed(SECRET)]);
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain('隐私');
  });

  test('supervisor, viewer and intake keys (roles that read every case) get decoded payloads', async () => {
    for (const key of ['secret-sup', 'secret-view', 'secret-hotline']) {
      const res = await call('decode', key, [await sealed(SECRET)]);
      expect(res.status).toBe(200);
      const { payloads } = (await res.json()) as { payloads: Wire[] };
      expect(defaultPayloadConverter.fromPayload(fromWire(payloads[0]!))).toBe(SECRET);
    }
  });

  test('only an admin may encode', async () => {
    const plain = [toWire(defaultPayloadConverter.toPayload('x'))];
    expect((await call('encode', 'secret-sup', plain)).status).toBe(403);
    expect((await call('encode', 'secret-adm', plain)).status).toBe(200);
  });
});
