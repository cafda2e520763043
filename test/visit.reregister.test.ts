// A case whose run failed or was terminated can be registered again from the same notice (issue 14 item 10): the new
// run continues the recorded timeline, the steps the old run took count as done (no second 催办, no second number),
// and a run that had recorded a person's act (an arrival) is refused naming noticeId. Time skipping, real worker and
// PostgreSQL, the API for the refusal.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadApiKeys } from '../src/api/auth.js';
import { buildApiServer } from '../src/api/server.js';
import { startEscalatedVisit, type StartVisitResult } from '../src/cases.js';
import { reportArrivalUpdate, type CaseView, type Notice, type TimelineEntry } from '../src/messages.js';
import { readCaseTimeline } from '../src/records/cases.js';
import { DEV_KEYS, H, TASK_QUEUE, directory, intake, outbox, policy, sampleNotice, skipTo, startVisit, unitActor, until, view, waitForStep } from './helpers.js';
import { useTimeSkippingHarness } from './timeSkippingHarness.js';

const harness = useTimeSkippingHarness();
let api: FastifyInstance;
beforeAll(async () => {
  const h = harness();
  api = await buildApiServer({ client: h.env.client, records: h.records, namespace: h.env.namespace ?? 'default', taskQueue: TASK_QUEUE, policy, directory, keys: loadApiKeys({}), dataDir: h.dataDir });
});
afterAll(async () => {
  await api?.close();
});

const types = (entries: TimelineEntry[]): string[] => entries.map((e) => e.type);

/** Terminates the run once its worker is idle and the store holds every entry it made (as an operator's terminate would). */
async function terminateWhenRecorded(c: StartVisitResult, lastType: string): Promise<TimelineEntry[]> {
  const h = harness();
  await until(`the ${lastType}`, () => view(c), (x) => x.timeline.some((e) => e.type === lastType));
  await until('the run idle', () => c.handle.describe(), (d) => (d.raw.pendingActivities ?? []).length === 0);
  const v = await view(c);
  const recorded = await until('every entry recorded', () => readCaseTimeline(h.records, c.caseId), (t) => t.length === v.timeline.length);
  await c.handle.terminate('运维终止');
  return recorded;
}

const reregister = async (notice: Notice): Promise<StartVisitResult> => {
  const h = harness();
  const c = await startEscalatedVisit(notice, { client: h.env.client, taskQueue: TASK_QUEUE, policy, directory, actor: intake, records: h.records, now: await h.env.currentTimeMs() });
  h.started.push(c);
  return c;
};

test('terminated after 催办: the notice registers again, the timeline goes on, 督办 comes next with the next number', async () => {
  const h = harness();
  const t0 = await h.env.currentTimeMs();
  const notice = sampleNotice('district', t0);
  const first = await startVisit(h, notice);
  await waitForStep(first, `arrival.reminder.1h@${t0 + 3 * H}`);
  await skipTo(h, t0, 3.5);
  const before = await terminateWhenRecorded(first, 'documentIssued');
  expect(types(before)).toEqual(['registered', 'alert', 'reminder', 'reminder', 'urge', 'documentIssued']);
  const firstRun = (await first.handle.describe()).runId;

  const again = await reregister(notice);
  expect(again.created).toBe(true);
  const described = await again.handle.describe();
  expect(described.runId).not.toBe(firstRun);
  // The answer is the new run's opening view: the old entries, the re-registration, then its own registration.
  expect(types(again.opening.timeline)).toEqual([...types(before), 'reregistered', 'registered', 'alert']);
  expect(again.opening.timeline.slice(0, 6)).toEqual(before);
  expect(again.opening.timeline[6]).toMatchObject({ seq: 7, type: 'reregistered', actor: intake, reason: '前次办理被终止，通知重新登记，各期限仍按原通知时间计算', detail: { previousRunId: firstRun, previousStatus: 'TERMINATED' } });
  expect(again.opening.stage).toBe('arrival.urge');
  expect(await view(again)).toMatchObject<Partial<CaseView>>({ stage: 'arrival.urge', timeline: again.opening.timeline });

  // 督办 at 5 h as planned for the first registration; no second 催办, and the 督办单 takes the next number.
  await waitForStep(again, 'arrival.overdueReminder.1');
  await skipTo(h, t0, 5.5);
  const v = await until('the 督办单', () => view(again), (x) => x.timeline.filter((e) => e.type === 'documentIssued').length === 2);
  expect(types(v.timeline).slice(9)).toEqual(['overdueReminder', 'overdueReminder', 'supervise', 'documentIssued']);
  expect(v.timeline.filter((e) => e.type === 'urge')).toHaveLength(1);
  expect(v.timeline.filter((e) => e.type === 'documentIssued').map((e) => [e.detail?.kind, e.detail?.number])).toEqual([
    ['urge', 1],
    ['supervise', 2],
  ]);
  // The alert and the 催办 went out once, in the first run: the new run's sends found them done.
  const sent = outbox(h).filter((m) => m.caseId === again.caseId);
  expect(sent.filter((m) => m.event === 'alert').map((m) => m.recipientId).sort()).toEqual(['wuli-gov-chen', 'wuli-gov-wang', 'wuli-gov-zhang']);
  expect(sent.filter((m) => m.event === 'urge').map((m) => m.recipientId).sort()).toEqual(['wuli-gov-wang', 'wuli-gov-zhang', 'xfb-li']);
  // The store holds one continuous timeline.
  const stored = await until('the store to catch up', () => readCaseTimeline(h.records, again.caseId), (t) => t.length === v.timeline.length);
  expect(stored.map((e) => e.seq)).toEqual(v.timeline.map((_, i) => i + 1));

  // The new run is running: the same notice once more is a plain repeat.
  const repeat = await reregister(notice);
  expect(repeat.created).toBe(false);
  expect((await repeat.handle.describe()).runId).toBe(described.runId);
});

test('a run that had recorded an arrival is not registered again: 409 naming noticeId, nothing started', async () => {
  const h = harness();
  // Received by the real clock, which the API checks (the test server's clock runs ahead of it).
  const notice = sampleNotice('district', Date.now() - 1000);
  const first = await startVisit(h, notice);
  await first.handle.executeUpdate(reportArrivalUpdate, { args: [{ leaderId: 'wuli-gov-wang', arrivedAt: new Date(await h.env.currentTimeMs()).toISOString(), actor: unitActor }] });
  const recorded = await terminateWhenRecorded(first, 'arrival');
  const arrivalSeq = recorded.find((e) => e.type === 'arrival')!.seq;
  const runId = (await first.handle.describe()).runId;

  const res = await api.inject({ method: 'POST', url: '/cases', headers: { authorization: `Bearer ${DEV_KEYS.intake}` }, payload: notice });
  expect(res.statusCode).toBe(409);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(JSON.parse(res.body)).toMatchObject({
    status: 409,
    detail: `case visit:${notice.noticeId} ended TERMINATED after its arrival (seq ${arrivalSeq}): registering the notice again would lose that; ask an administrator`,
    errors: [{ field: 'noticeId', message: "the case's last run ended TERMINATED with a recorded arrival: not registered again" }],
  });
  const d = await first.handle.describe();
  expect([d.runId, d.status.name]).toEqual([runId, 'TERMINATED']);
});
