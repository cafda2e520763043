// Client calls inside an activity that stop when the activity is cancelled (a worker shutting down, a timeout).
import { CancelledFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';

/** Runs fn's Temporal calls under the activity's cancellation: an update waiting for a workflow worker ends at once. */
export async function whileNotCancelled<R>(client: Client, fn: () => Promise<R>): Promise<R> {
  const signal = activitySignal();
  if (!signal) return fn();
  try {
    return await client.withAbortSignal(signal, fn);
  } catch (err) {
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new CancelledFailure('cancelled');
    throw err;
  }
}

/** The running activity's cancellation signal; none when called outside an activity (a script, a direct call). */
function activitySignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}
