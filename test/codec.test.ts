// The payload codec on its own: AES-256-GCM round trip, key IDs, rotation, tampering, key loading, encoded failures.
import { ApplicationFailure, type Payload } from '@temporalio/common';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { decodeOptionalFailureToOptionalError, encodeErrorToFailure, loadDataConverter } from '@temporalio/common/lib/internal-non-workflow/index.js';
import { defaultPayloadConverter } from '@temporalio/common';
import proto from '@temporalio/proto';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { AesGcmCodec, CodecConfigError, ENCRYPTED_ENCODING, KEY_ID_METADATA, RefusePlaintextCodec, createDataConverter, createWorkerDataConverter, generateKey, loadCodec, parseKeySet } from '../src/codec.js';
import { REFUSED_PLAINTEXT } from '../src/refusedPayload.js';
import { ROOT } from '../src/config.js';
import { workflowsPath } from '../worker.js';

Runtime.install({ logger: new DefaultLogger('WARN') });

const SECRET = '张秘密 +8613912345678 征地补偿款私密事项';
const text = (b: Uint8Array | null | undefined): string => Buffer.from(b ?? []).toString('utf8');
const meta = (p: Payload, k: string): string => text(p.metadata?.[k]);

function codecWith(current: string, ...ids: string[]): { codec: AesGcmCodec; keys: Record<string, string> } {
  const keys = Object.fromEntries(ids.map((id) => [id, generateKey()]));
  return { codec: new AesGcmCodec(parseKeySet({ current, keys }, 'test')), keys };
}

