// Every duty duban tracks, registered once: its kind, its case-ID prefix, its workflow type and its name (pure).
// A new duty is a spec and its texts under src/duties/, a workflow on workflows/lib/ladderEngine.ts, and a line here.
import type { DutyKind } from '../domain.js';

export interface DutyRegistration {
  /** Case IDs are `<idPrefix>:<the duty's own ID>`. */
  idPrefix: string;
  /** What the duty's own ID is called in its intake (the error names it). */
  idField: string;
  workflowType: string;
  /** Its name in Chinese (lists, the board, the CLI). */
  label: string;
}

export const DUTIES: Record<DutyKind, DutyRegistration> = {
  escalatedVisit: { idPrefix: 'visit', idField: 'noticeId', workflowType: 'escalatedVisit', label: '接访督办' },
  assignedCase: { idPrefix: 'assignedCase', idField: 'assignmentId', workflowType: 'assignedCase', label: '交办案件' },
  monthlyObligation: { idPrefix: 'monthlyObligation', idField: 'unitId.obligation.YYYY-MM', workflowType: 'monthlyObligation', label: '月度工作' },
};

const prefixes = Object.values(DUTIES).map((d) => d.idPrefix);
/** Any duty's case ID. */
export const CASE_ID_PATTERN = new RegExp(`^(?:${prefixes.join('|')}):[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`);
export const CASE_ID_MESSAGE = `must be ${Object.values(DUTIES).map((d) => `${d.idPrefix}:<${d.idField}>`).join(' or ')}`;

/** The duty a case ID belongs to, or undefined for an ID no duty has. */
export function dutyOfCaseId(caseId: string): DutyKind | undefined {
  const prefix = caseId.slice(0, caseId.indexOf(':'));
  return (Object.keys(DUTIES) as DutyKind[]).find((k) => DUTIES[k].idPrefix === prefix);
}
