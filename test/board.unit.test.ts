// The board's pure parts: the signed session cookie and CSRF tokens, escaping, and how a case row is grouped,
// coloured, filtered and sorted.
import { randomBytes } from 'node:crypto';
import { expect, test } from 'vitest';
import { escapeHtml, html } from '../src/board/html.js';
import { applyFilter, boardRow, colourOf, filterFromQuery, formatLeft, groupOf, queryString, sortByTimeLeft, warnWindowMs } from '../src/board/model.js';
import { cookieHeader, csrfToken, csrfValid, openSession, parseCookies, sealSession } from '../src/board/session.js';
import type { CaseRow } from '../src/records/cases.js';
import { H, demoPolicy, policy } from './helpers.js';

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
