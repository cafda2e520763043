// Cases in the real PostgreSQL store of record: views recorded idempotently and in order, read back exactly, sealed at
// rest, listed by their clear columns; the circular's figures from SQL equal the in-memory aggregation exactly, also for
// a case Temporal's retention would long have dropped.
import { MockActivityEnvironment } from '@temporalio/testing';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCircularActivities } from '../activities/circular.js';
import { aggregateCircular } from '../src/circular/aggregate.js';
import { quarterOf, quarterPeriod } from '../src/circular/period.js';
import { circularRows } from '../src/circular/render.js';
import type { CircularFigures, CircularPeriod } from '../src/circular/types.js';
import { AesGcmCodec, generateKey, parseKeySet } from '../src/codec.js';
import type { Actor } from '../src/domain.js';
import type { CaseView, TimelineEntry } from '../src/messages.js';
import { caseRecordOf } from '../src/caseRecord.js';
import { listCaseRows, readCaseView, recordCase, recordCaseView } from '../src/records/cases.js';
import { circularFiguresFromRecords } from '../src/records/circularFacts.js';
import { fakeView } from './circularFixtures.js';
import { freshRecords } from './db.js';
import { directory } from './helpers.js';

type TestRecords = Awaited<ReturnType<typeof freshRecords>>;
const opened: TestRecords[] = [];
const open = async (...args: Parameters<typeof freshRecords>): Promise<TestRecords> => {
  const r = await freshRecords(...args);
  opened.push(r);
  return r;
};
afterAll(async () => {
  for (const r of opened) await r.close();
});

const units = directory.units.map((u) => ({ id: u.id, name: u.name }));
const q3 = quarterPeriod('2026-Q3');
const cutoff = '2026-10-08T00:00:00.000Z';
const system = { id: 'duban', role: 'system' as const };

/** The same case a step earlier: its timeline cut to n entries, as the workflow reported it then. */
function earlier(v: CaseView, n: number, changes: Partial<CaseView> = {}): CaseView {
  return { ...v, timeline: v.timeline.slice(0, n), ...changes };
}

const factRows = async (r: TestRecords, caseId: string): Promise<unknown[]> =>
  (
    await r.db.query<Record<string, unknown>>(
      `SELECT seq, type, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, milestone, unit_id, level, actor_id, actor_role, on_time, points::text AS points
       FROM case_facts WHERE case_id = $1 ORDER BY seq`,
      [caseId],
    )
  ).rows;
const caseRow = async (r: TestRecords, caseId: string): Promise<unknown> =>
  (
    await r.db.query(
      `SELECT case_id, kind, unit_id, level, status, stage, received_at, deadline, overdue, closed_at, view_seq, view FROM cases WHERE case_id = $1`,
      [caseId],
    )
  ).rows[0];
const counts = async (r: TestRecords): Promise<[number, number]> => {
  const { rows } = await r.db.query<{ cases: number; facts: number }>('SELECT (SELECT count(*)::int FROM cases) AS cases, (SELECT count(*)::int FROM case_facts) AS facts');
  return [rows[0]!.cases, rows[0]!.facts];
};

// Q3 2026 in Shanghai is [2026-06-30T16:00Z, 2026-09-30T16:00Z): E and G fall just outside it (as in circular.test.ts).
const views = [
  fakeView({ id: 'A', unitId: 'wuli-gov', level: 'district', receivedAt: '2026-07-01T01:00:00.000Z', arrival: 'onTime' }),
  fakeView({ id: 'B', unitId: 'wuli-gov', level: 'district', receivedAt: '2026-09-30T15:59:59.999Z', arrival: 'late', urges: 1, supervises: 1, deductions: [1] }),
  fakeView({ id: 'C', unitId: 'wuli-gov', level: 'beijing', receivedAt: '2026-08-01T00:00:00.000Z', urges: 2, supervises: 2, deductions: [3, 1], status: 'open', deadline: '2026-10-01T00:00:00.000Z' }),
  fakeView({ id: 'D', unitId: 'wuli-landres', level: 'city', receivedAt: '2026-09-01T00:00:00.000Z', arrival: 'onTime', status: 'open', deadline: '2026-10-09T00:00:00.000Z' }),
  fakeView({ id: 'E', unitId: 'dongcun', level: 'district', receivedAt: '2026-09-30T16:00:00.000Z', arrival: 'late', urges: 5 }),
  fakeView({ id: 'F', unitId: 'old-unit', unitName: '旧单位', level: 'city', receivedAt: '2026-07-15T00:00:00.000Z', arrival: 'late', urges: 1, deductions: [2], status: 'cancelled' }),
  fakeView({ id: 'G', unitId: 'wuli-gov', level: 'city', receivedAt: '2026-06-30T15:59:59.999Z', arrival: 'onTime' }),
];

