// The board's pages, server-rendered: every value escaped (html``), no inline script or style, every control labelled.
import type { Principal } from '../api/auth.js';
import type { Directory } from '../directory.js';
import { LEVEL_LABEL, LEVELS, MILESTONE_LABEL, STEP_LABEL, type Level } from '../domain.js';
import { PAUSE_KINDS, PAUSE_LABEL, SOURCE_LEVEL_LABEL, priorityReasons, type AssignedCaseView } from '../duties/assignedCase.js';
import { ACCEPTANCE_DECISION_LABEL, ASSIGNED_STATUS_LABEL, CALENDAR_DATA_MISSING, CASE_MILESTONE_LABEL, DEADLINE_RULE_LABEL, WAIT_STAGE_LABEL, formatLimit, timelineLabel } from '../labels.js';
import { OBLIGATION_LABEL, periodLabel, type MonthlyObligationView } from '../duties/monthlyObligation.js';
import type { CaseView, LedgerView } from '../messages.js';
import { formatShanghai } from '../time.js';
import { html, type HtmlValue, type SafeHtml } from './html.js';
import {
  COLOUR_LABEL,
  COLOUR_MEANING,
  COLOURS,
  DUTIES,
  DUTY_LABEL,
  GROUP_LABEL,
  GROUPS,
  KIND_LABEL,
  KINDS,
  formatLeft,
  milestoneOf,
  shortCaseId,
  stageText,
  queryString,
  type BoardFilter,
  type BoardRow,
  type Colour,
  type Group,
} from './model.js';
import { FIELD_LABEL, ROLE_LABEL } from './text.js';

export interface PageContext {
  principal: Principal | null;
  csrf: string;
  now: number;
  /** Which nav entry is current. */
  nav?: 'board' | 'ledger' | 'circulars' | 'preview' | 'accounts';
}

/** Field errors of one form: field → message (Chinese); '' is the form's own. */
export type FieldErrors = Record<string, string>;

const NAV: { key: NonNullable<PageContext['nav']>; href: string; label: string; admin?: boolean }[] = [
  { key: 'board', href: '/', label: '工作台' },
  { key: 'ledger', href: '/board/ledger', label: '扣分台账' },
  { key: 'circulars', href: '/board/circulars', label: '季度通报' },
  { key: 'preview', href: '/board/preview', label: '期限预览' },
  { key: 'accounts', href: '/board/accounts', label: '账号管理', admin: true },
];

export const shanghai = (iso: string | number | null | undefined): string => (iso === null || iso === undefined ? '—' : formatShanghai(iso));

export function layout(ctx: PageContext, title: string, body: HtmlValue): SafeHtml {
  const p = ctx.principal;
  return html`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · 督办</title>
<link rel="stylesheet" href="/board/assets/board.css">
<script src="/board/assets/board.js" defer></script>
</head>
<body data-now="${ctx.now}">
<a class="skip" href="#main">跳到正文</a>
<header class="top">
  <p class="brand"><a href="/">督办 · 信访接访督办工作台</a></p>
  ${p
    ? html`<nav aria-label="主导航"><ul>${NAV.filter((n) => !n.admin || p.role === 'admin').map(
        (n) => html`<li><a href="${n.href}"${ctx.nav === n.key ? html` aria-current="page"` : ''}>${n.label}</a></li>`,
      )}</ul></nav>
  <form class="signout" method="post" action="/board/logout"><input type="hidden" name="_csrf" value="${ctx.csrf}"><span class="who">${ROLE_LABEL[p.role]}：${p.id}${p.role === 'unit' ? `（${p.units.join('、')}）` : ''}</span> <button type="submit">退出登录</button></form>`
    : ''}
</header>
<main id="main" tabindex="-1">
${body}
</main>
<footer class="foot"><p>时间均为北京时间。本系统只记录责任单位和领导的履职情况，不记录来访群众信息。</p></footer>
</body>
</html>`;
}

const errorOf = (errors: FieldErrors | undefined, field: string, formId: string, label?: string): SafeHtml =>
  errors?.[field] ? html`<p class="field-error" id="${formId}-${field}-error">${label ?? FIELD_LABEL[field] ?? field}：${errors[field]}</p>` : html``;
const describedBy = (errors: FieldErrors | undefined, field: string, formId: string): SafeHtml =>
  errors?.[field] ? html` aria-invalid="true" aria-describedby="${formId}-${field}-error"` : html``;
const formError = (errors: FieldErrors | undefined): SafeHtml => (errors?.[''] ? html`<p class="form-error" role="alert">${errors['']}</p>` : html``);

export function loginPage(ctx: PageContext, opts: { error?: string; mode?: 'key' | 'account' }): SafeHtml {
  return layout(
    ctx,
    '登录',
    html`<h1>登录督办工作台</h1>
${opts.error ? html`<p class="form-error" role="alert" id="login-error">${opts.error}</p>` : ''}
<div class="login-forms">
<form method="post" action="/board/login" class="panel" aria-labelledby="login-key-h">
  <h2 id="login-key-h">使用 API 密钥</h2>
  <input type="hidden" name="_csrf" value="${ctx.csrf}">
  <input type="hidden" name="mode" value="key">
  <label for="login-key">API 密钥</label>
  <input id="login-key" name="key" type="password" autocomplete="off" required maxlength="200">
  <button type="submit">登录</button>
</form>
<form method="post" action="/board/login" class="panel" aria-labelledby="login-account-h">
  <h2 id="login-account-h">使用个人账号</h2>
  <input type="hidden" name="_csrf" value="${ctx.csrf}">
  <input type="hidden" name="mode" value="account">
  <label for="login-name">账号</label>
  <input id="login-name" name="name" type="text" autocomplete="username" required maxlength="40">
  <label for="login-password">密码</label>
  <input id="login-password" name="password" type="password" autocomplete="current-password" required maxlength="200">
  <button type="submit">登录</button>
</form>
</div>`,
  );
}

export function colourBadge(colour: Colour | null): SafeHtml {
  if (!colour) return html`<span class="colour colour-none">—</span>`;
  return html`<span class="colour colour-${colour}">${COLOUR_LABEL[colour]} · ${COLOUR_MEANING[colour]}</span>`;
}

export function countdown(deadline: string | null, now: number): SafeHtml {
  if (!deadline) return html`<span class="countdown-none">—</span>`;
  const left = Date.parse(deadline) - now;
  return html`<time class="countdown${left < 0 ? ' overdue' : ''}" datetime="${deadline}" data-deadline="${Date.parse(deadline)}">${left < 0 ? '逾期 ' : '剩余 '}${formatLeft(left)}</time>`;
}

const caseHref = (caseId: string): string => `/board/cases/${encodeURIComponent(caseId)}`;

