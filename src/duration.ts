// Durations in policy files are short strings ("3h", "1h30m", "45s", "7d"): readable by an office, exact in ms.
const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
const WHOLE = /^(?:\d+(?:d|h|ms|m|s))+$/;
const PART = /(\d+)(d|h|ms|m|s)/g;

export function isDuration(text: string): boolean {
  return WHOLE.test(text);
}

export function parseDuration(text: string): number {
  if (!WHOLE.test(text)) throw new Error(`not a duration: "${text}" (use e.g. 3h, 1h30m, 45s, 7d)`);
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART)) total += Number(amount) * UNIT_MS[unit!]!;
  return total;
}

export function formatDuration(ms: number): string {
  if (ms <= 0) return '0s';
  const parts: string[] = [];
  let rest = ms;
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = UNIT_MS[unit]!;
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0) parts.push(`${rest}ms`);
  return parts.join('');
}
