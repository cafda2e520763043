// The `duban` command line against a running API (a real port), a real dev server and worker.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadApiKeys } from '../src/api/auth.js';
import { buildApiServer } from '../src/api/server.js';
import { ROOT } from '../src/config.js';
import { formatShanghai } from '../src/time.js';
import { formatLimit } from '../src/cli/common.js';
import type { AssignedCaseView } from '../src/duties/assignedCase.js';
import { docxParagraphs } from './docxText.js';
import { TASK_QUEUE, createDevServerEnv, directory, policy, startHarness, type Harness } from './helpers.js';

const run = promisify(execFile);
let h: Harness;
let api: FastifyInstance;
let url: string;
beforeAll(async () => {
  h = await startHarness(await createDevServerEnv());
  api = await buildApiServer({ client: h.env.client, records: h.records, namespace: h.env.namespace ?? 'default', taskQueue: TASK_QUEUE, policy, directory, keys: loadApiKeys({}), dataDir: h.dataDir });
  url = await api.listen({ host: '127.0.0.1', port: 0 });
}, 90_000);
afterAll(async () => {
  await api?.close();
  await h?.stop();
});

const duban = (key: string, ...args: string[]): Promise<{ stdout: string; stderr: string }> =>
  run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: ROOT, env: { ...process.env, DUBAN_API_URL: url, DUBAN_API_KEY: key } });

test('create, list, show, extend, arrive and close a case from the command line', async () => {
  const noticeId = `CLI-${Date.now()}`;
  const receivedAt = new Date(Date.now() - 60_000);
  const created = await duban('dev-intake-key', 'create', '--notice-id', noticeId, '--level', 'city', '--received-at', receivedAt.toISOString(), '--unit', 'wuli-gov', '--site', '市信访局', '--headcount', '4', '--summary', '欠薪');
  expect(created.stdout.trim()).toBe(`已登记 visit:${noticeId}，期限 ${formatShanghai(receivedAt.getTime() + 8 * 3_600_000)}（北京时间）`);

  // The list reads the store of record, where the create's answer was recorded: the new case shows at once.
  const listed = (JSON.parse((await duban('dev-supervisor-key', '--json', 'list', '--unit', 'wuli-gov', '--level', 'city')).stdout) as { cases: { caseId: string }[] }).cases.map((c) => c.caseId);
  expect(listed).toContain(`visit:${noticeId}`);

  const shown = (await duban('dev-viewer-key', 'show', `visit:${noticeId}`)).stdout;
  expect(shown).toContain(`案件 visit:${noticeId}  到市  责任单位 五里乡人民政府（wuli-gov）`);
  expect(shown).toContain(`状态 办理中  阶段 到达现场·期限内（arrival.pending）  期限 ${formatShanghai(receivedAt.getTime() + 8 * 3_600_000)}`);
  expect(shown).toContain('到达 —  情况说明 无  扣分 0');
  // 三色预警 in words: a city case 1 min into its 8 h is green.
  expect(shown).toContain('  颜色 绿（期限内）');
  const green = (await duban('dev-supervisor-key', 'list', '--unit', 'wuli-gov', '--level', 'city', '--colour', 'green')).stdout;
  expect(green).toMatch(new RegExp(`visit:${noticeId}\\s+到市\\s+wuli-gov\\s+到达现场·期限内（arrival.pending）\\s+绿（期限内）\\s+`));
  expect((await duban('dev-supervisor-key', 'list', '--unit', 'wuli-gov', '--level', 'city', '--colour', 'red')).stdout).not.toContain(`visit:${noticeId}`);
  expect(shown).toMatch(/登记\s+dev-intake/);
  expect(shown).toMatch(/接人通知\s+duban/);

  const to = new Date(Date.now() + 10 * 3_600_000).toISOString();
  expect((await duban('dev-supervisor-key', 'extend', `visit:${noticeId}`, '--to', to, '--reason', '山路塌方')).stdout).toMatch(/延长期限\s+dev-supervisor\s+山路塌方/);

  await expect(duban('dev-unit-wuli-gov-key', 'cancel', `visit:${noticeId}`, '--reason', '不想办')).rejects.toMatchObject({ code: 1, stderr: '403 Forbidden 无权操作: role unit may not cancel\n' });
  await expect(duban('dev-unit-wuli-gov-key', 'arrive', `visit:${noticeId}`, '--leader', 'wuli-gov-chen')).rejects.toMatchObject({
    code: 1,
    stderr: '422 Refused 已拒绝: leaderId: is not a principal leader or leader in charge of unit wuli-gov\n  leaderId: is not a principal leader or leader in charge of unit wuli-gov\n',
  });
  expect((await duban('dev-unit-wuli-gov-key', 'arrive', `visit:${noticeId}`, '--leader', 'wuli-gov-zhang')).stdout).toContain('阶段 书面报结果·期限内（closureReport.pending）');
  const closed = JSON.parse((await duban('dev-unit-wuli-gov-key', '--json', 'close', `visit:${noticeId}`, '--result', '已接回')).stdout) as { status: string };
  expect(closed.status).toBe('closed');
  const afterClose = (await duban('dev-supervisor-key', 'list', '--unit', 'wuli-gov', '--level', 'city')).stdout;
  expect(afterClose).toMatch(new RegExp(`visit:${noticeId}\\s+到市\\s+wuli-gov\\s+已销案（closed）\\s+—`));
}, 90_000);