export interface BoardData {
  rows: BoardRow[];
  groupCounts: Record<Group, number>;
  colourCounts: Record<Colour, number>;
  filter: BoardFilter;
  units: { id: string; name: string }[];
  unitName: (id: string) => string;
  truncated: boolean;
}

/** A visit's duty (领导到场 / 书面报结果), an assigned case's milestone (受理告知, 办理答复, …). */
function dutyText(r: BoardRow): string {
  if (r.duty) return DUTY_LABEL[r.duty];
  const m = r.kind !== 'escalatedVisit' && r.status === 'open' ? milestoneOf(r.stage) : null;
  return m ? CASE_MILESTONE_LABEL[m] ?? m : '—';
}

/** The cards and the list: the part the page's script replaces on a live update. */
export function boardLive(ctx: PageContext, d: BoardData): SafeHtml {
  const toggle = (patch: Partial<BoardFilter>, key: 'group' | 'colour', value: string): string => {
    const next: BoardFilter = { ...d.filter, ...patch };
    if (d.filter[key] === value) delete next[key];
    return `/${queryString(next)}`;
  };
  return html`<section aria-labelledby="cards-h">
<h2 id="cards-h">状态统计</h2>
<ul class="cards" data-testid="cards">
${GROUPS.filter((g) => g !== 'cancelled').map(
  (g) => html`<li><a class="card card-${g}" href="${toggle({ group: g }, 'group', g)}"${d.filter.group === g ? html` aria-current="true"` : ''} data-group="${g}"><span class="card-label">${GROUP_LABEL[g]}</span> <span class="card-count">${d.groupCounts[g]}</span></a></li>`,
)}
${COLOURS.map(
  (c) => html`<li><a class="card card-colour colour-${c}" href="${toggle({ colour: c }, 'colour', c)}"${d.filter.colour === c ? html` aria-current="true"` : ''} data-colour="${c}"><span class="card-label">${COLOUR_LABEL[c]}（${COLOUR_MEANING[c]}）</span> <span class="card-count">${d.colourCounts[c]}</span></a></li>`,
)}
</ul>
</section>
<section aria-labelledby="list-h">
<h2 id="list-h">案件列表 <span class="count">共 ${d.rows.length} 件</span></h2>
${d.truncated ? html`<p class="note">只统计最近的 1000 件通知；更早的请用筛选条件缩小范围。</p>` : ''}
${d.rows.length === 0
  ? html`<p class="empty">没有符合条件的案件。</p>`
  : html`<table class="cases">
<caption class="visually-hidden">按剩余时间排序，逾期最久的在前</caption>
<thead><tr><th scope="col">编号</th><th scope="col">类型</th><th scope="col">层级</th><th scope="col">责任单位</th><th scope="col">职责</th><th scope="col">阶段</th><th scope="col">颜色</th><th scope="col">剩余时间</th><th scope="col">期限（北京时间）</th></tr></thead>
<tbody>
${d.rows.map(
  (r) => html`<tr data-case="${r.caseId}" data-warn="${r.warnMs}">
<th scope="row" data-label="编号"><a href="${caseHref(r.caseId)}">${r.noticeId}</a></th>
<td data-label="类型" class="kind">${KIND_LABEL[r.kind]}</td>
<td data-label="层级">${r.level ? LEVEL_LABEL[r.level] : '—'}</td>
<td data-label="责任单位">${d.unitName(r.unitId)}</td>
<td data-label="职责">${dutyText(r)}</td>
<td data-label="阶段" class="stage">${stageText(r.kind, r.stage)}</td>
<td data-label="颜色" class="colour-cell">${colourBadge(r.colour)}</td>
<td data-label="剩余时间">${countdown(r.status === 'open' ? r.deadline : null, ctx.now)}</td>
<td data-label="期限">${r.status === 'open' && r.deadline ? (r.kind !== 'escalatedVisit' ? formatLimit(r.deadline) : shanghai(r.deadline)) : '—'}</td>
</tr>`,
)}
</tbody>
</table>`}
</section>`;
}

export function boardPage(ctx: PageContext, d: BoardData): SafeHtml {
  const f = d.filter;
  const opt = (value: string, label: string, current: string | undefined): SafeHtml => html`<option value="${value}"${current === value ? html` selected` : ''}>${label}</option>`;
  return layout(
    { ...ctx, nav: 'board' },
    '工作台',
    html`<h1>工作台</h1>
<form class="filters" method="get" action="/" role="search" aria-label="筛选案件">
  <div><label for="f-q">编号</label><input id="f-q" name="q" type="search" value="${f.q ?? ''}" maxlength="64" inputmode="latin"></div>
  <div><label for="f-kind">类型</label><select id="f-kind" name="kind">${opt('', '全部', f.kind ?? '')}${KINDS.map((k) => opt(k, KIND_LABEL[k], f.kind))}</select></div>
  <div><label for="f-level">层级</label><select id="f-level" name="level">${opt('', '全部', f.level ?? '')}${LEVELS.map((l) => opt(l, LEVEL_LABEL[l], f.level))}</select></div>
  <div><label for="f-unit">责任单位</label><select id="f-unit" name="unit">${opt('', '全部', f.unit ?? '')}${d.units.map((u) => opt(u.id, u.name, f.unit))}</select></div>
  <div><label for="f-group">阶段</label><select id="f-group" name="group">${opt('', '全部', f.group ?? '')}${GROUPS.map((g) => opt(g, GROUP_LABEL[g], f.group))}</select></div>
  <div><label for="f-colour">颜色</label><select id="f-colour" name="colour">${opt('', '全部', f.colour ?? '')}${COLOURS.map((c) => opt(c, `${COLOUR_LABEL[c]}（${COLOUR_MEANING[c]}）`, f.colour))}</select></div>
  <div><label for="f-duty">职责</label><select id="f-duty" name="duty">${opt('', '全部', f.duty ?? '')}${DUTIES.map((x) => opt(x, DUTY_LABEL[x], f.duty))}</select></div>
  <div class="filter-actions"><button type="submit">筛选</button> <a href="/">清除筛选</a></div>
</form>
<p class="live-status" role="status" aria-live="polite" id="live-status"></p>
<div id="board-live" data-events="/board/events" data-fragment="/board/fragment${queryString(f)}">
${boardLive(ctx, d)}
</div>`,
  );
}

export interface CaseAction {
  key: string;
  label: string;
}

export interface CasePageData {
  view: CaseView | AssignedCaseView | MonthlyObligationView;
  unitName: string;
  colour: Colour | null;
  documents: { documentId: string; documentNumber: string; kind: 'urge' | 'supervise'; issuedAt: string }[];
  /** The forms the signed-in role may use now, in order. */
  actions: CaseAction[];
  errors?: { action: string; fields: FieldErrors; values: Record<string, string> };
  done?: string;
  directory: Directory;
  personName: (id: string) => string;
}

