// `duban assigned …`: 交办案件 from the command line — intake, the unit's reports and the office's clock. The common
// actions (explain, decide, reassign, cancel, show, list, documents) take any duty's case.
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { PAUSE_LABEL, SOURCE_LEVEL_LABEL, type AssignedCaseView } from '../duties/assignedCase.js';
import { ACCEPTANCE_DECISION_LABEL as DECISION_LABEL, ASSIGNED_STATUS_LABEL as STATUS_LABEL, CALENDAR_DATA_MISSING } from '../labels.js';
import { formatShanghai } from '../time.js';
import { MILESTONE_LABEL, api, colourLabel, formatLimit, path, print, stageLabel, timelineLines } from './common.js';

const onTime = (ok: boolean): string => (ok ? '（按时）' : '（超期）');

export function assignedCaseTable(v: AssignedCaseView): string {
  const a = v.assignment;
  const h = v.handling;
  const lines = [
    `交办案件 ${v.caseId}  ${SOURCE_LEVEL_LABEL[a.sourceLevel]}  ${a.assigningBody} ${a.referenceNumber}  责任单位 ${v.unit.name}（${v.unit.id}）  包案领导 ${a.leaderId}`,
    `状态 ${STATUS_LABEL[v.status]}  阶段 ${stageLabel(v.stage)}  期限 ${v.deadline ? formatLimit(v.deadline) : '—'}${v.overdue ? '  已逾期' : ''}  颜色 ${colourLabel(v.colour)}${v.priority === 'high' ? `  重点（${[a.listed ? '挂牌督办' : '', a.signatures >= 50 ? `联名 ${a.signatures} 人` : ''].filter(Boolean).join('、')}）` : ''}  政策版本 ${v.policyVersion}  日历 ${v.calendarVersion}`,
    `受理 ${v.acceptance ? `${DECISION_LABEL[v.acceptance.decision]} ${formatShanghai(v.acceptance.decidedAt)}${onTime(v.acceptance.onTime)}，告知书 ${formatShanghai(v.acceptance.writtenNoticeAt)}` : '—'}  答复 ${v.reply ? `${formatShanghai(v.reply.repliedAt)}${onTime(v.reply.onTime)}` : '—'}  扣分 ${v.deductions.reduce((sum, d) => sum + d.points, 0)}`,
  ];
  if (h) lines.push(`办理期限 ${h.budgetDays} 日 + 延期 ${h.extensionDays} 日 + 中止 ${h.pausedDays} 日${h.pauses.some((p) => p.to === null) ? '（正在中止计时）' : ''}${h.pauses.length ? `  中止：${h.pauses.map((p) => `${PAUSE_LABEL[p.pauseKind]} ${formatShanghai(p.from)}—${p.to ? formatShanghai(p.to) : '至今'}`).join('；')}` : ''}`);
  if (v.window) lines.push(`${v.window.kind === 'review' ? '复查' : '复核'}申请期至 ${formatLimit(v.window.endsAt)}`);
  lines.push('', '期限依据：');
  for (const d of v.deadlines) lines.push(`  ${MILESTONE_LABEL[d.milestone] ?? d.milestone}  ${formatLimit(d.deadline)}  ${d.note}${d.calendarDataMissing ? `  【${CALENDAR_DATA_MISSING}】` : ''}`);
  lines.push('', ...timelineLines(v.timeline, v.kind));
  return lines.join('\n');
}

