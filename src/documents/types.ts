// Official 催办单 / 督办单: what a case asks for and what it gets back (pure: workflows import these types).
import type { DutyKind, Level, Milestone } from '../domain.js';

/** The ladder steps that issue a numbered document: 催办 → 催办单, 督办 → 督办单. */
export const DOCUMENT_KINDS = ['urge', 'supervise'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/** The facts a 催办单 / 督办单 states; no petitioner's personal data (headcount and reception site only). */
export interface OfficialDocumentRequest {
  /** `${caseId}/${milestone}/${kind}`: one document, one number, whatever the retries. */
  key: string;
  caseId: string;
  kind: DocumentKind;
  milestone: Milestone;
  /** The duty when it is not an escalated visit (its texts come from src/duties/). */
  duty?: DutyKind;
  /** A visit's level; absent for other duties. */
  level?: Level;
  unitId: string;
  unitName: string;
  /** A visit's reception site; an assigned case's source (交办来源、机关、文号). */
  receptionSite: string;
  /** A visit's headcount; absent for other duties. */
  headcount?: number;
  /** When the office received the notice, UTC ISO. */
  receivedAt: string;
  /** For the closure report: when the leader arrived (the milestone's clock start), UTC ISO. */
  arrivedAt?: string;
  /** The missed deadline, UTC ISO. */
  deadline: string;
  /** The next step's due time (催办单: 督办; 督办单: the deduction), UTC ISO; null when none is planned. */
  newTimeLimit: string | null;
  /** Points the deduction would cost (督办单). */
  points: number;
  /** The step's moment in the workflow, UTC ISO: the document's date and its year of issue. */
  issuedAt: string;
}

/** A document issued: where it is and how it is named. */
export interface IssuedDocument {
  /** `<officeId>-<year>-<number, 4 digits>`, e.g. wuli-xfb-2026-0001: the file's name on disk and in URLs. */
  documentId: string;
  /** The 文号 text, e.g. 五信督〔2026〕1号. */
  documentNumber: string;
  number: number;
  year: number;
  kind: DocumentKind;
  milestone: Milestone;
  /** The name shown to people (download, e-mail attachment), e.g. 催办单（五信督〔2026〕1号）.docx. */
  fileName: string;
  /** Where the worker stored it (dataDir/documents/<year>/<documentId>.docx). */
  path?: string;
}

export interface DocumentActivities {
  /** Numbers the document in the office-year register, renders the DOCX and stores it; idempotent by request.key. */
  issueOfficialDocument(request: OfficialDocumentRequest): Promise<IssuedDocument>;
}