describe('recordCaseView and readCaseView', () => {
  let r: TestRecords;
  beforeAll(async () => {
    r = await open();
  });

  it('is idempotent: recording the same view twice leaves exactly the same rows', async () => {
    const v = views[1]!; // B: registered, reminder, urge, supervise, deduction, arrival, closed
    await recordCaseView(r, v);
    const [row, facts] = [await caseRow(r, v.caseId), await factRows(r, v.caseId)];
    await recordCaseView(r, v);
    expect(await counts(r)).toEqual([1, 7]);
    expect(await caseRow(r, v.caseId)).toEqual(row);
    expect(await factRows(r, v.caseId)).toEqual(facts);
    expect(row).toMatchObject({
      case_id: 'visit:B',
      kind: 'escalatedVisit',
      unit_id: 'wuli-gov',
      level: 'district',
      status: 'closed',
      stage: 'closed',
      received_at: new Date('2026-09-30T15:59:59.999Z'),
      deadline: null,
      overdue: false,
      closed_at: new Date('2026-09-30T15:59:59.999Z'),
      view_seq: 7,
    });
    const at = '2026-09-30T15:59:59.999Z';
    const fact = (seq: number, type: string, milestone: string | null, actor: Actor = system, onTime: boolean | null = null, points: string | null = null): unknown => ({
      seq,
      type,
      at,
      milestone,
      unit_id: 'wuli-gov',
      level: 'district',
      actor_id: actor.id,
      actor_role: actor.role,
      on_time: onTime,
      points,
    });
    expect(facts).toEqual([
      fact(1, 'registered', 'arrival'),
      fact(2, 'reminder', 'arrival'),
      fact(3, 'urge', 'arrival'),
      fact(4, 'supervise', 'arrival'),
      fact(5, 'deduction', 'arrival', system, null, '1.00'),
      fact(6, 'arrival', 'arrival', { id: 'wuli-gov-unit', role: 'unit' }, false),
      fact(7, 'closed', null),
    ]);
  });

  it('gives back exactly the view recorded; null for a case never recorded', async () => {
    expect(await readCaseView(r, 'visit:B')).toEqual(views[1]);
    expect(await readCaseView(r, 'visit:nobody')).toBeNull();
  });

  it('never lets an older view replace a newer one, whatever order the writes come in', async () => {
    const v = views[2]!; // C: open, 8 entries
    const old = earlier(v, 3, { deductions: [], stage: 'arrival.urge' });
    await recordCaseView(r, v);
    await recordCaseView(r, old);
    expect(await readCaseView(r, v.caseId)).toEqual(v);
    expect(await caseRow(r, v.caseId)).toMatchObject({ view_seq: 8, stage: 'arrival.pending', status: 'open' });
    expect((await factRows(r, v.caseId)).length).toBe(8);

    // Out of order and concurrently: every prefix of the timeline at once; the longest wins.
    const d = views[3]!;
    const versions = d.timeline.map((_, i) => earlier(d, i + 1, { stage: `step-${i + 1}` as CaseView['stage'] }));
    await Promise.all([...versions].reverse().map((x) => recordCaseView(r, x)));
    expect(await readCaseView(r, d.caseId)).toEqual(versions.at(-1));
    expect((await factRows(r, d.caseId)).map((f) => (f as { seq: number }).seq)).toEqual([1, 2, 3]);
  });

  it('a view with the same timeline but newer facts replaces the stored one; a deduction fact takes its points once the ledger has them', async () => {
    const v = views[5]!; // F: deduction entry at seq 4
    const before = { ...v, deductions: [] }; // the deduction entry is in the timeline, its ledger entry not yet
    await recordCaseView(r, before);
    expect((await factRows(r, v.caseId))[3]).toMatchObject({ seq: 4, type: 'deduction', points: null });
    await recordCaseView(r, v);
    expect((await factRows(r, v.caseId))[3]).toMatchObject({ seq: 4, type: 'deduction', points: '2.00' });
    expect(await readCaseView(r, v.caseId)).toEqual(v);
    // An older view without the points changes nothing any more.
    await recordCaseView(r, before);
    expect((await factRows(r, v.caseId))[3]).toMatchObject({ seq: 4, type: 'deduction', points: '2.00' });
  });
});

