// A monthly round: the Schedule's run (00:00 Beijing on the 1st) opens last month's case of one obligation for every
// unit; each case's ID names unit, obligation and month, so a second round of the same month starts nothing new.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { DubanActivities } from '../src/activityTypes.js';
import { ErrorType, businessFailure } from '../src/errors.js';
import { toIso as iso } from '../src/time.js';
import { PERIOD_PATTERN, previousPeriod } from '../src/duties/monthlyPeriod.js';
import type { MonthlyRoundInput, MonthlyRoundResult } from '../src/duties/monthlyObligation.js';

// The cases are started by an activity, not as children: each lives its own ladder, whatever happens to the round.
const { openMonthlyCases } = proxyActivities<DubanActivities>({
  startToCloseTimeout: '10m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes: [ErrorType.InvalidInput] },
});

/** Set by the Schedule on the runs it starts: the moment the run was due (a backfilled run: its past moment). */
const scheduledStartKey = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

export async function monthlyRound(round: MonthlyRoundInput): Promise<MonthlyRoundResult> {
  const info = workflowInfo();
  const scheduled = info.typedSearchAttributes.get(scheduledStartKey);
  const period = round.period ?? previousPeriod(iso(scheduled ? scheduled.getTime() : info.startTime.getTime()));
  if (!PERIOD_PATTERN.test(period)) throw businessFailure(ErrorType.InvalidInput, 'must be YYYY-MM', 'period');
  return openMonthlyCases({ round, period, registeredAt: iso(Date.now()) });
}