test('list filters by overdue and a deadline range; the package bin runs the same program', async () => {
  const noticeId = `CLI-R-${Date.now()}`;
  const receivedAt = new Date(Date.now() - 60_000);
  await duban('dev-intake-key', 'create', '--notice-id', noticeId, '--level', 'beijing', '--received-at', receivedAt.toISOString(), '--unit', 'dongcun', '--site', '国家信访局', '--headcount', '2', '--summary', '拆迁');
  const deadline = receivedAt.getTime() + 24 * 3_600_000;
  const args = ['list', '--unit', 'dongcun', '--not-overdue', '--deadline-from', new Date(deadline - 1000).toISOString(), '--deadline-to', new Date(deadline + 1000).toISOString()];
  const out = (await duban('dev-supervisor-key', ...args)).stdout;
  expect(out).toMatch(new RegExp(`visit:${noticeId}\\s+进京\\s+dongcun\\s+到达现场·期限内（arrival.pending）\\s+绿（期限内）\\s+${formatShanghai(deadline)}`));
  expect(out).toContain('共 1 件');
  const overdue = (await duban('dev-supervisor-key', 'list', '--unit', 'dongcun', '--overdue')).stdout;
  expect(overdue).not.toContain(`visit:${noticeId}`);
  const viaBin = await run(join(ROOT, 'src/cli.ts'), ['--json', 'show', `visit:${noticeId}`], { cwd: ROOT, env: { ...process.env, DUBAN_API_URL: url, DUBAN_API_KEY: 'dev-viewer-key' } });
  expect(JSON.parse(viaBin.stdout)).toMatchObject({ caseId: `visit:${noticeId}`, stage: 'arrival.pending', overdue: false });
}, 90_000);

test('without a key the command line says what to set', async () => {
  await expect(duban('', 'list')).rejects.toMatchObject({ code: 1, stderr: 'DUBAN_API_KEY 未设置：请设置 API 密钥\n' });
});

test('ledger: a viewer reads the empty year, a supervisor adds a note, the year cannot be closed before it ends', async () => {
  const year = String(new Date(Date.now() + 8 * 3_600_000).getUTCFullYear());
  const empty = (await duban('dev-viewer-key', 'ledger', 'show', 'dongcun', year)).stdout;
  expect(empty).toBe(`dongcun ${year} 年度台账  净扣分 0（到区 0，到市 0，进京 0）  扣分 0 次，撤销 0 次，备注 0 条\n未关账\n`);
  const noted = (await duban('dev-supervisor-key', 'ledger', 'note', 'dongcun', year, '--text', '已约谈主要负责人', '--request-id', 'cli-note-1')).stdout;
  expect(noted).toContain(`dongcun ${year} 年度台账  净扣分 0（到区 0，到市 0，进京 0）  扣分 0 次，撤销 0 次，备注 1 条\n未关账\n`);
  expect(noted).toMatch(/备注\s+0\s+—\s+dev-supervisor\s+已约谈主要负责人/);
  const json = JSON.parse((await duban('dev-viewer-key', '--json', 'ledger', 'show', 'dongcun', year)).stdout) as { entries: { entryId: string; kind: string }[] };
  expect(json.entries).toEqual([expect.objectContaining({ entryId: 'note/cli-note-1', kind: 'note' })]);
  await expect(duban('dev-viewer-key', 'ledger', 'note', 'dongcun', year, '--text', 'x')).rejects.toMatchObject({ code: 1, stderr: '403 Forbidden 无权操作: role viewer may not writeLedger\n' });
  await expect(duban('dev-supervisor-key', 'ledger', 'close', 'dongcun', year, '--reason', '年终结账')).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/^409 .*\n {2}year: /) as unknown });
}, 90_000);

