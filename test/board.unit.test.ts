// The board's pure parts: the signed session cookie and CSRF tokens, escaping, how a case row is grouped, coloured,
// filtered and sorted, and an assigned case's list row and page rendered with exact texts.
import { randomBytes } from 'node:crypto';
import { expect, test } from 'vitest';
import { escapeHtml, html } from '../src/board/html.js';
import { COLOURS, GROUPS, applyFilter, boardRow, colourOf, counts, filterFromQuery, formatLeft, groupOf, queryString, sortByTimeLeft, warnWindowMs } from '../src/board/model.js';
import { boardLive, boardPage, casePage, type PageContext } from '../src/board/pages.js';
import { zhMessage } from '../src/board/text.js';
import type { HolidayCalendar } from '../src/deadlines/calendar.js';
import { assignedCaseOpeningView, deadlineEntry, deadlineRecordOf, handlingDeadline, type AssignedCaseView } from '../src/duties/assignedCase.js';
import { assignedCaseInput, validateAssignment } from '../src/duties/intake.js';
import { monthlyOpeningView, type MonthlyObligationView } from '../src/duties/monthlyObligation.js';
import { unitSnapshot } from '../src/directory.js';
import { SYSTEM_ACTOR } from '../src/domain.js';
import type { TimelineEntry } from '../src/messages.js';
import { cookieHeader, csrfToken, csrfValid, openSession, parseCookies, sealSession } from '../src/board/session.js';
import type { CaseRow } from '../src/records/cases.js';
import { H, demoPolicy, directory, policy } from './helpers.js';

const secret = randomBytes(32);

test('a session opens only with its key, unaltered and before its expiry', () => {
  const session = { sid: 'abc', via: 'key' as const, sub: 'dev-unit-wuli-gov', exp: 2_000_000 };
  const sealed = sealSession(secret, session);
  expect(openSession(secret, sealed, 1_000_000)).toEqual(session);
  expect(openSession(secret, sealed, 2_000_000)).toBeNull();
  expect(openSession(randomBytes(32), sealed, 1_000_000)).toBeNull();
  const [payload, tag] = sealed.split('.') as [string, string];
  const forged = Buffer.from(JSON.stringify(['abc', 'key', 'dev-admin', 2_000_000])).toString('base64url');
  expect(openSession(secret, `${forged}.${tag}`, 1_000_000)).toBeNull();
  expect(openSession(secret, `${payload}.${tag}.x`, 1_000_000)).toBeNull();
  expect(openSession(secret, undefined)).toBeNull();
});

test('CSRF tokens are bound to their session', () => {
  const token = csrfToken(secret, 'sid-1');
  expect(csrfValid(secret, 'sid-1', token)).toBe(true);
  expect(csrfValid(secret, 'sid-2', token)).toBe(false);
  expect(csrfValid(secret, 'sid-1', '')).toBe(false);
  expect(csrfValid(secret, 'sid-1', undefined)).toBe(false);
});

test('cookies: HttpOnly, SameSite=Strict, Secure only over HTTPS; parsing ignores what is not ours', () => {
  expect(cookieHeader('duban_board', 'a.b', 8 * H, false)).toBe('duban_board=a.b; Path=/; HttpOnly; SameSite=Strict; Max-Age=28800');
  expect(cookieHeader('duban_board', '', 0, true)).toBe('duban_board=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure');
  expect(parseCookies('a=1; duban_board=x.y; bad=%E0%A4%A')).toEqual({ a: '1', duban_board: 'x.y' });
});

test('html`` escapes every value', () => {
  expect(escapeHtml(`<script>"'&`)).toBe('&lt;script&gt;&quot;&#39;&amp;');
  expect(html`<p title="${'"x"'}">${'<b>'}${html`<i>ok</i>`}${[1, '<']}</p>`.value).toBe('<p title="&quot;x&quot;">&lt;b&gt;<i>ok</i>1&lt;</p>');
});

