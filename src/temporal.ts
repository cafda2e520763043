// Connections to Temporal and the one-time registration of duban's namespace and search attributes.
import { Client, Connection, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { DataConverter, UpdateDefinition } from '@temporalio/common';
import { msToTs } from '@temporalio/common/lib/time.js';
import proto from '@temporalio/proto';
import { createDataConverter } from './codec.js';
import { SEARCH_ATTRIBUTE_KEYS } from './searchAttributes.js';
import { temporalConnectionOptions } from './temporalConnection.js';

const { temporal } = proto;

const INDEXED_TYPE: Record<string, proto.temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  DATETIME: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  BOOL: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
};

/** A client whose payloads and failures are encrypted: by default with the codec from the environment (loadCodec()). */
export async function connectClient(address: string, namespace: string, options: { dataConverter?: DataConverter; env?: NodeJS.ProcessEnv } = {}): Promise<Client> {
  const dataConverter = options.dataConverter ?? createDataConverter();
  // TLS, client certificate or API key from the environment (a cluster or Temporal Cloud); none for the dev server.
  const connection = await Connection.connect({ ...temporalConnectionOptions(options.env), address });
  return new Client({ connection, namespace, dataConverter });
}

/** Registers the namespace and duban's search attributes when missing; safe to call at every start. */
/** Default namespace retention: how long Temporal keeps a closed case (its facts stay in the database for good). */
export const DEFAULT_RETENTION_DAYS = 30;

/** DUBAN_RETENTION_DAYS (1–3650), else 30. */
export function retentionDaysFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.DUBAN_RETENTION_DAYS;
  if (raw === undefined) return DEFAULT_RETENTION_DAYS;
  const days = Number(raw);
  if (!Number.isInteger(days) || days < 1 || days > 3650) throw new Error(`DUBAN_RETENTION_DAYS: must be a whole number of days from 1 to 3650, not ${raw}`);
  return days;
}

export interface EnsureNamespaceOptions {
  /** Set the namespace's retention to this many days on every call (a dev server creates its namespace with 24 h). */
  retentionDays?: number;
}

export async function ensureNamespace(connection: Connection, namespace: string, options: EnsureNamespaceOptions = {}): Promise<void> {
  const retentionMs = (options.retentionDays ?? DEFAULT_RETENTION_DAYS) * 86_400_000;
  let current: number | undefined;
  try {
    const described = await connection.workflowService.describeNamespace({ namespace });
    const ttl = described.config?.workflowExecutionRetentionTtl;
    current = ttl ? Number(ttl.seconds ?? 0) * 1000 + Math.round((ttl.nanos ?? 0) / 1e6) : undefined;
  } catch {
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(retentionMs) });
    current = retentionMs;
  }
  if (options.retentionDays !== undefined && current !== retentionMs) {
    await connection.workflowService.updateNamespace({ namespace, config: { workflowExecutionRetentionTtl: msToTs(retentionMs) } });
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