test('documents: a late district notice gets its 催办单 at once; the command line lists and downloads it', async () => {
  const noticeId = `CLI-D-${Date.now()}`;
  // Received 4 h ago: the 3 h deadline has passed, so 催办 (and its 催办单) comes at registration.
  await duban('dev-intake-key', 'create', '--notice-id', noticeId, '--level', 'district', '--received-at', new Date(Date.now() - 4 * 3_600_000).toISOString(), '--unit', 'wuli-gov', '--site', '区信访局', '--headcount', '3', '--summary', '欠薪');
  let listed = '';
  for (let i = 0; i < 40 && !listed.includes('催办单'); i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 250));
    listed = (await duban('dev-viewer-key', 'documents', `visit:${noticeId}`)).stdout;
  }
  expect(listed).toMatch(/^文号\s+文书\s+事项\s+制发时间（北京时间）\s+编号\n五信督〔\d{4}〕1号\s+催办单\s+到达现场\s+\S+ \S+\s+wuli-xfb-\d{4}-0001\n$/);
  const out = mkdtempSync(join(tmpdir(), 'duban-cli-docs-'));
  const documentId = /wuli-xfb-\d{4}-0001/.exec(listed)![0];
  const saved = (await duban('dev-unit-wuli-gov-key', 'documents', `visit:${noticeId}`, '--download', documentId, '--out', out)).stdout;
  const year = documentId.slice('wuli-xfb-'.length, 'wuli-xfb-'.length + 4);
  const file = join(out, `催办单（五信督〔${year}〕1号）.docx`);
  expect(saved).toBe(`已保存 ${file}\n`);
  const paragraphs = await docxParagraphs(readFileSync(file));
  expect(paragraphs).toContain(`五信督〔${year}〕1号`);
  expect(paragraphs).toContain('五里乡人民政府：');
  await expect(duban('dev-unit-wuli-gov-key', 'documents', `visit:${noticeId}`, '--download', 'wuli-xfb-1999-0001')).rejects.toMatchObject({ code: 1, stderr: `案件 visit:${noticeId} 没有文书 wuli-xfb-1999-0001\n` });
}, 90_000);

test('circular: a supervisor runs one for today, waits for it and downloads both files exactly as stored', async () => {
  const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
  const tomorrow = new Date(Date.now() + 32 * 3_600_000).toISOString().slice(0, 10);
  const id = `range-${today.replaceAll('-', '')}-${today.replaceAll('-', '')}`;
  expect((await duban('dev-supervisor-key', 'circular', 'run', '--from', today, '--to', tomorrow)).stdout).toMatch(new RegExp(`^已开始生成通报 ${id}（\\S+）；查看：duban circular show ${id}\\n$`));
  let shown: { status: string; files: { name: string; downloadName: string; sha256: string }[] } = { status: '', files: [] };
  for (let i = 0; i < 80 && shown.status !== 'done'; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 250));
    shown = JSON.parse((await duban('dev-viewer-key', '--json', 'circular', 'show', id)).stdout) as typeof shown;
  }
  expect(shown.status).toBe('done');
  const human = (await duban('dev-viewer-key', 'circular', 'show', id)).stdout;
  expect(human).toMatch(new RegExp(`^通报 ${id}  已完成\\n`));
  expect(human).toMatch(/\n合计\s+\d+/);
  const out = mkdtempSync(join(tmpdir(), 'duban-cli-circular-'));
  const saved = (await duban('dev-viewer-key', 'circular', 'download', id, '--out', out)).stdout;
  expect(saved).toBe(shown.files.map((f) => `已保存 ${join(out, f.downloadName)}\n`).join(''));
  for (const f of shown.files) expect(createHash('sha256').update(readFileSync(join(out, f.downloadName))).digest('hex')).toBe(f.sha256);
  await expect(duban('dev-unit-wuli-gov-key', 'circular', 'show', id)).rejects.toMatchObject({ code: 1, stderr: '403 Forbidden 无权操作: role unit may not readCircular\n' });
}, 90_000);

