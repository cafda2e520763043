// Notification events, who hears each, and their Chinese texts (pure; rendering happens in activities).
import { LEVEL_LABEL, MILESTONE_LABEL, type DutyKind, type Level, type Milestone } from './domain.js';
import type { PersonRole } from './directory.js';
import { formatShanghai } from './time.js';
import type { CaseRecord } from './caseRecord.js';
import { assignedCaseBody, assignedCaseNextStep, assignedCaseSms } from './duties/assignedCaseTexts.js';
import { monthlyBody, monthlyNextStep, monthlySms } from './duties/monthlyObligationTexts.js';

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
  // Sent by the notify activity to supervisors when a recipient could be reached on none of their channels.
  'undeliverable',
  // Sent by the case to supervisors when the ledger refused its deduction: someone must look at the ledger.
  'ledgerRefused',
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
  undeliverable: ['supervisor'],
  ledgerRefused: ['supervisor'],
};

export interface NotifyRequest {
  caseId: string;
  /** Stable within the case: with recipient and channel it forms the idempotency key. */
  key: string;
  event: NotificationEvent;
  unitId: string;
  unitName: string;
  /** An escalated visit's level (到区/到市/进京); absent for other duties. */
  level?: Level;
  milestone: Milestone | null;
  /** UTC ISO of the milestone's deadline, when there is one. */
  deadline: string | null;
  /** A visit's reception site; an assigned case's source (交办来源、机关、文号). */
  receptionSite: string;
  /** The duty when it is not an escalated visit (absent: a visit, as every request recorded before duties had kinds). */
  duty?: DutyKind;
  /** Event-specific words: decision, reason, points … */
  detail?: Record<string, string | number>;
  /** Roles that hear this event, from the case's pinned policy; absent in requests recorded before it existed (AUDIENCE then). */
  audience?: PersonRole[];
  /** The step's 催办单 / 督办单: e-mail attaches the file, the other channels name its 文号. */
  documents?: NoticeDocument[];
  /** The case's record that rides along (one activity per step, not two); written beside the sends, never before them. */
  record?: CaseRecord;
}

export interface NoticeDocument {
  documentId: string;
  /** 文号, e.g. 五信督〔2026〕1号. */
  documentNumber: string;
  /** Attachment name, e.g. 催办单（五信督〔2026〕1号）.docx. */
  fileName: string;
  /** Where the worker stored it (dataDir/documents/…): the e-mail channel reads it from there. */
  path?: string;
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
  undeliverable: '通知未送达',
  ledgerRefused: '扣分未能记入台账',
};

/** A closure-report reminder has its own title: it asks for the written report, not for leaders to arrive. */
export function notificationTitle(event: NotificationEvent, milestone: Milestone | null = null): string {
  return event === 'reminder' && milestone === 'closureReport' ? '报结果提醒' : EVENT_TITLE[event];
}

/** "催办单（五信督〔2026〕1号）": the documents of a request by name, as people see them. */
export function documentNames(req: NotifyRequest): string {
  return (req.documents ?? []).map((d) => d.fileName.replace(/\.docx$/i, '')).join('、');
}

/** The message body in simplified Chinese, deadline in Beijing time; a step's document is named after it. */
export function renderNotification(req: NotifyRequest): string {
  const names = documentNames(req);
  return names ? `${renderBody(req)}已制发${names}。` : renderBody(req);
}

