// A claimed arrival time is checked, not trusted (issue 14 item 1): a unit may date its arrival at most
// policy.arrival.maxBackdate (15 min) before its report; further back it counts as the report's time. The office may
// record an earlier time, with a reason. District level, 3 h deadline, time skipping.
import { expect, test } from 'vitest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { reportArrivalUpdate, type CaseView, type TimelineEntry } from '../src/messages.js';
import { H, hoursOf, sampleNotice, skipTo, startVisit, supervisor, unitActor, waitForStep, updateThenRead } from './helpers.js';
import { useTimeSkippingHarness } from './timeSkippingHarness.js';

const harness = useTimeSkippingHarness();

const iso = (ms: number): string => new Date(ms).toISOString();
const arrivalEntry = (v: CaseView): TimelineEntry => v.timeline.find((e) => e.type === 'arrival')!;

test('after 催办, a unit that dates its arrival 1.5 h back is recorded as arriving at its report: late, 催办 and its document stay', async () => {
  const t0 = await harness().env.currentTimeMs();
  const c = await startVisit(harness(), sampleNotice('district', t0));
  await waitForStep(c, `arrival.reminder.1h@${t0 + 3 * H}`);
  await skipTo(harness(), t0, 3.5);
  const arrived = await updateThenRead(c.handle, reportArrivalUpdate, { leaderId: 'wuli-gov-zhang', arrivedAt: iso(t0 + 2 * H), actor: unitActor });
  const reportedAt = Date.parse(arrivalEntry(arrived).detail!.reportedAt as string);
  expect(Math.round((reportedAt - t0) / 1000)).toBe(3.5 * 3600);
  expect(arrived.arrival).toEqual({ leaderId: 'wuli-gov-zhang', leaderRole: 'principal', arrivedAt: iso(reportedAt), onTime: false });
  expect(arrivalEntry(arrived)).toMatchObject({ at: iso(reportedAt), detail: { onTime: false, arrivedAt: iso(reportedAt), claimedArrivedAt: iso(t0 + 2 * H) } });
  expect(hoursOf(arrived).map(([type]) => type)).toEqual(['registered', 'alert', 'reminder', 'reminder', 'urge', 'documentIssued', 'arrival']);
  expect(arrived.stage).toBe('closureReport.pending');
  // The closure report's 15 days run from the accepted time, not the claimed one.
  expect(Date.parse(arrived.deadline!)).toBe(reportedAt + 15 * 24 * H);
});

test('a unit may date its arrival up to 15 min before its report: the claimed time is kept and judged on time', async () => {
  const t0 = await harness().env.currentTimeMs();
  const c = await startVisit(harness(), sampleNotice('district', t0));
  await waitForStep(c, `arrival.reminder.1h@${t0 + 3 * H}`);
  await skipTo(harness(), t0, 3 + 10 / 60);
  const arrived = await updateThenRead(c.handle, reportArrivalUpdate, { leaderId: 'wuli-gov-zhang', arrivedAt: iso(t0 + 3 * H - 60_000), actor: unitActor });
  expect(arrived.arrival).toEqual({ leaderId: 'wuli-gov-zhang', leaderRole: 'principal', arrivedAt: iso(t0 + 3 * H - 60_000), onTime: true });
  const entry = arrivalEntry(arrived);
  expect(Math.round((Date.parse(entry.at) - t0) / 60_000)).toBe(190);
  expect(entry.detail).toMatchObject({ onTime: true, arrivedAt: iso(t0 + 3 * H - 60_000), claimedArrivedAt: iso(t0 + 3 * H - 60_000) });
  // The timeline stays in time order: the 催办 at 3 h comes before the arrival entry dated at its report.
  const times = arrived.timeline.map((e) => Date.parse(e.at));
  expect(times).toEqual([...times].sort((a, b) => a - b));
});

test('the office may record an earlier arrival only with a reason: without one the report is refused naming note', async () => {
  const t0 = await harness().env.currentTimeMs();
  const c = await startVisit(harness(), sampleNotice('district', t0));
  await waitForStep(c, `arrival.reminder.1h@${t0 + 3 * H}`);
  await skipTo(harness(), t0, 3.5);
  const refused = await c.handle.executeUpdate(reportArrivalUpdate, { args: [{ leaderId: 'wuli-gov-zhang', arrivedAt: iso(t0 + 2 * H), actor: supervisor }] }).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
  expect((refused as WorkflowUpdateFailedError).cause?.message).toBe('note: is required when arrivedAt is more than 15m before the report');
  const arrived = await updateThenRead(c.handle, reportArrivalUpdate, { leaderId: 'wuli-gov-zhang', arrivedAt: iso(t0 + 2 * H), note: '接待大厅登记簿记载到达时间', actor: supervisor });
  expect(arrived.arrival).toEqual({ leaderId: 'wuli-gov-zhang', leaderRole: 'principal', arrivedAt: iso(t0 + 2 * H), onTime: true });
  expect(arrivalEntry(arrived)).toMatchObject({ reason: '接待大厅登记簿记载到达时间', detail: { onTime: true, arrivedAt: iso(t0 + 2 * H), claimedArrivedAt: iso(t0 + 2 * H) } });
  // The 催办 that fired stays in the record with its document.
  expect(arrived.timeline.filter((e) => e.type === 'urge' || e.type === 'documentIssued').map((e) => e.type)).toEqual(['urge', 'documentIssued']);
});