const ACTION_DONE: Record<string, string> = {
  arrival: '已报告到达。',
  explanation: '情况说明已提交。',
  decideExplanation: '审核结论已提交。',
  extend: '期限已延长。',
  reassign: '责任单位已变更。',
  cancel: '案件已撤销。',
  closureReport: '书面办理结果已提交。',
  acceptance: '受理决定已提交。',
  progress: '办理进展已报送。',
  reply: '答复意见已提交。',
  opinion: '复查（复核）意见已提交。',
  pause: '已中止计时。',
  resumption: '已恢复计时。',
  handlingExtension: '办理期限已延长。',
  reviewRequest: '复查（复核）申请已登记。',
  leadershipStudy: '领导班子研究信访工作已登记。',
};

/** A field's name where one form means it differently than FIELD_LABEL says (the progress report's text). */
const FORM_FIELD_LABEL: Record<string, Record<string, string>> = {
  acceptance: { decision: '受理决定' },
  progress: { text: '进展情况' },
  reply: { result: '答复意见' },
  resumption: { note: '说明' },
};

/** datetime-local's value (Beijing time) of an instant. */
export function localInputValue(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16);
}

function actionForm(ctx: PageContext, d: CasePageData, a: CaseAction): SafeHtml {
  const v = d.view;
  const formId = `form-${a.key}`;
  const errs = d.errors?.action === a.key ? d.errors.fields : undefined;
  const labels = FORM_FIELD_LABEL[a.key] ?? {};
  const val = (field: string, fallback = ''): string => (d.errors?.action === a.key ? (d.errors.values[field] ?? fallback) : fallback);
  const field = (name: string, label: string, control: SafeHtml): SafeHtml => html`<div class="field"><label for="${formId}-${name}">${label}</label>${control}${errorOf(errs, name, formId, labels[name])}</div>`;
  const textarea = (name: string, label: string, max: number): SafeHtml =>
    field(name, label, html`<textarea id="${formId}-${name}" name="${name}" rows="3" maxlength="${max}"${describedBy(errs, name, formId)}>${val(name)}</textarea>`);
  const datetime = (name: string, label: string, fallback: string): SafeHtml =>
    field(name, `${label}（北京时间）`, html`<input id="${formId}-${name}" name="${name}" type="datetime-local" step="1" value="${val(name, fallback)}"${describedBy(errs, name, formId)}>`);
  const choice = (name: string, legend: string, options: [string, string][]): SafeHtml => html`<fieldset><legend>${legend}</legend>
${options.map(([value, label]) => html`<div class="choice"><input type="radio" id="${formId}-${value}" name="${name}" value="${value}"${val(name) === value ? html` checked` : ''}><label for="${formId}-${value}">${label}</label></div>`)}
${errorOf(errs, name, formId, labels[name])}</fieldset>`;
  // Who may approve a pause or an extension: the unit's leaders and the office's supervisors.
  const approver = (): SafeHtml =>
    field(
      'approverId',
      '批准人',
      html`<select id="${formId}-approverId" name="approverId"${describedBy(errs, 'approverId', formId)}><option value="">请选择</option><optgroup label="责任单位领导">${v.unit.leaders.map(
        (l) => html`<option value="${l.id}"${val('approverId') === l.id ? html` selected` : ''}>${d.personName(l.id)}（${l.role === 'principal' ? '主要领导' : '分管领导'}）</option>`,
      )}</optgroup><optgroup label="督查人员">${d.directory.supervisors.map((p) => html`<option value="${p.id}"${val('approverId') === p.id ? html` selected` : ''}>${p.name}</option>`)}</optgroup></select>`,
    );
  const nowValue = localInputValue(ctx.now);
  let fields: SafeHtml;
  switch (a.key) {
    case 'arrival':
      fields = html`${field(
        'leaderId',
        '到场领导',
        html`<select id="${formId}-leaderId" name="leaderId"${describedBy(errs, 'leaderId', formId)}><option value="">请选择</option>${v.unit.leaders.map(
          (l) => html`<option value="${l.id}"${val('leaderId') === l.id ? html` selected` : ''}>${d.personName(l.id)}（${l.role === 'principal' ? '主要领导' : '分管领导'}）</option>`,
        )}</select>`,
      )}${datetime('arrivedAt', '到达时间', nowValue)}${textarea('note', '备注（可不填）', 1000)}`;
      break;
    case 'explanation':
      fields = textarea('text', '情况说明', 5000);
      break;
    case 'decideExplanation':
      fields = html`${choice('decision', '审核结论', [['accept', '采纳（取消扣分）'], ['reject', '不予采纳']])}${textarea('reason', '理由', 1000)}`;
      break;
    case 'extend':
      fields = html`${datetime('newDeadline', '新期限', v.deadline ? localInputValue(Date.parse(v.deadline) + 3_600_000) : '')}${textarea('reason', '延期理由', 1000)}`;
      break;
    case 'reassign':
      fields = html`${field(
        'unitId',
        '新责任单位',
        html`<select id="${formId}-unitId" name="unitId"${describedBy(errs, 'unitId', formId)}><option value="">请选择</option>${d.directory.units
          .filter((u) => u.id !== v.unit.id)
          .map((u) => html`<option value="${u.id}"${val('unitId') === u.id ? html` selected` : ''}>${u.name}</option>`)}</select>`,
      )}${textarea('reason', '变更理由', 1000)}`;
      break;
    case 'cancel':
      fields = textarea('reason', '撤销理由', 1000);
      break;
    case 'acceptance':
      fields = html`${choice('decision', '受理决定', [['accepted', ACCEPTANCE_DECISION_LABEL.accepted], ['notAccepted', ACCEPTANCE_DECISION_LABEL.notAccepted]])}${datetime('writtenNoticeAt', '书面告知信访人时间', nowValue)}${textarea('reason', '理由（不予受理时必填）', 1000)}`;
      break;
    case 'progress':
      fields = textarea('text', '进展情况', 5000);
      break;
    case 'reply':
      fields = html`${textarea('result', '答复意见', 10_000)}${datetime('writtenReplyAt', '书面答复时间', nowValue)}`;
      break;
    case 'opinion':
      fields = html`${textarea('opinion', '意见', 10_000)}${datetime('writtenOpinionAt', '书面意见时间', nowValue)}`;
      break;
    case 'pause':
      fields = html`${field(
        'pauseKind',
        '中止事由',
        html`<select id="${formId}-pauseKind" name="pauseKind"${describedBy(errs, 'pauseKind', formId)}><option value="">请选择</option>${PAUSE_KINDS.map((k) => html`<option value="${k}"${val('pauseKind') === k ? html` selected` : ''}>${PAUSE_LABEL[k]}</option>`)}</select>`,
      )}${textarea('reason', '理由', 1000)}${approver()}`;
      break;
    case 'resumption':
      fields = textarea('note', '说明（可不填）', 1000);
      break;
    case 'handlingExtension':
      fields = html`${field('days', '延长天数', html`<input id="${formId}-days" name="days" type="number" min="1" max="365" step="1" inputmode="numeric" value="${val('days')}"${describedBy(errs, 'days', formId)}>`)}${textarea('reason', '延期理由', 1000)}${approver()}${datetime('petitionerNotifiedAt', '书面告知信访人时间', nowValue)}`;
      break;
    case 'reviewRequest':
      fields = datetime('requestedAt', '申请时间', nowValue);
      break;
    case 'leadershipStudy': {
      // Attendees are the unit's own people: the workflow requires one of its leaders among them.
      const people = d.directory.units.find((u) => u.id === v.unit.id)?.people ?? [];
      const chosen = d.errors?.action === a.key ? (d.errors.values.attendees ?? '').split(',') : [];
      fields = html`${field('meetingDate', '会议日期', html`<input id="${formId}-meetingDate" name="meetingDate" type="date" value="${val('meetingDate')}"${describedBy(errs, 'meetingDate', formId)}>`)}<fieldset><legend>参会人员</legend>
${people.map((p) => html`<div class="choice"><input type="checkbox" id="${formId}-attendee-${p.id}" name="attendees" value="${p.id}"${chosen.includes(p.id) ? html` checked` : ''}><label for="${formId}-attendee-${p.id}">${p.name}${p.role === 'principal' ? '（主要领导）' : p.role === 'inCharge' ? '（分管领导）' : ''}</label></div>`)}
${errorOf(errs, 'attendees', formId)}</fieldset>${textarea('topics', '研究内容', 5000)}`;
      break;
    }
    default:
      fields = textarea('result', '办理结果', 10_000);
  }
  return html`<form class="panel action" id="${formId}" method="post" action="/board/cases/${encodeURIComponent(v.caseId)}/${a.key}" aria-labelledby="${formId}-h" novalidate>
<h3 id="${formId}-h">${a.label}</h3>
<input type="hidden" name="_csrf" value="${ctx.csrf}">
${formError(errs)}
${fields}
<button type="submit">${a.label}</button>
</form>`;
}