describe('sealed at rest', () => {
  const SECRET = '拆迁安置补偿款迟迟未发放-独特标记7731';
  const REASON = '情况说明：申请人家属已联系-独特标记5512';
  const secretView = (): CaseView => {
    const v = fakeView({ id: 'S', unitId: 'wuli-gov', level: 'city', receivedAt: '2026-08-01T00:00:00.000Z', arrival: 'late' });
    const entry: TimelineEntry = { seq: v.timeline.length + 1, at: '2026-08-01T01:00:00.000Z', type: 'explanationSubmitted', milestone: 'arrival', actor: { id: 'wuli-gov-unit', role: 'unit' }, reason: REASON };
    return { ...v, notice: { ...v.notice, matterSummary: SECRET }, timeline: [...v.timeline, entry] };
  };
  /** Every byte the case left in its rows: the sealed columns and every other column as text. */
  const everything = async (r: TestRecords): Promise<Buffer> => {
    const sealed = await r.db.query<{ b: Buffer }>('SELECT view AS b FROM cases UNION ALL SELECT entry FROM case_facts');
    const text = await r.db.query<{ t: string }>('SELECT c::text AS t FROM cases c UNION ALL SELECT f::text FROM case_facts f');
    return Buffer.concat([...sealed.rows.map((x) => x.b), ...text.rows.map((x) => Buffer.from(x.t))]);
  };

  it('with the AES-GCM codec no column holds the matter or a reason in the clear, and the view reads back exactly', async () => {
    const codec = new AesGcmCodec(parseKeySet({ current: 'k1', keys: { k1: generateKey() } }, 'test'));
    const r = await open(codec);
    const v = secretView();
    await recordCaseView(r, v);
    const bytes = await everything(r);
    expect(bytes.length).toBeGreaterThan(1000);
    expect(bytes.indexOf(Buffer.from(SECRET))).toBe(-1);
    expect(bytes.indexOf(Buffer.from(REASON))).toBe(-1);
    expect(await readCaseView(r, v.caseId)).toEqual(v);
  });

  it('without a codec (the control) the same search finds them: the search itself works', async () => {
    const r = await open();
    await recordCaseView(r, secretView());
    const bytes = await everything(r);
    expect(bytes.indexOf(Buffer.from(SECRET))).toBeGreaterThan(-1);
    expect(bytes.indexOf(Buffer.from(REASON))).toBeGreaterThan(-1);
  });
});

