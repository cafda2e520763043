// The workflow takes its input as pinned (issue 14 item 6): validated and fully defaulted at the edge, never re-parsed
// with today's schemas inside the workflow, so tightening a schema cannot fail or change an open case on replay.
// Here a notice recorded under looser rules (a reception site of 300 characters; today's schema allows 200) runs and
// replays; the API still refuses it at the edge. Time skipping.
import { Worker } from '@temporalio/worker';
import { expect, test } from 'vitest';
import { unitSnapshot, findUnit } from '../src/directory.js';
import { caseIdForNotice } from '../src/domain.js';
import { InputError } from '../src/errors.js';
import { validateNotice } from '../src/cases.js';
import type { EscalatedVisitInput } from '../src/messages.js';
import { workflowsPath } from '../worker.js';
import { TASK_QUEUE, directory, intake, policy, sampleNotice, view, waitForStep, H } from './helpers.js';
import { useTimeSkippingHarness } from './timeSkippingHarness.js';

const harness = useTimeSkippingHarness();

test('a notice that today’s schema refuses, pinned under looser rules, runs its ladder and replays', async () => {
  const t0 = await harness().env.currentTimeMs();
  const notice = sampleNotice('district', t0, { receptionSite: '区信访局'.repeat(75) });
  expect(() => validateNotice(notice, directory, t0)).toThrow(InputError);
  const input: EscalatedVisitInput = { notice, policy, unit: unitSnapshot(findUnit(directory, 'wuli-gov')!), actor: intake, registeredAt: new Date(t0).toISOString() };
  const handle = await harness().env.client.workflow.start('escalatedVisit', { workflowId: caseIdForNotice(notice.noticeId), taskQueue: TASK_QUEUE, args: [input] });
  const c = { caseId: handle.workflowId, created: true, handle, opening: undefined as never };
  harness().started.push(c);
  const waiting = await waitForStep(c, `arrival.reminder.1h@${t0 + 3 * H}`);
  expect(waiting.notice.receptionSite).toHaveLength(300);
  expect(waiting.timeline.map((e) => e.type)).toEqual(['registered', 'alert']);
  expect((await view(c)).stage).toBe('arrival.pending');
  await Worker.runReplayHistory({ workflowsPath }, await handle.fetchHistory(), handle.workflowId);
});
