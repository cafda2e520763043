// Connections to Temporal and the one-time registration of duban's namespace and search attributes.
import { Client, Connection, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { DataConverter, UpdateDefinition } from '@temporalio/common';
import { msToTs } from '@temporalio/common/lib/time.js';
import proto from '@temporalio/proto';
import { createDataConverter } from './codec.js';
import { SEARCH_ATTRIBUTE_KEYS } from './searchAttributes.js';

const { temporal } = proto;

const INDEXED_TYPE: Record<string, proto.temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  DATETIME: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  BOOL: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
};

/** A client whose payloads and failures are encrypted: by default with the codec from the environment (loadCodec()). */
export async function connectClient(address: string, namespace: string, options: { dataConverter?: DataConverter } = {}): Promise<Client> {
  const dataConverter = options.dataConverter ?? createDataConverter();
  const connection = await Connection.connect({ address });
  return new Client({ connection, namespace, dataConverter });
}

/** Registers the namespace and duban's search attributes when missing; safe to call at every start. */
export async function ensureNamespace(connection: Connection, namespace: string): Promise<void> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
  } catch {
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(30 * 86_400_000) });
  }
  let registered: Record<string, unknown> = {};
  try {
    registered = (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
  } catch (err) {
    // The time-skipping test server can add search attributes but cannot list them.
    if ((err as { code?: number }).code !== 12) throw err;
  }
  const missing = SEARCH_ATTRIBUTE_KEYS.filter((k) => !(k.name in registered));
  if (missing.length > 0) {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((k) => [k.name, INDEXED_TYPE[k.type]!])),
    });
  }
}

/**
 * Runs an update on a long-lived workflow (a ledger, a document register), starting it first when it does not exist
 * (a start that lost the race is fine). REJECT_DUPLICATE: a workflow that has ended is never started afresh, so its
 * state (a closed year, numbers given) is never reset; the second update then fails with WorkflowNotFoundError.
 * The Java test server has no update-with-start, hence two calls.
 */
export async function executeUpdateStartingWorkflow<Ret, Arg>(
  client: Client,
  workflow: { workflowType: string; workflowId: string; taskQueue: string; input: unknown },
  update: UpdateDefinition<Ret, [Arg]>,
  arg: Arg,
): Promise<Ret> {
  const send = (): Promise<Ret> => client.workflow.getHandle(workflow.workflowId).executeUpdate(update, { args: [arg] });
  try {
    return await send();
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  try {
    await client.workflow.start(workflow.workflowType, { workflowId: workflow.workflowId, taskQueue: workflow.taskQueue, args: [workflow.input], workflowIdReusePolicy: 'REJECT_DUPLICATE' });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  return await send();
}
