#!/usr/bin/env -S npx tsx
// `duban`: the ops command line. Talks to the API (DUBAN_API_URL) with the key in DUBAN_API_KEY.
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { LEVEL_LABEL, type Level } from './domain.js';
import type { CaseView, LedgerEntry, LedgerView } from './messages.js';
import { formatShanghai } from './time.js';
import type { Colour } from './colour.js';
import { CliError, MILESTONE_LABEL, api, colourLabel, download, pad, path, print, setJsonOutput, stageLabel, timelineLines } from './cli/common.js';
import { assignedCaseTable, registerAssignedCaseCommands } from './cli/assigned.js';
import type { AssignedCaseView } from './duties/assignedCase.js';

const STATUS_LABEL: Record<CaseView['status'], string> = { open: '办理中', closed: '已销案', cancelled: '已撤销' };
const EXPLANATION_LABEL: Record<CaseView['explanation']['status'], string> = { none: '无', pending: '待审核', accepted: '已采纳', rejected: '不予采纳' };

function caseTable(v: CaseView): string {
  const lines = [
    `案件 ${v.caseId}  ${LEVEL_LABEL[v.notice.level]}  责任单位 ${v.unit.name}（${v.unit.id}）`,
    `状态 ${STATUS_LABEL[v.status] ?? v.status}  阶段 ${stageLabel(v.stage)}  期限 ${v.deadline ? formatShanghai(v.deadline) : '—'}${v.overdue ? '  已逾期' : ''}  政策版本 ${v.policyVersion}  颜色 ${colourLabel(v.colour)}`,
    `到达 ${v.arrival ? `${v.arrival.leaderId} ${formatShanghai(v.arrival.arrivedAt)}${v.arrival.onTime ? '（按时）' : '（超时）'}` : '—'}  情况说明 ${EXPLANATION_LABEL[v.explanation.status] ?? v.explanation.status}  扣分 ${v.deductions.reduce((sum, d) => sum + d.points, 0)}`,
    '',
    ...timelineLines(v.timeline),
  ];
  return lines.join('\n');
}

/** Any duty's case as a table. */
function anyCaseTable(v: CaseView | AssignedCaseView): string {
  return 'kind' in v && v.kind === 'assignedCase' ? assignedCaseTable(v) : caseTable(v);
}

const program = new Command('duban').description('督办 — 运维命令行').option('--json', '以 JSON 输出，供脚本使用');
program.hook('preAction', () => {
  setJsonOutput(Boolean(program.opts<{ json?: boolean }>().json));
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
  const v = (await api('GET', path(caseId))) as CaseView | AssignedCaseView;
  print(v, () => anyCaseTable(v));
});

program
  .command('list')
  .description('按条件列出案件')
  .option('--level <level>')
  .option('--unit <unitId>')
  .option('--stage <stage>')
  .option('--kind <kind>', 'escalatedVisit（接人，默认）| assignedCase（交办）')
  .option('--overdue', '只列已逾期')
  .option('--colour <colour>', '只列此颜色：red 红（已逾期）、yellow 黄（临近期限）、green 绿（期限内）')
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
    if (o.colour) q.set('colour', String(o.colour));
    if (o.notOverdue) q.set('overdue', 'false');
    if (o.deadlineFrom) q.set('deadlineFrom', String(o.deadlineFrom));
    if (o.deadlineTo) q.set('deadlineTo', String(o.deadlineTo));
    if (o.pageSize) q.set('pageSize', String(o.pageSize));
    if (o.pageToken) q.set('pageToken', String(o.pageToken));
    const r = (await api('GET', `/cases?${q.toString()}`)) as { cases: { caseId: string; level: Level | null; unitId: string | null; stage: string | null; deadline: string | null; overdue: boolean; colour?: Colour | null }[]; nextPageToken: string | null };
    print(r, () =>
      [
        ...(r.cases.length > 0 ? [`${pad('案件', 28)}${pad('级别', 6)}${pad('责任单位', 16)}${pad('阶段', 38)}${pad('颜色', 14)}期限（北京时间）`] : []),
        ...r.cases.map((c) => `${pad(c.caseId, 28)}${pad(c.level ? LEVEL_LABEL[c.level] : '', 6)}${pad(c.unitId ?? '', 16)}${pad(stageLabel(c.stage), 38)}${pad(colourLabel(c.colour ?? null), 14)}${c.deadline ? formatShanghai(c.deadline) : '—'}${c.overdue ? '  已逾期' : ''}`),
        `共 ${r.cases.length} 件${r.nextPageToken ? `；下一页：--page-token ${r.nextPageToken}` : ''}`,
      ].join('\n'),
    );
  });

