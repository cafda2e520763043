#!/usr/bin/env -S npx tsx
// `duban`: the ops command line. Talks to the API (DUBAN_API_URL) with the key in DUBAN_API_KEY.
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { LEVEL_LABEL, type Level } from './domain.js';
import type { CaseView, TimelineEntry } from './messages.js';
import { TIMELINE_LABEL as TYPE_LABEL } from './labels.js';
import { formatShanghai } from './time.js';

const STATUS_LABEL: Record<CaseView['status'], string> = { open: '办理中', closed: '已销案', cancelled: '已撤销' };
const MILESTONE_LABEL: Record<string, string> = { arrival: '到达现场', closureReport: '书面报结果' };
const STEP_LABEL: Record<string, string> = { pending: '期限内', urge: '已催办', supervise: '已督办', deduction: '已扣分' };
const EXPLANATION_LABEL: Record<CaseView['explanation']['status'], string> = { none: '无', pending: '待审核', accepted: '已采纳', rejected: '不予采纳' };

/** A stage in words for clerks, its code kept in brackets for ops and for `list --stage`. */
function stageLabel(stage: string | null): string {
  if (!stage) return '—';
  if (stage === 'closed') return '已销案（closed）';
  if (stage === 'cancelled') return '已撤销（cancelled）';
  const [milestone = '', step = ''] = stage.split('.');
  return `${MILESTONE_LABEL[milestone] ?? milestone}·${STEP_LABEL[step] ?? step}（${stage}）`;
}

interface Problem { title?: string; detail?: string; errors?: { field: string; message: string }[] }

class CliError extends Error {}

