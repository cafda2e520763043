// Notification events, who hears each, and their Chinese texts (pure; rendering happens in activities).
import { LEVEL_LABEL, MILESTONE_LABEL, type Level, type Milestone } from './domain.js';
import type { PersonRole } from './directory.js';
import { formatShanghai } from './time.js';

export const NOTIFICATION_EVENTS = [
  'alert',
  'reminder',
  'urge',
  'supervise',
  'deduction',
  'overdueReminder',
  'explanationDecision',
  'extension',
  'reassignment',
  'cancel',
  'closure',
] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/** Who hears each event by default. */
export const AUDIENCE: Record<NotificationEvent, readonly PersonRole[]> = {
  alert: ['principal', 'inCharge', 'contact'],
  reminder: ['principal', 'inCharge'],
  urge: ['principal', 'inCharge', 'supervisor'],
  supervise: ['principal', 'inCharge', 'supervisor'],
  deduction: ['principal', 'inCharge', 'supervisor'],
  overdueReminder: ['principal', 'inCharge'],
  explanationDecision: ['principal', 'inCharge', 'contact'],
  extension: ['principal', 'inCharge', 'contact'],
  reassignment: ['principal', 'inCharge', 'contact', 'supervisor'],
  cancel: ['principal', 'inCharge', 'contact'],
  closure: ['principal', 'inCharge', 'supervisor'],
};

export interface NotifyRequest {
  caseId: string;
  /** Stable within the case: with recipient and channel it forms the idempotency key. */
  key: string;
  event: NotificationEvent;
  unitId: string;
  unitName: string;
  level: Level;
  milestone: Milestone | null;
  /** UTC ISO of the milestone's deadline, when there is one. */
  deadline: string | null;
  receptionSite: string;
  /** Event-specific words: decision, reason, points … */
  detail?: Record<string, string | number>;
}

const EVENT_TITLE: Record<NotificationEvent, string> = {
  alert: '接人通知',
  reminder: '到期提醒',
  urge: '催办通知',
  supervise: '督办通知',
  deduction: '扣分通知',
  overdueReminder: '逾期提醒',
  explanationDecision: '情况说明审核结果',
  extension: '期限延长通知',
  reassignment: '责任单位变更通知',
  cancel: '撤销通知',
  closure: '销案通知',
};

export function notificationTitle(event: NotificationEvent): string {
  return EVENT_TITLE[event];
}

/** The message body in simplified Chinese, deadline in Beijing time. */
export function renderNotification(req: NotifyRequest): string {
  const level = LEVEL_LABEL[req.level];
  const due = req.deadline ? `北京时间${formatShanghai(req.deadline)}` : '';
  const what = req.milestone ? MILESTONE_LABEL[req.milestone] : '';
  const head = `【督办】${req.unitName}：`;
  const d = req.detail ?? {};
  switch (req.event) {
    case 'alert':
      return `${head}有群众${level}上访，现于${req.receptionSite}。请主要领导或分管领导于${due}前到达现场接回。案件号${req.caseId}。`;
    case 'reminder':
      return `${head}${level}接人期限将至，请于${due}前${what}。案件号${req.caseId}。`;
    case 'urge':
      return `${head}${what}已超过期限（${due}），现予催办，请立即办理。案件号${req.caseId}。`;
    case 'supervise':
      return `${head}经催办仍未${what}，现予督办，逾期未办又无情况说明的将在年终考核中扣分。案件号${req.caseId}。`;
    case 'deduction':
      return `${head}经催办、督办仍未${what}且无情况说明，年终考核扣${d.points ?? ''}分。案件号${req.caseId}。`;
    case 'overdueReminder':
      return `${head}${what}已逾期（期限${due}），请尽快办理。案件号${req.caseId}。`;
    case 'explanationDecision':
      return `${head}情况说明已${d.decision === 'accept' ? '采纳' : '不予采纳'}：${d.reason ?? ''}。案件号${req.caseId}。`;
    case 'extension':
      return `${head}${what}期限已延长至${due}，理由：${d.reason ?? ''}。案件号${req.caseId}。`;
    case 'reassignment':
      return `${head}本案责任单位已变更为${req.unitName}，请于${due}前${what}，现于${req.receptionSite}。案件号${req.caseId}。`;
    case 'cancel':
      return `${head}本案已撤销，理由：${d.reason ?? ''}。案件号${req.caseId}。`;
    case 'closure':
      return `${head}本案已书面报结果销案。案件号${req.caseId}。`;
  }
}
