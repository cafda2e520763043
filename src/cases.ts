// Starting a case from a notice: validated before anything reaches Temporal, idempotent by notice ID.
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { findUnit, unitSnapshot, type Directory } from './directory.js';
import { caseIdForNotice, type Actor } from './domain.js';
import { InputError, fieldIssues } from './errors.js';
import { CLOCK_SKEW_MS, caseQuery, noticeSchema, type CaseView, type EscalatedVisitInput, type Notice, type Reregistration, type TimelineEntry } from './messages.js';
import type { Policy } from './policy.js';
import { colourKey, deadlineKey, kindKey, levelKey, overdueKey, receivedAtKey, stageKey, unitKey } from './searchAttributes.js';
import { deadlineFor } from './ladder.js';
import { openingView, reregistrationBlocker } from './caseOpening.js';
import { createHash } from 'node:crypto';
import type { Records } from './records/index.js';
import { readCaseTimeline } from './records/cases.js';

export interface StartVisitOptions {
  client: Client;
  taskQueue: string;
  policy: Policy;
  directory: Directory;
  actor: Actor;
  /** The clock the notice is checked against (tests pass the time-skipping server's). */
  now?: number;
  /** The store of record: a failed case registered again continues the timeline recorded there. */
  records?: Records;
  /** Set by startEscalatedVisit itself when it registers a failed or terminated case's notice again. */
  reregistration?: Reregistration;
  /**
   * Work begun beside the start once the opening view is known (the API's record of it, held uncommitted): the
   * result carries it when this start created the case, else it is dropped here (a repeat, a conflict, a failed start).
   */
  beside?: (opening: CaseView) => BesideStart | undefined;
}

/** Work done while the start is under way: kept only if the start created the case. */
export interface BesideStart {
  /** The case was created: make the work count (and wait for it). */
  keep(): Promise<void>;
  /** The case was not created by this start: undo the work (never throws). */
  drop(): void;
}

export interface StartVisitResult {
  caseId: string;
  created: boolean;
  handle: WorkflowHandle;
  /** The case as registered (what the workflow holds after its first task), built without a worker. */
  opening: CaseView;
  /** What options.beside began, when this start created the case: the caller keeps it. */
  beside?: BesideStart;
}

/** Kept in the workflow's memo (encrypted with the payloads): a repeated create is checked without a worker. */
interface StartMemo {
  noticeDigest: string;
  registeredAt: string;
}
const MEMO_KEY = 'dubanStart';

export class NoticeConflictError extends Error {
  constructor(readonly caseId: string) {
    super(`notice already registered as ${caseId} with a different body`);
    this.name = 'NoticeConflictError';
  }
}

/** A failed run recorded a person's act (an arrival, an explanation …) that a new run cannot take over by itself. */
export class ReregistrationRefusedError extends Error {
  constructor(
    readonly caseId: string,
    readonly previousStatus: string,
    readonly blocker: TimelineEntry,
  ) {
    super(`case ${caseId} ended ${previousStatus} after its ${blocker.type} (seq ${blocker.seq}): registering the notice again would lose that; ask an administrator`);
    this.name = 'ReregistrationRefusedError';
  }
}

/** Validates the notice against the schema, the directory and the clock; throws InputError naming each field. */
export function validateNotice(raw: unknown, directory: Directory, now: number): Notice {
  const result = noticeSchema.safeParse(raw);
  if (!result.success) throw new InputError(fieldIssues(result.error));
  const notice = result.data;
  if (!findUnit(directory, notice.unitId)) throw new InputError([{ field: 'unitId', message: `unknown unit ${notice.unitId}` }]);
  if (Date.parse(notice.receivedAt) > now + CLOCK_SKEW_MS) throw new InputError([{ field: 'receivedAt', message: 'must not be in the future' }]);
  return notice;
}

/** The fields that make two notices the same notice (a repeat may spell the time differently). */
function noticeDigest(n: Notice): string {
  const fields = [n.noticeId, n.level, Date.parse(n.receivedAt), n.unitId, n.receptionSite, n.headcount, n.matterSummary ?? null];
  return createHash('sha256').update(JSON.stringify(fields)).digest('base64url');
}

/**
 * An action's input as the workflow takes it: a reassignment carries the new unit's snapshot from this process's
 * directory, so the case's handler needs no activity (and no other update interleaves with it). Unknown: refused here.
 */
export function withUnitSnapshot<T extends object>(input: T, directory: Directory): T {
  const unitId = (input as { unitId?: unknown }).unitId;
  if (typeof unitId !== 'string') return input;
  const unit = findUnit(directory, unitId);
  if (!unit) throw new InputError([{ field: 'unitId', message: `unknown unit ${unitId}` }]);
  return { ...input, unit: unitSnapshot(unit) };
}

function sameNotice(a: Notice, b: Notice): boolean {
  return (
    a.noticeId === b.noticeId &&
    a.level === b.level &&
    Date.parse(a.receivedAt) === Date.parse(b.receivedAt) &&
    a.unitId === b.unitId &&
    a.receptionSite === b.receptionSite &&
    a.headcount === b.headcount &&
    a.matterSummary === b.matterSummary
  );
}

