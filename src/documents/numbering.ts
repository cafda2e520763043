// 文号, document IDs and file names of 催办单 / 督办单 (pure).
import type { DocumentKind } from './types.js';

export const DOCUMENT_TITLE: Record<DocumentKind, string> = { urge: '催办单', supervise: '督办单' };

/** A document ID: office ID, year, number of 4+ digits. Nothing else passes, so an ID can never name another path. */
export const DOCUMENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}-\d{4}-\d{4,9}$/;

/** The 文号 from the office's format: '五信督〔{year}〕{number}号', 2026, 12 → 五信督〔2026〕12号. */
export function formatDocumentNumber(format: string, year: number, number: number): string {
  return format.replaceAll('{year}', String(year)).replaceAll('{number}', String(number));
}

export function documentIdFor(officeId: string, year: number, number: number): string {
  return `${officeId}-${year}-${String(number).padStart(4, '0')}`;
}

/** What people see: 催办单（五信督〔2026〕1号）.docx. */
export function documentFileName(kind: DocumentKind, documentNumber: string): string {
  return `${DOCUMENT_TITLE[kind]}（${documentNumber}）.docx`;
}

/** The register's key of one case's document: a retry asks with the same key and gets the same number. */
export function documentKey(caseId: string, milestone: string, kind: DocumentKind): string {
  return `${caseId}/${milestone}/${kind}`;
}

export function documentRegisterIdFor(officeId: string, year: number): string {
  return `docreg:${officeId}:${year}`;
}