const action = (name: string, description: string, suffix: string, options: [string, string][], build: (o: Record<string, string | boolean | undefined>) => unknown): void => {
  const cmd = program.command(`${name} <caseId>`).description(description);
  for (const [flags, text] of options) cmd.option(flags, text);
  cmd.action(async (caseId: string, o: Record<string, string | boolean | undefined>) => {
    const v = (await api('POST', path(caseId, suffix), build(o))) as CaseView | AssignedCaseView;
    print(v, () => anyCaseTable(v));
  });
};
action('arrive', '报告领导到达现场', '/arrival', [['--leader <id>', '到达的领导'], ['--at <time>', '到达时间，默认现在']], (o) => ({ leaderId: o.leader, arrivedAt: o.at ?? new Date().toISOString() }));
action('explain', '提交情况说明', '/explanation', [['--text <text>', '说明内容']], (o) => ({ text: o.text }));
action('decide', '审核情况说明', '/explanation/decision', [['--accept', '采纳'], ['--reject', '不予采纳'], ['--reason <text>', '理由']], (o) => ({ decision: o.accept ? 'accept' : o.reject ? 'reject' : undefined, reason: o.reason }));
action('extend', '延长期限', '/extension', [['--to <time>', '新期限'], ['--reason <text>', '理由']], (o) => ({ newDeadline: o.to, reason: o.reason }));
action('reassign', '变更责任单位', '/reassignment', [['--unit <unitId>', '新责任单位'], ['--reason <text>', '理由']], (o) => ({ unitId: o.unit, reason: o.reason }));
action('cancel', '撤销案件', '/cancellation', [['--reason <text>', '理由']], (o) => ({ reason: o.reason }));
action('close', '书面报结果销案', '/closure-report', [['--result <text>', '办理结果']], (o) => ({ result: o.result }));

// 年度扣分台账 (docs/ledger.md)
const KIND_LABEL: Record<LedgerEntry['kind'], string> = { deduction: '扣分', reversal: '撤销扣分', note: '备注' };
function ledgerTable(l: LedgerView): string {
  const t = l.totals;
  const lines = [
    `${l.unitId} ${l.year} 年度台账  净扣分 ${t.points}（到区 ${t.byLevel.district}，到市 ${t.byLevel.city}，进京 ${t.byLevel.beijing}）  扣分 ${t.deductions} 次，撤销 ${t.reversals} 次，备注 ${t.notes} 条`,
    l.closed ? `已关账：${formatShanghai(l.closed.at)} ${l.closed.actor.id}（${l.closed.reason}）` : '未关账',
  ];
  if (l.entries.length > 0) {
    lines.push('', `${pad('时间（北京时间）', 26)}${pad('类别', 10)}${pad('分值', 6)}${pad('案件', 28)}${pad('操作人', 16)}说明`);
    for (const e of l.entries) {
      lines.push(`${pad(formatShanghai(e.at), 26)}${pad(KIND_LABEL[e.kind], 10)}${pad(String(e.points), 6)}${pad(e.caseId ?? '—', 28)}${pad(e.actor.id, 16)}${e.reason ?? ''}${e.reverses ? `（撤销 ${e.reverses}）` : ''}`);
    }
  }
  return lines.join('\n');
}
const ledgerPath = (unitId: string, year: string, suffix = ''): string => `/ledgers/${encodeURIComponent(unitId)}/${encodeURIComponent(year)}${suffix}`;
const ledger = program.command('ledger').description('年度扣分台账：查看、撤销扣分、备注、年终关账');
ledger.command('show <unitId> <year>').description('查看单位的年度台账').action(async (unitId: string, year: string) => {
  const l = (await api('GET', ledgerPath(unitId, year))) as LedgerView;
  print(l, () => ledgerTable(l));
});
ledger
  .command('reverse <unitId> <year>')
  .description('撤销一笔扣分（督查人员）')
  .option('--entry <entryId>', '扣分条目编号')
  .option('--reason <text>', '理由')
  .option('--request-id <id>', '请求编号，重试时不重复记账')
  .action(async (unitId: string, year: string, o: Record<string, string | undefined>) => {
    const l = (await api('POST', ledgerPath(unitId, year, '/reversals'), { entryId: o.entry, reason: o.reason, ...(o.requestId ? { requestId: o.requestId } : {}) })) as LedgerView;
    print(l, () => ledgerTable(l));
  });
