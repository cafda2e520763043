// The Temporal Schedule of the quarterly circular: 00:00 on 1 January, April, July and October in Asia/Shanghai.
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleSpec } from '@temporalio/client';

export const CIRCULAR_SCHEDULE_ID = 'duban-quarterly-circular';

export function circularScheduleSpec(): ScheduleSpec {
  return {
    calendars: [{ month: ['JANUARY', 'APRIL', 'JULY', 'OCTOBER'], dayOfMonth: 1, hour: 0, minute: 0, second: 0, comment: '每季度首日零时：上一季度的通报' }],
    timezone: 'Asia/Shanghai',
  };
}

/**
 * Creates the Schedule, or brings an existing one to this spec, action and policies (safe at every start).
 * Overlap SKIP and a 7-day catch-up: a server down at the quarter's start still produces the circular when back;
 * a second run for the same quarter finds circular:<quarter> and does nothing.
 */
export async function ensureCircularSchedule(client: Client, options: { taskQueue: string; scheduleId?: string }): Promise<'created' | 'updated'> {
  const scheduleId = options.scheduleId ?? CIRCULAR_SCHEDULE_ID;
  const spec = circularScheduleSpec();
  const action = { type: 'startWorkflow' as const, workflowType: 'quarterlyCircular', workflowId: 'quarterly-circular', taskQueue: options.taskQueue, args: [{}] };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '7 days', pauseOnFailure: false };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies, state: { note: '一季度一通报（duban）' } });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update((prev) => ({ ...prev, spec, action, policies }));
    return 'updated';
  }
}
