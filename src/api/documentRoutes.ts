// 催办单 / 督办单 of a case: the list and each DOCX as issued, from the store of record (the case's view scopes access).
import { MILESTONES } from '../domain.js';
import { CASE_ID_MESSAGE, CASE_ID_PATTERN } from '../duties/registry.js';
import { z } from 'zod';
import { DOCUMENT_ID_PATTERN } from '../documents/numbering.js';
import type { CaseView } from '../messages.js';
import { listCaseDocuments, readDocument, type DocumentRow } from '../records/documents.js';
import { Problem, contentDisposition, problemResponses, type RoutesOf } from './kit.js';

export const DOCX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

const caseId = z.string().regex(CASE_ID_PATTERN, CASE_ID_MESSAGE);
const listParams = z.object({ caseId }).strict();
const documentParams = z.object({ caseId, documentId: z.string().regex(DOCUMENT_ID_PATTERN, 'must be a document ID such as wuli-xfb-2026-0001') }).strict();

export const caseDocumentSchema = z.object({
  documentId: z.string(),
  /** 文号 */
  documentNumber: z.string(),
  kind: z.enum(['urge', 'supervise']),
  milestone: z.enum(MILESTONES),
  number: z.number().int(),
  year: z.number().int(),
  fileName: z.string(),
  issuedAt: z.string(),
  /** GET this to download the DOCX. */
  url: z.string(),
});
export type CaseDocument = z.infer<typeof caseDocumentSchema>;
const listSchema = z.object({ caseId: z.string(), documents: z.array(caseDocumentSchema) });

/** A recorded document as the API lists it. */
export function caseDocumentOf(d: DocumentRow): CaseDocument {
  return {
    documentId: d.documentId,
    documentNumber: d.documentNumber,
    kind: d.kind,
    milestone: d.milestone,
    number: d.number,
    year: d.year,
    fileName: d.fileName,
    issuedAt: d.issuedAt,
    url: `/cases/${encodeURIComponent(d.caseId)}/documents/${encodeURIComponent(d.documentId)}`,
  };
}

export const documentRoutes: RoutesOf = (app, kit) => {
  const readScoped = async (principal: ReturnType<typeof kit.principalFor>, id: string): Promise<CaseView> => {
    kit.allow(principal, 'readDocuments');
    const view = await kit.readCase(id);
    // A unit's key reads only its own cases' documents (the case's current unit).
    kit.allow(principal, 'readDocuments', view.unit.id);
    return view;
  };

  app.get(
    '/cases/:caseId/documents',
    { onRequest: kit.guard('readDocuments'), schema: { params: listParams, response: { 200: listSchema, ...problemResponses } } },
    async (request) => {
      const view = await readScoped(kit.principalFor(request), request.params.caseId);
      // Only documents whose DOCX is stored: a number given to a rendering that never finished is not a document yet.
      const rows = await listCaseDocuments(kit.records.db, view.caseId);
      return { caseId: view.caseId, documents: rows.filter((d) => d.hasContent).map(caseDocumentOf) };
    },
  );

  app.get(
    '/cases/:caseId/documents/:documentId',
    { onRequest: kit.guard('readDocuments'), schema: { params: documentParams, response: { 200: z.any().describe(`the DOCX bytes (${DOCX_CONTENT_TYPE})`), ...problemResponses } } },
    async (request, reply) => {
      const view = await readScoped(kit.principalFor(request), request.params.caseId);
      // Only a document of this case: the row's case is checked, the ID never becomes a path.
      const doc = await readDocument(kit.records, request.params.documentId);
      if (doc?.caseId !== view.caseId) throw new Problem(404, 'Not found 文书不存在', `case ${view.caseId} has no document ${request.params.documentId}`, [{ field: 'documentId', message: 'is not a document of this case' }]);
      if (!doc.content) throw new Problem(404, 'Not found 文书文件不存在', `document ${doc.documentId} is recorded but its DOCX is not stored`, [{ field: 'documentId', message: 'file is missing' }]);
      return reply.type(DOCX_CONTENT_TYPE).header('content-disposition', contentDisposition(doc.fileName, `${doc.documentId}.docx`)).send(doc.content);
    },
  );
};