ledger
  .command('note <unitId> <year>')
  .description('在台账中记一条备注（督查人员）')
  .option('--text <text>', '备注内容')
  .option('--case <caseId>', '相关案件')
  .option('--request-id <id>', '请求编号，重试时不重复记账')
  .action(async (unitId: string, year: string, o: Record<string, string | undefined>) => {
    const l = (await api('POST', ledgerPath(unitId, year, '/notes'), { text: o.text, ...(o.case ? { caseId: o.case } : {}), ...(o.requestId ? { requestId: o.requestId } : {}) })) as LedgerView;
    print(l, () => ledgerTable(l));
  });
ledger
  .command('close <unitId> <year>')
  .description('年终关账：此后不再记入任何条目（督查人员，年度结束后）')
  .option('--reason <text>', '理由')
  .option('--request-id <id>', '请求编号')
  .action(async (unitId: string, year: string, o: Record<string, string | undefined>) => {
    const l = (await api('POST', ledgerPath(unitId, year, '/close'), { reason: o.reason, ...(o.requestId ? { requestId: o.requestId } : {}) })) as LedgerView;
    print(l, () => ledgerTable(l));
  });

// 催办单、督办单 (docs/documents.md)
interface DocumentList { caseId: string; documents: { documentId: string; documentNumber: string; kind: string; milestone: string; issuedAt: string; fileName: string; url: string }[] }
program
  .command('documents <caseId>')
  .description('列出案件的催办单、督办单；--download 下载一份，--all 全部下载')
  .option('--download <documentId>', '下载这份文书（DOCX）')
  .option('--all', '下载全部文书')
  .option('--out <dir>', '保存目录，默认当前目录', '.')
  .action(async (caseId: string, o: { download?: string; all?: boolean; out: string }) => {
    const list = (await api('GET', path(caseId, '/documents'))) as DocumentList;
    const wanted = o.all ? list.documents : list.documents.filter((d) => d.documentId === o.download);
    if (o.download && wanted.length === 0) throw new CliError(`案件 ${caseId} 没有文书 ${o.download}`);
    if (o.download || o.all) {
      const saved: string[] = [];
      for (const d of wanted) saved.push(await download(d.url, o.out));
      print({ saved }, () => saved.map((f) => `已保存 ${f}`).join('\n'));
      return;
    }
    print(list, () =>
      list.documents.length === 0
        ? `案件 ${caseId} 尚无文书`
        : [`${pad('文号', 22)}${pad('文书', 8)}${pad('事项', 18)}${pad('制发时间（北京时间）', 26)}编号`, ...list.documents.map((d) => `${pad(d.documentNumber, 22)}${pad(d.kind === 'urge' ? '催办单' : '督办单', 8)}${pad(MILESTONE_LABEL[d.milestone] ?? d.milestone, 18)}${pad(formatShanghai(d.issuedAt), 26)}${d.documentId}`)].join('\n'),
    );
  });

