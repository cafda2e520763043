// Chinese labels of timeline entries, shared by the CLI and the demo.
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