describe('the circular from SQL', () => {
  let r: TestRecords;
  beforeAll(async () => {
    r = await open();
    for (const v of views) await recordCaseView(r, v);
  });
  const both = async (period: CircularPeriod, at: string, circularId = '2026-Q3'): Promise<[CircularFigures, CircularFigures]> => [
    await circularFiguresFromRecords(r, { circularId, period, cutoff: at, units }),
    aggregateCircular(views, { circularId, period, cutoff: at, units }),
  ];

  it('equals aggregateCircular over the same views, exactly, row by row', async () => {
    const [sql, memory] = await both(q3, cutoff);
    expect(sql).toEqual(memory);
    const zero = [0, 0, 0, 0, 0, 0, 0, 0];
    expect(circularRows(sql)).toEqual([
      ['五里乡人民政府', '到区', 2, 1, 1, 1, 1, 1, 1, 0],
      ['五里乡人民政府', '到市', ...zero],
      ['五里乡人民政府', '进京', 1, 0, 0, 2, 2, 2, 4, 1],
      ['五里乡人民政府', '小计', 3, 1, 1, 3, 3, 3, 5, 1],
      ['五里乡国土资源所', '到区', ...zero],
      ['五里乡国土资源所', '到市', 1, 1, 0, 0, 0, 0, 0, 0],
      ['五里乡国土资源所', '进京', ...zero],
      ['五里乡国土资源所', '小计', 1, 1, 0, 0, 0, 0, 0, 0],
      ['东村村委会', '到区', ...zero],
      ['东村村委会', '到市', ...zero],
      ['东村村委会', '进京', ...zero],
      ['东村村委会', '小计', ...zero],
      ['旧单位', '到区', ...zero],
      ['旧单位', '到市', 1, 0, 1, 1, 0, 1, 2, 0],
      ['旧单位', '进京', ...zero],
      ['旧单位', '小计', 1, 0, 1, 1, 0, 1, 2, 0],
      ['合计', '', 5, 2, 2, 4, 3, 4, 7, 1],
    ]);
  });

  it('equals it for other cut-offs and periods too: before a deadline, the next quarter, a quarter with nothing', async () => {
    for (const [period, at] of [
      [q3, '2026-09-30T23:59:59.999Z'],
      [q3, '2026-10-09T00:00:00.001Z'],
      [quarterPeriod('2026-Q4'), '2027-01-01T00:00:00.000Z'],
      [quarterPeriod('2026-Q2'), '2026-07-01T00:00:00.000Z'],
      [quarterPeriod('2025-Q1'), '2026-07-01T00:00:00.000Z'],
    ] as const) {
      const [sql, memory] = await both(period, at, 'x');
      expect(sql).toEqual(memory);
    }
    const [early] = await both(q3, '2026-09-30T23:59:59.999Z');
    const [late] = await both(q3, '2026-10-09T00:00:00.001Z');
    expect([early.total.overdueOpen, late.total.overdueOpen]).toEqual([0, 2]);
    const [q4] = await both(quarterPeriod('2026-Q4'), '2027-01-01T00:00:00.000Z');
    expect(q4.total).toEqual({ escalated: 1, arrivedOnTime: 0, arrivedLate: 1, urged: 5, supervised: 0, deductions: 0, deductionPoints: 0, overdueOpen: 0 });
  });

  it('a deduction the ledger refused (year closed) counts nowhere, as in the view', async () => {
    const base = fakeView({ id: 'R', unitId: 'dongcun', level: 'beijing', receivedAt: '2026-08-02T00:00:00.000Z', urges: 1, supervises: 1 });
    const refused: CaseView = {
      ...base,
      timeline: [
        ...base.timeline.slice(0, -1),
        { seq: base.timeline.length, at: '2026-08-03T00:00:00.000Z', type: 'deduction', milestone: 'arrival', actor: system },
        { seq: base.timeline.length + 1, at: '2026-08-03T00:00:00.000Z', type: 'ledgerRefused', milestone: 'arrival', actor: system, reason: '年度台账已关账' },
        { ...base.timeline.at(-1)!, seq: base.timeline.length + 2 },
      ],
    };
    const own = await open();
    await recordCaseView(own, refused);
    const sql = await circularFiguresFromRecords(own, { circularId: 'x', period: q3, cutoff, units });
    expect(sql).toEqual(aggregateCircular([refused], { circularId: 'x', period: q3, cutoff, units }));
    expect(sql.byLevel.beijing).toEqual({ escalated: 1, arrivedOnTime: 0, arrivedLate: 0, urged: 1, supervised: 1, deductions: 0, deductionPoints: 0, overdueOpen: 0 });
  });

  it('a case closed 100 days before the run is counted by the circular of its quarter (the activity path), and reads back unchanged', async () => {
    const own = await open();
    const now = Date.now();
    const receivedAt = new Date(now - 101 * 86_400_000).toISOString();
    const closedAt = new Date(now - 100 * 86_400_000).toISOString();
    const base = fakeView({ id: 'OLD', unitId: 'wuli-landres', level: 'city', receivedAt, arrival: 'late', urges: 1, supervises: 1, deductions: [2] });
    const old: CaseView = { ...base, timeline: base.timeline.map((e) => (e.type === 'closed' ? { ...e, at: closedAt } : e)) };
    await recordCaseView(own, old);
    expect(await caseRow(own, old.caseId)).toMatchObject({ status: 'closed', closed_at: new Date(closedAt) });

    const quarter = quarterOf(Date.parse(receivedAt));
    const period = quarterPeriod(quarter);
    expect(Date.parse(period.to)).toBeLessThan(now); // its quarter has ended: a scheduled circular of it runs now
    const dir = mkdtempSync(join(tmpdir(), 'duban-records-cases-'));
    const acts = createCircularActivities({ directory: () => directory, client: undefined as never, records: own, taskQueue: 'x', outboxDir: join(dir, 'outbox'), dataDir: dir, log: () => undefined });
    const collect = (input: { circularId: string; period: CircularPeriod }): Promise<CircularFigures> => acts.collectCircularFacts(input);
    const figures = await new MockActivityEnvironment().run<[{ circularId: string; period: CircularPeriod }], CircularFigures, typeof collect>(collect, { circularId: quarter, period });
    expect(figures.total).toEqual({ escalated: 1, arrivedOnTime: 0, arrivedLate: 1, urged: 1, supervised: 1, deductions: 1, deductionPoints: 2, overdueOpen: 0 });
    expect(figures.units.find((u) => u.unitId === 'wuli-landres')!.levels.city).toEqual(figures.total);
    expect(figures.unreadable).toEqual([]);
    expect(figures).toEqual(aggregateCircular([old], { circularId: quarter, period, cutoff: figures.cutoff, units }));
    expect(await readCaseView(own, old.caseId)).toEqual(old);
  });
});

