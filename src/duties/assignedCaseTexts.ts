// The Chinese texts of an assigned case (交办案件): its notices on every channel and its 催办单 / 督办单 (pure).
import { MILESTONE_LABEL, type Milestone } from '../domain.js';
import type { NotificationEvent, NotifyRequest } from '../notifications.js';
import type { PersonRole } from '../directory.js';
import { formatShanghai } from '../time.js';
import type { OfficialDocumentRequest } from '../documents/types.js';

/** What the unit must do by the deadline, per milestone. */
const DUTY_TEXT: Partial<Record<Milestone, string>> = {
  acceptance: '作出是否受理的决定并书面告知信访人',
  handling: '办结并向信访人出具书面答复意见',
  review: '出具复查意见并书面答复',
  reexamination: '出具复核意见并书面答复',
};

function duty(milestone: Milestone | null): string {
  return (milestone && DUTY_TEXT[milestone]) ?? '办理';
}

function what(milestone: Milestone | null): string {
  return milestone ? MILESTONE_LABEL[milestone] : '办理';
}

/** The full text (e-mail, chat, outbox). `receptionSite` carries the assignment: 交办来源、机关和文号. */
export function assignedCaseBody(req: NotifyRequest): string {
  const due = req.deadline ? `北京时间${formatShanghai(req.deadline)}` : '';
  const head = `【督办】${req.unitName}：`;
  const no = `案件号${req.caseId}。`;
  const d = req.detail ?? {};
  switch (req.event) {
    case 'alert':
      return `${head}收到${req.receptionSite}交办信访事项，请包案领导牵头，于${due}前${duty(req.milestone)}。${no}`;
    case 'reminder':
      return d.progress ? `${head}本案已${d.progress}日未报送办理进展，请即报送。${no}` : `${head}本案${what(req.milestone)}期限将至，请于${due}前${duty(req.milestone)}。${no}`;
    case 'urge':
      return `${head}本案${what(req.milestone)}已超过法定期限（${due}），现予催办，请立即${duty(req.milestone)}。${no}`;
    case 'supervise':
      return `${head}经催办仍未${duty(req.milestone)}，现予督办，逾期未办又无情况说明的将在年终考核中扣分。${no}`;
    case 'deduction':
      return `${head}经催办、督办仍未${duty(req.milestone)}且无情况说明，年终考核扣${d.points ?? ''}分。${no}`;
    case 'overdueReminder':
      return `${head}本案${what(req.milestone)}已逾期（期限${due}），请尽快办理。${no}`;
    case 'explanationDecision':
      return `${head}情况说明已${d.decision === 'accept' ? '采纳' : '不予采纳'}：${d.reason ?? ''}。${no}`;
    case 'extension':
      return `${head}本案办理期限经批准延长${d.days ?? ''}日，至${due}，理由：${d.reason ?? ''}。${no}`;
    case 'reassignment':
      return `${head}本案（${req.receptionSite}交办）责任单位已变更为${req.unitName}，请于${due}前${duty(req.milestone)}。${no}`;
    case 'cancel':
      return `${head}本案已撤销，理由：${d.reason ?? ''}。${no}`;
    case 'closure':
      return `${head}本案已办结销案。${no}`;
    case 'undeliverable':
      return `【督办】${d.recipientName ?? d.recipientId ?? ''}（${req.unitName}）未能收到本案的${d.originalTitle ?? ''}，各渠道均发送失败，请电话通知。${no}`;
    case 'ledgerRefused':
      return `【督办】${req.unitName}${d.year ?? ''}年度台账拒绝记入本案扣分${d.points ?? ''}分：${d.reason ?? ''}。案件继续办理，请核查台账后处理。${no}`;
  }
}

/** The SMS: short, the deadline and the case number; no matter, no names. */
export function assignedCaseSms(req: NotifyRequest): string {
  const due = req.deadline ? `北京时间${formatShanghai(req.deadline).replace(/^\d+年/, '').replace(' ', '')}` : '';
  const no = `案件号${req.caseId}。`;
  const unit = req.unitName;
  const d = req.detail ?? {};
  const events: Partial<Record<NotificationEvent, string>> = {
    alert: `【督办】${unit}：收到交办信访事项，请${due}前${duty(req.milestone)}。${no}`,
    reminder: d.progress ? `【督办】${unit}：交办件已${d.progress}日未报进展，请即报送。${no}` : `【督办】${unit}：交办件${what(req.milestone)}期限${due}将至。${no}`,
    urge: `【督办】催办：${unit}交办件${what(req.milestone)}已超期限（${due}），请立即办理。${no}`,
    supervise: `【督办】督办：${unit}交办件经催办仍未${what(req.milestone)}，请立即办理或提交情况说明，否则年终考核扣分。${no}`,
    deduction: `【督办】${unit}交办件经催办、督办仍未${what(req.milestone)}且无情况说明，年终考核扣${d.points ?? ''}分。${no}`,
    overdueReminder: `【督办】${unit}交办件${what(req.milestone)}已逾期（期限${due}），请尽快办理。${no}`,
    extension: `【督办】${unit}：交办件办理期限已延长至${due}。${no}`,
  };
  return events[req.event] ?? assignedCaseBody(req);
}

/** What the recipient should do next (e-mail and chat). */
export function assignedCaseNextStep(req: NotifyRequest, role: PersonRole): string {
  if (req.event === 'cancel' || req.event === 'closure') return '本案已结束，无需再办理。';
  if (req.event === 'deduction') return '扣分已记入本单位年终考核台账；如有异议，请向区信访办提出。';
  if (role === 'supervisor' || role === 'districtLeader') return '请跟踪督促责任单位在法定期限内办理。';
  return `请在期限前${duty(req.milestone)}，并在督办系统中记录。`;
}

/** The 催办单 / 督办单 title of an assigned case. */
export function assignedCaseDocumentTitle(f: Pick<OfficialDocumentRequest, 'milestone' | 'unitName'>, documentTitle: string): string {
  return `关于${f.unitName}交办信访事项${what(f.milestone)}逾期的${documentTitle}`;
}

/** Its body: the assignment, the missed statutory limit, what is required by when, the consequence. */
export function assignedCaseDocumentBody(f: OfficialDocumentRequest & { documentNumber: string }): string[] {
  const at = (iso: string): string => formatShanghai(iso);
  const facts = `${at(f.receivedAt)}，本办收到${f.receptionSite}交办信访事项，交由你单位办理。按规定，你单位应于${at(f.deadline)}前${duty(f.milestone)}。截至${at(f.deadline)}，你单位仍未办理，已超过规定时限。`;
  const limit = f.newTimeLimit ? at(f.newTimeLimit) : null;
  const demand =
    f.kind === 'urge'
      ? `现予催办。请你单位立即${duty(f.milestone)}${limit ? `，最迟于${limit}前办结；逾期仍未办结的，将予督办` : ''}。`
      : `经催办仍未办结，现予督办。请你单位立即${duty(f.milestone)}${limit ? `，最迟于${limit}前办结；确有特殊情况的，请于期限前提交情况说明。逾期未办结又无情况说明的，将在年终考核中扣${f.points}分` : ''}。`;
  return [facts, demand, `案件号：${f.caseId}`];
}