export async function startEscalatedVisit(raw: unknown, options: StartVisitOptions): Promise<StartVisitResult> {
  const notice = validateNotice(raw, options.directory, options.now ?? Date.now());
  const unit = findUnit(options.directory, notice.unitId)!;
  const caseId = caseIdForNotice(notice.noticeId);
  const registeredAt = new Date(options.now ?? Date.now()).toISOString();
  const input: EscalatedVisitInput = { notice, policy: options.policy, unit: unitSnapshot(unit), actor: options.actor, registeredAt, ...(options.reregistration ? { reregistration: options.reregistration } : {}) };
  const memo: StartMemo = { noticeDigest: noticeDigest(notice), registeredAt };
  const deadline = deadlineFor(options.policy, 'arrival', notice.level, Date.parse(notice.receivedAt));
  const opening = openingView(caseId, input, Date.parse(registeredAt));
  const beside = options.beside?.(opening);
  try {
    const handle = await options.client.workflow.start('escalatedVisit', {
      workflowId: caseId,
      taskQueue: options.taskQueue,
      args: [input],
      // Only a run that failed, timed out or was terminated may be followed by another (it then continues its timeline).
      workflowIdReusePolicy: input.reregistration ? WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY : WorkflowIdReusePolicy.REJECT_DUPLICATE,
      memo: { [MEMO_KEY]: memo },
      typedSearchAttributes: [
        { key: kindKey, value: 'escalatedVisit' },
        { key: levelKey, value: notice.level },
        { key: unitKey, value: notice.unitId },
        { key: stageKey, value: opening.stage },
        { key: deadlineKey, value: new Date(deadline) },
        { key: overdueKey, value: opening.overdue },
        { key: receivedAtKey, value: new Date(notice.receivedAt) },
        ...(opening.colour ? [{ key: colourKey, value: opening.colour }] : []),
      ],
    });
    return { caseId, created: true, handle, opening, ...(beside ? { beside } : {}) };
  } catch (err) {
    beside?.drop();
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const handle = options.client.workflow.getHandle(caseId);
    // describe() needs no worker: a repeat that races the first start (its first task not yet run) is answered too.
    const described = await handle.describe();
    const first = described.memo?.[MEMO_KEY] as StartMemo | undefined;
    if (first) {
      if (first.noticeDigest !== memo.noticeDigest) throw new NoticeConflictError(caseId);
      const ended = described.status.name;
      // A run that failed or was terminated never finished its duty: the same notice registers it again.
      if (input.reregistration === undefined && (ended === 'FAILED' || ended === 'TERMINATED' || ended === 'TIMED_OUT')) {
        const timeline = options.records ? await readCaseTimeline(options.records, caseId) : [];
        const blocker = reregistrationBlocker(timeline);
        if (blocker) throw new ReregistrationRefusedError(caseId, ended, blocker);
        return startEscalatedVisit(raw, { ...options, reregistration: { previousRunId: described.runId, previousStatus: ended, timeline } });
      }
      return { caseId, created: false, handle, opening: openingView(caseId, { ...input, registeredAt: first.registeredAt }, Date.parse(first.registeredAt)) };
    }
    // Started before the memo was kept: the workflow's own notice decides.
    const existing: CaseView = await handle.query(caseQuery);
    if (!sameNotice(existing.notice, notice)) throw new NoticeConflictError(caseId);
    return { caseId, created: false, handle, opening: existing };
  }
}

/** Whose case it is, for authorizing an action, and whether it is still open (for the refusal of a finished one). */
export interface CaseOwner {
  unitId: string;
  status: CaseView['status'];
}

/**
 * A case's unit without a query (so without waiting for a worker): the clear columns of its record in the store of
 * record, else (no record yet, or the database unreachable) the DubanUnit and DubanStage search attributes the case
 * keeps true, read with describe(). Null: no such case in either.
 */
export async function caseOwner(caseId: string, options: { client: Client; records: Records; onDatabaseError?: (err: unknown) => void }): Promise<CaseOwner | null> {
  try {
    const { rows } = await options.records.db.query<{ unit_id: string; status: CaseView['status'] }>('SELECT unit_id, status FROM cases WHERE case_id = $1', [caseId]);
    if (rows[0]) return { unitId: rows[0].unit_id, status: rows[0].status };
  } catch (err) {
    options.onDatabaseError?.(err);
  }
  try {
    const handle = options.client.workflow.getHandle(caseId);
    const described = await handle.describe();
    const unitId = described.typedSearchAttributes.get(unitKey);
    if (unitId === undefined) {
      // Started before its search attributes were kept: only the case itself says.
      const view = await handle.query(caseQuery);
      return { unitId: view.unit.id, status: view.status };
    }
    const stage = described.typedSearchAttributes.get(stageKey);
    return { unitId, status: stage === 'closed' || stage === 'cancelled' ? stage : 'open' };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}
