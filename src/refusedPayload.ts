// What a production worker's codec hands the workflow in place of a payload that was not encrypted (src/codec.ts), and
// how the workflow recognises it (workflows/refusePlaintext.ts). Pure: bundled into the workflow sandbox.

/** The stand-in value: it says why, and never carries anything of the refused payload. */
export const REFUSED_PLAINTEXT = { dubanRefused: 'payload not encrypted with a configured key' } as const;

export function isRefusedPlaintext(value: unknown): boolean {
  return value !== null && typeof value === 'object' && (value as { dubanRefused?: unknown }).dubanRefused === REFUSED_PLAINTEXT.dubanRefused;
}
