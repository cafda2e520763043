// Workflow interceptors of every duban worker. A production worker's codec turns a payload that was not encrypted with a
// configured key into REFUSED_PLAINTEXT (src/codec.ts); here such an input is never applied: an update is refused
// before it is accepted (nothing reaches the history), a signal is dropped, a query and a start fail. For every
// encrypted (or, in development, plain) input these interceptors only pass the call on.
import { log, type Next, type QueryInput, type SignalInput, type UpdateInput, type WorkflowExecuteInput, type WorkflowInboundCallsInterceptor, type WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { ErrorType, businessFailure } from '../src/errors.js';
import { isRefusedPlaintext } from '../src/refusedPayload.js';

const refused = (args: readonly unknown[]): boolean => args.some(isRefusedPlaintext);
const refusal = (what: string): Error => businessFailure(ErrorType.PlaintextRefused, `${what} refused: not encrypted with a configured key (production accepts encrypted payloads only, see docs/security.md)`, 'payload');

class RefusePlaintextInbound implements WorkflowInboundCallsInterceptor {
  execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    if (refused(input.args)) return Promise.reject(refusal('workflow input'));
    return next(input);
  }

  validateUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>): void {
    if (refused(input.args)) {
      log.warn('refused an update that was not encrypted', { update: input.name, updateId: input.updateId });
      throw refusal(`update ${input.name}`);
    }
    next(input);
  }

  // Updates without a validator, and replay (where validators do not run).
  handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>): Promise<unknown> {
    if (refused(input.args)) return Promise.reject(refusal(`update ${input.name}`));
    return next(input);
  }

  handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    // A signal cannot be answered with an error: it is dropped, and the worker's log says so.
    if (refused(input.args)) {
      log.warn('dropped a signal that was not encrypted', { signal: input.signalName });
      return Promise.resolve();
    }
    return next(input);
  }

  handleQuery(input: QueryInput, next: Next<WorkflowInboundCallsInterceptor, 'handleQuery'>): Promise<unknown> {
    if (refused(input.args)) return Promise.reject(refusal(`query ${input.queryName}`));
    return next(input);
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => ({ inbound: [new RefusePlaintextInbound()] });