function renderBody(req: NotifyRequest): string {
  if (req.duty === 'assignedCase') return assignedCaseBody(req);
  if (req.duty === 'monthlyObligation') return monthlyBody(req);
  const level = LEVEL_LABEL[req.level!];
  const due = req.deadline ? `北京时间${formatShanghai(req.deadline)}` : '';
  const what = req.milestone ? MILESTONE_LABEL[req.milestone] : '';
  const head = `【督办】${req.unitName}：`;
  const d = req.detail ?? {};
  switch (req.event) {
    case 'alert':
      return `${head}有群众${level}上访，现于${req.receptionSite}。请主要领导或分管领导于${due}前到达现场接回。案件号${req.caseId}。`;
    case 'reminder':
      return req.milestone === 'closureReport'
        ? `${head}本案书面报结果期限将至，请于${due}前书面报告处理结果、办理销案。案件号${req.caseId}。`
        : `${head}${level}接人期限将至，请于${due}前${what}。案件号${req.caseId}。`;
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
    case 'undeliverable':
      return `【督办】${d.recipientName ?? d.recipientId ?? ''}（${req.unitName}）未能收到本案的${d.originalTitle ?? ''}，各渠道均发送失败，请电话通知。案件号${req.caseId}。`;
    case 'ledgerRefused':
      return `【督办】${req.unitName}${d.year ?? ''}年度台账拒绝记入本案扣分${d.points ?? ''}分：${d.reason ?? ''}。案件继续办理，请核查台账后处理。案件号${req.caseId}。`;
  }
}


// ---------------------------------------------------------------------------------------------------------------
// Per-channel texts: SMS (short, counted in segments), e-mail (subject, plain text, HTML) and chat robots.

/** Who a message is rendered for; the arrival link is personal (signed for this leader). */
export interface RecipientContext {
  id: string;
  name: string;
  role: PersonRole;
  title?: string;
  /** Signed, expiring link by which this leader reports arrival (see src/arrivalLink.ts). */
  arrivalLink?: string;
}

const LEADERS: readonly PersonRole[] = ['principal', 'inCharge'];
/** Events after which a leader still has to arrive, so their message carries the arrival link. */
const ARRIVAL_LINK_EVENTS: readonly NotificationEvent[] = ['alert', 'reminder', 'urge', 'supervise', 'overdueReminder', 'extension', 'reassignment', 'explanationDecision'];

/** True when this recipient's copy of the message should carry a personal arrival link. */
export function wantsArrivalLink(req: NotifyRequest, role: PersonRole): boolean {
  return req.milestone === 'arrival' && LEADERS.includes(role) && ARRIVAL_LINK_EVENTS.includes(req.event);
}

/** "11月25日17:30" in Beijing time (the year and the space dropped, for SMS). */
export function formatShanghaiShort(iso: string): string {
  return formatShanghai(iso).replace(/^\d+年/, '').replace(' ', '');
}

function smsNext(req: NotifyRequest, to: RecipientContext): string {
  if (req.milestone !== 'arrival' || req.event === 'deduction') return '';
  if (req.event === 'explanationDecision' && req.detail?.decision === 'accept') return '';
  if (LEADERS.includes(to.role)) return to.arrivalLink ? `到场报到：${to.arrivalLink}` : '到场后请报告区信访办。';
  if (to.role === 'contact') return '请即转告领导。';
  return '';
}

/** The SMS text: short, no names, no matter; the deadline in Beijing time; a step's document by its 文号. */
export function renderSms(req: NotifyRequest, to: RecipientContext): string {
  const numbers = (req.documents ?? []).map((d) => d.documentNumber).join('、');
  const text = renderSmsBody(req, to);
  if (!numbers) return text;
  const no = `案件号${req.caseId}。`;
  const at = text.indexOf(no);
  return at < 0 ? `${text}文号${numbers}。` : `${text.slice(0, at + no.length)}文号${numbers}。${text.slice(at + no.length)}`;
}