describe('AES-GCM payload codec', () => {
  test('encrypts the whole payload under the current key and decrypts it back', async () => {
    const { codec } = codecWith('k1', 'k1');
    const plain = defaultPayloadConverter.toPayload({ matterSummary: SECRET });
    const [sealed] = await codec.encode([plain]);
    expect(meta(sealed!, 'encoding')).toBe(ENCRYPTED_ENCODING);
    expect(meta(sealed!, KEY_ID_METADATA)).toBe('k1');
    expect(Object.keys(sealed!.metadata!).sort()).toEqual(['encoding', KEY_ID_METADATA]);
    expect(text(sealed!.data)).not.toContain('张秘密');
    expect(Buffer.from(sealed!.data!).includes(Buffer.from('json/plain'))).toBe(false);
    const [back] = await codec.decode([sealed!]);
    expect(defaultPayloadConverter.fromPayload(back!)).toEqual({ matterSummary: SECRET });
    // A fresh IV each time: the same payload never encrypts to the same bytes.
    const [again] = await codec.encode([plain]);
    expect(Buffer.from(again!.data!).equals(Buffer.from(sealed!.data!))).toBe(false);
  });

  test('passes payloads without the encrypted encoding through unchanged', async () => {
    const { codec } = codecWith('k1', 'k1');
    const plain = defaultPayloadConverter.toPayload({ a: 1 });
    const [out] = await codec.decode([plain]);
    expect(out).toBe(plain);
  });

  test('a production worker hands the workflow REFUSED_PLAINTEXT for every payload that is not encrypted, never its content', async () => {
    const { codec } = codecWith('k1', 'k1');
    const refusing = new RefusePlaintextCodec(codec);
    const [sealed] = await refusing.encode([defaultPayloadConverter.toPayload({ a: 1 })]);
    const forged = defaultPayloadConverter.toPayload({ reason: SECRET, actor: { id: 'x', role: 'supervisor' } });
    const decoded = await refusing.decode([sealed!, forged, defaultPayloadConverter.toPayload(undefined)]);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([{ a: 1 }, REFUSED_PLAINTEXT, REFUSED_PLAINTEXT]);
    expect(decoded.some((p) => text(p.data).includes('张秘密'))).toBe(false);
    // Only in production; development keeps passing plaintext through.
    expect(createWorkerDataConverter(codec, { DUBAN_ENV: 'production' }).payloadCodecs?.[0]).toBeInstanceOf(RefusePlaintextCodec);
    expect(createWorkerDataConverter(codec, { NODE_ENV: 'production' }).payloadCodecs?.[0]).toBeInstanceOf(RefusePlaintextCodec);
    expect(createWorkerDataConverter(codec, {}).payloadCodecs?.[0]).toBe(codec);
  });

  test('rotation: old keys keep decrypting, new payloads use the new current key', async () => {
    const k1Only = codecWith('k1', 'k1');
    const [old] = await k1Only.codec.encode([defaultPayloadConverter.toPayload(SECRET)]);
    const rotated = new AesGcmCodec(parseKeySet({ current: 'k2', keys: { ...k1Only.keys, k2: generateKey() } }, 'test'));
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([old!]))[0]!)).toBe(SECRET);
    const [fresh] = await rotated.encode([defaultPayloadConverter.toPayload(SECRET)]);
    expect(meta(fresh!, KEY_ID_METADATA)).toBe('k2');
    // A process that lost k1 says which key it misses.
    const k2Only = new AesGcmCodec(parseKeySet({ current: 'k2', keys: { k2: generateKey() } }, 'test'));
    await expect(k2Only.decode([old!])).rejects.toThrow('key "k1", which this process does not have');
  });

  test('refuses altered data, a swapped key ID and the wrong key', async () => {
    const { codec, keys } = codecWith('k1', 'k1', 'k2');
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(SECRET)]);
    const flipped = new Uint8Array(sealed!.data!);
    flipped[20] = flipped[20]! ^ 1;
    await expect(codec.decode([{ ...sealed!, data: flipped }])).rejects.toThrow('wrong key or altered data');
    const relabelled = { ...sealed!, metadata: { ...sealed!.metadata, [KEY_ID_METADATA]: Buffer.from('k2') } };
    await expect(codec.decode([relabelled])).rejects.toThrow('wrong key or altered data');
    const other = new AesGcmCodec(parseKeySet({ current: 'k1', keys: { ...keys, k1: generateKey() } }, 'test'));
    await expect(other.decode([sealed!])).rejects.toThrow('could not be decrypted with key "k1"');
  });

  test('the serialized payload inside the ciphertext keeps its original metadata', async () => {
    const { codec } = codecWith('k1', 'k1');
    const binary: Payload = { metadata: { encoding: Buffer.from('binary/plain'), extra: Buffer.from('x') }, data: new Uint8Array([0, 1, 2, 255]) };
    const [back] = await codec.decode(await codec.encode([binary]));
    expect(meta(back!, 'encoding')).toBe('binary/plain');
    expect(meta(back!, 'extra')).toBe('x');
    expect([...back!.data!]).toEqual([0, 1, 2, 255]);
  });
});

