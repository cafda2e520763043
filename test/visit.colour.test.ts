// 三色预警 of a running case (time skipping): DubanColour and the view's colour are green at registration, yellow from
// the policy's window before the deadline (the case wakes for it even with no step then), red at the deadline, green
// again for the closure report after the arrival, and gone once the case is closed.
import { expect, test } from 'vitest';
import { reportArrivalUpdate, submitClosureReportUpdate } from '../src/messages.js';
import type { Policy } from '../src/policy.js';
import { colourKey } from '../src/searchAttributes.js';
import { H, policy, sampleNotice, skipTo, startVisit, unitActor, view, waitForStep, type Harness } from './helpers.js';
import type { StartVisitResult } from '../src/cases.js';
import { useTimeSkippingHarness } from './timeSkippingHarness.js';

const harness = useTimeSkippingHarness();
// District: deadline 3 h, reminders at 2 h and 2.5 h; yellow from 1.5 h, when no step is due.
const colourPolicy: Policy = { ...policy, version: 'colour.1', arrival: { ...policy.arrival, levels: { ...policy.arrival.levels, district: { ...policy.arrival.levels.district, yellowWindow: '90m' } } } };

async function colours(c: StartVisitResult): Promise<[string | undefined, string | null]> {
  const [described, v] = await Promise.all([c.handle.describe(), view(c)]);
  return [described.typedSearchAttributes.get(colourKey), v.colour];
}

test('green, yellow at the window, red at the deadline, green for the closure report, none once closed', async () => {
  const h: Harness = harness();
  const t0 = await h.env.currentTimeMs();
  const c = await startVisit(h, sampleNotice('district', t0), colourPolicy);
  const firstReminder = `arrival.reminder.1h@${t0 + 3 * H}`;
  await waitForStep(c, firstReminder);
  expect(c.opening).toMatchObject({ colour: 'green', yellowFrom: new Date(t0 + 1.5 * H).toISOString() });
  expect(await colours(c)).toEqual(['green', 'green']);

  await skipTo(h, t0, 1.6);
  await waitForStep(c, firstReminder);
  expect(await colours(c)).toEqual(['yellow', 'yellow']);
  expect((await view(c)).timeline.map((e) => e.type)).toEqual(['registered', 'alert']);

  await skipTo(h, t0, 3.1);
  await waitForStep(c, 'arrival.overdueReminder.1');
  expect(await colours(c)).toEqual(['red', 'red']);

  await c.handle.executeUpdate(reportArrivalUpdate, { args: [{ leaderId: 'wuli-gov-wang', arrivedAt: new Date(t0 + 3.1 * H).toISOString(), actor: unitActor }] });
  const arrived = await view(c);
  expect([arrived.stage, arrived.colour, arrived.yellowFrom]).toEqual(['closureReport.pending', 'green', new Date(t0 + 3.1 * H + 12 * 24 * H).toISOString()]);
  expect((await c.handle.describe()).typedSearchAttributes.get(colourKey)).toBe('green');

  await c.handle.executeUpdate(submitClosureReportUpdate, { args: [{ result: '已接回，书面报结', actor: unitActor }] });
  const closed = await view(c);
  expect([closed.status, closed.colour, closed.yellowFrom]).toEqual(['closed', null, null]);
  expect((await c.handle.describe()).typedSearchAttributes.get(colourKey)).toBeUndefined();
});