function renderSmsBody(req: NotifyRequest, to: RecipientContext): string {
  if (req.duty === 'assignedCase') return assignedCaseSms(req);
  if (req.duty === 'monthlyObligation') return monthlySms(req);
  const unit = req.unitName;
  const level = LEVEL_LABEL[req.level!];
  const due = req.deadline ? `北京时间${formatShanghaiShort(req.deadline)}` : '';
  const what = req.milestone ? MILESTONE_LABEL[req.milestone] : '办理';
  const no = `案件号${req.caseId}。`;
  const next = smsNext(req, to);
  const d = req.detail ?? {};
  switch (req.event) {
    case 'alert':
      return `【督办】${unit}：有群众${level}上访，现在${req.receptionSite}。请主要领导或分管领导${due}前到场接回。${no}${next}`;
    case 'reminder':
      return req.milestone === 'arrival'
        ? `【督办】${unit}：${level}接人期限${due}将至，请尽快到场。${no}${next}`
        : `【督办】${unit}：书面报结果期限${due}将至，请按时报结。${no}`;
    case 'urge':
      return `【督办】催办：${unit}${what}已超期限（${due}），请立即办理。${no}${next}`;
    case 'supervise':
      return `【督办】督办：${unit}经催办仍未${what}，请立即办理或提交情况说明，否则年终考核扣分。${no}${next}`;
    case 'deduction':
      return `【督办】${unit}经催办、督办仍未${what}且无情况说明，年终考核扣${d.points ?? ''}分。${no}`;
    case 'overdueReminder':
      return `【督办】${unit}${what}已逾期（期限${due}），请尽快办理。${no}${next}`;
    case 'explanationDecision':
      return d.decision === 'accept'
        ? `【督办】${unit}：情况说明已采纳，本次不扣分。${no}`
        : `【督办】${unit}：情况说明不予采纳，请尽快${what}。${no}${next}`;
    case 'extension':
      return `【督办】${unit}：${what}期限已延长至${due}。${no}${next}`;
    case 'reassignment':
      return `【督办】本案改由${unit}负责，现在${req.receptionSite}，请${due}前${what}。${no}${next}`;
    case 'cancel':
      return `【督办】${unit}：本案已撤销，无需再办理。${no}`;
    case 'closure':
      return `【督办】${unit}：本案已销案。${no}`;
    case 'undeliverable':
      return `【督办】${d.recipientName ?? d.recipientId ?? ''}（${unit}）未收到${d.originalTitle ?? '通知'}，请电话通知。${no}`;
    case 'ledgerRefused':
      return `【督办】${unit}扣${d.points ?? ''}分未能记入${d.year ?? ''}年度台账，请核查。${no}`;
  }
}

/** What the recipient should do next, in full (e-mail and chat). */
export function nextStep(req: NotifyRequest, to: RecipientContext): string {
  if (req.duty === 'assignedCase') return assignedCaseNextStep(req, to.role);
  if (req.duty === 'monthlyObligation') return monthlyNextStep(req, to.role);
  const d = req.detail ?? {};
  switch (req.event) {
    case 'cancel':
    case 'closure':
      return '本案已结束，无需再办理。';
    case 'deduction':
      return '扣分已记入本单位年终考核台账；如有异议，请向区信访办提出。';
    case 'undeliverable':
      return '请通过电话等方式直接通知本人，并核对通讯录中的联系方式。';
    case 'ledgerRefused':
      return '请核查该单位年度台账（是否已关账、单位是否有误），需要时由督办人员补记或说明。';
    case 'explanationDecision':
      if (d.decision === 'accept') return '本次不予扣分，请继续按期办理。';
      break;
    default:
      break;
  }
  if (to.role === 'supervisor') return req.milestone === 'arrival' ? '请跟踪督促责任单位领导按时到达现场。' : '请跟踪督促责任单位按时书面报结果。';
  if (req.milestone === 'closureReport') return '请在期限前书面报送处理结果，并在督办系统中提交销案报告。';
  if (to.role === 'contact') return '请立即转告本单位主要领导或分管领导，并协助安排接回。';
  return to.arrivalLink
    ? `请主要领导或分管领导在期限前到达${req.receptionSite}接回群众；到达后打开下方链接报告到达（链接仅限本人使用，一次有效）。`
    : `请主要领导或分管领导在期限前到达${req.receptionSite}接回群众；到达后请由本单位在督办系统中报告到达，或电话告知区信访办。`;
}

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