describe('recordCase with only the new facts', () => {
  it('first the view, then the new facts and columns; the view waits for the end; an older record changes nothing', async () => {
    const r = await open();
    const full = views[1]!; // B: late arrival, 催办, 督办, one deduction of 1 point
    const n = full.timeline.length;
    const dSeq = full.timeline.find((e) => e.type === 'deduction')!.seq;
    const early: CaseView = { ...full, status: 'open', stage: 'arrival.pending', deadline: '2026-10-01T03:00:00.000Z', deductions: [], timeline: full.timeline.slice(0, 2) };
    await recordCase(r, caseRecordOf(early, 0, true));
    // Everything up to the deduction, whose ledger entry has not landed yet (no points).
    const middle: CaseView = { ...full, status: 'open', stage: 'arrival.deduction', deadline: '2026-10-01T03:00:00.000Z', deductions: [], timeline: full.timeline.filter((e) => e.seq <= dSeq) };
    const delta = caseRecordOf(middle, 2, false);
    expect(delta.entries.map((e) => e.seq)).toEqual(middle.timeline.slice(2).map((e) => e.seq));
    expect(delta.view).toBeUndefined();
    await recordCase(r, delta);
    const row = async () => (await r.db.query<{ stage: string; view_seq: number; facts: string; points: string | null }>(`SELECT stage, view_seq, (SELECT count(*) FROM case_facts WHERE case_id = $1) AS facts, (SELECT points::text FROM case_facts WHERE case_id = $1 AND seq = $2) AS points FROM cases WHERE case_id = $1`, [full.caseId, dSeq])).rows[0];
    expect(await row()).toEqual({ stage: 'arrival.deduction', view_seq: 2, facts: String(dSeq), points: null });
    expect(await readCaseView(r, full.caseId)).toEqual(early);
    // The rest, with the deduction's points now known, and the view since the case is over.
    await recordCase(r, caseRecordOf(full, dSeq, true));
    expect(await row()).toEqual({ stage: 'closed', view_seq: n, facts: String(n), points: '1.00' });
    expect(await readCaseView(r, full.caseId)).toEqual(full);
    // A retried older record: no column, view or fact changes.
    await recordCase(r, delta);
    await recordCase(r, caseRecordOf(early, 0, true));
    expect(await row()).toEqual({ stage: 'closed', view_seq: n, facts: String(n), points: '1.00' });
    expect(await readCaseView(r, full.caseId)).toEqual(full);
  });
});

