// The Chinese texts of a monthly obligation (月度工作): its notices on every channel and its 催办单 / 督办单 (pure).
// `receptionSite` carries the duty's name with its month, e.g. "2026年11月矛盾纠纷排查月报".
import type { Milestone } from '../domain.js';
import type { NotificationEvent, NotifyRequest } from '../notifications.js';
import type { PersonRole } from '../directory.js';
import { formatShanghai } from '../time.js';
import type { OfficialDocumentRequest } from '../documents/types.js';

/** What the unit must do by the due date. */
function duty(milestone: Milestone | null): string {
  return milestone === 'leadershipStudy' ? '召开领导班子会议研究信访工作并报送会议记录' : '完成矛盾纠纷排查并报送排查月报';
}

export function monthlyBody(req: NotifyRequest): string {
  const due = req.deadline ? `北京时间${formatShanghai(req.deadline)}` : '';
  const head = `【督办】${req.unitName}：`;
  const no = `案件号${req.caseId}。`;
  const d = req.detail ?? {};
  switch (req.event) {
    case 'alert':
      return `${head}请于${due}前${duty(req.milestone)}（${req.receptionSite}）。${no}`;
    case 'reminder':
      return `${head}${req.receptionSite}报送期限将至，请于${due}前${duty(req.milestone)}。${no}`;
    case 'urge':
      return `${head}${req.receptionSite}已超过报送期限（${due}），现予催办，请立即${duty(req.milestone)}。${no}`;
    case 'supervise':
      return `${head}${req.receptionSite}经催办仍未报送，现予督办，逾期未报又无情况说明的将在年终考核中扣分。${no}`;
    case 'deduction':
      return `${head}${req.receptionSite}经催办、督办仍未报送且无情况说明，年终考核扣${d.points ?? ''}分。${no}`;
    case 'overdueReminder':
      return `${head}${req.receptionSite}已逾期（期限${due}），请尽快报送。${no}`;
    case 'explanationDecision':
      return `${head}情况说明已${d.decision === 'accept' ? '采纳' : '不予采纳'}：${d.reason ?? ''}。${no}`;
    case 'extension':
      return `${head}${req.receptionSite}报送期限已延长至${due}。${no}`;
    case 'reassignment':
      return `${head}${req.receptionSite}改由${req.unitName}报送，请于${due}前${duty(req.milestone)}。${no}`;
    case 'cancel':
      return `${head}${req.receptionSite}已撤销，理由：${d.reason ?? ''}。${no}`;
    case 'closure':
      return `${head}${req.receptionSite}已报送，本项办结。${no}`;
    case 'undeliverable':
      return `【督办】${d.recipientName ?? d.recipientId ?? ''}（${req.unitName}）未能收到${req.receptionSite}的${d.originalTitle ?? ''}，各渠道均发送失败，请电话通知。${no}`;
    case 'ledgerRefused':
      return `【督办】${req.unitName}${d.year ?? ''}年度台账拒绝记入${req.receptionSite}扣分${d.points ?? ''}分：${d.reason ?? ''}。请核查台账后处理。${no}`;
  }
}

/** The SMS: short, the due date and the case number. */
export function monthlySms(req: NotifyRequest): string {
  const due = req.deadline ? `北京时间${formatShanghai(req.deadline).replace(/^\d+年/, '').replace(' ', '')}` : '';
  const no = `案件号${req.caseId}。`;
  const events: Partial<Record<NotificationEvent, string>> = {
    alert: `【督办】${req.unitName}：${req.receptionSite}请于${due}前报送。${no}`,
    reminder: `【督办】${req.unitName}：${req.receptionSite}报送期限${due}将至。${no}`,
    urge: `【督办】催办：${req.unitName}${req.receptionSite}已超期限（${due}），请立即报送。${no}`,
    supervise: `【督办】督办：${req.unitName}${req.receptionSite}经催办仍未报送，请立即报送或提交情况说明，否则年终考核扣分。${no}`,
    deduction: `【督办】${req.unitName}${req.receptionSite}经催办、督办仍未报送且无情况说明，年终考核扣${req.detail?.points ?? ''}分。${no}`,
    overdueReminder: `【督办】${req.unitName}${req.receptionSite}已逾期（期限${due}），请尽快报送。${no}`,
  };
  return events[req.event] ?? monthlyBody(req);
}

export function monthlyNextStep(req: NotifyRequest, role: PersonRole): string {
  if (req.event === 'cancel' || req.event === 'closure') return '本项已结束，无需再办理。';
  if (req.event === 'deduction') return '扣分已记入本单位年终考核台账；如有异议，请向区信访办提出。';
  if (role === 'supervisor' || role === 'districtLeader') return '请跟踪督促责任单位按期报送。';
  return `请在期限前${duty(req.milestone)}，并在督办系统中报送。`;
}

export function monthlyDocumentTitle(f: Pick<OfficialDocumentRequest, 'unitName' | 'receptionSite'>, documentTitle: string): string {
  return `关于${f.unitName}${f.receptionSite}逾期未报的${documentTitle}`;
}

export function monthlyDocumentBody(f: OfficialDocumentRequest & { documentNumber: string }): string[] {
  const at = (iso: string): string => formatShanghai(iso);
  const facts = `按规定，你单位应于${at(f.deadline)}前${duty(f.milestone)}（${f.receptionSite}）。截至${at(f.deadline)}，你单位仍未报送，已超过规定时限。`;
  const limit = f.newTimeLimit ? at(f.newTimeLimit) : null;
  const demand =
    f.kind === 'urge'
      ? `现予催办。请你单位立即报送${limit ? `，最迟于${limit}前报送；逾期仍未报送的，将予督办` : ''}。`
      : `经催办仍未报送，现予督办。请你单位立即报送${limit ? `，最迟于${limit}前报送；确有特殊情况的，请于期限前提交情况说明。逾期未报送又无情况说明的，将在年终考核中扣${f.points}分` : ''}。`;
  return [facts, demand, `案件号：${f.caseId}`];
}