interface Field {
  label: string;
  value: string;
  href?: string;
}

function fieldsOf(req: NotifyRequest, to: RecipientContext): Field[] {
  const fields: Field[] = [
    { label: '案件号', value: req.caseId },
    { label: '责任单位', value: req.unitName },
    ...(req.level ? [{ label: '级别', value: LEVEL_LABEL[req.level] }] : []),
    { label: req.duty === 'assignedCase' ? '交办来源' : req.duty === 'monthlyObligation' ? '事项' : '接待地点', value: req.receptionSite },
  ];
  if (req.milestone) fields.push({ label: '当前事项', value: MILESTONE_LABEL[req.milestone] });
  if (req.deadline) fields.push({ label: '期限', value: `北京时间${formatShanghai(req.deadline)}` });
  const names = documentNames(req);
  if (names) fields.push({ label: '文书', value: names });
  fields.push({ label: '下一步', value: nextStep(req, to) });
  if (to.arrivalLink) fields.push({ label: '报告到达', value: to.arrivalLink, href: to.arrivalLink });
  return fields;
}

function greeting(to: RecipientContext): string {
  return `${to.name}${to.title ?? ''}：`;
}

const FOOTER = '本邮件由督办系统自动发送，请勿直接回复。';

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** E-mail: a UTF-8 subject, a plain-text part and an HTML part with the same content. */
export function renderEmail(req: NotifyRequest, to: RecipientContext): EmailContent {
  const title = notificationTitle(req.event, req.milestone);
  const subject = `【督办】${title}：${req.unitName}（案件号${req.caseId}）`;
  const body = renderNotification(req);
  const fields = fieldsOf(req, to);
  const text = [greeting(to), '', body, '', ...fields.map((f) => `${f.label}：${f.value}`), '', FOOTER, ''].join('\n');
  const rows = fields
    .map((f) => {
      const value = f.href ? `<a href="${escapeHtml(f.href)}">${escapeHtml(f.value)}</a>` : escapeHtml(f.value);
      return `<tr><th align="left" style="padding:4px 12px 4px 0;white-space:nowrap">${escapeHtml(f.label)}</th><td style="padding:4px 0">${value}</td></tr>`;
    })
    .join('');
  const html =
    `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>` +
    `<body style="font-family:sans-serif"><p>${escapeHtml(greeting(to))}</p><h2>${escapeHtml(title)}</h2><p>${escapeHtml(body)}</p>` +
    `<table>${rows}</table><p style="color:#888">${escapeHtml(FOOTER)}</p></body></html>`;
  return { subject, text, html };
}

/** Group-robot text (WeCom, DingTalk): the e-mail's fields without a greeting; the recipient is @-mentioned by phone. */
export function renderChat(req: NotifyRequest, to: RecipientContext): string {
  const fields = fieldsOf(req, to);
  return [`【督办】${notificationTitle(req.event, req.milestone)}（致${to.name}）`, renderNotification(req), ...fields.map((f) => `${f.label}：${f.value}`)].join('\n');
}

// SMS segments: a text of GSM 03.38 characters only is sent in 7-bit (160 single / 153 per part); anything else, and
// every Chinese text, in UCS-2: 70 characters single / 67 per part (UTF-16 code units).
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENDED = '^{}\\[~]|€\f';

export interface SmsSegments {
  encoding: 'GSM-7' | 'UCS-2';
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number;
  segments: number;
}

export function smsSegments(text: string): SmsSegments {
  let septets = 0;
  let gsm = true;
  for (const ch of text) {
    if (GSM_BASIC.includes(ch)) septets += 1;
    else if (GSM_EXTENDED.includes(ch)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (gsm) return { encoding: 'GSM-7', units: septets, segments: septets === 0 ? 1 : septets <= 160 ? 1 : Math.ceil(septets / 153) };
  const units = text.length;
  return { encoding: 'UCS-2', units, segments: units <= 70 ? 1 : Math.ceil(units / 67) };
}