describe('listCaseRows', () => {
  let r: TestRecords;
  beforeAll(async () => {
    r = await open();
    for (const v of views) await recordCaseView(r, v);
    // Open past its deadline now, with a receivedAt equal to A's: the page boundary falls between equal times.
    await recordCaseView(r, fakeView({ id: 'A2', unitId: 'dongcun', level: 'district', receivedAt: '2026-07-01T01:00:00.000Z', status: 'open', deadline: '2026-07-01T04:00:00.000Z' }));
  });
  const ids = (rows: { caseId: string }[]): string[] => rows.map((x) => x.caseId);

  it('newest notice first, with the clear columns; overdue as of now', async () => {
    const rows = await listCaseRows(r, { limit: 3 });
    expect(rows).toEqual([
      { caseId: 'visit:E', kind: 'escalatedVisit', unitId: 'dongcun', level: 'district', status: 'closed', stage: 'closed', deadline: null, overdue: false, colour: null, receivedAt: '2026-09-30T16:00:00.000Z' },
      { caseId: 'visit:B', kind: 'escalatedVisit', unitId: 'wuli-gov', level: 'district', status: 'closed', stage: 'closed', deadline: null, overdue: false, colour: null, receivedAt: '2026-09-30T15:59:59.999Z' },
      { caseId: 'visit:D', kind: 'escalatedVisit', unitId: 'wuli-landres', level: 'city', status: 'open', stage: 'arrival.pending', deadline: '2026-10-09T00:00:00.000Z', overdue: true, colour: 'red', receivedAt: '2026-09-01T00:00:00.000Z' },
    ]);
  });

  it('三色预警 as of now from the recorded deadline and yellowFrom, and the colour filter', async () => {
    const c = await open();
    const now = Date.now();
    const at = (ms: number): string => new Date(ms).toISOString();
    const open1 = (id: string, deadline: number, yellowFrom: number | null): CaseView => ({ ...fakeView({ id, unitId: 'wuli-gov', level: 'district', receivedAt: at(now - 3_600_000), status: 'open', deadline: at(deadline) }), yellowFrom: yellowFrom === null ? null : at(yellowFrom) });
    await recordCaseView(c, open1('GREEN', now + 10 * 3_600_000, now + 5 * 3_600_000));
    await recordCaseView(c, open1('YELLOW', now + 3_600_000, now - 60_000));
    await recordCaseView(c, open1('RED', now - 60_000, now - 3_600_000));
    // Recorded before the colour existed: no yellowFrom, so only red or green can be said.
    await recordCaseView(c, open1('OLD', now + 60_000, null));
    await recordCaseView(c, fakeView({ id: 'OVER', unitId: 'wuli-gov', level: 'district', receivedAt: at(now - 3_600_000) }));
    const colours = Object.fromEntries((await listCaseRows(c, { limit: 100 })).map((x) => [x.caseId, x.colour]));
    expect(colours).toEqual({ 'visit:GREEN': 'green', 'visit:YELLOW': 'yellow', 'visit:RED': 'red', 'visit:OLD': 'green', 'visit:OVER': null });
    expect(ids(await listCaseRows(c, { colour: 'yellow', limit: 100 }))).toEqual(['visit:YELLOW']);
    expect(ids(await listCaseRows(c, { colour: 'red', limit: 100 }))).toEqual(['visit:RED']);
    expect(ids(await listCaseRows(c, { colour: 'green', limit: 100 })).sort()).toEqual(['visit:GREEN', 'visit:OLD']);
  });

  it('pages by (receivedAt, caseId) without losing or repeating a case, also between equal times', async () => {
    const seen: string[] = [];
    let after: { receivedAt: string; caseId: string } | undefined;
    for (;;) {
      const page = await listCaseRows(r, { limit: 2, ...(after ? { after } : {}) });
      if (page.length === 0) break;
      seen.push(...ids(page));
      after = { receivedAt: page.at(-1)!.receivedAt, caseId: page.at(-1)!.caseId };
    }
    expect(seen).toEqual(['visit:E', 'visit:B', 'visit:D', 'visit:C', 'visit:F', 'visit:A2', 'visit:A', 'visit:G']);
  });

  it('filters by unit, status, level, overdue and the received period', async () => {
    expect(ids(await listCaseRows(r, { unitId: 'wuli-gov', limit: 100 }))).toEqual(['visit:B', 'visit:C', 'visit:A', 'visit:G']);
    expect(ids(await listCaseRows(r, { status: 'open', limit: 100 }))).toEqual(['visit:D', 'visit:C', 'visit:A2']);
    expect(ids(await listCaseRows(r, { status: 'cancelled', limit: 100 }))).toEqual(['visit:F']);
    expect(ids(await listCaseRows(r, { level: 'city', limit: 100 }))).toEqual(['visit:D', 'visit:F', 'visit:G']);
    expect(ids(await listCaseRows(r, { overdue: true, limit: 100 }))).toEqual(['visit:D', 'visit:C', 'visit:A2']);
    expect(ids(await listCaseRows(r, { overdue: false, unitId: 'dongcun', limit: 100 }))).toEqual(['visit:E']);
    expect(ids(await listCaseRows(r, { receivedFrom: q3.from, receivedTo: q3.to, limit: 100 }))).toEqual(['visit:B', 'visit:D', 'visit:C', 'visit:F', 'visit:A2', 'visit:A']);
    expect(ids(await listCaseRows(r, { receivedFrom: q3.from, receivedTo: q3.to, level: 'district', unitId: 'wuli-gov', limit: 1 }))).toEqual(['visit:B']);
  });

  it("filters by kind, a unit key's units, stage and the open cases' deadline range", async () => {
    expect(ids(await listCaseRows(r, { kind: 'escalatedVisit', limit: 100 }))).toEqual(['visit:E', 'visit:B', 'visit:D', 'visit:C', 'visit:F', 'visit:A2', 'visit:A', 'visit:G']);
    expect(ids(await listCaseRows(r, { kind: 'assignedCase', limit: 100 }))).toEqual([]);
    expect(ids(await listCaseRows(r, { units: ['dongcun', 'wuli-landres'], limit: 100 }))).toEqual(['visit:E', 'visit:D', 'visit:A2']);
    expect(ids(await listCaseRows(r, { units: [], limit: 100 }))).toEqual([]);
    expect(ids(await listCaseRows(r, { stage: 'arrival.pending', limit: 100 }))).toEqual(['visit:D', 'visit:C', 'visit:A2']);
    expect(ids(await listCaseRows(r, { deadlineFrom: '2026-09-01T00:00:00.000Z', limit: 100 }))).toEqual(['visit:D', 'visit:C']);
    // Both ends inclusive: C's deadline is exactly the upper bound.
    expect(ids(await listCaseRows(r, { deadlineTo: '2026-10-01T00:00:00.000Z', limit: 100 }))).toEqual(['visit:C', 'visit:A2']);
    expect(ids(await listCaseRows(r, { deadlineFrom: '2026-07-01T04:00:00.000Z', deadlineTo: '2026-07-01T04:00:00.000Z', limit: 100 }))).toEqual(['visit:A2']);
  });
});
