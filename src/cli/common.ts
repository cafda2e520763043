// What every `duban` command shares: the API call, downloads, output (--json or tables that line up with Chinese
// text), and stages, colours and timeline entries in words.
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { COLOUR_LABEL, COLOUR_MEANING, type Colour } from '../colour.js';
import type { TimelineEntry } from '../messages.js';
import { CASE_MILESTONE_LABEL as MILESTONE_LABEL, TIMELINE_LABEL as TYPE_LABEL, formatLimit, stageWords, timelineLabel } from '../labels.js';
import { formatShanghai } from '../time.js';

export { TYPE_LABEL, MILESTONE_LABEL, formatLimit };

/** 三色预警 in words, so colour is never the only signal (the terminal may not show colour at all). */
export const colourLabel = (c: Colour | null | undefined): string => (c ? `${COLOUR_LABEL[c]}（${COLOUR_MEANING[c]}）` : '—');

/** A stage in words for clerks (src/labels.ts), its code kept in brackets for ops and for `list --stage`. */
export function stageLabel(stage: string | null): string {
  return stage ? `${stageWords(stage)}（${stage}）` : '—';
}

export interface Problem { title?: string; detail?: string; errors?: { field: string; message: string }[] }

export class CliError extends Error {}

export async function api(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const base = process.env.DUBAN_API_URL ?? 'http://localhost:8080';
  const key = process.env.DUBAN_API_KEY;
  if (!key) throw new CliError('DUBAN_API_KEY 未设置：请设置 API 密钥');
  let res: Response;
  try {
    res = await fetch(new URL(path, base), {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    throw new CliError(`无法连接 API ${base}`);
  }
  const text = await res.text();
  const json: unknown = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const p = (json ?? {}) as Problem;
    const fields = (p.errors ?? []).map((e) => `  ${e.field}: ${e.message}`).join('\n');
    throw new CliError(`${res.status} ${p.title ?? ''}: ${p.detail ?? ''}${fields ? `\n${fields}` : ''}`);
  }
  return json;
}

/** Saves a file the API serves (DOCX, XLSX) under dir, named as the API names it. */
export async function download(path: string, dir: string): Promise<string> {
  const base = process.env.DUBAN_API_URL ?? 'http://localhost:8080';
  const key = process.env.DUBAN_API_KEY;
  if (!key) throw new CliError('DUBAN_API_KEY 未设置：请设置 API 密钥');
  const res = await fetch(new URL(path, base), { headers: { authorization: `Bearer ${key}` } }).catch(() => {
    throw new CliError(`无法连接 API ${base}`);
  });
  if (!res.ok) {
    const p = ((await res.json().catch(() => ({}))) ?? {}) as Problem;
    throw new CliError(`${res.status} ${p.title ?? ''}: ${p.detail ?? ''}`);
  }
  const disposition = res.headers.get('content-disposition') ?? '';
  const encoded = /filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1];
  const name = basename(encoded ? decodeURIComponent(encoded) : (path.split('/').pop() ?? 'download'));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  return file;
}

let asJson = false;
/** Set from --json before any command runs. */
export function setJsonOutput(on: boolean): void {
  asJson = on;
}
export function print(value: unknown, human: () => string): void {
  console.log(asJson ? JSON.stringify(value, null, 2) : human());
}

/** Terminal columns of a text: CJK and full-width characters take two. */
function columns(text: string): number {
  let n = 0;
  for (const ch of text) n += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1;
  return n;
}
/** Pads to a column width, so that Chinese and Latin cells line up in a terminal. */
export const pad = (text: string, width: number): string => text + ' '.repeat(Math.max(1, width - columns(text)));

/** The entry's reason, or for a ladder step its milestone and the time the policy set for it. */
export function describe(e: TimelineEntry): string {
  if (e.reason) return e.reason;
  const document = e.type === 'documentIssued' && e.detail ? `${String(e.detail.documentNumber)}（${String(e.detail.documentId)}）` : '';
  const parts = [e.milestone ? MILESTONE_LABEL[e.milestone] ?? e.milestone : '', document, e.dueAt ? `应于 ${formatShanghai(e.dueAt)}` : ''];
  return parts.filter(Boolean).join(' ');
}

export const path = (caseId: string, suffix = ''): string => `/cases/${encodeURIComponent(caseId)}${suffix}`;


/** The timeline as a table: time, entry (in the words of the case's kind), actor, what it says. */
export function timelineLines(timeline: TimelineEntry[], kind = 'escalatedVisit'): string[] {
  return [
    `${pad('时间（北京时间）', 26)}${pad('事项', 18)}${pad('操作人', 20)}说明`,
    ...timeline.map((e) => `${pad(formatShanghai(e.at), 26)}${pad(timelineLabel(kind, e.type), 18)}${pad(e.actor.id, 20)}${describe(e)}`),
  ];
}
