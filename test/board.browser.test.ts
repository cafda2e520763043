// The web board in Debian's chromium (playwright-core) against the API listening on a free port, a real dev server,
// worker and database: sign-in, the board's cards and list, the case page's forms, live updates, ledger, circulars,
// preview, and the layout and accessibility checks on an office PC and a phone.
import type { FastifyInstance } from 'fastify';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadApiKeys } from '../src/api/auth.js';
import { buildApiServer } from '../src/api/server.js';
import { SYSTEM_ACTOR, shanghaiYear } from '../src/domain.js';
import type { MonthlyRoundInput, MonthlyRoundResult } from '../src/duties/monthlyObligation.js';
import { previousPeriod } from '../src/duties/monthlyPeriod.js';
import { caseQuery, type CaseView } from '../src/messages.js';
import { putCircularRecord } from '../src/records/circularFacts.js';
import { recordDeduction } from '../src/records/ledger.js';
import { DEV_KEYS, H, M, TASK_QUEUE, createDevServerEnv, demoPolicy, directory, policy, sampleAssignment, sampleNotice, startHarness, startVisit, until, type Harness } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let h: Harness;
let api: FastifyInstance;
let base: string;
let profile: string;
let context: BrowserContext;
/** Every URL the browser asked for: none may leave the API's origin. */
const requested: string[] = [];
const pageErrors: string[] = [];
const ids: Record<'green' | 'yellow' | 'red' | 'arrived' | 'closed', string> = { green: '', yellow: '', red: '', arrived: '', closed: '' };

const inject = async (method: 'GET' | 'POST', url: string, key: string, body?: object): Promise<CaseView> => {
  const res = await api.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(body ? { payload: body } : {}) });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return JSON.parse(res.body) as CaseView;
};
const create = async (level: 'district' | 'city' | 'beijing', receivedAt: number, unitId: string): Promise<string> => (await inject('POST', '/cases', DEV_KEYS.intake, sampleNotice(level, receivedAt, { unitId }))).caseId;
const caseUrl = (caseId: string): string => `/cases/${encodeURIComponent(caseId)}`;

