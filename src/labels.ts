// Chinese labels of timeline entries, stages and case facts, shared by the CLI, the board and the demo.
import { MILESTONE_LABEL as DUTY_MILESTONE_LABEL } from './domain.js';
import { formatShanghai } from './time.js';
import type { TimelineType } from './messages.js';

export const TIMELINE_LABEL: Record<TimelineType, string> = {
  registered: '登记', alert: '接人通知', reminder: '到期提醒', urge: '催办', supervise: '督办', overdueReminder: '逾期提醒',
  deduction: '扣分', arrival: '到达现场', closureReport: '书面报结果', closed: '销案', explanationSubmitted: '提交情况说明',
  explanationAccepted: '情况说明采纳', explanationRejected: '情况说明不予采纳', deductionCancelled: '取消扣分',
  deadlineExtended: '延长期限', reassigned: '变更责任单位', cancelled: '撤销', notificationFailed: '通知失败',
  notificationDelivered: '短信已送达', notificationUndelivered: '短信未送达',
  documentIssued: '制发文书', documentFailed: '文书制发失败', ledgerRefused: '扣分未能记入台账', reminderSkipped: '提醒已过期未发', reregistered: '重新登记',
  deadlineSet: '确定期限', acceptanceDecided: '受理决定', clockPaused: '中止计时', clockResumed: '恢复计时', progressReported: '报送进展',
  progressOverdue: '进展逾期未报', replied: '书面答复', reviewRequested: '申请复查/复核', opinionGiven: '复查/复核意见', windowLapsed: '申请期满', calendarCorrected: '节假日日历更正',
  monthlyReportSubmitted: '月报已报送', leadershipStudyRecorded: '研究信访工作已记录',
};

// Milestones, stages and an assigned case's facts in words: one place for the CLI and the board.

/** Milestones in the timeline's own words, so the two never drift apart. */
export const CASE_MILESTONE_LABEL: Record<string, string> = { ...DUTY_MILESTONE_LABEL, arrival: TIMELINE_LABEL.arrival, closureReport: TIMELINE_LABEL.closureReport };

/** Stages with no milestone running: the clock paused, or the petitioner's 复查/复核 window. */
export const WAIT_STAGE_LABEL: Record<string, string> = { paused: '已中止计时', reviewWindow: '复查申请期', reexaminationWindow: '复核申请期' };

const STAGE_STEPS: readonly string[] = ['urge', 'supervise', 'deduction'];

/** A stage in words for clerks ("办理答复·已催办"); closed and cancelled as given. */
export function stageWords(stage: string, closed = '已销案'): string {
  if (stage in WAIT_STAGE_LABEL) return WAIT_STAGE_LABEL[stage]!;
  if (stage === 'closed') return closed;
  if (stage === 'cancelled') return '已撤销';
  const [milestone = '', step = ''] = stage.split('.');
  const stepWords = step === 'pending' ? '期限内' : STAGE_STEPS.includes(step) ? `已${TIMELINE_LABEL[step as TimelineType]}` : step;
  return `${CASE_MILESTONE_LABEL[milestone] ?? milestone}·${stepWords}`;
}

export const ASSIGNED_STATUS_LABEL: Record<'open' | 'closed' | 'cancelled', string> = { open: '办理中', closed: '已办结', cancelled: '已撤销' };
export const ACCEPTANCE_DECISION_LABEL = { accepted: '受理', notAccepted: '不予受理' } as const;
/** How a deadline was counted (src/deadlines/rules.ts). */
export const DEADLINE_RULE_LABEL: Record<string, string> = { duration: '按时长', calendarDays: '按自然日', workingDays: '按工作日', dayOfNextMonth: '次月固定日' };
export const CALENDAR_DATA_MISSING = '节假日数据缺失，按自然日计算';

/** A day-counted limit ends at 24:00 of its last day: shown so, not as 00:00 of the next. */
export function formatLimit(iso: string): string {
  const shown = formatShanghai(iso);
  if (!shown.endsWith(' 00:00')) return shown;
  return `${formatShanghai(Date.parse(iso) - 60_000).slice(0, -' 23:59'.length)} 24:00`;
}

/** Where an assigned case's entries mean something else than a visit's: its notice is the assignment's, it ends 办结. */
const KIND_TIMELINE_LABEL: Record<string, Partial<Record<TimelineType, string>>> = {
  assignedCase: { alert: '交办通知', closed: '办结' },
  // A monthly duty's first notice tells the unit what is due, it fetches no one.
  monthlyObligation: { alert: '工作通知', closed: '办结' },
};

/** A timeline entry in words for a case of this kind. */
export function timelineLabel(kind: string, type: TimelineType): string {
  return KIND_TIMELINE_LABEL[kind]?.[type] ?? TIMELINE_LABEL[type] ?? type;
}
