// The quarterly circular: what is asked for and what is produced (pure: workflows import these types).
import type { Actor, Level } from '../domain.js';

/** The period a circular covers: notices received in [from, to), UTC ISO; quarter set for a calendar quarter. */
export interface CircularPeriod {
  /** "2026-Q4" for a quarter in Asia/Shanghai; absent for an on-demand date range. */
  quarter?: string;
  from: string;
  to: string;
}

export interface CircularRequest {
  /** "2026-Q4", or "range-20261001-20261231" (first and last local day of a range). */
  circularId: string;
  period: CircularPeriod;
  /** 文号 printed under the title, when the office gives one. */
  documentNumber?: string;
  /** Who asked: the schedule (system actor) or a supervisor through the API. */
  requestedBy: Actor;
  /** Mail the files to the circular's recipients: the scheduled circular does; on demand only when asked. */
  mail?: boolean;
}

/** The figures of one row of the circular. */
export interface CircularCounts {
  /** Escalated visits (交办) whose notice was received in the period. */
  escalated: number;
  arrivedOnTime: number;
  arrivedLate: number;
  /** 催办 issued (timeline entries of type urge, both milestones). */
  urged: number;
  /** 督办 issued (timeline entries of type supervise, both milestones). */
  supervised: number;
  deductions: number;
  deductionPoints: number;
  /** Still open and past their deadline at the cut-off. */
  overdueOpen: number;
}

export interface CircularUnitFigures {
  unitId: string;
  unitName: string;
  levels: Record<Level, CircularCounts>;
  total: CircularCounts;
}

export interface CircularFigures {
  circularId: string;
  period: CircularPeriod;
  /** When the facts were read (UTC ISO): "still overdue" is as of this moment. */
  cutoff: string;
  /** Every unit of the directory (zeros included), then units only cases name, by ID. */
  units: CircularUnitFigures[];
  byLevel: Record<Level, CircularCounts>;
  total: CircularCounts;
  /** Cases listed for the period whose view could not be read (counted nowhere). */
  unreadable: string[];
}

export interface CircularFile {
  /** File name under data/circulars/<circularId>/, e.g. circular-2026-Q4.xlsx. */
  name: string;
  /** The name offered on download, e.g. 2026年第四季度信访督办情况通报.xlsx. */
  downloadName: string;
  contentType: string;
  bytes: number;
  sha256: string;
}

export interface CircularMailResult {
  channel: 'email' | 'outbox';
  to: string[];
  /** The SMTP Message-ID, or the outbox file name. */
  messageId: string;
  /** true when an earlier attempt had already sent it (nothing sent now). */
  duplicate: boolean;
}

export type CircularStatus = 'collecting' | 'rendering' | 'mailing' | 'done';

/** What the circular workflow shows (query) and returns. */
export interface CircularView {
  circularId: string;
  period: CircularPeriod;
  status: CircularStatus;
  requestedBy: Actor;
  figures: CircularFigures | null;
  files: CircularFile[];
  mail: CircularMailResult | null;
}

/** What the scheduled run did: produced this quarter's circular, or found it already produced. */
export interface QuarterlyCircularResult {
  circularId: string;
  outcome: 'produced' | 'alreadyProduced';
}

export interface QuarterlyCircularInput {
  /** "2026-Q3": produce that quarter; absent: the quarter before the scheduled time (Asia/Shanghai). */
  quarter?: string;
}

export interface CircularActivities {
  /** Lists the period's escalated visits, reads each case and aggregates; returns the figures only. */
  collectCircularFacts(input: { circularId: string; period: CircularPeriod }): Promise<CircularFigures>;
  /** Writes the XLSX, DOCX and figures.json under data/circulars/<circularId>/ (same bytes on a retry). */
  renderCircular(input: { request: CircularRequest; figures: CircularFigures }): Promise<CircularFile[]>;
  /** Mails both files to the office's circular recipients (or the outbox), once per circular. */
  mailCircular(input: { request: CircularRequest; figures: CircularFigures; files: CircularFile[] }): Promise<CircularMailResult>;
}
