// The quarterly circular on the dev server: the real Schedule (spec, next fire times), triggered twice → one circular;
// the facts come from real cases recorded in the PostgreSQL store, and the XLSX and DOCX read back match them exactly.
import { ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import ExcelJS from 'exceljs';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDateText, localDateTimeText } from '../src/circular/period.js';
import { ensureCircularSchedule } from '../src/circular/schedule.js';
import type { CircularView, QuarterlyCircularResult } from '../src/circular/types.js';
import { recordCaseView } from '../src/records/cases.js';
import { readCircularRecord, readStoredCircular } from '../src/records/circularFacts.js';
import { cancelUpdate, reportArrivalUpdate, type CaseView } from '../src/messages.js';
import { docxParagraphs } from './docxText.js';
import { TASK_QUEUE, createDevServerEnv, demoPolicy, sampleNotice, startHarness, startVisit, supervisor, unitActor, view, waitForStep, type Harness, until as waitUntil } from './helpers.js';

let h: Harness;
let client: Client;
const SCHEDULE_ID = 'circular-devserver-test';
// 2026-09-30 10:00 in Shanghai: a Q3 notice registered long after its deadline, so 催办 comes at once and the
// seconds-scale demo ladder runs its course in seconds.
const Q3_NOTICE = Date.parse('2026-09-30T10:00:00+08:00');

// Real-time waits on the dev server take longer than the default.
const until = <T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> => waitUntil(what, probe, ok, timeoutMs);

const count = (v: CaseView, type: string): number => v.timeline.filter((e) => e.type === type).length;

beforeAll(async () => {
  h = await startHarness(await createDevServerEnv());
  client = h.env.client;
}, 120_000);

afterAll(async () => {
  await h?.terminateOpen();
  await h?.stop();
});

