// Official 催办单 / 督办单: a number from the office-year register, the DOCX, and its file under dataDir/documents.
import { ApplicationFailure } from '@temporalio/activity';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { shanghaiYear } from '../src/domain.js';
import { dataDirOf, documentPath, writeFileAtomically } from '../src/storage.js';
import { executeUpdateStartingWorkflow } from '../src/temporal.js';
import { ErrorType } from '../src/errors.js';
import { documentFileName, documentIdFor, documentRegisterIdFor, formatDocumentNumber } from '../src/documents/numbering.js';
import { renderOfficialNotice } from '../src/documents/officialNotice.js';
import type { DocumentActivities, IssuedDocument, OfficialDocumentRequest } from '../src/documents/types.js';
import { issueDocumentNumberUpdate, type DocumentRegisterInput, type IssuedNumber } from '../src/messages.js';
import { whileNotCancelled } from './cancellable.js';
import type { ActivityDeps } from './index.js';

/**
 * The number for a key from the office-year register, starting the register if it is missing (the Java test server
 * has no update-with-start). The register is never started twice: a closed one refuses, so numbers never repeat.
 */
export async function issueDocumentNumber(
  deps: Pick<ActivityDeps, 'client' | 'taskQueue'>,
  officeId: string,
  year: number,
  request: { key: string; caseId: string; milestone: OfficialDocumentRequest['milestone']; kind: OfficialDocumentRequest['kind'] },
): Promise<IssuedNumber> {
  const workflowId = documentRegisterIdFor(officeId, year);
  const args = { key: request.key, caseId: request.caseId, milestone: request.milestone, kind: request.kind };
  const input: DocumentRegisterInput = { officeId, year };
  try {
    return await executeUpdateStartingWorkflow(deps.client, { workflowType: 'documentRegister', workflowId, taskQueue: deps.taskQueue, input }, issueDocumentNumberUpdate, args);
  } catch (err) {
    // Started once and closed since (terminated by hand): a fresh run would give its numbers again, so none is given.
    if (err instanceof WorkflowNotFoundError) {
      throw ApplicationFailure.create({ type: ErrorType.DocumentRegisterClosed, message: `document register ${workflowId} is closed: no number is given twice`, nonRetryable: true });
    }
    throw err;
  }
}

/** Beside each DOCX, <documentId>.json names the key it was issued for: a number is never reused for another key. */
interface DocumentRecord {
  documentId: string;
  key: string;
  documentNumber: string;
  fileName: string;
  issuedAt: string;
}

async function readRecord(path: string): Promise<DocumentRecord | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as DocumentRecord;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export function createDocumentActivities(deps: ActivityDeps): DocumentActivities {
  const dataDir = dataDirOf(deps);
  return {
    async issueOfficialDocument(request: OfficialDocumentRequest): Promise<IssuedDocument> {
      const office = deps.directory().office;
      const year = shanghaiYear(Date.parse(request.issuedAt));
      if (!Number.isFinite(year)) throw ApplicationFailure.create({ type: ErrorType.InvalidInput, message: 'issuedAt: must be an ISO time', nonRetryable: true });
      let number: number;
      try {
        // Cancellable: a worker shutting down must not wait for an update that only a workflow worker can answer.
        ({ number } = await whileNotCancelled(deps.client, () => issueDocumentNumber(deps, office.id, year, request)));
      } catch (err) {
        // The register's validator refused the request: no retry can change that. Anything else is retried.
        if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === ErrorType.InvalidInput) {
          throw ApplicationFailure.create({ type: ErrorType.InvalidInput, message: `document register refused: ${err.cause?.message ?? err.message}`, nonRetryable: true });
        }
        throw err;
      }
      const documentId = documentIdFor(office.id, year, number);
      const documentNumber = formatDocumentNumber(office.documentNumberFormat, year, number);
      const path = documentPath(dataDir, year, documentId);
      const recordPath = path.replace(/\.docx$/, '.json');
      const fileName = documentFileName(request.kind, documentNumber);
      // Same key → same number → same file: a retry finds it and leaves it as first written. A file of another key
      // (a register started afresh over an old data directory) is never overwritten: the document fails instead.
      await mkdir(dirname(path), { recursive: true });
      const existing = await readRecord(recordPath);
      if (existing ? existing.key !== request.key : existsSync(path)) {
        throw ApplicationFailure.create({
          type: ErrorType.DocumentNumberTaken,
          message: `文号${documentNumber}已有文书（${documentId}），不予重复使用`,
          nonRetryable: true,
        });
      }
      if (!existing) await writeFileAtomically(recordPath, JSON.stringify({ documentId, key: request.key, documentNumber, fileName, issuedAt: request.issuedAt } satisfies DocumentRecord));
      if (!existsSync(path)) await writeFileAtomically(path, await renderOfficialNotice({ ...request, documentNumber, officeName: office.name }));
      (deps.log ?? console.log)(`document issued ${documentId} kind=${request.kind} case=${request.caseId}`);
      return { documentId, documentNumber, number, year, kind: request.kind, milestone: request.milestone, fileName, path };
    },
  };
}