test('groups, colours and the yellow window', () => {
  expect(['arrival.pending', 'arrival.urge', 'closureReport.supervise', 'arrival.deduction', 'closureReport.pending', 'closed', 'cancelled'].map(groupOf)).toEqual(['pending', 'urge', 'supervise', 'deduction', 'arrived', 'closed', 'cancelled']);
  expect([warnWindowMs(policy, 'district', 'arrival'), warnWindowMs(policy, 'city', 'arrival'), warnWindowMs(policy, 'beijing', 'arrival'), warnWindowMs(policy, 'district', 'closureReport')]).toEqual([H, 2 * H, 4 * H, 3 * 24 * H]);
  // Seconds-scale policy: a third of the time limit.
  expect(warnWindowMs(demoPolicy, 'district', 'arrival')).toBe(5000);
  expect([colourOf(999, H, 1000), colourOf(1000 + H, H, 1000), colourOf(1001 + H, H, 1000), colourOf(null, H, 1000)]).toEqual(['red', 'yellow', 'green', null]);
  expect([formatLeft(2 * H + 5 * 60_000 + 10_000), formatLeft(-(12 * 60_000 + 3000)), formatLeft(26 * H)]).toEqual(['2:05:10', '-0:12:03', '26:00:00']);
});

test('filters from the URL drop unknown values; rows sort by time left, cases that are over last', () => {
  expect(filterFromQuery({ level: 'city', unit: 'wuli-gov', group: 'bogus', colour: 'red', duty: 'arrival', q: ' N-1 ' })).toEqual({ level: 'city', unit: 'wuli-gov', colour: 'red', duty: 'arrival', q: 'N-1' });
  expect(queryString({ q: 'N-1', level: 'city' })).toBe('?level=city&q=N-1');
  const now = Date.parse('2026-11-25T06:00:00Z');
  const row = (id: string, stage: string, deadline: string | null, status: CaseRow['status'] = 'open'): CaseRow => ({ caseId: `visit:${id}`, kind: 'escalatedVisit', unitId: 'wuli-gov', level: 'district', status, stage, deadline, overdue: false, receivedAt: '2026-11-25T01:00:00.000Z' });
  const rows = [row('A', 'arrival.pending', '2026-11-25T09:00:00Z'), row('B', 'closed', null, 'closed'), row('C', 'arrival.urge', '2026-11-25T05:00:00Z'), row('D', 'arrival.pending', '2026-11-25T06:30:00Z')].map((r) => boardRow(r, policy, now));
  expect(sortByTimeLeft(rows).map((r) => [r.noticeId, r.colour])).toEqual([['C', 'red'], ['D', 'yellow'], ['A', 'green'], ['B', null]]);
  expect(applyFilter(rows, { group: 'pending' }).map((r) => r.noticeId)).toEqual(['A', 'D']);
  expect(applyFilter(rows, { group: 'pending', colour: 'red' }, 'group').map((r) => r.noticeId)).toEqual(['C']);
});

