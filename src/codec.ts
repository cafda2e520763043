// Encryption of every payload duban hands to Temporal: AES-256-GCM (WebCrypto), one key ID per payload, key rotation.
//
// A payload is encrypted whole (its metadata and data, serialized as a Temporal Payload message) and replaced by
//   metadata { encoding: "binary/encrypted", "encryption-key-id": "<id>" }, data = 12-byte IV || ciphertext+tag,
// with the key ID as additional authenticated data. New payloads use the current key; every key of the set decrypts,
// so a new key is added, made current, and the old one removed only when no open case still needs it.
// Payloads without the encrypted encoding pass through decode unchanged (histories recorded before encryption); a production
// worker wraps the codec in RefusePlaintextCodec, which refuses them.
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ROOT } from './config.js';
import { REFUSED_PLAINTEXT } from './refusedPayload.js';

const { temporal } = proto;

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;
const KEY_BYTES = 32;

/** Where the failure converter lives: required by path by the SDK and bundled into the workflow sandbox. */
export const failureConverterPath = fileURLToPath(new URL('./failureConverter.ts', import.meta.url));

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();
/** A copy on a plain ArrayBuffer, as WebCrypto's types ask. */
const own = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(bytes);

/** Key IDs end up in payload metadata, in the clear: short names, never derived from the key. */
const keyIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/, 'key IDs are 1–32 letters, digits, dot, dash or underscore');

const keySetSchema = z
  .object({
    current: keyIdSchema,
    keys: z.record(z.string(), z.string()).refine((k) => Object.keys(k).length > 0, 'needs at least one key'),
  })
  .strict();

/** Key IDs and base64 key material; `current` encrypts, every key decrypts. */
export type CodecKeySet = z.infer<typeof keySetSchema>;

export class CodecConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CodecConfigError';
  }
}