const onTimeText = (ok: boolean): string => (ok ? '（按时）' : '（超期）');
const explanationText = (x: CaseView['explanation']): SafeHtml => html`${{ none: '未提交', pending: '待审核', accepted: '已采纳', rejected: '不予采纳' }[x.status]}${x.text ? html`<br><span class="quote">${x.text}</span>` : ''}`;

/** The timeline, documents, receipts and forms: the same on every duty's page. */
function caseSections(ctx: PageContext, d: CasePageData): SafeHtml {
  const v = d.view;
  // An assigned case's limits are whole days: its times say 24:00 of the last day, not 00:00 of the next.
  const when = v.kind !== 'escalatedVisit' ? formatLimit : (iso: string): string => shanghai(iso);
  const deliveries = v.timeline.filter((e) => e.type === 'notificationDelivered' || e.type === 'notificationUndelivered' || e.type === 'notificationFailed');
  const actorText = (e: CaseView['timeline'][number]): string => (e.actor.role === 'system' ? '系统' : `${ROLE_LABEL[e.actor.role as keyof typeof ROLE_LABEL] ?? e.actor.role}：${d.personName(e.actor.id)}`);
  const detailText = (e: CaseView['timeline'][number]): string => {
    const parts: string[] = [];
    const x = e.detail ?? {};
    if (e.dueAt) parts.push(`规定时间 ${when(e.dueAt)}`);
    if (e.type === 'deadlineExtended' && typeof x.days === 'number') parts.push(`延长 ${x.days} 日`);
    if (e.type === 'deadlineExtended' && typeof x.approverId === 'string') parts.push(`批准人 ${d.personName(x.approverId)}`);
    if (e.type === 'deadlineExtended' && typeof x.to === 'string') parts.push(`期限延至 ${when(x.to)}`);
    if (e.type === 'reassigned' && typeof x.to === 'string') parts.push(`改由 ${d.directory.units.find((u) => u.id === x.to)?.name ?? String(x.to)} 负责`);
    if (e.type === 'arrival' && typeof x.leaderId === 'string') parts.push(`${d.personName(x.leaderId)}到场${x.onTime ? '（按时）' : '（超时）'}`);
    if (e.type === 'documentIssued' && typeof x.documentNumber === 'string') parts.push(`文号 ${x.documentNumber}`);
    if (e.type === 'deduction' && typeof x.points === 'number') parts.push(`扣 ${x.points} 分`);
    if (e.type === 'registered' && typeof x.policyVersion === 'string') parts.push(`政策版本 ${x.policyVersion}`);
    if (e.type === 'deadlineSet' && typeof x.deadline === 'string') parts.push(`${x.window ? '申请期至' : '期限'} ${when(x.deadline)}${x.calendarDataMissing === true ? `（${CALENDAR_DATA_MISSING}）` : ''}`);
    if (e.type === 'acceptanceDecided' && (x.decision === 'accepted' || x.decision === 'notAccepted')) parts.push(`${ACCEPTANCE_DECISION_LABEL[x.decision]}${typeof x.onTime === 'boolean' ? onTimeText(x.onTime) : ''}`);
    if (e.type === 'acceptanceDecided' && typeof x.writtenNoticeAt === 'string') parts.push(`书面告知 ${shanghai(x.writtenNoticeAt)}`);
    if (e.type === 'clockPaused' && typeof x.label === 'string') parts.push(typeof x.approverId === 'string' ? `${x.label}，批准人 ${d.personName(x.approverId)}` : x.label);
    if (e.type === 'clockResumed' && typeof x.pausedDays === 'number') parts.push(`累计中止 ${x.pausedDays} 日`);
    if (e.type === 'replied' && typeof x.writtenReplyAt === 'string') parts.push(`书面答复 ${shanghai(x.writtenReplyAt)}${typeof x.onTime === 'boolean' ? onTimeText(x.onTime) : ''}`);
    return parts.join('；');
  };
  return html`<section aria-labelledby="timeline-h">
<h2 id="timeline-h">办理经过</h2>
<table class="timeline">
<thead><tr><th scope="col">时间（北京时间）</th><th scope="col">事项</th><th scope="col">经办</th><th scope="col">原因或说明</th></tr></thead>
<tbody>
${v.timeline.map(
  (e) => html`<tr data-type="${e.type}"><td data-label="时间">${shanghai(e.at)}</td><td data-label="事项">${timelineLabel(v.kind, e.type)}${e.milestone ? `（${MILESTONE_LABEL[e.milestone]}）` : ''}</td><td data-label="经办">${actorText(e)}</td><td data-label="原因或说明">${[e.reason, detailText(e)].filter(Boolean).join('；') || '—'}</td></tr>`,
)}
</tbody>
</table>
</section>
<section aria-labelledby="docs-h">
<h2 id="docs-h">文书</h2>
${d.documents.length === 0
  ? html`<p class="empty">暂无催办单或督办单。</p>`
  : html`<ul class="documents">${d.documents.map(
      (doc) => html`<li><a href="/board/cases/${encodeURIComponent(v.caseId)}/documents/${encodeURIComponent(doc.documentId)}" download>下载${doc.kind === 'urge' ? '催办单' : '督办单'}（${doc.documentNumber}）</a> <span class="muted">制发于 ${shanghai(doc.issuedAt)}</span></li>`,
    )}</ul>`}
</section>
<section aria-labelledby="receipts-h">
<h2 id="receipts-h">送达回执</h2>
${deliveries.length === 0
  ? html`<p class="empty">暂无送达回执。</p>`
  : html`<table class="receipts"><thead><tr><th scope="col">时间</th><th scope="col">接收人</th><th scope="col">渠道</th><th scope="col">结果</th></tr></thead><tbody>
${deliveries.map(
  (e) => html`<tr><td data-label="时间">${shanghai(e.at)}</td><td data-label="接收人">${typeof e.detail?.recipientId === 'string' ? d.personName(e.detail.recipientId) : '—'}</td><td data-label="渠道">${channelLabel(String(e.detail?.channel ?? e.detail?.channels ?? ''))}</td><td data-label="结果">${e.type === 'notificationDelivered' ? '已送达' : e.type === 'notificationUndelivered' ? '未送达' : '发送失败'}</td></tr>`,
)}</tbody></table>`}
</section>
<section aria-labelledby="actions-h">
<h2 id="actions-h">可办理的操作</h2>
${d.actions.length === 0 ? html`<p class="empty">当前没有您可以办理的操作。</p>` : html`<div class="actions">${d.actions.map((a) => actionForm(ctx, d, a))}</div>`}
</section>`;
}