describe('key configuration', () => {
  const key = generateKey();

  test('a key set must name a current key it holds, of 32 bytes; errors never show key material', () => {
    expect(() => parseKeySet({ current: 'k2', keys: { k1: key } }, 'X')).toThrow('current key "k2" is not in keys');
    const short = Buffer.alloc(16, 7).toString('base64');
    let message = '';
    try {
      parseKeySet({ current: 'k1', keys: { k1: short } }, 'X');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('key "k1" must be 32 random bytes in base64');
    expect(message).not.toContain(short);
    expect(() => parseKeySet({ current: 'k1', keys: { k1: `${key.slice(0, 10)}!!${key.slice(12)}` } }, 'X')).toThrow(CodecConfigError);
    expect(() => parseKeySet({ current: 'k 1', keys: { 'k 1': key } }, 'X')).toThrow('current');
  });

  test('DUBAN_CODEC_KEYS wins; invalid JSON is named without echoing it', () => {
    const loaded = loadCodec({ DUBAN_CODEC_KEYS: JSON.stringify({ current: 'a', keys: { a: key } }), NODE_ENV: 'production' });
    expect(loaded).toMatchObject({ source: 'DUBAN_CODEC_KEYS', created: false });
    expect(loaded.codec.currentKeyId).toBe('a');
    expect(() => loadCodec({ DUBAN_CODEC_KEYS: `{${key}` })).toThrow(/^DUBAN_CODEC_KEYS is not valid JSON/);
    try {
      loadCodec({ DUBAN_CODEC_KEYS: `{${key}` });
    } catch (err) {
      expect((err as Error).message).not.toContain(key);
    }
  });

  test('DUBAN_CODEC_KEY_FILE is read; a missing file is an error, never a silent new key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'duban-keys-'));
    const file = join(dir, 'keys.json');
    expect(() => loadCodec({ DUBAN_CODEC_KEY_FILE: file })).toThrow('does not exist');
    writeFileSync(file, JSON.stringify({ current: 'k9', keys: { k9: key } }));
    expect(loadCodec({ DUBAN_CODEC_KEY_FILE: file, DUBAN_ENV: 'production' }).codec.keyIds).toEqual(['k9']);
  });

  test('production without a configured key refuses in one line, even if a local key file exists', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'duban-data-'));
    loadCodec({ DUBAN_DATA_DIR: dataDir }); // creates the local file
    for (const env of [{ NODE_ENV: 'production' }, { DUBAN_ENV: 'production' }]) {
      expect(() => loadCodec({ ...env, DUBAN_DATA_DIR: dataDir })).toThrow(CodecConfigError);
      try {
        loadCodec({ ...env, DUBAN_DATA_DIR: dataDir });
      } catch (err) {
        expect((err as Error).message).toBe('refusing to start in production without an encryption key: set DUBAN_CODEC_KEYS or DUBAN_CODEC_KEY_FILE (see docs/security.md)');
      }
    }
  });

  test('outside production the local key file is created once, mode 0600, and reused', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'duban-data-'));
    expect(() => loadCodec({ DUBAN_DATA_DIR: dataDir }, { createLocalKeyFile: false })).toThrow("run 'make start' once");
    const first = loadCodec({ DUBAN_DATA_DIR: dataDir });
    expect(first.created).toBe(true);
    expect(first.source).toBe(join(dataDir, 'codec-keys.json'));
    expect(statSync(first.source).mode & 0o777).toBe(0o600);
    const second = loadCodec({ DUBAN_DATA_DIR: dataDir });
    expect(second.created).toBe(false);
    expect(readFileSync(first.source, 'utf8')).toContain('"current": "k1"');
  });
});

describe('data converter', () => {
  const { codec } = codecWith('k1', 'k1');
  const converter = loadDataConverter(createDataConverter(codec));

  test('failures are encoded: message and stack trace are encrypted, the type stays readable', async () => {
    const error = ApplicationFailure.create({ type: 'InvalidInput', message: `unknown person ${SECRET}` });
    const failure = await encodeErrorToFailure(converter, error);
    const bytes = Buffer.from(proto.temporal.api.failure.v1.Failure.encode(failure).finish());
    expect(bytes.includes(Buffer.from('张秘密'))).toBe(false);
    expect(bytes.includes(Buffer.from('+8613912345678'))).toBe(false);
    expect(failure.message).toBe('Encoded failure');
    expect(failure.applicationFailureInfo?.type).toBe('InvalidInput');
    expect(meta(failure.encodedAttributes!, 'encoding')).toBe(ENCRYPTED_ENCODING);
    const back = await decodeOptionalFailureToOptionalError(converter, failure);
    expect(back).toBeInstanceOf(ApplicationFailure);
    expect((back as Error).message).toBe(`unknown person ${SECRET}`);
  });

  test('histories recorded before encryption still replay with the codec installed', async () => {
    const dir = join(ROOT, 'test/histories');
    const histories = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => ({ workflowId: f.replace(/\.json$/, '').replaceAll('__', ':'), history: historyFromJSON(JSON.parse(readFileSync(join(dir, f), 'utf8'))) }));
    expect(histories.length).toBeGreaterThan(0);
    const results: [string, string][] = [];
    for await (const r of Worker.runReplayHistories({ workflowsPath, dataConverter: createDataConverter(codec) }, histories)) {
      results.push([r.workflowId, r.error === undefined ? 'ok' : String(r.error)]);
    }
    expect(results).toEqual(histories.map((h) => [h.workflowId, 'ok']));
  }, 120_000);
});