// Last: its overdue acceptance issues a 催办单 at once, which would take the office's first number from the documents test.
test('an assigned case (交办) from the command line: create, show with its statutory limits, list by kind, accept, pause, resume, extend, reply', async () => {
  const assignmentId = `CLI-JB-${Date.now()}`;
  const caseId = `assignedCase:${assignmentId}`;
  const created = await duban('dev-intake-key', 'assigned', 'create', '--assignment-id', assignmentId, '--source-level', 'city', '--assigning-body', '市信访局', '--reference', '市信交〔2026〕7号',
    '--received-at', '2026-09-20T10:00:00+08:00', '--unit', 'wuli-gov', '--leader', 'wuli-gov-wang', '--team', '王立新，陈晓燕', '--plan', '入户走访', '--summary', '征地补偿款发放争议', '--listed');
  expect(created.stdout.trim()).toBe(`已登记 ${caseId}，受理告知期限 2026年10月08日 24:00（北京时间）`);
  const shown = (await duban('dev-viewer-key', 'show', caseId)).stdout;
  expect(shown).toContain(`交办案件 ${caseId}  市交办  市信访局 市信交〔2026〕7号  责任单位 五里乡人民政府（wuli-gov）  包案领导 wuli-gov-wang`);
  expect(shown).toContain('  重点（挂牌督办）  ');
  expect(shown).toContain('  受理告知  2026年10月08日 24:00  自 2026-09-20 次日起算 15 日（逢节假日、周末顺延），最后一日 2026-10-08 24:00 止；2026-10-05 逢国庆节，顺延至 2026-10-08\n');
  expect(shown).toMatch(/登记\s+dev-intake/);
  const listed = (await duban('dev-supervisor-key', 'list', '--kind', 'assignedCase', '--unit', 'wuli-gov', '--page-size', '100')).stdout;
  expect(listed).toContain(caseId);
  const visits = (await duban('dev-supervisor-key', 'list', '--unit', 'wuli-gov', '--page-size', '100')).stdout;
  expect(visits).not.toContain(caseId);

  const accepted = (await duban('dev-unit-wuli-gov-key', 'assigned', 'accept', caseId, '--notice-at', '2026-09-25T10:00:00+08:00')).stdout;
  // Recorded after the limit: late, whatever the notice's date.
  expect(accepted).toContain('受理 受理 ');
  expect(accepted).toContain('（超期），告知书 2026年09月25日 10:00');
  expect(accepted).toContain('办理期限 60 日 + 延期 0 日 + 中止 0 日');
  await expect(duban('dev-supervisor-key', 'assigned', 'pause', caseId, '--kind', 'hearing', '--approver', 'wuli-gov-zhang')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('\n  reason: ') as string });
  await expect(duban('dev-unit-wuli-gov-key', 'assigned', 'pause', caseId, '--kind', 'hearing', '--reason', '组织听证', '--approver', 'wuli-gov-zhang')).rejects.toMatchObject({ code: 1, stderr: '403 Forbidden 无权操作: role unit may not dutyClock\n' });
  const paused = (await duban('dev-supervisor-key', 'assigned', 'pause', caseId, '--kind', 'hearing', '--reason', '组织听证', '--approver', 'wuli-gov-zhang')).stdout;
  expect(paused).toContain('阶段 已中止计时（paused）  期限 —');
  expect(paused).toMatch(/（正在中止计时）  中止：听证 \d{4}年\d\d月\d\d日 \d\d:\d\d(:\d\d)?—至今/);
  expect((await duban('dev-supervisor-key', 'assigned', 'resume', caseId, '--note', '听证结束')).stdout).toContain('阶段 办理答复·期限内（handling.pending）');
  await expect(duban('dev-supervisor-key', 'assigned', 'extend', caseId, '--days', '31', '--reason', '情况复杂', '--approver', 'wuli-gov-zhang')).rejects.toMatchObject({
    code: 1,
    stderr: '422 Refused 已拒绝: days: must be at most 30 (the handling limit may be extended by 30 days in all)\n  days: must be at most 30 (the handling limit may be extended by 30 days in all)\n',
  });
  expect((await duban('dev-supervisor-key', 'assigned', 'extend', caseId, '--days', '30', '--reason', '情况复杂', '--approver', 'wuli-gov-zhang')).stdout).toContain('办理期限 60 日 + 延期 30 日 + 中止 0 日');
  const replied = JSON.parse((await duban('dev-unit-wuli-gov-key', '--json', 'assigned', 'reply', caseId, '--result', '已补发补偿款')).stdout) as AssignedCaseView;
  expect([replied.phase, replied.stage, replied.reply?.result, replied.window?.kind]).toEqual(['reviewWindow', 'reviewWindow', '已补发补偿款', 'review']);
  expect((await duban('dev-viewer-key', 'show', caseId)).stdout).toContain(`复查申请期至 ${formatLimit(replied.window!.endsAt)}`);
  await h.env.client.workflow.getHandle(caseId).terminate('test finished');
}, 90_000);
