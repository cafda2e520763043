// The quarterly circular (一季度一通报): the Schedule's run picks the quarter that just ended and starts its one
// circular workflow, whose ID circular:<quarter> makes a second fire for the same quarter find it and do nothing.
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { ParentClosePolicy, proxyActivities, setHandler, startChild, workflowInfo } from '@temporalio/workflow';
import { circularWorkflowId, quarterPeriod, quarterReportedAt } from '../src/circular/period.js';
import type { CircularActivities, CircularRequest, CircularView, QuarterlyCircularInput, QuarterlyCircularResult } from '../src/circular/types.js';
import { SYSTEM_ACTOR } from '../src/domain.js';
import { ErrorType } from '../src/errors.js';
import { circularQuery } from '../src/messages.js';

const retry = { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '10 minutes', nonRetryableErrorTypes: [ErrorType.CircularMailRefused, ErrorType.InvalidInput] };
// Reading every case of a quarter can take minutes: the activity heartbeats after each batch.
const { collectCircularFacts } = proxyActivities<CircularActivities>({ startToCloseTimeout: '30 minutes', heartbeatTimeout: '2 minutes', retry });
const { renderCircular } = proxyActivities<CircularActivities>({ startToCloseTimeout: '5 minutes', retry });
const { mailCircular } = proxyActivities<CircularActivities>({ startToCloseTimeout: '2 minutes', retry: { ...retry, maximumAttempts: 50 } });

/** Set by the Schedule on the runs it starts: the moment the run was due (a triggered run: when triggered). */
const scheduledStartKey = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/** One circular: collect the period's facts, render and store the files, mail them (when asked). */
export async function circular(request: CircularRequest): Promise<CircularView> {
  let view: CircularView = { circularId: request.circularId, period: request.period, status: 'collecting', requestedBy: request.requestedBy, figures: null, files: [], mail: null };
  setHandler(circularQuery, () => view);
  const figures = await collectCircularFacts({ circularId: request.circularId, period: request.period });
  view = { ...view, status: 'rendering', figures };
  const files = await renderCircular({ request, figures });
  view = { ...view, status: request.mail === false ? 'done' : 'mailing', files };
  if (request.mail !== false) {
    const mail = await mailCircular({ request, figures, files });
    view = { ...view, status: 'done', mail };
  }
  return view;
}

/** Started by the Schedule at 00:00 on the first day of each quarter (Asia/Shanghai): the circular of the quarter that ended. */
export async function quarterlyCircular(input: QuarterlyCircularInput = {}): Promise<QuarterlyCircularResult> {
  const info = workflowInfo();
  const scheduled = info.typedSearchAttributes.get(scheduledStartKey);
  const quarter = input.quarter ?? quarterReportedAt(scheduled ? scheduled.getTime() : info.startTime.getTime());
  const request: CircularRequest = { circularId: quarter, period: quarterPeriod(quarter), requestedBy: SYSTEM_ACTOR, mail: true };
  try {
    // A failed circular may be produced again; a running or completed one is never produced twice.
    const child = await startChild(circular, {
      workflowId: circularWorkflowId(quarter),
      args: [request],
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
    await child.result();
    return { circularId: quarter, outcome: 'produced' };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { circularId: quarter, outcome: 'alreadyProduced' };
    throw err;
  }
}