export function casePage(ctx: PageContext, d: CasePageData): SafeHtml {
  const v = d.view;
  if (v.kind === 'assignedCase') return assignedCasePage(ctx, d, v);
  if (v.kind === 'monthlyObligation') return monthlyObligationPage(ctx, d, v);
  return layout(
    ctx,
    `案件 ${v.notice.noticeId}`,
    html`<p><a href="/">← 返回工作台</a></p>
<h1>案件 ${v.notice.noticeId}</h1>
${d.done && ACTION_DONE[d.done] ? html`<p class="flash" role="status">${ACTION_DONE[d.done]}</p>` : ''}
<section aria-labelledby="summary-h" class="panel">
<h2 id="summary-h">概况</h2>
<dl class="summary">
<dt>层级</dt><dd>${LEVEL_LABEL[v.notice.level]}</dd>
<dt>责任单位</dt><dd>${d.unitName}</dd>
<dt>阶段</dt><dd class="stage">${stageText(v.kind, v.stage)}</dd>
<dt>颜色</dt><dd>${colourBadge(d.colour)}</dd>
<dt>当前职责</dt><dd>${v.milestone ? MILESTONE_LABEL[v.milestone] : '—'}</dd>
<dt>期限（北京时间）</dt><dd>${shanghai(v.deadline)}</dd>
<dt>剩余时间</dt><dd>${countdown(v.status === 'open' ? v.deadline : null, ctx.now)}</dd>
<dt>收到通知</dt><dd>${shanghai(v.notice.receivedAt)}</dd>
<dt>来访人数</dt><dd>${v.notice.headcount} 人</dd>
<dt>接待地点</dt><dd>${v.notice.receptionSite}</dd>
<dt>领导到达</dt><dd>${v.arrival ? `${d.personName(v.arrival.leaderId)}，${shanghai(v.arrival.arrivedAt)}${v.arrival.onTime ? '，按时' : '，超时'}` : '尚未到达'}</dd>
<dt>情况说明</dt><dd>${explanationText(v.explanation)}</dd>
<dt>书面报结果</dt><dd>${v.closureReport ? html`${shanghai(v.closureReport.reportedAt)}<br><span class="quote">${v.closureReport.result}</span>` : '尚未报送'}</dd>
<dt>政策版本</dt><dd>${v.policyVersion}</dd>
</dl>
</section>
${caseSections(ctx, d)}`,
  );
}

/** Where an assigned case stands, in the words of its milestones and windows. */
export function phaseText(v: Pick<AssignedCaseView, 'phase' | 'status'>): string {
  if (!v.phase) return ASSIGNED_STATUS_LABEL[v.status];
  return WAIT_STAGE_LABEL[v.phase] ?? CASE_MILESTONE_LABEL[v.phase] ?? v.phase;
}

/**
 * 交办案件: the assignment's facts (no petitioner's data: neither the matter in brief nor the plan, both free text),
 * every statutory limit with its rule, pauses, extensions and progress reports, then what every case page has.
 */