beforeAll(async () => {
  h = await startHarness(await createDevServerEnv());
  // The policy in force (hours): colours and counts stay put while the tests run.
  api = await buildApiServer({ client: h.env.client, records: h.records, namespace: h.env.namespace ?? 'default', taskQueue: TASK_QUEUE, policy, directory, keys: loadApiKeys({}), dataDir: h.dataDir });
  await api.listen({ host: '127.0.0.1', port: 0 });
  const address = api.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const now = Date.now();
  ids.green = await create('district', now - M, 'wuli-gov'); // 3 h left: 绿
  ids.yellow = await create('city', now - 7 * H, 'wuli-landres'); // 1 h left of 8, inside the 2 h window: 黄
  ids.red = await create('district', now - 4 * H, 'wuli-gov'); // 1 h overdue: 催办 at once, 红
  ids.arrived = await create('beijing', now - M, 'dongcun');
  await inject('POST', caseUrl(ids.arrived) + '/arrival', DEV_KEYS.admin, { leaderId: 'dongcun-sun', arrivedAt: new Date().toISOString() });
  ids.closed = await create('district', now - M, 'wuli-landres');
  await inject('POST', caseUrl(ids.closed) + '/arrival', DEV_KEYS.admin, { leaderId: 'wuli-landres-liu', arrivedAt: new Date().toISOString() });
  await inject('POST', caseUrl(ids.closed) + '/closure-report', DEV_KEYS.admin, { result: '已答复并化解' });
  // The late case's 催办 and its 催办单 are in the records before the pages are read.
  await until('the 催办单 of the late case', () => h.records.db.query('SELECT 1 FROM documents WHERE case_id = $1 AND content IS NOT NULL', [ids.red]).then((r) => r.rowCount), (n) => (n ?? 0) > 0, 30_000);
  await until('the late case listed at 催办', () => h.records.db.query<{ stage: string }>('SELECT stage FROM cases WHERE case_id = $1', [ids.red]).then((r) => r.rows[0]?.stage), (s) => s === 'arrival.urge', 30_000);

  profile = mkdtempSync(join(tmpdir(), 'duban-chromium-'));
  // A missing or broken chromium fails here, loudly: the browser tests never skip.
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run make setup as root on Debian (it installs the chromium package), or apt-get install chromium`);
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, headless: true, viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', acceptDownloads: true });
  context.on('request', (r) => requested.push(r.url()));
  context.on('weberror', (e) => pageErrors.push(e.error().message));
  context.on('console', (m) => {
    // Refusals the tests ask for (401, 403, 404) are logged by the browser as failed loads: not script errors.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) pageErrors.push(m.text());
  });
}, 120_000);

afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await api?.close();
  for (const id of Object.values(ids)) {
    if (!id) continue;
    const handle = h.env.client.workflow.getHandle(id);
    if ((await handle.describe()).status.name === 'RUNNING') await handle.terminate('test finished').catch(() => undefined);
  }
  await h?.terminateOpen();
  await h?.stop();
}, 120_000);

const signIn = async (page: Page, key: string): Promise<void> => {
  await context.clearCookies();
  await page.goto(`${base}/`);
  await page.fill('#login-key', key);
  await Promise.all([page.waitForURL(`${base}/`), page.click('form[aria-labelledby="login-key-h"] button')]);
};
const cardCounts = async (page: Page): Promise<Record<string, string>> =>
  Object.fromEntries(await page.$$eval('[data-testid="cards"] a', (as) => as.map((a) => [a.querySelector('.card-label')!.textContent, a.querySelector('.card-count')!.textContent])));
const listed = (page: Page): Promise<string[]> => page.$$eval('table.cases tbody th a', (as) => as.map((a) => a.textContent));
const nid = (caseId: string): string => caseId.replace(/^visit:/, '');

describe('sign-in', () => {
  test('an API key signs in with an HttpOnly SameSite=Strict cookie; a wrong key gets a Chinese message; sign-out ends the session', async () => {
    const page = await context.newPage();
    await context.clearCookies();
    const first = await page.goto(`${base}/`);
    expect(page.url()).toBe(`${base}/board/login`);
    expect(first!.headers()['content-security-policy']).toBe("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    expect(await page.textContent('h1')).toBe('登录督办工作台');

    await page.fill('#login-key', 'not-a-key-at-all');
    await page.click('form[aria-labelledby="login-key-h"] button');
    expect(await page.textContent('#login-error')).toBe('登录信息不正确，请核对后重试。');
    expect(await page.content()).not.toContain('not-a-key-at-all');

    await page.fill('#login-key', DEV_KEYS.supervisor);
    await Promise.all([page.waitForURL(`${base}/`), page.click('form[aria-labelledby="login-key-h"] button')]);
    expect(await page.textContent('h1')).toBe('工作台');
    expect(await page.textContent('.who')).toBe('督查人员：dev-supervisor');
    const cookie = (await context.cookies()).find((c) => c.name === 'duban_board')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });

    // A form posted without the session's token is refused, and nothing happens.
    const forged = await api.inject({ method: 'POST', url: `/board/cases/${encodeURIComponent(ids.green)}/cancel`, headers: { cookie: `duban_board=${encodeURIComponent(cookie.value)}`, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'reason=x' });
    expect(forged.statusCode).toBe(403);
    expect(forged.body).toContain('页面已过期或请求来源不明，请刷新页面后重试。');
    expect((await h.env.client.workflow.getHandle(ids.green).query(caseQuery)).status).toBe('open');

    await Promise.all([page.waitForURL(`${base}/board/login`), page.click('.signout button')]);
    // The signed-out cookie no longer opens a page, on this or any API process (the sign-out is in the database).
    const reused = await api.inject({ method: 'GET', url: '/', headers: { cookie: `duban_board=${encodeURIComponent(cookie.value)}` } });
    expect(reused.statusCode).toBe(303);
    expect(reused.headers.location).toBe('/board/login');
    // The board's pages are not API operations.
    const paths = Object.keys((JSON.parse((await api.inject({ method: 'GET', url: '/openapi.json' })).body) as { paths: Record<string, unknown> }).paths);
    expect(paths.filter((p) => p === '/' || p.startsWith('/board'))).toEqual([]);
    await page.close();
  });

  test('a per-person account made by the admin signs in with its role and units', async () => {
    const page = await context.newPage();
    await signIn(page, DEV_KEYS.admin);
    await page.goto(`${base}/board/accounts`);
    await page.fill('#account-name', 'wuli.clerk');
    await page.selectOption('#account-role', 'unit');
    await page.click('button:has-text("新建账号")');
    expect(await page.textContent('#account-units-error')).toBe('所属单位：责任单位角色须选择所属单位');
    expect(await page.textContent('#account-password-error')).toBe('密码：至少 12 位');
    await page.selectOption('#account-units', ['wuli-gov']);
    await page.fill('#account-password', 'correct horse battery');
    await page.click('button:has-text("新建账号")');
    expect(await page.textContent('.flash')).toBe('账号已建立。');

    await context.clearCookies();
    await page.goto(`${base}/board/login`);
    await page.fill('#login-name', 'wuli.clerk');
    await page.fill('#login-password', 'wrong password!!');
    await page.click('form[aria-labelledby="login-account-h"] button');
    expect(await page.textContent('#login-error')).toBe('登录信息不正确，请核对后重试。');
    await page.fill('#login-name', 'wuli.clerk');
    await page.fill('#login-password', 'correct horse battery');
    await Promise.all([page.waitForURL(`${base}/`), page.click('form[aria-labelledby="login-account-h"] button')]);
    expect(await page.textContent('.who')).toBe('责任单位：account:wuli.clerk（wuli-gov）');
    expect((await listed(page)).sort()).toEqual([nid(ids.red), nid(ids.green)].sort());
    // Accounts are the admin's: a clerk is refused on the server.
    const refused = await page.goto(`${base}/board/accounts`);
    expect(refused!.status()).toBe(403);
    await page.close();
  });
});

describe('board', () => {
  test('cards count, the list is sorted by time left with level, unit, stage, colour and countdown', async () => {
    const page = await context.newPage();
    await signIn(page, DEV_KEYS.supervisor);
    expect(await cardCounts(page)).toEqual({ 待到达: '2', 交办办理中: '0', 催办: '1', 督办: '0', 已扣分: '0', 已到达: '1', 已销案: '1', '红（已逾期）': '1', '黄（临近期限）': '1', '绿（期限内）': '2' });
    expect(await listed(page)).toEqual([ids.red, ids.yellow, ids.green, ids.arrived, ids.closed].map(nid));
    const row = (id: string): Promise<string[]> => page.$$eval(`tr[data-case="${id}"] > *`, (cells) => cells.map((c) => c.textContent.trim()));
    const red = await row(ids.red);
    expect(red.slice(0, 7)).toEqual([nid(ids.red), '接访督办', '到区', '五里乡人民政府', '领导到场', '到场·催办', '红 · 已逾期']);
    expect(red[7]).toMatch(/^逾期 -[01]:\d\d:\d\d$/);
    expect((await row(ids.yellow)).slice(2, 7)).toEqual(['到市', '五里乡国土资源所', '领导到场', '待到达', '黄 · 临近期限']);
    expect((await row(ids.yellow))[7]).toMatch(/^剩余 [01]:\d\d:\d\d$/);
    expect((await row(ids.green)).slice(5, 7)).toEqual(['待到达', '绿 · 期限内']);
    expect((await row(ids.arrived)).slice(2, 7)).toEqual(['进京', '东村村委会', '书面报结果', '已到达·待报结果', '绿 · 期限内']);
    expect((await row(ids.closed)).slice(5, 8)).toEqual(['已销案', '—', '—']);

    // The countdown counts down in the page.
    const before = await page.textContent(`tr[data-case="${ids.green}"] time.countdown`);
    await page.waitForFunction((b) => document.querySelector(`tr[data-case="${b.id}"] time.countdown`)!.textContent !== b.before, { id: ids.green, before });

    // A card filters the list and keeps it in the URL; a second click clears it.
    await Promise.all([page.waitForURL(`${base}/?group=urge`), page.click('a[data-group="urge"]')]);
    expect(await listed(page)).toEqual([nid(ids.red)]);
    expect(await page.getAttribute('a[data-group="urge"]', 'aria-current')).toBe('true');
    await Promise.all([page.waitForURL(`${base}/`), page.click('a[data-group="urge"]')]);
    await Promise.all([page.waitForURL(`${base}/?colour=yellow`), page.click('a[data-colour="yellow"]')]);
    expect(await listed(page)).toEqual([nid(ids.yellow)]);

    // Filters by level, unit, stage group, colour and duty, kept in the URL; search by notice ID.
    await page.goto(`${base}/`);
    await page.selectOption('#f-level', 'district');
    await page.selectOption('#f-unit', 'wuli-gov');
    await Promise.all([page.waitForURL(`${base}/?level=district&unit=wuli-gov`), page.click('.filters button')]);
    expect(await listed(page)).toEqual([ids.red, ids.green].map(nid));
    expect(await cardCounts(page)).toMatchObject({ 待到达: '1', 催办: '1', 已销案: '0' });
    await page.goto(`${base}/?duty=closureReport`);
    expect(await listed(page)).toEqual([nid(ids.arrived)]);
    expect(await page.inputValue('#f-duty')).toBe('closureReport');
    await page.goto(`${base}/`);
    await page.fill('#f-q', nid(ids.yellow));
    await page.click('.filters button');
    expect(await listed(page)).toEqual([nid(ids.yellow)]);
    expect(new URL(page.url()).searchParams.get('q')).toBe(nid(ids.yellow));
    await page.close();
  });

  test('a unit clerk sees only its units, and another unit\'s case or ledger is refused on the server', async () => {
    const page = await context.newPage();
    await signIn(page, DEV_KEYS.unit);
    expect(await listed(page)).toEqual([ids.red, ids.green].map(nid));
    expect(await cardCounts(page)).toEqual({ 待到达: '1', 交办办理中: '0', 催办: '1', 督办: '0', 已扣分: '0', 已到达: '0', 已销案: '0', '红（已逾期）': '1', '黄（临近期限）': '0', '绿（期限内）': '1' });
    expect(await page.$$eval('#f-unit option', (os) => os.map((o) => o.textContent))).toEqual(['全部', '五里乡人民政府']);
    expect((await page.goto(`${base}/board/cases/${encodeURIComponent(ids.yellow)}`))!.status()).toBe(404);
    expect((await page.goto(`${base}/?unit=wuli-landres`))!.status()).toBe(403);
    expect((await page.goto(`${base}/board/ledger?unit=wuli-landres`))!.status()).toBe(403);
    expect((await page.goto(`${base}/board/circulars`))!.status()).toBe(403);
    await page.close();
  });
});

describe('case page', () => {
  test('timeline in Chinese, the 催办单 download, and forms that show the validation message at the field', async () => {
    const page = await context.newPage();
    await signIn(page, DEV_KEYS.unit);
    await page.goto(`${base}/board/cases/${encodeURIComponent(ids.red)}`);
    expect(await page.textContent('h1')).toBe(`案件 ${nid(ids.red)}`);
    const timeline = await page.$$eval('table.timeline tbody tr', (rs) => rs.map((r) => [...r.children].slice(1, 3).map((c) => c.textContent)));
    expect(timeline.slice(0, 2)).toEqual([
      ['登记（到达现场）', '登记系统：dev-intake'],
      ['接人通知（到达现场）', '系统'],
    ]);
    expect(timeline.map((t) => t[0])).toEqual(expect.arrayContaining(['催办（到达现场）', '制发文书（到达现场）']));
    const year = shanghaiYear(Date.now());
    const link = page.locator('ul.documents a');
    expect(await link.textContent()).toBe(`下载催办单（五信督〔${year}〕1号）`);
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe(`催办单（五信督〔${year}〕1号）.docx`);
    // The unit's forms only: arrival, explanation (overdue), closure report not yet.
    expect(await page.$$eval('form.action h3', (hs) => hs.map((x) => x.textContent))).toEqual(['报告领导到达', '提交情况说明']);

    // The schema's message at its field.
    await page.click('#form-explanation button');
    expect(await page.textContent('#form-explanation-text-error')).toBe('情况说明：必填');
    expect(await page.getAttribute('#form-explanation-text', 'aria-invalid')).toBe('true');
    // The workflow's validator's message at its field (an arrival in the future), the typed values kept.
    await page.selectOption('#form-arrival-leaderId', 'wuli-gov-wang');
    await page.fill('#form-arrival-arrivedAt', new Date(Date.now() + 8 * H + 24 * H).toISOString().slice(0, 16));
    await page.click('#form-arrival button');
    expect(await page.textContent('#form-arrival-arrivedAt-error')).toBe('到达时间：不能晚于当前时间');
    expect(await page.inputValue('#form-arrival-leaderId')).toBe('wuli-gov-wang');

    await page.fill('#form-explanation-text', '乡长在县里开会，已派副乡长赶往');
    await Promise.all([page.waitForURL(/done=explanation$/), page.click('#form-explanation button')]);
    expect(await page.textContent('.flash')).toBe('情况说明已提交。');
    expect(await page.$$eval('table.timeline tbody tr:last-child td', (c) => c.map((x) => x.textContent))).toEqual([expect.any(String), '提交情况说明（到达现场）', '责任单位：dev-unit-wuli-gov', '乡长在县里开会，已派副乡长赶往']);

    // A supervisor decides; a missing decision is said at its field; an extension must be later than the deadline.
    await signIn(page, DEV_KEYS.supervisor);
    await page.goto(`${base}/board/cases/${encodeURIComponent(ids.red)}`);
    expect(await page.$$eval('form.action h3', (hs) => hs.map((x) => x.textContent))).toEqual(['报告领导到达', '审核情况说明', '延长期限', '变更责任单位', '撤销案件']);
    await page.fill('#form-decideExplanation-reason', '理由充分');
    await page.click('#form-decideExplanation button');
    expect(await page.textContent('#form-decideExplanation-decision-error')).toBe('审核结论：请从选项中选择一项');
    await page.check('#form-decideExplanation-accept');
    await Promise.all([page.waitForURL(/done=decideExplanation$/), page.click('#form-decideExplanation button')]);
    expect(await page.textContent('.flash')).toBe('审核结论已提交。');
    await page.fill('#form-extend-newDeadline', new Date(Date.now() + 8 * H - 5 * H).toISOString().slice(0, 16));
    await page.fill('#form-extend-reason', '路途遥远');
    await page.click('#form-extend button');
    expect(await page.textContent('#form-extend-newDeadline-error')).toBe('新期限：须晚于当前期限');
    await page.close();
  });
});

describe('live updates', () => {
  test('a case that escalates changes on the open board within 2 s, without a reload', async () => {
    const page = await context.newPage();
    await signIn(page, DEV_KEYS.supervisor);
    await page.waitForSelector('body[data-live="open"]');
    // A seconds-scale case (demo policy: 催办 15 s after the notice) started past the API: only the records tell the board.
    const c = await startVisit(h, sampleNotice('district', Date.now(), { unitId: 'wuli-gov' }), demoPolicy);
    await page.waitForSelector(`tr[data-case="${c.caseId}"]`, { timeout: 10_000 });
    expect(await page.textContent(`tr[data-case="${c.caseId}"] .stage`)).toBe('待到达');
    const loads = await page.evaluate(() => performance.getEntriesByType('navigation').length);
    await page.waitForFunction((id) => document.querySelector(`tr[data-case="${id}"] .stage`)?.textContent === '到场·催办', c.caseId, { timeout: 30_000, polling: 50 });
    const seenAt = Date.now();
    const urge = (await c.handle.query(caseQuery)).timeline.find((e) => e.type === 'urge')!;
    const latency = seenAt - Date.parse(urge.at);
    console.log(`board SSE latency: 催办 at ${urge.at}, on screen ${latency} ms later`);
    expect(latency).toBeLessThan(2000);
    expect(await page.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(loads);
    expect(await page.textContent(`tr[data-case="${c.caseId}"] .colour`)).toBe('红 · 已逾期');
    await c.handle.terminate('test finished');
    await page.close();
  }, 60_000);
});

describe('ledger, circulars, preview', () => {
  test('the ledger shows entries and totals; a supervisor reverses a deduction with a reason', async () => {
    const year = shanghaiYear(Date.now());
    await recordDeduction(h.records, { unitId: 'wuli-gov', year }, { entryId: `${ids.red}/arrival/deduction`, kind: 'deduction', unitId: 'wuli-gov', caseId: ids.red, milestone: 'arrival', level: 'district', points: 1, at: new Date().toISOString(), actor: SYSTEM_ACTOR, reason: '逾期未到' });
    const page = await context.newPage();
    await signIn(page, DEV_KEYS.supervisor);
    await page.goto(`${base}/board/ledger?unit=wuli-gov&year=${year}`);
    expect(await page.textContent('[data-total="points"]')).toBe('1 分');
    expect(await page.textContent('[data-total="district"]')).toBe('1 分');
    await page.click(`tr[data-entry="${ids.red}/arrival/deduction"] button`);
    // The browser's own check first (required); then the server's.
    await page.fill(`tr[data-entry="${ids.red}/arrival/deduction"] input[name="reason"]`, '情况说明已采纳');
    await Promise.all([page.waitForURL(/done=1$/), page.click(`tr[data-entry="${ids.red}/arrival/deduction"] button`)]);
    expect(await page.textContent('.flash')).toBe('已撤销该扣分。');
    expect(await page.textContent('[data-total="points"]')).toBe('0 分');
    const entries = await page.$$eval('table.ledger tbody tr', (rs) => rs.map((r) => [...r.children].slice(1, 7).map((c) => c.textContent)));
    expect(entries).toEqual([
      ['扣分（到达现场）', nid(ids.red), '到区', '-1', '系统', '逾期未到'],
      ['撤销扣分（到达现场）', nid(ids.red), '到区', '+1', 'dev-supervisor', '情况说明已采纳'],
    ]);
    await page.close();
  });

  test('circulars list their files for download', async () => {
    const files = [{ name: 'circular-2026-Q3.xlsx', downloadName: '2026年第三季度通报.xlsx', contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', bytes: 3, sha256: 'x' }];
    const period = { quarter: '2026-Q3', from: '2026-06-30T16:00:00.000Z', to: '2026-09-30T16:00:00.000Z' };
    await putCircularRecord(h.records, '2026-Q3', 'figures.json', Buffer.from(JSON.stringify({ request: { period }, figures: {}, files })));
    await putCircularRecord(h.records, '2026-Q3', 'circular-2026-Q3.xlsx', Buffer.from('xyz'));
    const page = await context.newPage();
    await signIn(page, DEV_KEYS.viewer);
    await page.goto(`${base}/board/circulars`);
    const cells = await page.$$eval('table.circulars tbody td', (c) => c.map((x) => x.textContent.trim()));
    expect(cells[0]).toMatch(/2026年第三季度/);
    expect(cells[2]).toBe('下载表格（XLSX）');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('table.circulars a')]);
    expect(download.suggestedFilename()).toBe('2026年第三季度通报.xlsx');
    await page.close();
  });

  test('the policy preview shows what would happen to a hypothetical notice, in Beijing time', async () => {
    const page = await context.newPage();
    await signIn(page, DEV_KEYS.viewer);
    await page.goto(`${base}/board/preview`);
    await page.click('#preview button');
    expect(await page.textContent('#preview-level-error')).toBe('层级：请从选项中选择一项');
    expect(await page.textContent('#preview-receivedAt-error')).toBe('收到通知时间：请填写完整的日期和时间（北京时间）');
    await page.selectOption('#preview-level', 'district');
    await page.fill('#preview-receivedAt', '2026-11-25T09:30');
    await page.click('#preview button');
    expect(await page.textContent('[data-testid="preview-deadline"]')).toBe('2026年11月25日 12:30');
    const steps = await page.$$eval('table.plan tbody tr', (rs) => rs.map((r) => [...r.children].map((c) => c.textContent)));
    expect(steps.slice(0, 3)).toEqual([
      ['到期提醒', '2026年11月25日 11:30'],
      ['到期提醒', '2026年11月25日 12:00'],
      ['催办', '2026年11月25日 12:30'],
    ]);
    await page.close();
  });
});

describe('assigned and monthly cases', () => {
  test('a unit decides an assigned case’s acceptance on its page; a monthly study is refused without a leader at its field, then recorded', async () => {
    const assigned = await inject('POST', '/assigned-cases', DEV_KEYS.intake, sampleAssignment(Date.now() - H));
    // The round a Schedule runs on the 1st: last month's study for every unit.
    const round = (await h.env.client.workflow.execute('monthlyRound', { workflowId: `board-round-${Date.now()}`, taskQueue: TASK_QUEUE, args: [{ obligation: 'leadershipStudy', policy: policy.monthlyObligation, policyVersion: policy.version } satisfies MonthlyRoundInput] })) as MonthlyRoundResult;
    const period = previousPeriod(new Date().toISOString());
    const study = `monthlyObligation:wuli-gov.leadershipStudy.${period}`;
    expect(round).toEqual({ obligation: 'leadershipStudy', period, started: ['wuli-gov', 'wuli-landres', 'dongcun'].map((u) => `monthlyObligation:${u}.leadershipStudy.${period}`), existing: [] });

    const page = await context.newPage();
    await signIn(page, DEV_KEYS.unit);
    await page.goto(`${base}/board/cases/${encodeURIComponent(assigned.caseId)}`);
    expect(await page.textContent('h1')).toBe(`交办案件 ${assigned.caseId.replace(/^assignedCase:/, '')}`);
    expect(await page.$$eval('form.action h3', (hs) => hs.map((x) => x.textContent))).toEqual(['作出受理决定']);
    await page.check('#form-acceptance-accepted');
    await Promise.all([page.waitForURL(/done=acceptance$/), page.click('#form-acceptance button')]);
    expect(await page.textContent('.flash')).toBe('受理决定已提交。');
    expect(await page.textContent('.phase')).toBe('办理答复');

    await page.goto(`${base}/board/cases/${encodeURIComponent(study)}`);
    const [year, month] = period.split('-').map(Number) as [number, number];
    expect(await page.textContent('h1')).toBe(`${year}年${month}月领导班子研究信访工作`);
    await page.fill('#form-leadershipStudy-meetingDate', `${period}-01`);
    await page.check('#form-leadershipStudy-attendee-wuli-gov-chen');
    await page.fill('#form-leadershipStudy-topics', '研究本月信访形势');
    await page.click('#form-leadershipStudy button');
    expect(await page.textContent('#form-leadershipStudy-attendees-error')).toBe('参会人员：须包括本单位的主要领导或分管领导');
    expect(await page.isChecked('#form-leadershipStudy-attendee-wuli-gov-chen')).toBe(true);
    await page.check('#form-leadershipStudy-attendee-wuli-gov-zhang');
    await Promise.all([page.waitForURL(/done=leadershipStudy$/), page.click('#form-leadershipStudy button')]);
    expect(await page.textContent('.flash')).toBe('领导班子研究信访工作已登记。');
    expect(await page.textContent('.stage')).toBe('已办结');
    expect(await page.$$eval('table.timeline tbody tr:nth-last-child(-n+2) td:nth-child(2)', (c) => c.map((x) => x.textContent))).toEqual(['研究信访工作已记录（领导班子研究信访工作）', '办结']);
    await page.close();
  });
});

describe('layout and accessibility', () => {
  const contrast = (page: Page, selector: string): Promise<number> =>
    page.$eval(selector, (el) => {
      const rgb = (s: string): number[] => s.match(/\d+(\.\d+)?/g)!.slice(0, 3).map(Number);
      const lum = (c: number[]): number => {
        const [r, g, b] = c.map((v) => {
          const x = v / 255;
          return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
      };
      let node: Element | null = el;
      let bg = 'rgba(0, 0, 0, 0)';
      while (node && /rgba\(\d+, \d+, \d+, 0\)|transparent/.test(bg)) {
        bg = getComputedStyle(node).backgroundColor;
        node = node.parentElement;
      }
      if (/rgba\(\d+, \d+, \d+, 0\)/.test(bg)) bg = 'rgb(255, 255, 255)';
      const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(rgb(bg))];
      return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    });

  for (const viewport of [{ width: 1366, height: 768 }, { width: 390, height: 844 }]) {
    test(`${viewport.width}×${viewport.height}: no sideways scrolling, every control labelled, focus visible, keyboard works, contrast ≥ 4.5`, async () => {
      const page = await context.newPage();
      await page.setViewportSize(viewport);
      await signIn(page, DEV_KEYS.supervisor);
      for (const path of ['/', `/board/cases/${encodeURIComponent(ids.red)}`, '/board/ledger', '/board/preview', '/board/circulars']) {
        await page.goto(`${base}${path}`);
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
        const unlabelled = await page.$$eval('input:not([type="hidden"]), select, textarea', (els) => els.filter((e) => (e as HTMLInputElement).labels?.length === 0 && !e.getAttribute('aria-label')).map((e) => e.outerHTML));
        expect(unlabelled).toEqual([]);
      }
      await page.goto(`${base}/`);
      // The first Tab reaches the skip link; then the keyboard walks on with a visible outline.
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement!.textContent)).toBe('跳到正文');
      for (let i = 0; i < 4; i++) {
        await page.keyboard.press('Tab');
        const outline = await page.evaluate(() => {
          const s = getComputedStyle(document.activeElement!);
          return { style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
        });
        expect(outline.style).toBe('solid');
        expect(outline.width).toBeGreaterThanOrEqual(2);
      }
      // A status card by keyboard alone.
      await page.focus('a[data-group="pending"]');
      await Promise.all([page.waitForURL(`${base}/?group=pending`), page.keyboard.press('Enter')]);
      expect(await listed(page)).toEqual([ids.yellow, ids.green].map(nid));
      await page.goto(`${base}/`);
      for (const selector of ['.colour-red', '.colour-yellow', '.colour-green', 'table.cases tbody td', 'a[data-group="pending"] .card-label', 'table.cases th a', '.foot p']) {
        expect(await contrast(page, selector), selector).toBeGreaterThanOrEqual(4.5);
      }
      await page.close();
    });
  }

  test('nothing was fetched from another host, and no page had a script error or a CSP violation', () => {
    expect(requested.length).toBeGreaterThan(20);
    expect(requested.filter((u) => !u.startsWith(`${base}/`))).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
