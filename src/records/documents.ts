// 催办单 / 督办单 in the store of record: gapless numbers per office and year, one row per key, the DOCX bytes sealed
// (they carry the reception site and the matter): content holds them sealed when content_sealed, in the clear in rows stored before migration 004.
import { createHash } from 'node:crypto';
import { documentFileName, documentIdFor, formatDocumentNumber } from '../documents/numbering.js';
import type { DocumentKind } from '../documents/types.js';
import type { Milestone } from '../domain.js';
import { inTransaction, type Db, type Queryable } from './db.js';
import type { SealedDb } from './index.js';
import { unsealBytes } from './seal.js';

/** A document as recorded (without its bytes). */
export interface DocumentRow {
  documentId: string;
  /** `<caseId>/<milestone>/<kind>`. */
  key: string;
  officeId: string;
  year: number;
  number: number;
  caseId: string;
  kind: DocumentKind;
  milestone: Milestone;
  /** 文号, e.g. 五信督〔2026〕1号. */
  documentNumber: string;
  fileName: string;
  /** The step's moment, UTC ISO. */
  issuedAt: string;
  /** Whether the DOCX is stored (a row is numbered before it is rendered). */
  hasContent: boolean;
  contentSha256: string | null;
}

export interface StoredDocument extends DocumentRow {
  content: Buffer | null;
}

export interface DocumentNumberRequest {
  officeId: string;
  /** Year of issue (Asia/Shanghai): numbers start at 1 each year. */
  year: number;
  key: string;
  caseId: string;
  kind: DocumentKind;
  milestone: Milestone;
  /** The office's 文号 format, e.g. 五信督〔{year}〕{number}号. */
  documentNumberFormat: string;
  issuedAt: string;
}

export interface IssuedDocumentRow extends DocumentRow {
  /** true: the key had its number already (a retry); nothing was consumed. */
  repeated: boolean;
}

/** The number that the counter gave is already held by another document (a counter set back by hand): never reused. */
export class DocumentNumberTakenError extends Error {
  override readonly name = 'DocumentNumberTakenError';
  constructor(
    readonly documentId: string,
    readonly documentNumber: string,
  ) {
    super(`document number ${documentNumber} (${documentId}) already belongs to another document`);
  }
}

const COLUMNS = `document_id, doc_key, office_id, year, number, case_id, kind, milestone, document_number, file_name, issued_at,
  content IS NOT NULL AS has_content, content_sha256`;

interface Row {
  document_id: string;
  doc_key: string;
  office_id: string;
  year: number;
  number: number;
  case_id: string;
  kind: DocumentKind;
  milestone: Milestone;
  document_number: string;
  file_name: string;
  issued_at: Date;
  has_content: boolean;
  content_sha256: string | null;
}

function toDocument(r: Row): DocumentRow {
  return {
    documentId: r.document_id,
    key: r.doc_key,
    officeId: r.office_id,
    year: r.year,
    number: r.number,
    caseId: r.case_id,
    kind: r.kind,
    milestone: r.milestone,
    documentNumber: r.document_number,
    fileName: r.file_name,
    issuedAt: r.issued_at.toISOString(),
    hasContent: r.has_content,
    contentSha256: r.content_sha256,
  };
}

async function byKey(q: Queryable, key: string): Promise<DocumentRow | undefined> {
  const { rows } = await q.query<Row>(`SELECT ${COLUMNS} FROM documents WHERE doc_key = $1`, [key]);
  return rows[0] ? toDocument(rows[0]) : undefined;
}

const pgError = (err: unknown): { code?: string; constraint?: string } => (typeof err === 'object' && err !== null ? err : {});

/**
 * The document of a key, numbered on its first request: same key → same row, always. The counter row is locked by its
 * upsert until the document row is in, so numbers of an office and year are unique and gapless.
 */