describe('quarterly circular through the Schedule', () => {
  const views: CaseView[] = [];

  beforeAll(async () => {
    // 1: 到区, nobody arrives: 催办, 督办 and the deduction run, and it stays open past its deadline.
    const stays = await startVisit(h, sampleNotice('district', Q3_NOTICE, { unitId: 'wuli-gov' }), demoPolicy);
    // 2: 到市, arrives late after the 催办, then cancelled.
    const late = await startVisit(h, sampleNotice('city', Q3_NOTICE, { unitId: 'wuli-gov' }), demoPolicy);
    // 3: 进京, 催办 only, then cancelled.
    const urged = await startVisit(h, sampleNotice('beijing', Q3_NOTICE, { unitId: 'wuli-landres' }), demoPolicy);
    // 4: received now (Q4): not in the Q3 circular.
    const now = await startVisit(h, sampleNotice('district', Date.now() - 1000, { unitId: 'dongcun' }), demoPolicy);
    await waitForStep(late, 'arrival.supervise');
    await late.handle.executeUpdate(reportArrivalUpdate, { args: [{ leaderId: 'wuli-gov-zhang', arrivedAt: new Date().toISOString(), actor: unitActor }] });
    await late.handle.executeUpdate(cancelUpdate, { args: [{ reason: '测试结束', actor: supervisor }] });
    await waitForStep(urged, 'arrival.supervise');
    await urged.handle.executeUpdate(cancelUpdate, { args: [{ reason: '测试结束', actor: supervisor }] });
    await now.handle.executeUpdate(reportArrivalUpdate, { args: [{ leaderId: 'dongcun-sun', arrivedAt: new Date().toISOString(), actor: unitActor }] });
    await now.handle.executeUpdate(cancelUpdate, { args: [{ reason: '测试结束', actor: supervisor }] });
    // The deduction of case 1 comes 16 s after its 催办; after it nothing more is planned for the arrival.
    views.push(await until('the deduction of case 1', () => view(stays), (v) => v.deductions.length === 1 && v.waitingFor === null, 40_000));
    views.push(await view(late), await view(urged));
    // The workflow's recordCase activity (the lead's change) writes these views as they happen; until it lands
    // everywhere, the cases' final views are recorded here too (idempotent: the same rows either way).
    for (const v of [...views, await view(now)]) await recordCaseView(h.records, v);
  }, 120_000);

  it('the cases are what the circular should count', () => {
    const [stays, late, urged] = views as [CaseView, CaseView, CaseView];
    expect([stays.status, count(stays, 'urge'), count(stays, 'supervise'), stays.deductions.map((d) => d.points), stays.arrival]).toEqual(['open', 1, 1, [1], null]);
    expect([late.status, count(late, 'urge'), count(late, 'supervise'), late.deductions.length, late.arrival?.onTime]).toEqual(['cancelled', 1, 0, 0, false]);
    expect([urged.status, count(urged, 'urge'), count(urged, 'supervise'), urged.deductions.length, urged.arrival]).toEqual(['cancelled', 1, 0, 0, null]);
  });

  it('the Schedule fires at 00:00 Shanghai on the first day of each quarter; ensuring it again updates it', async () => {
    expect(await ensureCircularSchedule(client, { taskQueue: TASK_QUEUE, scheduleId: SCHEDULE_ID })).toBe('created');
    expect(await ensureCircularSchedule(client, { taskQueue: TASK_QUEUE, scheduleId: SCHEDULE_ID })).toBe('updated');
    const d = await client.schedule.getHandle(SCHEDULE_ID).describe();
    expect(d.spec.timezone).toBe('Asia/Shanghai');
    expect(d.spec.calendars).toEqual([
      {
        second: [{ start: 0, end: 0, step: 1 }],
        minute: [{ start: 0, end: 0, step: 1 }],
        hour: [{ start: 0, end: 0, step: 1 }],
        dayOfMonth: [{ start: 1, end: 1, step: 1 }],
        month: ['JANUARY', 'APRIL', 'JULY', 'OCTOBER'].map((m) => ({ start: m, end: m, step: 1 })),
        year: [],
        dayOfWeek: [{ start: 'SUNDAY', end: 'SATURDAY', step: 1 }],
        comment: '每季度首日零时：上一季度的通报',
      },
    ]);
    expect(d.policies).toMatchObject({ overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 7 * 86_400_000, pauseOnFailure: false });
    expect(d.action).toMatchObject({ type: 'startWorkflow', workflowType: 'quarterlyCircular', taskQueue: TASK_QUEUE });
    expect(d.info.nextActionTimes.slice(0, 5).map((t) => t.toISOString())).toEqual([
      '2026-12-31T16:00:00.000Z',
      '2027-03-31T16:00:00.000Z',
      '2027-06-30T16:00:00.000Z',
      '2027-09-30T16:00:00.000Z',
      '2027-12-31T16:00:00.000Z',
    ]);
  });

  it('triggered twice in Q4: one circular of 2026-Q3 (one workflow, one set of files, one mail) whose files match the cases', async () => {
    const schedule = client.schedule.getHandle(SCHEDULE_ID);
    const runs = async (): Promise<{ workflowId: string; result: QuarterlyCircularResult | null }[]> => {
      const d = await schedule.describe();
      return Promise.all(
        d.info.recentActions.map(async (a) => {
          const handle = client.workflow.getHandle(a.action.workflow.workflowId, a.action.workflow.firstExecutionRunId);
          const done = (await handle.describe()).status.name === 'COMPLETED';
          return { workflowId: a.action.workflow.workflowId, result: done ? ((await handle.result()) as QuarterlyCircularResult) : null };
        }),
      );
    };
    await schedule.trigger();
    await until('the first scheduled run', runs, (r) => r.length === 1 && r[0]!.result !== null);
    await schedule.trigger();
    const done = await until('the second scheduled run', runs, (r) => r.length === 2 && r.every((x) => x.result !== null));
    expect(done.map((r) => r.result)).toEqual([
      { circularId: '2026-Q3', outcome: 'produced' },
      { circularId: '2026-Q3', outcome: 'alreadyProduced' },
    ]);
    expect(done[0]!.workflowId).toMatch(/^quarterly-circular-/);

    // One circular workflow, one set of files, one mail.
    expect((await client.workflow.count(`WorkflowType = 'circular'`)).count).toBe(1);
    const produced = (await client.workflow.getHandle('circular:2026-Q3').result()) as CircularView;
    expect(produced.status).toBe('done');
    expect(produced.period).toEqual({ quarter: '2026-Q3', from: '2026-06-30T16:00:00.000Z', to: '2026-09-30T16:00:00.000Z' });
    expect(existsSync(join(h.dataDir, 'circulars'))).toBe(false);
    const stored = await h.records.db.query<{ name: string }>('SELECT name FROM circular_files WHERE circular_id = $1 ORDER BY name', ['2026-Q3']);
    expect(stored.rows.map((r) => r.name)).toEqual(['circular-2026-Q3.docx', 'circular-2026-Q3.xlsx', 'figures.json', 'mail.json']);
    expect((await h.records.db.query('SELECT circular_id FROM circular_mailings')).rows).toEqual([{ circular_id: '2026-Q3' }]);
    const mails = readdirSync(h.outboxDir).filter((f) => f.startsWith('circular'));
    expect(mails).toEqual(['circular_2026-Q3.json']);
    const mail = JSON.parse(readFileSync(join(h.outboxDir, mails[0]!), 'utf8')) as { to: string[]; attachments: { filename: string }[] };
    expect(mail.to).toEqual(['li.weidong@xfb.example.cn']);
    expect(mail.attachments.map((a) => a.filename)).toEqual(['2026年第三季度信访督办情况通报.xlsx', '2026年第三季度信访督办情况通报.docx']);

    // Per unit: 五里乡人民政府 has cases 1 and 2, 五里乡国土资源所 case 3, 东村村委会 only a Q4 case (zeros).
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await readCircularRecord(h.records, '2026-Q3', 'circular-2026-Q3.xlsx'))! as unknown as ArrayBuffer);
    const rows: unknown[][] = [];
    wb.getWorksheet('通报')!.eachRow((r) => rows.push((r.values as unknown[]).slice(1)));
    const totals = rows.filter((r) => r[1] === '小计' || r[0] === '合计');
    expect(totals).toEqual([
      ['五里乡人民政府', '小计', 2, 0, 1, 2, 1, 1, 1, 1],
      ['五里乡国土资源所', '小计', 1, 0, 0, 1, 0, 0, 0, 0],
      ['东村村委会', '小计', 0, 0, 0, 0, 0, 0, 0, 0],
      ['合计', '', 3, 0, 1, 3, 1, 1, 1, 1],
    ]);
    expect(rows.filter((r) => r[0] === '五里乡人民政府' && r[1] !== '小计')).toEqual([
      ['五里乡人民政府', '到区', 1, 0, 0, 1, 1, 1, 1, 1],
      ['五里乡人民政府', '到市', 1, 0, 1, 1, 0, 0, 0, 0],
      ['五里乡人民政府', '进京', 0, 0, 0, 0, 0, 0, 0, 0],
    ]);
    const { figures } = (await readStoredCircular(h.records, '2026-Q3'))!;
    expect(figures).toEqual(produced.figures);
    expect(figures.unreadable).toEqual([]);
    const paragraphs = await docxParagraphs((await readCircularRecord(h.records, '2026-Q3', 'circular-2026-Q3.docx'))!);
    expect(paragraphs.slice(0, 6)).toEqual([
      '关于2026年第三季度信访督办情况的通报',
      '各责任单位：',
      '现将2026年第三季度（2026年7月1日至2026年9月30日）信访督办事项办理情况通报如下。',
      `2026年7月1日至2026年9月30日，共交办信访督办事项3件（进京1件、到市1件、到区1件）；责任单位领导按时到达现场0件、逾期到达1件；发出催办3次、督办1次；扣分1次，共计1分；截至${localDateTimeText(Date.parse(figures.cutoff))}，仍有1件逾期未办结。`,
      '被扣分单位：五里乡人民政府（1分）。',
      '逾期未办结事项所在单位：五里乡人民政府（1件），请抓紧办理并书面报送结果。',
    ]);
    expect(paragraphs.slice(-2)).toEqual(['五里乡信访办', localDateText(Date.parse(figures.cutoff))]);
    expect(paragraphs).toContain('合计');
  });
});
