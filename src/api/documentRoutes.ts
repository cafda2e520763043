// 催办单 / 督办单 of a case: the list (from the case's timeline) and each DOCX as issued (from data/documents).
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { DOCUMENT_ID_PATTERN } from '../documents/numbering.js';
import type { CaseView } from '../messages.js';
import { documentPath } from '../storage.js';
import { Problem, contentDisposition, problemResponses, type RoutesOf } from './kit.js';

export const DOCX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

const caseId = z.string().regex(/^visit:[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be visit:<noticeId>');
const listParams = z.object({ caseId }).strict();
const documentParams = z.object({ caseId, documentId: z.string().regex(DOCUMENT_ID_PATTERN, 'must be a document ID such as wuli-xfb-2026-0001') }).strict();

export const caseDocumentSchema = z.object({
  documentId: z.string(),
  /** 文号 */
  documentNumber: z.string(),
  kind: z.enum(['urge', 'supervise']),
  milestone: z.enum(['arrival', 'closureReport']),
  number: z.number().int(),
  year: z.number().int(),
  fileName: z.string(),
  issuedAt: z.string(),
  /** GET this to download the DOCX. */
  url: z.string(),
});
export type CaseDocument = z.infer<typeof caseDocumentSchema>;
const listSchema = z.object({ caseId: z.string(), documents: z.array(caseDocumentSchema) });

/** The documents a case issued: its documentIssued timeline entries, in order. */
export function documentsOf(view: CaseView): CaseDocument[] {
  const out: CaseDocument[] = [];
  for (const e of view.timeline) {
    if (e.type !== 'documentIssued' || !e.detail) continue;
    const d = e.detail;
    out.push({
      documentId: String(d.documentId),
      documentNumber: String(d.documentNumber),
      kind: d.kind === 'supervise' ? 'supervise' : 'urge',
      milestone: e.milestone ?? 'arrival',
      number: Number(d.number),
      year: Number(d.year),
      fileName: String(d.fileName),
      issuedAt: e.at,
      url: `/cases/${encodeURIComponent(view.caseId)}/documents/${encodeURIComponent(String(d.documentId))}`,
    });
  }
  return out;
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
      return { caseId: view.caseId, documents: documentsOf(view) };
    },
  );

  app.get(
    '/cases/:caseId/documents/:documentId',
    { onRequest: kit.guard('readDocuments'), schema: { params: documentParams, response: { 200: z.any().describe(`the DOCX bytes (${DOCX_CONTENT_TYPE})`), ...problemResponses } } },
    async (request, reply) => {
      const view = await readScoped(kit.principalFor(request), request.params.caseId);
      // Only a document this case issued: the ID is looked up in its timeline, never taken as a path.
      const doc = documentsOf(view).find((d) => d.documentId === request.params.documentId);
      if (!doc) throw new Problem(404, 'Not found 文书不存在', `case ${view.caseId} has no document ${request.params.documentId}`, [{ field: 'documentId', message: 'is not a document of this case' }]);
      let bytes: Buffer;
      try {
        bytes = await readFile(documentPath(kit.dataDir, doc.year, doc.documentId));
      } catch {
        throw new Problem(404, 'Not found 文书文件不存在', `document ${doc.documentId} is recorded but its file is missing from the data directory`, [{ field: 'documentId', message: 'file is missing' }]);
      }
      return reply.type(DOCX_CONTENT_TYPE).header('content-disposition', contentDisposition(doc.fileName, `${doc.documentId}.docx`)).send(bytes);
    },
  );
};