export async function issueDocumentNumber(db: Db, request: DocumentNumberRequest): Promise<IssuedDocumentRow> {
  // Two rounds suffice: a lost race on the key (23505) means the winner's row is committed and readable.
  for (let round = 0; ; round++) {
    try {
      return await inTransaction(db, async (tx) => {
        const known = await byKey(tx, request.key);
        if (known) return { ...known, repeated: true };
        const counter = await tx.query<{ last_number: number }>(
          `INSERT INTO document_counters (office_id, year, last_number) VALUES ($1, $2, 1)
           ON CONFLICT (office_id, year) DO UPDATE SET last_number = document_counters.last_number + 1 RETURNING last_number`,
          [request.officeId, request.year],
        );
        const number = counter.rows[0]!.last_number;
        const documentId = documentIdFor(request.officeId, request.year, number);
        const documentNumber = formatDocumentNumber(request.documentNumberFormat, request.year, number);
        try {
          const { rows } = await tx.query<Row>(
            `INSERT INTO documents (document_id, doc_key, office_id, year, number, case_id, kind, milestone, document_number, file_name, issued_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ${COLUMNS}`,
            [documentId, request.key, request.officeId, request.year, number, request.caseId, request.kind, request.milestone, documentNumber, documentFileName(request.kind, documentNumber), request.issuedAt],
          );
          return { ...toDocument(rows[0]!), repeated: false };
        } catch (err) {
          const e = pgError(err);
          // The key's race is handled below; a clash on the ID or number means the counter is behind its documents.
          if (e.code === '23505' && e.constraint !== 'documents_doc_key_key') throw new DocumentNumberTakenError(documentId, documentNumber);
          throw err;
        }
      });
    } catch (err) {
      if (pgError(err).code !== '23505' || pgError(err).constraint !== 'documents_doc_key_key' || round >= 1) throw err;
      // Another request of the same key committed first; this one rolled back (its counter step too): read the winner's.
      const winner = await byKey(db, request.key);
      if (winner) return { ...winner, repeated: true };
    }
  }
}

/** Stores the DOCX once, sealed: the first write wins and a later one (a retry's new rendering) changes nothing. The sha256 is the clear DOCX's. */
export async function storeDocumentContent(records: SealedDb, documentId: string, content: Buffer): Promise<{ stored: boolean; contentSha256: string }> {
  const { db } = records;
  const sha = createHash('sha256').update(content).digest('hex');
  const sealed = await records.sealer.seal(content);
  const updated = await db.query('UPDATE documents SET content = $2, content_sealed = true, content_sha256 = $3 WHERE document_id = $1 AND content IS NULL', [documentId, sealed, sha]);
  if (updated.rowCount === 1) return { stored: true, contentSha256: sha };
  const { rows } = await db.query<{ content_sha256: string | null }>('SELECT content_sha256 FROM documents WHERE document_id = $1', [documentId]);
  if (!rows[0]) throw new Error(`document ${documentId} is not recorded`);
  return { stored: false, contentSha256: rows[0].content_sha256 ?? '' };
}

/** A document with its DOCX bytes, unsealed (null while not rendered); undefined when there is no such document. */
export async function readDocument(records: SealedDb, documentId: string): Promise<StoredDocument | undefined> {
  const { rows } = await records.db.query<Row & { content: Buffer | null; content_sealed: boolean }>(`SELECT ${COLUMNS}, content, content_sealed FROM documents WHERE document_id = $1`, [documentId]);
  const r = rows[0];
  if (!r) return undefined;
  const content = r.content && r.content_sealed ? await unsealBytes(records.sealer, r.content) : r.content;
  return { ...toDocument(r), content };
}

/** A case's documents in order of issue (with or without content). */
export async function listCaseDocuments(db: Queryable, caseId: string): Promise<DocumentRow[]> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM documents WHERE case_id = $1 ORDER BY issued_at, year, number`, [caseId]);
  return rows.map(toDocument);
}

/** The e-mail channel's source of attachments: a document's DOCX bytes, undefined while it has none. */
export function documentLoader(records: SealedDb): (documentId: string) => Promise<Buffer | undefined> {
  return async (documentId) => (await readDocument(records, documentId))?.content ?? undefined;
}
