// One-off import of the views of cases started before the `records-in-database` patch, which never record their own
// view, into the cases / case_facts tables (scripts/import-cases.ts). Rerunnable: a view already recorded is left alone.
import { isDeepStrictEqual } from 'node:util';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { caseQuery, type CaseView } from '../messages.js';
import { recordCaseView } from './cases.js';
import type { Records } from './index.js';

export interface CaseImportOptions {
  /** Case (workflow) IDs; absent or empty: every escalatedVisit workflow that visibility lists, open and closed. */
  caseIds?: readonly string[];
  /** Cases read and recorded at once (default 8). */
  concurrency?: number;
  /** Deadline of the Temporal calls for one case (default 30 s): a query waits for a worker, which may be missing. */
  readTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface CaseImportReport {
  /** Cases listed (or given). */
  found: number;
  /** Cases whose view was written by this run. */
  recorded: number;
  /** Cases whose view (or a newer one) and every fact were already in the database: nothing written. */
  upToDate: number;
  /** Cases that could not be read or recorded, by case ID; the others went on. */
  failed: { caseId: string; error: string }[];
}

export const CASE_WORKFLOW_QUERY = "WorkflowType = 'escalatedVisit'";

/** Every escalatedVisit workflow ID visibility knows, open and closed, once each (it lists every run), sorted. */
export async function listCaseWorkflowIds(client: Client): Promise<string[]> {
  const ids = new Set<string>();
  for await (const w of client.workflow.list({ query: CASE_WORKFLOW_QUERY, pageSize: 1000 })) ids.add(w.workflowId);
  return [...ids].sort();
}

/**
 * The case's current view from Temporal: a completed case's result (read from its history, no worker needed); the
 * query otherwise — an open case, and one terminated, cancelled or failed, whose history a worker replays to answer.
 */
export async function readCaseFromTemporal(client: Client, caseId: string): Promise<{ view: CaseView; temporalStatus: string }> {
  const handle = client.workflow.getHandle(caseId);
  const described = await handle.describe();
  if (described.type !== 'escalatedVisit') throw new Error(`workflow type ${described.type}, not escalatedVisit`);
  const temporalStatus = described.status.name;
  const view = temporalStatus === 'COMPLETED' ? ((await handle.result()) as CaseView) : await handle.query(caseQuery);
  if (view?.caseId !== caseId || !Array.isArray(view.timeline)) throw new Error('the workflow answered no case view');
  return { view, temporalStatus };
}

/** Whether the database already holds this view or a newer one, and a fact for every timeline entry. */
async function isRecorded(records: Records, view: CaseView): Promise<boolean> {
  const { rows } = await records.db.query<{ view_seq: number | null; view: Buffer | null; facts: string }>(
    `SELECT c.view_seq, c.view, (SELECT count(*) FROM case_facts f WHERE f.case_id = $1 AND f.seq = ANY($2::int[])) AS facts
     FROM (SELECT 1) one LEFT JOIN cases c ON c.case_id = $1`,
    [view.caseId, view.timeline.map((e) => e.seq)],
  );
  const row = rows[0]!;
  if (row.view_seq === null || Number(row.facts) !== view.timeline.length) return false;
  if (row.view_seq > view.timeline.length) return true;
  // No view stored with the row (only its facts were recorded), or an older one: it is written.
  if (row.view_seq < view.timeline.length || !row.view || row.view.length === 0) return false;
  // The same timeline length may come with another view (a deduction's points, the step waited for): then it is written.
  return isDeepStrictEqual(await records.sealer.unseal<CaseView>(row.view), view);
}

/** Reads each case's view from Temporal and records it with recordCaseView (an older view never replaces a newer one). */
export async function importCases(client: Client, records: Records, options: CaseImportOptions = {}): Promise<CaseImportReport> {
  const log = options.log ?? (() => undefined);
  const readTimeoutMs = options.readTimeoutMs ?? 30_000;
  const ids = options.caseIds?.length ? [...new Set(options.caseIds)] : await listCaseWorkflowIds(client);
  const report: CaseImportReport = { found: ids.length, recorded: 0, upToDate: 0, failed: [] };

  const importOne = async (caseId: string): Promise<void> => {
    try {
      const { view, temporalStatus } = await client.withDeadline(Date.now() + readTimeoutMs, () => readCaseFromTemporal(client, caseId));
      const note = temporalStatus === 'RUNNING' || temporalStatus === 'COMPLETED' ? '' : ` (${temporalStatus} in Temporal: its last view)`;
      if (await isRecorded(records, view)) {
        report.upToDate++;
        log(`${caseId}: already up to date, status ${view.status}, ${view.timeline.length} facts${note}`);
        return;
      }
      await recordCaseView(records, view);
      report.recorded++;
      log(`${caseId}: recorded, status ${view.status}, stage ${view.stage}, ${view.timeline.length} facts${note}`);
    } catch (err) {
      const error = err instanceof WorkflowNotFoundError ? 'no such workflow' : (err as Error).message;
      report.failed.push({ caseId, error });
      log(`${caseId}: failed: ${error}`);
    }
  };

  // A fixed number of lanes take the next case until none is left.
  let next = 0;
  const lanes = Math.max(1, Math.min(options.concurrency ?? 8, ids.length));
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < ids.length) await importOne(ids[next++]!);
    }),
  );
  report.failed.sort((a, b) => a.caseId.localeCompare(b.caseId));
  return report;
}

/** The run's one-line summary, Chinese and English. */
export function caseImportSummary(report: CaseImportReport): string {
  const failed = report.failed.length ? `: ${report.failed.map((f) => f.caseId).join(', ')}` : '';
  return (
    `案件导入 case import: 发现 ${report.found} found, 已记录 ${report.recorded} recorded, ` +
    `已是最新 ${report.upToDate} already up to date, 失败 ${report.failed.length} failed${failed}`
  );
}
