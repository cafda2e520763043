// Official 催办单 / 督办单: a number from the office-year register, the DOCX, and its file under dataDir/documents.
import { ApplicationFailure } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { shanghaiYear } from '../src/domain.js';
import { ErrorType } from '../src/errors.js';
import { documentFileName, documentIdFor, documentRegisterIdFor, formatDocumentNumber } from '../src/documents/numbering.js';
import { renderOfficialNotice } from '../src/documents/officialNotice.js';
import type { DocumentActivities, IssuedDocument, OfficialDocumentRequest } from '../src/documents/types.js';
import { issueDocumentNumberUpdate, type DocumentRegisterInput, type IssuedNumber } from '../src/messages.js';
import type { ActivityDeps } from './index.js';

/** dataDir/documents: the worker writes here, the API reads from here. */
export function documentsDirOf(deps: Pick<ActivityDeps, 'dataDir' | 'outboxDir'>): string {
  return join(deps.dataDir ?? dirname(deps.outboxDir), 'documents');
}

export function documentPath(documentsDir: string, year: number, documentId: string): string {
  return join(documentsDir, String(year), `${documentId}.docx`);
}

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
  const update = (): Promise<IssuedNumber> => deps.client.workflow.getHandle(workflowId).executeUpdate(issueDocumentNumberUpdate, { args: [args] });
  try {
    return await update();
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  try {
    const input: DocumentRegisterInput = { officeId, year };
    await deps.client.workflow.start('documentRegister', { workflowId, taskQueue: deps.taskQueue, args: [input], workflowIdReusePolicy: 'REJECT_DUPLICATE' });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  return update();
}

export function createDocumentActivities(deps: ActivityDeps): DocumentActivities {
  const documentsDir = documentsDirOf(deps);
  return {
    async issueOfficialDocument(request: OfficialDocumentRequest): Promise<IssuedDocument> {
      const office = deps.directory().office;
      const year = shanghaiYear(Date.parse(request.issuedAt));
      if (!Number.isFinite(year)) throw ApplicationFailure.create({ type: ErrorType.InvalidInput, message: 'issuedAt: must be an ISO time', nonRetryable: true });
      let number: number;
      try {
        ({ number } = await issueDocumentNumber(deps, office.id, year, request));
      } catch (err) {
        // The register refused the request (its validator): no retry can change that.
        if (err instanceof WorkflowUpdateFailedError) {
          throw ApplicationFailure.create({ type: ErrorType.InvalidInput, message: `document register refused: ${err.cause?.message ?? err.message}`, nonRetryable: true });
        }
        throw err;
      }
      const documentId = documentIdFor(office.id, year, number);
      const documentNumber = formatDocumentNumber(office.documentNumberFormat, year, number);
      const path = documentPath(documentsDir, year, documentId);
      // Same key → same number → same file: a retry finds it and leaves it as first written.
      if (!existsSync(path)) {
        const bytes = await renderOfficialNotice({ ...request, documentNumber, officeName: office.name });
        await mkdir(dirname(path), { recursive: true });
        const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
        await writeFile(tmp, bytes);
        await rename(tmp, path);
      }
      (deps.log ?? console.log)(`document issued ${documentId} kind=${request.kind} case=${request.caseId}`);
      return { documentId, documentNumber, number, year, kind: request.kind, milestone: request.milestone, fileName: documentFileName(request.kind, documentNumber), path };
    },
  };
}
