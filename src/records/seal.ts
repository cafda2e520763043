// Record columns that may carry free text are sealed like Temporal payloads: the same key set, the same codec.
import { defaultPayloadConverter, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';

// A default import: under plain Node ESM (tsx worker.ts) the CommonJS package has no named export `temporal`.
const Payload = proto.temporal.api.common.v1.Payload;

export interface Sealer {
  seal(value: unknown): Promise<Buffer>;
  unseal<T>(bytes: Buffer | Uint8Array): Promise<T>;
}

/** Seals with the payload codec (AES-GCM in every real process); without one, the JSON payload as is (unit tests). */
export function createSealer(codec?: PayloadCodec): Sealer {
  return {
    async seal(value) {
      const payload = defaultPayloadConverter.toPayload(value);
      const [sealed] = codec ? await codec.encode([payload]) : [payload];
      return Buffer.from(Payload.encode(Payload.fromObject(sealed!)).finish());
    },
    async unseal<T>(bytes: Buffer | Uint8Array) {
      const payload = Payload.decode(bytes);
      const [opened] = codec ? await codec.decode([payload]) : [payload];
      return defaultPayloadConverter.fromPayload<T>(opened!);
    },
  };
}

/** Opens sealed bytes (a DOCX, a circular file) as a Buffer, whichever Uint8Array the payload decoding gave. */
export async function unsealBytes(sealer: Sealer, sealed: Buffer | Uint8Array): Promise<Buffer> {
  const bytes = await sealer.unseal<Uint8Array>(sealed);
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
