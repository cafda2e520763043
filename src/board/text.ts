// Chinese wording of roles, actors and the API's validation messages, so every word on the board is simplified Chinese.
import type { ApiRole } from '../api/auth.js';

export const ROLE_LABEL: Record<ApiRole | 'system', string> = { intake: '登记系统', unit: '责任单位', supervisor: '督查人员', admin: '管理员', viewer: '查看人员', system: '系统' };

export const FIELD_LABEL: Record<string, string> = {
  leaderId: '到场领导',
  arrivedAt: '到达时间',
  note: '备注',
  text: '情况说明',
  decision: '审核结论',
  reason: '理由',
  newDeadline: '新期限',
  unitId: '新责任单位',
  result: '办理结果',
  entryId: '扣分条目',
  level: '层级',
  receivedAt: '收到通知时间',
  status: '案件状态',
  name: '账号',
  password: '密码',
  role: '角色',
  units: '所属单位',
  writtenNoticeAt: '书面告知时间',
  pauseKind: '中止事由',
  approverId: '批准人',
  days: '延长天数',
  petitionerNotifiedAt: '书面告知信访人时间',
  writtenReplyAt: '书面答复时间',
  opinion: '意见',
  writtenOpinionAt: '书面意见时间',
  requestedAt: '申请时间',
  meetingDate: '会议日期',
  attendees: '参会人员',
  topics: '研究内容',
};

// The API's messages (src/messages.ts, the workflow's validators) in Chinese; an unknown one is shown as it came.
const KNOWN: [RegExp, string][] = [
  [/^is required$|^Required$/, '必填'],
  [/ISO 8601 time with an offset/, '请填写完整的日期和时间（北京时间）'],
  [/^must be 1–64 letters, digits, dot, dash or underscore$/, '只能是 1–64 位字母、数字、点、横线或下划线'],
  [/^Invalid enum value/, '请从选项中选择一项'],
  [/^String must contain at most (\d+) character/, '最多 $1 个字'],
  [/is not a principal leader or leader in charge/, '不是该单位的主要领导或分管领导'],
  [/^arrival was already reported$/, '已报告过到达'],
  [/^must not be before the notice was received$/, '不能早于收到通知的时间'],
  [/^must not be in the future$/, '不能晚于当前时间'],
  [/^must be in the future$/, '须晚于当前时间'],
  [/^an explanation is already awaiting a decision$/, '已有情况说明待审核'],
  [/^an explanation was already accepted$/, '情况说明已被采纳'],
  [/^no explanation awaits a decision$/, '没有待审核的情况说明'],
  [/^must be later than the current deadline/, '须晚于当前期限'],
  [/^unknown unit /, '单位不在名录中'],
  [/^is already the responsible unit$/, '已是当前责任单位'],
  [/^arrival must be reported first$/, '须先报告领导到达'],
  [/^case is (closed|cancelled)$/, '案件已结束，不能再操作'],
  [/^role \S+ may not do this$/, '当前角色无权进行此操作'],
  // An assigned case's (src/duties/assignedCase.ts, workflows/assignedCase.ts).
  [/^Expected number, received/, '须填写整数'],
  [/^Expected integer, received float$/, '须填写整数'],
  [/^must be at least 1 day$/, '至少 1 日'],
  [/^Number must be less than or equal to (\d+)$/, '不能超过 $1'],
  [/^must be at most (\d+) \(the handling limit may be extended by (\d+) days in all\)$/, '不能超过 $1 日（办理期限合计最多延长 $2 日）'],
  [/^acceptance was already decided$/, '已作出受理决定'],
  [/^is required when the matter is not accepted$/, '不予受理时必填'],
  [/^must not be before the assignment was received$/, '不能早于收到交办的时间'],
  [/^only the handling clock can be paused$/, '只有办理期间可以中止计时'],
  [/^the clock is already paused$/, '已在中止计时'],
  [/^the clock is not paused$/, '当前没有中止计时'],
  [/^only the handling limit can be extended$/, '只有办理期限可以延长'],
  [/^progress is reported while the case is handled$/, '只在办理期间报送进展'],
  [/^acceptance must be decided first$/, '须先作出受理决定'],
  [/^the reply was already given$/, '已出具答复意见'],
  [/^the clock is paused: resume it first$/, '正在中止计时，须先恢复计时'],
  [/^no window for 复查 or 复核 is open$/, '当前不在复查或复核申请期'],
  [/^must not be before the reply it asks to review$/, '不能早于所申请复查（复核）的答复'],
  [/^must be within the window ending /, '须在申请期内'],
  [/^no 复查 or 复核 was requested$/, '尚未登记复查或复核申请'],
  // A monthly duty's (src/duties/monthlyObligation.ts, workflows/monthlyObligation.ts).
  [/^must be a day YYYY-MM-DD$/, '请填写日期'],
  [/^must be a day of (\d{4})-(\d{2})$/, '须为所属月份（$1-$2）内的日期'],
  [/^must include a leader of unit /, '须包括本单位的主要领导或分管领导'],
  [/^at least one attendee$/, '至少选择一人'],
  [/^this case is (\S+), not /, '此案件是$1，不能办理此项'],
];

export function zhMessage(message: string): string {
  for (const [pattern, zh] of KNOWN) {
    const m = pattern.exec(message);
    if (m) return zh.replace('$1', m[1] ?? '').replace('$2', m[2] ?? '');
  }
  return `未通过校验（${message}）`;
}