type Options = Record<string, string | boolean | undefined>;
const now = (): string => new Date().toISOString();
const num = (v: string | boolean | undefined): number | undefined => (typeof v === 'string' ? Number(v) : undefined);
/** Drops options not given, so the API names a missing field instead of getting `undefined`. */
const given = (o: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

export function registerAssignedCaseCommands(program: Command): void {
  const assigned = program.command('assigned').description('交办案件：登记、受理告知、中止/恢复计时、延期、进展、答复、复查复核');

  assigned
    .command('create')
    .description('登记交办案件（--file 读 JSON，或用参数）')
    .option('--file <path>')
    .option('--assignment-id <id>', '交办编号（案件为 assignedCase:<编号>）')
    .option('--source-level <level>', 'central 中央 | city 市 | district 区')
    .option('--assigning-body <text>', '交办机关')
    .option('--reference <text>', '交办文号')
    .option('--received-at <time>', '收到交办的时间，ISO 8601，带时区')
    .option('--unit <unitId>')
    .option('--leader <id>', '包案领导')
    .option('--team <names>', '工作专班，逗号分隔')
    .option('--plan <text>', '化解方案')
    .option('--summary <text>', '事项摘要（不含信访人个人信息）')
    .option('--listed', '挂牌督办')
    .option('--signatures <n>', '联名人数')
    .action(async (o: Options) => {
      const body = typeof o.file === 'string'
        ? (JSON.parse(readFileSync(o.file, 'utf8')) as unknown)
        : given({
            assignmentId: o.assignmentId, sourceLevel: o.sourceLevel, assigningBody: o.assigningBody, referenceNumber: o.reference, receivedAt: o.receivedAt,
            unitId: o.unit, leaderId: o.leader, team: typeof o.team === 'string' ? o.team.split(/[,，]/).map((t) => t.trim()).filter(Boolean) : undefined,
            plan: o.plan, matterSummary: o.summary, listed: o.listed ? true : undefined, signatures: num(o.signatures),
          });
      const v = (await api('POST', '/assigned-cases', body)) as AssignedCaseView;
      print(v, () => `已登记 ${v.caseId}，受理告知期限 ${v.deadline ? formatLimit(v.deadline) : '—'}（北京时间）`);
    });

  const action = (name: string, description: string, suffix: string, options: [string, string][], build: (o: Options) => Record<string, unknown>): void => {
    const cmd = assigned.command(`${name} <caseId>`).description(description);
    for (const [flags, text] of options) cmd.option(flags, text);
    cmd.action(async (caseId: string, o: Options) => {
      const v = (await api('POST', path(caseId, suffix), given(build(o)))) as AssignedCaseView;
      print(v, () => assignedCaseTable(v));
    });
  };
  action('accept', '受理告知：受理或不予受理，书面告知信访人', '/acceptance', [['--not-accepted', '不予受理（须写理由）'], ['--reason <text>', '理由'], ['--notice-at <time>', '书面告知时间，默认现在']], (o) => ({ decision: o.notAccepted ? 'notAccepted' : 'accepted', reason: o.reason, writtenNoticeAt: o.noticeAt ?? now() }));
  action('pause', '中止计时（听证、鉴定），须写理由与批准人', '/pause', [['--kind <kind>', 'hearing 听证 | appraisal 鉴定'], ['--reason <text>', '理由'], ['--approver <id>', '批准人']], (o) => ({ pauseKind: o.kind, reason: o.reason, approverId: o.approver }));
  action('resume', '恢复计时', '/resumption', [['--note <text>', '说明']], (o) => ({ note: o.note }));
  action('extend', '延长办理期限（合计不超过 30 日），须写理由与批准人，并书面告知信访人', '/handling-extension', [['--days <n>', '延长天数'], ['--reason <text>', '理由'], ['--approver <id>', '批准人'], ['--notified-at <time>', '书面告知时间，默认现在']], (o) => ({ days: num(o.days), reason: o.reason, approverId: o.approver, petitionerNotifiedAt: o.notifiedAt ?? now() }));
  action('progress', '报告办理进展', '/progress', [['--text <text>', '进展情况']], (o) => ({ text: o.text }));
  action('reply', '出具答复意见', '/reply', [['--result <text>', '答复意见'], ['--written-at <time>', '书面答复时间，默认现在']], (o) => ({ result: o.result, writtenReplyAt: o.writtenAt ?? now() }));
  action('review', '登记复查（答复后）或复核（复查意见后）申请', '/review-request', [['--requested-at <time>', '申请时间，默认现在']], (o) => ({ requestedAt: o.requestedAt ?? now() }));
  action('opinion', '出具复查或复核意见', '/opinion', [['--opinion <text>', '意见'], ['--written-at <time>', '书面意见时间，默认现在']], (o) => ({ opinion: o.opinion, writtenOpinionAt: o.writtenAt ?? now() }));
}