function assignedCasePage(ctx: PageContext, d: CasePageData, v: AssignedCaseView): SafeHtml {
  const a = v.assignment;
  const h = v.handling;
  const paused = v.stage === 'paused';
  const progress = v.timeline.filter((e) => e.type === 'progressReported');
  const reasons = priorityReasons(a);
  const opinionText = (o: AssignedCaseView['review'], what: string): SafeHtml =>
    o ? html`${shanghai(o.requestedAt)} 申请${what}；${o.opinion ? html`${shanghai(o.opinionAt)} 出具意见<br><span class="quote">${o.opinion}</span>` : '尚未出具意见'}` : html`—`;
  const title = `交办案件 ${shortCaseId(v.caseId)}`;
  return layout(
    ctx,
    title,
    html`<p><a href="/">← 返回工作台</a></p>
<h1>${title}</h1>
${d.done && ACTION_DONE[d.done] ? html`<p class="flash" role="status">${ACTION_DONE[d.done]}</p>` : ''}
<section aria-labelledby="summary-h" class="panel">
<h2 id="summary-h">概况</h2>
<dl class="summary" data-testid="assigned-summary">
<dt>交办层级</dt><dd>${SOURCE_LEVEL_LABEL[a.sourceLevel]}</dd>
<dt>交办机关及文号</dt><dd>${a.assigningBody} ${a.referenceNumber}</dd>
<dt>收到交办</dt><dd>${shanghai(a.receivedAt)}</dd>
<dt>责任单位</dt><dd>${d.unitName}</dd>
<dt>包案领导</dt><dd>${d.personName(a.leaderId)}</dd>
<dt>工作专班</dt><dd>${a.team.join('、')}</dd>
<dt>重点案件</dt><dd>${reasons.length > 0 ? reasons.join('、') : '否'}</dd>
<dt>当前阶段</dt><dd class="phase">${phaseText(v)}</dd>
<dt>阶段</dt><dd class="stage">${stageText(v.kind, v.stage)}</dd>
<dt>颜色</dt><dd>${colourBadge(d.colour)}</dd>
<dt>当前期限（北京时间）</dt><dd data-testid="current-deadline">${v.deadline ? formatLimit(v.deadline) : paused ? '已中止计时' : v.window ? `${v.window.kind === 'review' ? '复查' : '复核'}申请期至 ${formatLimit(v.window.endsAt)}` : '—'}</dd>
<dt>剩余时间</dt><dd>${countdown(v.status === 'open' ? v.deadline : null, ctx.now)}</dd>
<dt>受理决定</dt><dd>${v.acceptance ? `${ACCEPTANCE_DECISION_LABEL[v.acceptance.decision]}，${shanghai(v.acceptance.decidedAt)}${onTimeText(v.acceptance.onTime)}；书面告知 ${shanghai(v.acceptance.writtenNoticeAt)}` : '尚未作出'}</dd>
<dt>办理期限构成</dt><dd>${h ? `${h.budgetDays} 日 + 延期 ${h.extensionDays} 日 + 中止 ${h.pausedDays} 日${paused ? '（正在中止计时）' : ''}` : '—'}</dd>
<dt>答复意见</dt><dd>${v.reply ? html`${shanghai(v.reply.repliedAt)}${onTimeText(v.reply.onTime)}；书面答复 ${shanghai(v.reply.writtenReplyAt)}<br><span class="quote">${v.reply.result}</span>` : '尚未答复'}</dd>
<dt>复查</dt><dd>${opinionText(v.review, '复查')}</dd>
<dt>复核</dt><dd>${opinionText(v.reexamination, '复核')}</dd>
<dt>情况说明</dt><dd>${explanationText(v.explanation)}</dd>
<dt>扣分</dt><dd>${v.deductions.reduce((sum, x) => sum + x.points, 0)} 分</dd>
<dt>政策版本</dt><dd>${v.policyVersion}</dd>
<dt>节假日日历</dt><dd>${v.calendarVersion}</dd>
</dl>
</section>
<section aria-labelledby="deadlines-h">
<h2 id="deadlines-h">法定期限</h2>
<table class="deadlines" data-testid="deadlines">
<thead><tr><th scope="col">事项</th><th scope="col">期限（北京时间）</th><th scope="col">计算规则</th><th scope="col">依据</th><th scope="col">日历版本</th></tr></thead>
<tbody>
${v.deadlines.map(
  (x) => html`<tr${x.calendarDataMissing ? html` class="calendar-missing"` : ''}><td data-label="事项">${CASE_MILESTONE_LABEL[x.milestone] ?? x.milestone}</td><td data-label="期限">${formatLimit(x.deadline)}</td><td data-label="计算规则">${DEADLINE_RULE_LABEL[x.rule] ?? x.rule}</td><td data-label="依据">${x.note}${x.calendarDataMissing ? html` <strong class="missing">【${CALENDAR_DATA_MISSING}】</strong>` : ''}</td><td data-label="日历版本">${x.calendarVersion}</td></tr>`,
)}
</tbody>
</table>
</section>
<section aria-labelledby="pauses-h">
<h2 id="pauses-h">中止计时</h2>
${!h || h.pauses.length === 0
  ? html`<p class="empty">未中止计时。</p>`
  : html`<table class="pauses"><thead><tr><th scope="col">事由</th><th scope="col">理由</th><th scope="col">批准人</th><th scope="col">起</th><th scope="col">止</th></tr></thead><tbody>
${h.pauses.map((p) => html`<tr><td data-label="事由">${PAUSE_LABEL[p.pauseKind]}</td><td data-label="理由">${p.reason}</td><td data-label="批准人">${d.personName(p.approverId)}</td><td data-label="起">${shanghai(p.from)}</td><td data-label="止">${p.to ? shanghai(p.to) : '至今'}</td></tr>`)}
</tbody></table>`}
</section>
<section aria-labelledby="extensions-h">
<h2 id="extensions-h">延长办理期限</h2>
${!h || h.extensions.length === 0
  ? html`<p class="empty">未延长。</p>`
  : html`<table class="extensions"><thead><tr><th scope="col">延长天数</th><th scope="col">理由</th><th scope="col">批准人</th><th scope="col">书面告知信访人</th><th scope="col">登记时间</th></tr></thead><tbody>
${h.extensions.map((x) => html`<tr><td data-label="延长天数">${x.days} 日</td><td data-label="理由">${x.reason}</td><td data-label="批准人">${d.personName(x.approverId)}</td><td data-label="书面告知信访人">${shanghai(x.petitionerNotifiedAt)}</td><td data-label="登记时间">${shanghai(x.at)}</td></tr>`)}
</tbody></table>`}
</section>
<section aria-labelledby="progress-h">
<h2 id="progress-h">办理进展</h2>
${progress.length === 0
  ? html`<p class="empty">尚未报送进展。</p>`
  : html`<table class="progress"><thead><tr><th scope="col">报送时间</th><th scope="col">报送人</th><th scope="col">进展情况</th></tr></thead><tbody>
${progress.map((e) => html`<tr><td data-label="报送时间">${shanghai(e.at)}</td><td data-label="报送人">${d.personName(e.actor.id)}</td><td data-label="进展情况">${e.reason ?? '—'}</td></tr>`)}
</tbody></table>`}
</section>
${caseSections(ctx, d)}`,
  );
}