/** Validates a key set; errors name the source and the key ID, never the key material. */
export function parseKeySet(raw: unknown, source: string): { current: string; keys: Map<string, Uint8Array> } {
  const result = keySetSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new CodecConfigError(`codec keys from ${source}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const keys = new Map<string, Uint8Array>();
  for (const [id, b64] of Object.entries(result.data.keys)) {
    if (!keyIdSchema.safeParse(id).success) throw new CodecConfigError(`codec keys from ${source}: key ID "${id.slice(0, 40)}" is not valid: 1–32 letters, digits, dot, dash or underscore`);
    const bytes = Buffer.from(b64, 'base64');
    if (bytes.length !== KEY_BYTES || bytes.toString('base64').replace(/=+$/, '') !== b64.trim().replace(/=+$/, '')) {
      throw new CodecConfigError(`codec keys from ${source}: key "${id}" must be ${KEY_BYTES} random bytes in base64 (44 characters)`);
    }
    keys.set(id, new Uint8Array(bytes));
  }
  if (!keys.has(result.data.current)) throw new CodecConfigError(`codec keys from ${source}: current key "${result.data.current}" is not in keys`);
  return { current: result.data.current, keys };
}

/** A fresh random 256-bit key in base64. */
export function generateKey(): string {
  return Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(KEY_BYTES))).toString('base64');
}

export class AesGcmCodec implements PayloadCodec {
  readonly currentKeyId: string;
  readonly keyIds: readonly string[];
  private readonly material: Map<string, Uint8Array>;
  private readonly imported = new Map<string, Promise<CryptoKey>>();

  constructor(keySet: { current: string; keys: Map<string, Uint8Array> }) {
    this.currentKeyId = keySet.current;
    this.material = new Map(keySet.keys);
    this.keyIds = [...keySet.keys.keys()];
  }

  private key(id: string): Promise<CryptoKey> {
    let key = this.imported.get(id);
    if (!key) {
      const raw = this.material.get(id);
      if (!raw) return Promise.reject(new Error(`payload was encrypted with key "${id}", which this process does not have`));
      key = globalThis.crypto.subtle.importKey('raw', own(raw), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
      this.imported.set(id, key);
    }
    return key;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const id = this.currentKeyId;
    const key = await this.key(id);
    return Promise.all(
      payloads.map(async (payload) => {
        const plain = temporal.api.common.v1.Payload.encode(payload).finish();
        const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_BYTES));
        const sealed = new Uint8Array(await globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: utf8.encode(id) }, key, own(plain)));
        const data = new Uint8Array(IV_BYTES + sealed.length);
        data.set(iv, 0);
        data.set(sealed, IV_BYTES);
        return { metadata: { encoding: utf8.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8.encode(id) }, data };
      }),
    );
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.all(
      payloads.map(async (payload) => {
        const encoding = payload.metadata?.encoding;
        if (!encoding || fromUtf8.decode(encoding) !== ENCRYPTED_ENCODING) return payload;
        const idBytes = payload.metadata?.[KEY_ID_METADATA];
        if (!idBytes) throw new Error(`encrypted payload has no ${KEY_ID_METADATA}`);
        const id = fromUtf8.decode(idBytes);
        const key = await this.key(id);
        const data = payload.data ?? new Uint8Array();
        if (data.length <= IV_BYTES) throw new Error(`encrypted payload (key "${id}") is truncated`);
        let plain: ArrayBuffer;
        try {
          plain = await globalThis.crypto.subtle.decrypt({ name: 'AES-GCM', iv: own(data.subarray(0, IV_BYTES)), additionalData: own(idBytes) }, key, own(data.subarray(IV_BYTES)));
        } catch {
          throw new Error(`payload could not be decrypted with key "${id}": wrong key or altered data`);
        }
        const decoded = temporal.api.common.v1.Payload.decode(new Uint8Array(plain));
        return { metadata: decoded.metadata, data: decoded.data };
      }),
    );
  }
}

const isEncrypted = (payload: Payload): boolean => {
  const encoding = payload.metadata?.encoding;
  return encoding !== undefined && encoding !== null && fromUtf8.decode(encoding) === ENCRYPTED_ENCODING;
};

/** The stand-in for a refused payload, as a JSON payload: the workflow's interceptors recognise it (workflows/refusePlaintext.ts). */
const refusedPayload = (): Payload => ({ metadata: { encoding: utf8.encode('json/plain') }, data: utf8.encode(JSON.stringify(REFUSED_PLAINTEXT)) });

/**
 * A production worker's codec: encrypted payloads decode as usual; any other payload — whoever reached Temporal's port
 * without a key could have written it — is replaced by REFUSED_PLAINTEXT, so nothing of it is ever applied. It is not
 * an error here: a failing decode would fail the workflow task again and again and stall the case.
 */
export class RefusePlaintextCodec implements PayloadCodec {
  constructor(private readonly inner: PayloadCodec) {}

  encode(payloads: Payload[]): Promise<Payload[]> {
    return this.inner.encode(payloads);
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    return this.inner.decode(payloads.map((p) => (isEncrypted(p) ? p : refusedPayload())));
  }
}

export function isProduction(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.NODE_ENV === 'production' || env.DUBAN_ENV === 'production';
}

/** The local development key file, created on first use outside production. */
export function localKeyFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(resolve(env.DUBAN_DATA_DIR ?? join(ROOT, 'data')), 'codec-keys.json');
}

/** Creates a key file with one fresh key (mode 0600) unless it exists; returns true when it created it. */
export function ensureKeyFile(file: string): boolean {
  if (existsSync(file)) return false;
  mkdirSync(dirname(file), { recursive: true });
  const keySet: CodecKeySet = { current: 'k1', keys: { k1: generateKey() } };
  try {
    writeFileSync(file, `${JSON.stringify(keySet, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false; // another process made it first
    throw err;
  }
  chmodSync(file, 0o600); // whatever the umask
  return true;
}

export interface LoadedCodec {
  codec: AesGcmCodec;
  /** Where the keys came from: DUBAN_CODEC_KEYS, or a file path. Never the keys. */
  source: string;
  /** True when this call created the local development key file. */
  created: boolean;
}

export interface LoadCodecOptions {
  /** Outside production, create data/codec-keys.json when no key is configured (default true). */
  createLocalKeyFile?: boolean;
}

/**
 * The codec from DUBAN_CODEC_KEYS (JSON key set) or DUBAN_CODEC_KEY_FILE (a file holding it). Outside production,
 * without either, the local key file under the data directory (created when missing). In production (NODE_ENV or
 * DUBAN_ENV = production) a configured key is required: throws CodecConfigError with one line saying so.
 */
export function loadCodec(env: NodeJS.ProcessEnv = process.env, options: LoadCodecOptions = {}): LoadedCodec {
  if (env.DUBAN_CODEC_KEYS !== undefined && env.DUBAN_CODEC_KEYS.trim() !== '') {
    let raw: unknown;
    try {
      raw = JSON.parse(env.DUBAN_CODEC_KEYS);
    } catch {
      throw new CodecConfigError('DUBAN_CODEC_KEYS is not valid JSON: expected {"current":"k1","keys":{"k1":"<base64 of 32 bytes>"}}');
    }
    return { codec: new AesGcmCodec(parseKeySet(raw, 'DUBAN_CODEC_KEYS')), source: 'DUBAN_CODEC_KEYS', created: false };
  }
  let file: string;
  let created = false;
  if (env.DUBAN_CODEC_KEY_FILE !== undefined && env.DUBAN_CODEC_KEY_FILE.trim() !== '') {
    file = resolve(env.DUBAN_CODEC_KEY_FILE);
    if (!existsSync(file)) throw new CodecConfigError(`DUBAN_CODEC_KEY_FILE ${file} does not exist`);
  } else if (isProduction(env)) {
    throw new CodecConfigError('refusing to start in production without an encryption key: set DUBAN_CODEC_KEYS or DUBAN_CODEC_KEY_FILE (see docs/security.md)');
  } else {
    file = localKeyFile(env);
    if (options.createLocalKeyFile ?? true) created = ensureKeyFile(file);
    else if (!existsSync(file)) throw new CodecConfigError(`no encryption key: set DUBAN_CODEC_KEYS or DUBAN_CODEC_KEY_FILE, or run 'make start' once to create ${file}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CodecConfigError(`codec key file ${file} cannot be read as JSON: ${(err as NodeJS.ErrnoException).code ?? 'invalid JSON'}`);
  }
  return { codec: new AesGcmCodec(parseKeySet(raw, file)), source: file, created };
}

/**
 * The data converter of every duban client and worker: the AES-GCM codec on every payload, and failures' messages and
 * stack traces encoded (then encrypted) too. Without an argument, the codec comes from the environment (loadCodec()).
 */
export function createDataConverter(codec: PayloadCodec | LoadedCodec = loadCodec()): DataConverter {
  const payloadCodec = 'codec' in codec ? codec.codec : codec;
  return { payloadCodecs: [payloadCodec], failureConverterPath };
}

/**
 * The data converter of a duban worker: createDataConverter()'s, and in production (NODE_ENV or DUBAN_ENV) inputs that
 * are not encrypted with a configured key are refused (RefusePlaintextCodec); in development they still pass.
 */
export function createWorkerDataConverter(codec: PayloadCodec | LoadedCodec, env: NodeJS.ProcessEnv = process.env): DataConverter {
  const payloadCodec = 'codec' in codec ? codec.codec : codec;
  return createDataConverter(isProduction(env) ? new RefusePlaintextCodec(payloadCodec) : payloadCodec);
}
