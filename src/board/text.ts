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
];

export function zhMessage(message: string): string {
  for (const [pattern, zh] of KNOWN) {
    const m = pattern.exec(message);
    if (m) return zh.replace('$1', m[1] ?? '');
  }
  return `未通过校验（${message}）`;
}