// 季度通报 (docs/circular.md)
interface CircularAnswer { circularId: string; status: string; created?: boolean; location?: string; files?: { name: string; downloadName: string; url: string }[]; figures?: { period: { from: string; to: string }; units: { unitId: string; unitName: string; total: Record<string, number> }[]; total: Record<string, number> } | null }
const CIRCULAR_STATUS: Record<string, string> = { collecting: '汇总中', rendering: '生成文件中', mailing: '发送中', done: '已完成', failed: '失败' };
const circular = program.command('circular').description('季度通报：按季度或日期范围生成、查看、下载');
circular
  .command('run')
  .description('生成通报：--quarter 2026-Q3，或 --from 2026-10-01 --to 2027-01-01（不含 to 当日）')
  .option('--quarter <quarter>')
  .option('--from <date>')
  .option('--to <date>')
  .option('--number <文号>', '印在标题下的文号')
  .option('--mail', '发送给通报收件人')
  .option('--no-mail', '不发送')
  .action(async (o: { quarter?: string; from?: string; to?: string; number?: string; mail?: boolean }) => {
    const mailGiven = process.argv.includes('--mail') || process.argv.includes('--no-mail');
    const body = { ...(o.quarter ? { quarter: o.quarter } : {}), ...(o.from ? { from: o.from } : {}), ...(o.to ? { to: o.to } : {}), ...(o.number ? { documentNumber: o.number } : {}), ...(mailGiven ? { mail: Boolean(o.mail) } : {}) };
    const r = (await api('POST', '/circulars', body)) as CircularAnswer;
    print(r, () => `${r.created ? '已开始生成' : '已存在'}通报 ${r.circularId}（${CIRCULAR_STATUS[r.status] ?? r.status}）；查看：duban circular show ${r.circularId}`);
  });
circular.command('show <circularId>').description('查看通报的状态与各单位合计').action(async (circularId: string) => {
  const r = (await api('GET', `/circulars/${encodeURIComponent(circularId)}`)) as CircularAnswer;
  print(r, () => {
    const lines = [`通报 ${r.circularId}  ${CIRCULAR_STATUS[r.status] ?? r.status}`];
    const f = r.figures;
    if (f) {
      lines.push(`期间 ${formatShanghai(f.period.from)} 至 ${formatShanghai(f.period.to)}（不含）`, '', `${pad('责任单位', 20)}${pad('交办', 6)}${pad('按时到达', 10)}${pad('逾期到达', 10)}${pad('催办', 6)}${pad('督办', 6)}${pad('扣分', 6)}逾期未办结`);
      const row = (name: string, c: Record<string, number>): string => `${pad(name, 20)}${pad(String(c.escalated), 6)}${pad(String(c.arrivedOnTime), 10)}${pad(String(c.arrivedLate), 10)}${pad(String(c.urged), 6)}${pad(String(c.supervised), 6)}${pad(String(c.deductionPoints), 6)}${c.overdueOpen}`;
      for (const u of f.units) lines.push(row(u.unitName, u.total));
      lines.push(row('合计', f.total));
    }
    for (const file of r.files ?? []) lines.push(`文件 ${file.downloadName}：duban circular download ${r.circularId}`);
    return lines.join('\n');
  });
});
circular
  .command('download <circularId>')
  .description('下载通报的 XLSX 与 DOCX')
  .option('--out <dir>', '保存目录，默认当前目录', '.')
  .action(async (circularId: string, o: { out: string }) => {
    const r = (await api('GET', `/circulars/${encodeURIComponent(circularId)}`)) as CircularAnswer;
    if (!r.files || r.files.length === 0) throw new CliError(`通报 ${circularId} 尚未生成文件（${CIRCULAR_STATUS[r.status] ?? r.status}）`);
    const saved: string[] = [];
    for (const file of r.files) saved.push(await download(file.url, o.out));
    print({ saved }, () => saved.map((f) => `已保存 ${f}`).join('\n'));
  });

registerAssignedCaseCommands(program);

program.parseAsync().catch((err: unknown) => {
  console.error(err instanceof CliError ? err.message : `错误：${(err as Error).message}`);
  process.exit(1);
});
