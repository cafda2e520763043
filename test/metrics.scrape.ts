// Reads Prometheus text exposition (what GET /metrics answers) into samples, for the metrics tests.
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** Samples of `name` whose labels include `match`. */
export function samples(all: Sample[], name: string, match: Record<string, string> = {}): Sample[] {
  return all.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
}

/** The sum of the samples of `name` matching `match` (0 when there is none). */
export function total(all: Sample[], name: string, match: Record<string, string> = {}): number {
  return samples(all, name, match).reduce((a, s) => a + s.value, 0);
}

/** `{label value: sample value}` of the samples of `name` matching `match`, by one label (for exact table checks). */
export function byLabel(all: Sample[], name: string, label: string, match: Record<string, string> = {}): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples(all, name, match)) out[s.labels[label] ?? ''] = (out[s.labels[label] ?? ''] ?? 0) + s.value;
  return out;
}
