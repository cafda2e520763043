// One-off import of the unit-year ledgers kept by the old unitYearLedger workflows into PostgreSQL (scripts/import-ledgers.ts).
import type { Client } from '@temporalio/client';
import { readLedger as readLedgerWorkflow } from '../ledgerClient.js';
import type { Records } from './index.js';
import { importLedgerView } from './ledger.js';

export interface LedgerImportOptions {
  /** `ledger:<unitId>:<year>` IDs; absent or empty: every unitYearLedger workflow that visibility lists. */
  workflowIds?: readonly string[];
  log?: (line: string) => void;
}

export interface LedgerImportReport {
  /** Ledgers read and copied. */
  ledgers: number;
  entriesInserted: number;
  /** Entries already in the database (an earlier run): left alone. */
  entriesKnown: number;
  closesInserted: number;
  /** Deductions the old signal path refused (LedgerView.refused): reported, not imported (they were never entries). */
  refusedNotImported: number;
  /** Workflow IDs given that have no workflow. */
  missing: string[];
}

const LEDGER_ID = /^ledger:([A-Za-z0-9][A-Za-z0-9._-]{0,63}):(\d{4})$/;

/** Every unitYearLedger workflow ID visibility knows, once each (it lists every run). */
export async function listLedgerWorkflowIds(client: Client): Promise<string[]> {
  const ids = new Set<string>();
  for await (const w of client.workflow.list({ query: "WorkflowType='unitYearLedger'" })) ids.add(w.workflowId);
  return [...ids].sort();
}

/** Queries each ledger workflow's view (a worker must be running to answer) and copies it into the store idempotently. */
export async function importLedgers(client: Client, records: Records, options: LedgerImportOptions = {}): Promise<LedgerImportReport> {
  const log = options.log ?? (() => undefined);
  const ids = options.workflowIds?.length ? [...new Set(options.workflowIds)] : await listLedgerWorkflowIds(client);
  const report: LedgerImportReport = { ledgers: 0, entriesInserted: 0, entriesKnown: 0, closesInserted: 0, refusedNotImported: 0, missing: [] };
  for (const id of ids) {
    const m = LEDGER_ID.exec(id);
    if (!m) throw new Error(`${id}: not a ledger workflow ID (ledger:<unitId>:<year>)`);
    const view = await readLedgerWorkflow(client, m[1]!, Number(m[2]));
    if (!view) {
      report.missing.push(id);
      log(`${id}: no such workflow`);
      continue;
    }
    const counts = await importLedgerView(records, view);
    report.ledgers++;
    report.entriesInserted += counts.entriesInserted;
    report.entriesKnown += counts.entriesKnown;
    if (counts.closeInserted) report.closesInserted++;
    report.refusedNotImported += view.refused.length;
    log(
      `${id}: ${counts.entriesInserted} entries inserted, ${counts.entriesKnown} already there, ` +
        `${view.closed ? (counts.closeInserted ? 'close inserted' : 'close already there') : 'open'}` +
        (view.refused.length ? `, ${view.refused.length} refused signals not imported` : ''),
    );
  }
  return report;
}