/** 月度工作: the unit, the month, the due date with its rule, what was reported or recorded, then what every case page has. */
function monthlyObligationPage(ctx: PageContext, d: CasePageData, v: MonthlyObligationView): SafeHtml {
  const title = `${periodLabel(v.period)}${OBLIGATION_LABEL[v.obligation]}`;
  const r = v.report;
  const st = v.study;
  return layout(
    ctx,
    `${title} ${d.unitName}`,
    html`<p><a href="/">← 返回工作台</a></p>
<h1>${title}</h1>
${d.done && ACTION_DONE[d.done] ? html`<p class="flash" role="status">${ACTION_DONE[d.done]}</p>` : ''}
<section aria-labelledby="summary-h" class="panel">
<h2 id="summary-h">概况</h2>
<dl class="summary" data-testid="monthly-summary">
<dt>工作事项</dt><dd>${OBLIGATION_LABEL[v.obligation]}</dd>
<dt>所属月份</dt><dd>${periodLabel(v.period)}</dd>
<dt>责任单位</dt><dd>${d.unitName}</dd>
<dt>阶段</dt><dd class="stage">${stageText(v.kind, v.stage)}</dd>
<dt>颜色</dt><dd>${colourBadge(d.colour)}</dd>
<dt>报送期限（北京时间）</dt><dd data-testid="current-deadline">${v.deadline ? formatLimit(v.deadline) : '—'}</dd>
<dt>剩余时间</dt><dd>${countdown(v.status === 'open' ? v.deadline : null, ctx.now)}</dd>
<dt>期限依据</dt><dd>${DEADLINE_RULE_LABEL[v.due.rule] ?? v.due.rule}：${v.due.note}${v.due.calendarDataMissing ? html` <strong class="missing">【${CALENDAR_DATA_MISSING}】</strong>` : ''}</dd>
${v.obligation === 'disputeScreening'
  ? html`<dt>排查月报</dt><dd>${r ? html`${shanghai(r.submittedAt)}${onTimeText(r.onTime)}；排查矛盾纠纷 ${r.disputesFound} 件；附件 ${r.file.fileName}（${Math.ceil(r.file.size / 1024)} KB）<br><span class="quote">${r.summary}</span>` : '尚未报送'}</dd>`
  : html`<dt>研究记录</dt><dd>${st ? html`${st.meetingDate} 召开；参会 ${st.attendees.map((a) => d.personName(a)).join('、')}；登记于 ${shanghai(st.recordedAt)}${onTimeText(st.onTime)}<br><span class="quote">${st.topics}</span>` : '尚未登记'}</dd>`}
<dt>情况说明</dt><dd>${explanationText(v.explanation)}</dd>
<dt>扣分</dt><dd>${v.deductions.reduce((sum, x) => sum + x.points, 0)} 分</dd>
<dt>政策版本</dt><dd>${v.policyVersion}</dd>
<dt>节假日日历</dt><dd>${v.calendarVersion}</dd>
</dl>
</section>
${caseSections(ctx, d)}`,
  );
}

const CHANNEL_LABEL: Record<string, string> = { sms: '短信', email: '电子邮件', wecom: '企业微信', dingtalk: '钉钉', outbox: '本地发件箱' };
function channelLabel(channels: string): string {
  return channels ? channels.split(',').map((c) => CHANNEL_LABEL[c.trim()] ?? c).join('、') : '—';
}

const ENTRY_KIND_LABEL = { deduction: '扣分', reversal: '撤销扣分', note: '备注' } as const;

export function ledgerPage(
  ctx: PageContext,
  d: { units: { id: string; name: string }[]; unitId: string; year: number; ledger: LedgerView | null; canWrite: boolean; errors?: FieldErrors; done?: boolean; personName: (id: string) => string },
): SafeHtml {
  const l = d.ledger;
  const reversed = new Set((l?.entries ?? []).filter((e) => e.kind === 'reversal' && e.reverses).map((e) => e.reverses!));
  return layout(
    { ...ctx, nav: 'ledger' },
    '扣分台账',
    html`<h1>扣分台账</h1>
<form class="filters" method="get" action="/board/ledger" aria-label="选择单位和年度">
  <div><label for="l-unit">单位</label><select id="l-unit" name="unit">${d.units.map((u) => html`<option value="${u.id}"${u.id === d.unitId ? html` selected` : ''}>${u.name}</option>`)}</select></div>
  <div><label for="l-year">年度</label><input id="l-year" name="year" type="number" min="2000" max="2100" value="${d.year}"></div>
  <div class="filter-actions"><button type="submit">查看</button></div>
</form>
${d.done ? html`<p class="flash" role="status">已撤销该扣分。</p>` : ''}
${formError(d.errors)}
${l
  ? html`<section aria-labelledby="totals-h" class="panel"><h2 id="totals-h">${d.units.find((u) => u.id === d.unitId)?.name ?? d.unitId} ${d.year} 年合计</h2>
<dl class="summary totals">
<dt>净扣分</dt><dd data-total="points">${l.totals.points} 分</dd>
<dt>扣分条数</dt><dd>${l.totals.deductions}</dd><dt>撤销条数</dt><dd>${l.totals.reversals}</dd><dt>备注条数</dt><dd>${l.totals.notes}</dd>
${LEVELS.map((lv: Level) => html`<dt>${LEVEL_LABEL[lv]}</dt><dd data-total="${lv}">${l.totals.byLevel[lv]} 分</dd>`)}
<dt>扣分合计</dt><dd>${l.totals.byKind.deduction} 分</dd><dt>撤销合计</dt><dd>${l.totals.byKind.reversal} 分</dd>
<dt>年度结账</dt><dd>${l.closed ? `已结账（${shanghai(l.closed.at)}）` : '未结账'}</dd>
</dl></section>
<section aria-labelledby="entries-h"><h2 id="entries-h">台账条目</h2>
${l.entries.length === 0
  ? html`<p class="empty">本年度暂无条目。</p>`
  : html`<table class="ledger"><thead><tr><th scope="col">时间</th><th scope="col">类型</th><th scope="col">案件</th><th scope="col">层级</th><th scope="col">分值</th><th scope="col">经办</th><th scope="col">原因</th>${d.canWrite ? html`<th scope="col">操作</th>` : ''}</tr></thead><tbody>
${l.entries.map(
  (e) => html`<tr data-entry="${e.entryId}"><td data-label="时间">${shanghai(e.at)}</td><td data-label="类型">${ENTRY_KIND_LABEL[e.kind]}${e.milestone ? `（${MILESTONE_LABEL[e.milestone]}）` : ''}</td><td data-label="案件">${e.caseId ? html`<a href="/board/cases/${encodeURIComponent(e.caseId)}">${shortCaseId(e.caseId)}</a>` : '—'}</td><td data-label="层级">${e.level ? LEVEL_LABEL[e.level] : '—'}</td><td data-label="分值">${e.kind === 'reversal' ? `+${e.points}` : e.kind === 'deduction' ? `-${e.points}` : '0'}</td><td data-label="经办">${e.actor.role === 'system' ? '系统' : d.personName(e.actor.id)}</td><td data-label="原因">${e.reason ?? '—'}</td>${
    d.canWrite
      ? html`<td data-label="操作">${e.kind === 'deduction' && !reversed.has(e.entryId) && !l.closed
          ? html`<form method="post" action="/board/ledger/reverse" class="inline-form"><input type="hidden" name="_csrf" value="${ctx.csrf}"><input type="hidden" name="unit" value="${d.unitId}"><input type="hidden" name="year" value="${d.year}"><input type="hidden" name="entryId" value="${e.entryId}"><label for="rev-${e.entryId}">撤销理由</label><input id="rev-${e.entryId}" name="reason" type="text" maxlength="1000" required><button type="submit">撤销扣分</button></form>`
          : '—'}</td>`
      : ''
  }</tr>`,
)}</tbody></table>`}
</section>`
  : html`<p class="empty">没有这个单位。</p>`}`,
  );
}

