// Official 催办单 / 督办单: a number and a row in the store of record, the DOCX rendered once and stored beside it.
import { ApplicationFailure } from '@temporalio/activity';
import { shanghaiYear } from '../src/domain.js';
import { ErrorType, fieldIssues, invalidInput } from '../src/errors.js';
import { renderOfficialNotice } from '../src/documents/officialNotice.js';
import type { DocumentActivities, IssuedDocument, OfficialDocumentRequest } from '../src/documents/types.js';
import { documentNumberRequestSchema } from '../src/messages.js';
import { isDatabaseUnavailable } from '../src/records/db.js';
import { DocumentNumberTakenError, issueDocumentNumber, storeDocumentContent } from '../src/records/documents.js';
import type { ActivityDeps } from './index.js';

export function createDocumentActivities(deps: ActivityDeps): DocumentActivities {
  return {
    async issueOfficialDocument(request: OfficialDocumentRequest): Promise<IssuedDocument> {
      const office = deps.directory().office;
      const year = shanghaiYear(Date.parse(request.issuedAt));
      if (!Number.isFinite(year)) throw ApplicationFailure.create({ type: ErrorType.InvalidInput, message: 'issuedAt: must be an ISO time', nonRetryable: true });
      // The key must be made of the other three fields: a retry can never change that, so it fails for good.
      const parsed = documentNumberRequestSchema.safeParse({ key: request.key, caseId: request.caseId, milestone: request.milestone, kind: request.kind });
      if (!parsed.success) throw invalidInput(fieldIssues(parsed.error));
      try {
        const doc = await issueDocumentNumber(deps.records.db, {
          officeId: office.id,
          year,
          key: request.key,
          caseId: request.caseId,
          kind: request.kind,
          milestone: request.milestone,
          documentNumberFormat: office.documentNumberFormat,
          issuedAt: request.issuedAt,
        });
        // A retry after the number was given but before the bytes were stored renders them now; first stored wins.
        if (!doc.hasContent) await storeDocumentContent(deps.records, doc.documentId, await renderOfficialNotice({ ...request, documentNumber: doc.documentNumber, officeName: office.name }));
        (deps.log ?? console.log)(`document issued ${doc.documentId} kind=${doc.kind} case=${doc.caseId}${doc.repeated ? ' (repeated)' : ''}`);
        return { documentId: doc.documentId, documentNumber: doc.documentNumber, number: doc.number, year: doc.year, kind: doc.kind, milestone: doc.milestone, fileName: doc.fileName };
      } catch (err) {
        if (err instanceof DocumentNumberTakenError) {
          throw ApplicationFailure.create({ type: ErrorType.DocumentNumberTaken, message: `文号${err.documentNumber}已有文书（${err.documentId}），不予重复使用`, nonRetryable: true });
        }
        // The database will be back: retried under the activity's policy; a number already given is found again by its key.
        if (isDatabaseUnavailable(err)) throw ApplicationFailure.create({ type: 'DatabaseUnavailable', message: `store of record unavailable: ${(err as Error).message}`, nonRetryable: false });
        throw err;
      }
    },
  };
}