async function api(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
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

let asJson = false;
function print(value: unknown, human: () => string): void {
  console.log(asJson ? JSON.stringify(value, null, 2) : human());
}

/** Terminal columns of a text: CJK and full-width characters take two. */
function columns(text: string): number {
  let n = 0;
  for (const ch of text) n += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1;
  return n;
}
/** Pads to a column width, so that Chinese and Latin cells line up in a terminal. */
const pad = (text: string, width: number): string => text + ' '.repeat(Math.max(1, width - columns(text)));

/** The entry's reason, or for a ladder step its milestone and the time the policy set for it. */
function describe(e: TimelineEntry): string {
  if (e.reason) return e.reason;
  const parts = [e.milestone ? MILESTONE_LABEL[e.milestone] ?? e.milestone : '', e.dueAt ? `应于 ${formatShanghai(e.dueAt)}` : ''];
  return parts.filter(Boolean).join(' ');
}

function caseTable(v: CaseView): string {
  const lines = [
    `案件 ${v.caseId}  ${LEVEL_LABEL[v.notice.level]}  责任单位 ${v.unit.name}（${v.unit.id}）`,
    `状态 ${STATUS_LABEL[v.status] ?? v.status}  阶段 ${stageLabel(v.stage)}  期限 ${v.deadline ? formatShanghai(v.deadline) : '—'}${v.overdue ? '  已逾期' : ''}  政策版本 ${v.policyVersion}`,
    `到达 ${v.arrival ? `${v.arrival.leaderId} ${formatShanghai(v.arrival.arrivedAt)}${v.arrival.onTime ? '（按时）' : '（超时）'}` : '—'}  情况说明 ${EXPLANATION_LABEL[v.explanation.status] ?? v.explanation.status}  扣分 ${v.deductions.reduce((sum, d) => sum + d.points, 0)}`,
    '',
    `${pad('时间（北京时间）', 26)}${pad('事项', 18)}${pad('操作人', 20)}说明`,
  ];
  for (const e of v.timeline) {
    lines.push(`${pad(formatShanghai(e.at), 26)}${pad(TYPE_LABEL[e.type] ?? e.type, 18)}${pad(e.actor.id, 20)}${describe(e)}`);
  }
  return lines.join('\n');
}

const path = (caseId: string, suffix = ''): string => `/cases/${encodeURIComponent(caseId)}${suffix}`;
const program = new Command('duban').description('督办 — 运维命令行').option('--json', '以 JSON 输出，供脚本使用');
program.hook('preAction', () => {
  asJson = Boolean(program.opts<{ json?: boolean }>().json);
});

program
  .command('create')
  .description('登记接人通知（--file 读 JSON，或用参数）')
  .option('--file <path>')
  .option('--notice-id <id>')
  .option('--level <level>', 'district | city | beijing')
  .option('--received-at <time>', 'ISO 8601，带时区')
  .option('--unit <unitId>')
  .option('--site <site>')
  .option('--headcount <n>')
  .option('--summary <text>')
  .action(async (o: Record<string, string | undefined>) => {
    const body = o.file
      ? (JSON.parse(readFileSync(o.file, 'utf8')) as unknown)
      : { noticeId: o.noticeId, level: o.level, receivedAt: o.receivedAt, unitId: o.unit, receptionSite: o.site, headcount: o.headcount === undefined ? undefined : Number(o.headcount), matterSummary: o.summary };
    const v = (await api('POST', '/cases', body)) as CaseView;
    print(v, () => `已登记 ${v.caseId}，期限 ${formatShanghai(v.deadline!)}（北京时间）`);
  });

program.command('show <caseId>').description('查看案件与时间线').action(async (caseId: string) => {
  const v = (await api('GET', path(caseId))) as CaseView;
  print(v, () => caseTable(v));
});

program
  .command('list')
  .description('按条件列出案件')
  .option('--level <level>')
  .option('--unit <unitId>')
  .option('--stage <stage>')
  .option('--kind <kind>', 'escalatedVisit')
  .option('--overdue', '只列已逾期')
  .option('--not-overdue', '只列未逾期')
  .option('--deadline-from <time>', '期限不早于（ISO 8601，带时区）')
  .option('--deadline-to <time>', '期限不晚于（ISO 8601，带时区）')
  .option('--page-size <n>')
  .option('--page-token <token>')
  .action(async (o: Record<string, string | boolean | undefined>) => {
    const q = new URLSearchParams();
    if (o.level) q.set('level', String(o.level));
    if (o.unit) q.set('unitId', String(o.unit));
    if (o.stage) q.set('stage', String(o.stage));
    if (o.kind) q.set('kind', String(o.kind));
    if (o.overdue) q.set('overdue', 'true');
    if (o.notOverdue) q.set('overdue', 'false');
    if (o.deadlineFrom) q.set('deadlineFrom', String(o.deadlineFrom));
    if (o.deadlineTo) q.set('deadlineTo', String(o.deadlineTo));
    if (o.pageSize) q.set('pageSize', String(o.pageSize));
    if (o.pageToken) q.set('pageToken', String(o.pageToken));
    const r = (await api('GET', `/cases?${q.toString()}`)) as { cases: { caseId: string; level: Level | null; unitId: string | null; stage: string | null; deadline: string | null; overdue: boolean }[]; nextPageToken: string | null };
    print(r, () =>
      [
        ...(r.cases.length > 0 ? [`${pad('案件', 28)}${pad('级别', 6)}${pad('责任单位', 16)}${pad('阶段', 38)}期限（北京时间）`] : []),
        ...r.cases.map((c) => `${pad(c.caseId, 28)}${pad(c.level ? LEVEL_LABEL[c.level] : '', 6)}${pad(c.unitId ?? '', 16)}${pad(stageLabel(c.stage), 38)}${c.deadline ? formatShanghai(c.deadline) : '—'}${c.overdue ? '  已逾期' : ''}`),
        `共 ${r.cases.length} 件${r.nextPageToken ? `；下一页：--page-token ${r.nextPageToken}` : ''}`,
      ].join('\n'),
    );
  });

const action = (name: string, description: string, suffix: string, options: [string, string][], build: (o: Record<string, string | boolean | undefined>) => unknown): void => {
  const cmd = program.command(`${name} <caseId>`).description(description);
  for (const [flags, text] of options) cmd.option(flags, text);
  cmd.action(async (caseId: string, o: Record<string, string | boolean | undefined>) => {
    const v = (await api('POST', path(caseId, suffix), build(o))) as CaseView;
    print(v, () => caseTable(v));
  });
};
action('arrive', '报告领导到达现场', '/arrival', [['--leader <id>', '到达的领导'], ['--at <time>', '到达时间，默认现在']], (o) => ({ leaderId: o.leader, arrivedAt: o.at ?? new Date().toISOString() }));
action('explain', '提交情况说明', '/explanation', [['--text <text>', '说明内容']], (o) => ({ text: o.text }));
action('decide', '审核情况说明', '/explanation/decision', [['--accept', '采纳'], ['--reject', '不予采纳'], ['--reason <text>', '理由']], (o) => ({ decision: o.accept ? 'accept' : o.reject ? 'reject' : undefined, reason: o.reason }));
action('extend', '延长期限', '/extension', [['--to <time>', '新期限'], ['--reason <text>', '理由']], (o) => ({ newDeadline: o.to, reason: o.reason }));
action('reassign', '变更责任单位', '/reassignment', [['--unit <unitId>', '新责任单位'], ['--reason <text>', '理由']], (o) => ({ unitId: o.unit, reason: o.reason }));
action('cancel', '撤销案件', '/cancellation', [['--reason <text>', '理由']], (o) => ({ reason: o.reason }));
action('close', '书面报结果销案', '/closure-report', [['--result <text>', '办理结果']], (o) => ({ result: o.result }));

program.parseAsync().catch((err: unknown) => {
  console.error(err instanceof CliError ? err.message : `错误：${(err as Error).message}`);
  process.exit(1);
});