export function circularsPage(ctx: PageContext, list: { circularId: string; title: string; createdAt: string; files: { name: string; downloadName: string }[] }[]): SafeHtml {
  return layout(
    { ...ctx, nav: 'circulars' },
    '季度通报',
    html`<h1>季度通报</h1>
${list.length === 0
  ? html`<p class="empty">暂无通报。</p>`
  : html`<table class="circulars"><thead><tr><th scope="col">通报</th><th scope="col">生成时间</th><th scope="col">下载</th></tr></thead><tbody>
${list.map(
  (c) => html`<tr><td data-label="通报">${c.title}</td><td data-label="生成时间">${shanghai(c.createdAt)}</td><td data-label="下载">${c.files.map(
    (f) => html`<a href="/board/circulars/${encodeURIComponent(c.circularId)}/files/${encodeURIComponent(f.name)}" download>下载${f.name.endsWith('.xlsx') ? '表格（XLSX）' : '文档（DOCX）'}</a> `,
  )}</td></tr>`,
)}</tbody></table>`}`,
  );
}

export function previewPage(
  ctx: PageContext,
  d: { values: { level: string; receivedAt: string }; errors?: FieldErrors; result?: { policyVersion: string; deadline: string; steps: { kind: keyof typeof STEP_LABEL; dueAt: string }[] } },
): SafeHtml {
  const formId = 'preview';
  return layout(
    { ...ctx, nav: 'preview' },
    '期限预览',
    html`<h1>期限预览</h1>
<p>填写一份假设的通知，查看按现行政策会在何时提醒、催办、督办和扣分。不会登记任何案件。</p>
<form class="panel" method="post" action="/board/preview" id="preview" novalidate>
<input type="hidden" name="_csrf" value="${ctx.csrf}">
${formError(d.errors)}
<div class="field"><label for="preview-level">层级</label><select id="preview-level" name="level"${describedBy(d.errors, 'level', formId)}><option value="">请选择</option>${LEVELS.map((l) => html`<option value="${l}"${d.values.level === l ? html` selected` : ''}>${LEVEL_LABEL[l]}</option>`)}</select>${errorOf(d.errors, 'level', formId)}</div>
<div class="field"><label for="preview-receivedAt">收到通知时间（北京时间）</label><input id="preview-receivedAt" name="receivedAt" type="datetime-local" step="1" value="${d.values.receivedAt}"${describedBy(d.errors, 'receivedAt', formId)}>${errorOf(d.errors, 'receivedAt', formId)}</div>
<button type="submit">预览</button>
</form>
${d.result
  ? html`<section aria-labelledby="plan-h"><h2 id="plan-h">预计安排（政策版本 ${d.result.policyVersion}）</h2>
<p>到场期限：<strong data-testid="preview-deadline">${shanghai(d.result.deadline)}</strong></p>
<table class="plan"><thead><tr><th scope="col">事项</th><th scope="col">时间（北京时间）</th></tr></thead><tbody>
${d.result.steps.map((s) => html`<tr><td data-label="事项">${STEP_LABEL[s.kind]}</td><td data-label="时间">${shanghai(s.dueAt)}</td></tr>`)}
</tbody></table></section>`
  : ''}`,
  );
}

export function accountsPage(
  ctx: PageContext,
  d: { accounts: { name: string; role: string; units: string[]; disabled: boolean; createdAt: string }[]; units: { id: string; name: string }[]; errors?: FieldErrors; values?: Record<string, string>; done?: string },
): SafeHtml {
  const formId = 'account';
  const val = (k: string): string => d.values?.[k] ?? '';
  return layout(
    { ...ctx, nav: 'accounts' },
    '账号管理',
    html`<h1>账号管理</h1>
${d.done ? html`<p class="flash" role="status">${d.done}</p>` : ''}
<section aria-labelledby="acc-list-h"><h2 id="acc-list-h">个人账号</h2>
${d.accounts.length === 0
  ? html`<p class="empty">暂无个人账号。</p>`
  : html`<table class="accounts"><thead><tr><th scope="col">账号</th><th scope="col">角色</th><th scope="col">所属单位</th><th scope="col">状态</th><th scope="col">操作</th></tr></thead><tbody>
${d.accounts.map(
  (a) => html`<tr><td data-label="账号">${a.name}</td><td data-label="角色">${ROLE_LABEL[a.role as keyof typeof ROLE_LABEL] ?? a.role}</td><td data-label="所属单位">${a.units.map((u) => d.units.find((x) => x.id === u)?.name ?? u).join('、') || '—'}</td><td data-label="状态">${a.disabled ? '已停用' : '可用'}</td><td data-label="操作">${a.disabled ? '—' : html`<form method="post" action="/board/accounts/disable" class="inline-form"><input type="hidden" name="_csrf" value="${ctx.csrf}"><input type="hidden" name="name" value="${a.name}"><button type="submit">停用 ${a.name}</button></form>`}</td></tr>`,
)}</tbody></table>`}
</section>
<form class="panel" method="post" action="/board/accounts" id="account" novalidate aria-labelledby="acc-new-h">
<h2 id="acc-new-h">新建账号</h2>
<input type="hidden" name="_csrf" value="${ctx.csrf}">
${formError(d.errors)}
<div class="field"><label for="account-name">账号（3–40 位小写字母、数字、点、横线或下划线）</label><input id="account-name" name="name" type="text" value="${val('name')}" maxlength="40" autocomplete="off"${describedBy(d.errors, 'name', formId)}>${errorOf(d.errors, 'name', formId)}</div>
<div class="field"><label for="account-role">角色</label><select id="account-role" name="role"${describedBy(d.errors, 'role', formId)}><option value="">请选择</option>${(['unit', 'supervisor', 'admin', 'viewer'] as const).map((r) => html`<option value="${r}"${val('role') === r ? html` selected` : ''}>${ROLE_LABEL[r]}</option>`)}</select>${errorOf(d.errors, 'role', formId)}</div>
<div class="field"><label for="account-units">所属单位（责任单位角色必选，可多选）</label><select id="account-units" name="units" multiple size="${Math.min(6, d.units.length)}"${describedBy(d.errors, 'units', formId)}>${d.units.map((u) => html`<option value="${u.id}">${u.name}</option>`)}</select>${errorOf(d.errors, 'units', formId)}</div>
<div class="field"><label for="account-password">初始密码（至少 12 位）</label><input id="account-password" name="password" type="password" autocomplete="new-password" maxlength="200"${describedBy(d.errors, 'password', formId)}>${errorOf(d.errors, 'password', formId)}</div>
<button type="submit">新建账号</button>
</form>`,
  );
}

export function errorPage(ctx: PageContext, status: number, message: string): SafeHtml {
  const title = status === 403 ? '无权访问' : status === 404 ? '未找到' : status === 503 ? '暂时不可用' : '出错了';
  return layout(ctx, title, html`<h1>${title}</h1><p class="form-error" role="alert">${message}</p><p><a href="/">返回工作台</a></p>`);
}