// 交办案件 on the board: a fixed calendar (国庆 2030) and fixed times, rendered without a server.
const CALENDAR_2030: HolidayCalendar = {
  version: 'test-calendar-2030',
  years: [2030],
  holidays: Object.fromEntries(['01', '02', '03', '04', '05', '06', '07'].map((d) => [`2030-10-${d}`, '国庆节'])),
  workdays: { '2030-09-29': '国庆节', '2030-10-12': '国庆节' },
};
const ASSIGNMENT = {
  assignmentId: 'JB-2030-7',
  sourceLevel: 'central',
  assigningBody: '国家信访局',
  referenceNumber: '国信交〔2030〕7号',
  receivedAt: '2030-10-10T02:00:00.000Z',
  unitId: 'wuli-gov',
  leaderId: 'wuli-gov-wang',
  team: ['王立新', '陈晓燕'],
  plan: '入户走访核实补偿标准',
  matterSummary: '征地补偿款发放争议',
  listed: true,
  signatures: 60,
};
const people = new Map([...directory.units.flatMap((u) => u.people), ...directory.supervisors].map((p) => [p.id, p.name]));
const ctxOf = (principal: PageContext['principal'], now: number): PageContext => ({ principal, csrf: 'csrf-token', now });
const assignedOpening = (): AssignedCaseView => {
  const input = assignedCaseInput(validateAssignment(ASSIGNMENT, directory, Date.parse('2030-10-10T03:00:00.000Z')), { policy, directory, calendar: CALENDAR_2030, actor: { id: 'dev-intake', role: 'intake' } }, '2030-10-10T03:00:00.000Z');
  return assignedCaseOpeningView('assignedCase:JB-2030-7', input);
};
/** The text of every cell of the rows a selector-like regex finds (tags dropped, whitespace squeezed). */
const rowsOf = (page: string, tableClass: string): string[][] => {
  const table = new RegExp(`<table class="${tableClass}"[^>]*>([\\s\\S]*?)</table>`).exec(page)?.[1] ?? '';
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(table)?.[1] ?? '';
  return [...body.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((r) => [...r[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => c[1]!.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim()));
};
const summaryOf = (page: string): Record<string, string> => {
  const dl = /<dl class="summary"[^>]*>([\s\S]*?)<\/dl>/.exec(page)?.[1] ?? '';
  return Object.fromEntries([...dl.matchAll(/<dt>([\s\S]*?)<\/dt><dd[^>]*>([\s\S]*?)<\/dd>/g)].map((m) => [m[1]!, m[2]!.replace(/<br>/g, ' ').replace(/<[^>]+>/g, '').trim()]));
};

test('the list shows an assigned case with its kind, its ID without the prefix, its colour and 24:00 of the last day; the kind filter keeps only its kind', () => {
  const now = Date.parse('2030-10-24T04:00:00.000Z');
  const rows = [
    boardRow({ caseId: 'assignedCase:JB-2030-7', kind: 'assignedCase', unitId: 'wuli-gov', level: null, status: 'open', stage: 'acceptance.pending', deadline: '2030-10-25T16:00:00.000Z', overdue: false, colour: 'yellow', receivedAt: '2030-10-10T02:00:00.000Z' }, policy, now),
    boardRow({ caseId: 'visit:N-1', kind: 'escalatedVisit', unitId: 'wuli-gov', level: 'district', status: 'open', stage: 'arrival.pending', deadline: '2030-10-24T06:00:00.000Z', overdue: false, colour: 'green', receivedAt: '2030-10-24T03:00:00.000Z' }, policy, now),
  ];
  expect(rows.map((r) => [r.noticeId, r.kind, r.group, r.colour, r.warnMs])).toEqual([
    ['JB-2030-7', 'assignedCase', 'inProgress', 'yellow', 3 * 24 * H],
    ['N-1', 'escalatedVisit', 'pending', 'green', H],
  ]);
  expect(filterFromQuery({ kind: 'assignedCase', level: 'bogus' })).toEqual({ kind: 'assignedCase' });
  expect(queryString({ kind: 'assignedCase', unit: 'wuli-gov' })).toBe('?kind=assignedCase&unit=wuli-gov');
  expect(applyFilter(rows, { kind: 'assignedCase' }).map((r) => r.noticeId)).toEqual(['JB-2030-7']);
  expect(applyFilter(rows, { kind: 'escalatedVisit' }).map((r) => r.noticeId)).toEqual(['N-1']);
  const live = boardLive(ctxOf(null, now), { rows: sortByTimeLeft(rows), groupCounts: counts(rows, GROUPS, (r) => r.group), colourCounts: counts(rows, COLOURS, (r) => r.colour), filter: {}, units: [], unitName: (id) => directory.units.find((u) => u.id === id)!.name, truncated: false }).value;
  expect(rowsOf(live, 'cases')).toEqual([
    ['N-1', '接访督办', '到区', '五里乡人民政府', '领导到场', '待到达', '绿 · 期限内', '剩余 2:00:00', '2030年10月24日 14:00'],
    ['JB-2030-7', '交办案件', '—', '五里乡人民政府', '受理告知', '受理告知·期限内', '黄 · 临近期限', '剩余 36:00:00', '2030年10月25日 24:00'],
  ]);
  expect(live).toContain('<span class="card-label">交办办理中</span> <span class="card-count">1</span>');
  const board = boardPage(ctxOf({ id: 'dev-supervisor', role: 'supervisor', units: [] }, now), { rows: [], groupCounts: counts([], GROUPS, (r) => r.group), colourCounts: counts([], COLOURS, (r) => r.colour), filter: { kind: 'assignedCase' }, units: [], unitName: (id) => id, truncated: false }).value;
  expect(/<select id="f-kind" name="kind">([\s\S]*?)<\/select>/.exec(board)?.[1]).toBe('<option value="">全部</option><option value="escalatedVisit">接访督办</option><option value="assignedCase" selected>交办案件</option><option value="monthlyObligation">月度工作</option>');
  expect(board).toContain('data-fragment="/board/fragment?kind=assignedCase"');
});

test("an assigned case's page: its facts, the acceptance limit with its rule at 24:00, the timeline in Chinese, the unit's acceptance form; no matter or plan shown", () => {
  const view = assignedOpening();
  const page = casePage(ctxOf({ id: 'dev-unit-wuli-gov', role: 'unit', units: ['wuli-gov'] }, Date.parse('2030-10-10T04:00:00.000Z')), {
    view,
    unitName: view.unit.name,
    colour: 'green',
    documents: [],
    actions: [{ key: 'acceptance', label: '作出受理决定' }],
    directory,
    personName: (id) => people.get(id) ?? id,
  }).value;
  expect(/<h1>(.*?)<\/h1>/.exec(page)?.[1]).toBe('交办案件 JB-2030-7');
  expect(summaryOf(page)).toEqual({
    交办层级: '中央交办',
    交办机关及文号: '国家信访局 国信交〔2030〕7号',
    收到交办: '2030年10月10日 10:00',
    责任单位: '五里乡人民政府',
    包案领导: '王立新',
    工作专班: '王立新、陈晓燕',
    重点案件: '挂牌督办、联名信（60人签名）',
    当前阶段: '受理告知',
    阶段: '受理告知·期限内',
    颜色: '绿 · 期限内',
    '当前期限（北京时间）': '2030年10月25日 24:00',
    剩余时间: '剩余 372:00:00',
    受理决定: '尚未作出',
    办理期限构成: '—',
    答复意见: '尚未答复',
    复查: '—',
    复核: '—',
    情况说明: '未提交',
    扣分: '0 分',
    政策版本: policy.version,
    节假日日历: 'test-calendar-2030',
  });
  expect(rowsOf(page, 'deadlines')).toEqual([['受理告知', '2030年10月25日 24:00', '按自然日', '自 2030-10-10 次日起算 15 日（逢节假日、周末顺延），最后一日 2030-10-25 24:00 止', 'test-calendar-2030']]);
  expect(rowsOf(page, 'timeline').map((r) => r.slice(1))).toEqual([
    ['登记（受理告知）', '登记系统：dev-intake', `政策版本 ${policy.version}`],
    ['确定期限（受理告知）', '系统', '自 2030-10-10 次日起算 15 日（逢节假日、周末顺延），最后一日 2030-10-25 24:00 止；期限 2030年10月25日 24:00'],
    ['交办通知（受理告知）', '系统', '—'],
  ]);
  expect(page).toContain('<p class="empty">未中止计时。</p>');
  expect(page).toContain('<p class="empty">尚未报送进展。</p>');
  expect([...page.matchAll(/<form class="panel action" id="([^"]+)"/g)].map((m) => m[1])).toEqual(['form-acceptance']);
  expect(page).toContain('<input type="radio" id="form-acceptance-accepted" name="decision" value="accepted"><label for="form-acceptance-accepted">受理</label>');
  expect(page).toContain('<label for="form-acceptance-writtenNoticeAt">书面告知信访人时间（北京时间）</label><input id="form-acceptance-writtenNoticeAt" name="writtenNoticeAt" type="datetime-local" step="1" value="2030-10-10T12:00">');
  // The petitioner's matter and the plan are free text: not on the board.
  expect(page).not.toContain('征地补偿款发放争议');
  expect(page).not.toContain('入户走访核实补偿标准');
});

test('an assigned case being handled: pauses, extensions, progress, a limit past the calendar marked as missing data, and a refusal named at its field in Chinese', () => {
  const opening = assignedOpening();
  const acceptedAt = '2030-10-22T02:00:00.000Z';
  const pauses = [{ pauseKind: 'hearing' as const, reason: '组织听证', approverId: 'wuli-gov-zhang', from: '2030-11-01T02:00:00.000Z', to: '2030-11-11T02:00:00.000Z' }];
  // 60 days + 20 extended + 10 paused from 22 October: 20 January 2031, a year the calendar lacks.
  const computed = handlingDeadline(policy.assignedCase, acceptedAt, 20, pauses, CALENDAR_2030);
  const entry = (seq: number, e: Omit<TimelineEntry, 'seq' | 'milestone'>): TimelineEntry => ({ seq, milestone: 'handling', ...e });
  const view: AssignedCaseView = {
    ...opening,
    stage: 'handling.pending',
    phase: 'handling',
    milestone: 'handling',
    deadline: computed.deadline,
    yellowFrom: '2031-01-17T16:00:00.000Z',
    acceptance: { decision: 'accepted', decidedAt: acceptedAt, writtenNoticeAt: '2030-10-22T01:30:00.000Z', onTime: true },
    handling: { acceptedAt, budgetDays: 60, extensionDays: 20, pausedDays: 10, pauses, extensions: [{ days: 20, reason: '需补充调查', approverId: 'xfb-li', petitionerNotifiedAt: '2030-11-11T01:00:00.000Z', at: '2030-11-11T02:00:00.000Z' }], lastProgressAt: '2030-11-12T02:00:00.000Z' },
    deadlines: [...opening.deadlines, deadlineRecordOf('handling', computed)],
    timeline: [
      ...opening.timeline,
      { seq: 4, type: 'acceptanceDecided', milestone: 'acceptance', at: acceptedAt, actor: { id: 'dev-unit-wuli-gov', role: 'unit' }, detail: { decision: 'accepted', writtenNoticeAt: '2030-10-22T01:30:00.000Z', onTime: true } },
      entry(5, { type: 'clockPaused', at: '2030-11-01T02:00:00.000Z', actor: { id: 'dev-supervisor', role: 'supervisor' }, reason: '组织听证', detail: { pauseKind: 'hearing', label: '听证', approverId: 'wuli-gov-zhang' } }),
      entry(6, { type: 'clockResumed', at: '2030-11-11T02:00:00.000Z', actor: { id: 'dev-supervisor', role: 'supervisor' }, detail: { pausedDays: 10 } }),
      entry(7, { type: 'deadlineExtended', at: '2030-11-11T02:00:00.000Z', actor: { id: 'dev-supervisor', role: 'supervisor' }, reason: '需补充调查', detail: { days: 20, approverId: 'xfb-li', from: '2031-01-01T16:00:00.000Z', to: computed.deadline } }),
      { ...deadlineEntry('handling', computed, '2030-11-11T02:00:00.000Z', 8) },
      entry(9, { type: 'progressReported', at: '2030-11-12T02:00:00.000Z', actor: { id: 'dev-unit-wuli-gov', role: 'unit' }, reason: '已完成入户走访' }),
    ],
  };
  const page = casePage(ctxOf({ id: 'dev-supervisor', role: 'supervisor', units: [] }, Date.parse('2030-11-12T04:00:00.000Z')), {
    view,
    unitName: view.unit.name,
    colour: 'green',
    documents: [],
    actions: [{ key: 'pause', label: '中止计时' }, { key: 'handlingExtension', label: '延长办理期限' }],
    errors: { action: 'handlingExtension', fields: { days: zhMessage('must be at most 10 (the handling limit may be extended by 30 days in all)'), approverId: zhMessage('Required') }, values: { days: '11', reason: '再次延期' } },
    directory,
    personName: (id) => people.get(id) ?? id,
  }).value;
  const summary = summaryOf(page);
  expect([summary['当前阶段'], summary['阶段'], summary['当前期限（北京时间）'], summary['受理决定'], summary['办理期限构成']]).toEqual([
    '办理答复',
    '办理答复·期限内',
    '2031年01月20日 24:00',
    '受理，2030年10月22日 10:00（按时）；书面告知 2030年10月22日 09:30',
    '60 日 + 延期 20 日 + 中止 10 日',
  ]);
  expect(rowsOf(page, 'deadlines')).toEqual([
    ['受理告知', '2030年10月25日 24:00', '按自然日', '自 2030-10-10 次日起算 15 日（逢节假日、周末顺延），最后一日 2030-10-25 24:00 止', 'test-calendar-2030'],
    ['办理答复', '2031年01月20日 24:00', '按自然日', '自 2030-10-22 次日起算 90 日（逢节假日、周末顺延），最后一日 2031-01-20 24:00 止；节假日数据缺失（2031 年），该部分按自然日计算 【节假日数据缺失，按自然日计算】', 'test-calendar-2030'],
  ]);
  expect(page).toContain('<tr class="calendar-missing">');
  expect(rowsOf(page, 'pauses')).toEqual([['听证', '组织听证', '张建国', '2030年11月01日 10:00', '2030年11月11日 10:00']]);
  expect(rowsOf(page, 'extensions')).toEqual([['20 日', '需补充调查', '李卫东', '2030年11月11日 09:00', '2030年11月11日 10:00']]);
  expect(rowsOf(page, 'progress')).toEqual([['2030年11月12日 10:00', 'dev-unit-wuli-gov', '已完成入户走访']]);
  expect(rowsOf(page, 'timeline').slice(3).map((r) => r.slice(1))).toEqual([
    ['受理决定（受理告知）', '责任单位：dev-unit-wuli-gov', '受理（按时）；书面告知 2030年10月22日 09:30'],
    ['中止计时（办理答复）', '督查人员：dev-supervisor', '组织听证；听证，批准人 张建国'],
    ['恢复计时（办理答复）', '督查人员：dev-supervisor', '累计中止 10 日'],
    ['延长期限（办理答复）', '督查人员：dev-supervisor', '需补充调查；延长 20 日；批准人 李卫东；期限延至 2031年01月20日 24:00'],
    ['确定期限（办理答复）', '系统', '自 2030-10-22 次日起算 90 日（逢节假日、周末顺延），最后一日 2031-01-20 24:00 止；节假日数据缺失（2031 年），该部分按自然日计算；期限 2031年01月20日 24:00（节假日数据缺失，按自然日计算）'],
    ['报送进展（办理答复）', '责任单位：dev-unit-wuli-gov', '已完成入户走访'],
  ]);
  // The refusal at its fields, in Chinese, the typed values kept.
  expect(page).toContain('<p class="field-error" id="form-handlingExtension-days-error">延长天数：不能超过 10 日（办理期限合计最多延长 30 日）</p>');
  expect(page).toContain('<p class="field-error" id="form-handlingExtension-approverId-error">批准人：必填</p>');
  expect(page).toContain('<input id="form-handlingExtension-days" name="days" type="number" min="1" max="365" step="1" inputmode="numeric" value="11" aria-invalid="true" aria-describedby="form-handlingExtension-days-error">');
  expect(/<select id="form-pause-approverId"[^>]*>([\s\S]*?)<\/select>/.exec(page)?.[1]).toBe('<option value="">请选择</option><optgroup label="责任单位领导"><option value="wuli-gov-zhang">张建国（主要领导）</option><option value="wuli-gov-wang">王立新（分管领导）</option></optgroup><optgroup label="督查人员"><option value="xfb-li">李卫东</option></optgroup>');
});

// 月度工作 on the board: the opening of September 2030's cases (due 5 October, moved past 国庆 to the 8th).
const monthlyOpening = (obligation: 'disputeScreening' | 'leadershipStudy'): MonthlyObligationView =>
  monthlyOpeningView({ obligation, period: '2030-09', policy: policy.monthlyObligation, policyVersion: policy.version, calendar: CALENDAR_2030, unit: unitSnapshot(directory.units.find((u) => u.id === 'wuli-gov')!), actor: SYSTEM_ACTOR, registeredAt: '2030-09-30T16:00:00.000Z' });

test("a monthly case's page: the month, the due date at 24:00 with its rule, the study's form with the unit's people; a list row in the case's words", () => {
  const view = monthlyOpening('leadershipStudy');
  const now = Date.parse('2030-10-02T02:00:00.000Z');
  const page = casePage(ctxOf({ id: 'dev-unit-wuli-gov', role: 'unit', units: ['wuli-gov'] }, now), {
    view,
    unitName: view.unit.name,
    colour: 'green',
    documents: [],
    actions: [{ key: 'leadershipStudy', label: '登记领导班子研究信访工作' }],
    directory,
    personName: (id) => people.get(id) ?? id,
  }).value;
  expect(/<h1>(.*?)<\/h1>/.exec(page)?.[1]).toBe('2030年9月领导班子研究信访工作');
  expect(summaryOf(page)).toEqual({
    工作事项: '领导班子研究信访工作',
    所属月份: '2030年9月',
    责任单位: '五里乡人民政府',
    阶段: '领导班子研究信访工作·期限内',
    颜色: '绿 · 期限内',
    '报送期限（北京时间）': '2030年10月08日 24:00',
    剩余时间: '剩余 158:00:00',
    期限依据: '次月固定日：次月 5 日（逢节假日顺延、逢周末顺延），最后一日 2030-10-08 24:00 止；2030-10-05 逢国庆节，顺延至 2030-10-08',
    研究记录: '尚未登记',
    情况说明: '未提交',
    扣分: '0 分',
    政策版本: policy.version,
    节假日日历: 'test-calendar-2030',
  });
  expect(rowsOf(page, 'timeline').map((r) => r.slice(1))).toEqual([
    ['登记（领导班子研究信访工作）', '系统', `政策版本 ${policy.version}`],
    ['确定期限（领导班子研究信访工作）', '系统', '次月 5 日（逢节假日顺延、逢周末顺延），最后一日 2030-10-08 24:00 止；2030-10-05 逢国庆节，顺延至 2030-10-08；期限 2030年10月08日 24:00'],
    ['工作通知（领导班子研究信访工作）', '系统', '—'],
  ]);
  expect([...page.matchAll(/<form class="panel action" id="([^"]+)"/g)].map((m) => m[1])).toEqual(['form-leadershipStudy']);
  expect([...page.matchAll(/<input type="checkbox" id="[^"]+" name="attendees" value="([^"]+)"><label[^>]*>([^<]+)<\/label>/g)].map((m) => [m[1], m[2]])).toEqual([
    ['wuli-gov-zhang', '张建国（主要领导）'],
    ['wuli-gov-wang', '王立新（分管领导）'],
    ['wuli-gov-chen', '陈晓燕'],
  ]);
  expect(page).toContain('<label for="form-leadershipStudy-meetingDate">会议日期</label><input id="form-leadershipStudy-meetingDate" name="meetingDate" type="date" value="">');

  // Refused for want of a leader: the ticked attendee stays ticked, the message stands at its field.
  const refused = casePage(ctxOf({ id: 'dev-unit-wuli-gov', role: 'unit', units: ['wuli-gov'] }, now), {
    view,
    unitName: view.unit.name,
    colour: 'green',
    documents: [],
    actions: [{ key: 'leadershipStudy', label: '登记领导班子研究信访工作' }],
    errors: { action: 'leadershipStudy', fields: { attendees: '须包括本单位领导' }, values: { meetingDate: '2030-09-26', attendees: 'wuli-gov-chen', topics: '研究' } },
    directory,
    personName: (id) => people.get(id) ?? id,
  }).value;
  expect([...refused.matchAll(/name="attendees" value="([^"]+)" checked/g)].map((m) => m[1])).toEqual(['wuli-gov-chen']);
  expect(refused).toContain('须包括本单位领导');
  expect(['must be a day of 2030-09', 'must include a leader of unit wuli-gov', 'this case is 领导班子研究信访工作, not 矛盾纠纷排查月报', 'must be a day YYYY-MM-DD'].map(zhMessage)).toEqual(['须为所属月份（2030-09）内的日期', '须包括本单位的主要领导或分管领导', '此案件是领导班子研究信访工作，不能办理此项', '请填写日期']);

  const screening = monthlyOpening('disputeScreening');
  const row = boardRow({ caseId: screening.caseId, kind: 'monthlyObligation', unitId: 'wuli-gov', level: null, status: 'open', stage: screening.stage, deadline: screening.deadline, overdue: false, colour: 'green', receivedAt: '2030-09-30T16:00:00.000Z' }, policy, now);
  expect([row.noticeId, row.group, row.warnMs]).toEqual(['wuli-gov.disputeScreening.2030-09', 'inProgress', 3 * 24 * H]);
  const live = boardLive(ctxOf(null, now), { rows: [row], groupCounts: counts([row], GROUPS, (r) => r.group), colourCounts: counts([row], COLOURS, (r) => r.colour), filter: {}, units: [], unitName: (id) => directory.units.find((u) => u.id === id)!.name, truncated: false }).value;
  expect(rowsOf(live, 'cases')).toEqual([['wuli-gov.disputeScreening.2030-09', '月度工作', '—', '五里乡人民政府', '矛盾纠纷排查月报', '矛盾纠纷排查月报·期限内', '绿 · 期限内', '剩余 158:00:00', '2030年10月08日 24:00']]);
});
