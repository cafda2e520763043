// Domain vocabulary shared by workflows, activities, API and tests (pure: importable from workflows).
export const LEVELS = ['district', 'city', 'beijing'] as const;
export type Level = (typeof LEVELS)[number];

export const LEVEL_LABEL: Record<Level, string> = { district: '到区', city: '到市', beijing: '进京' };

/** The duties duban tracks; each is registered once in src/duties/registry.ts. */
export const DUTY_KINDS = ['escalatedVisit', 'assignedCase', 'monthlyObligation'] as const;
export type DutyKind = (typeof DUTY_KINDS)[number];

/** Milestones of an escalated visit: the leaders' arrival, then the written report of the result. */
export const VISIT_MILESTONES = ['arrival', 'closureReport'] as const;
/** Milestones of an assigned case (信访工作条例): acceptance decision, handling and reply, 复查 and 复核 opinions. */
export const ASSIGNED_CASE_MILESTONES = ['acceptance', 'handling', 'review', 'reexamination'] as const;
/** Milestones of a monthly obligation: one per obligation (矛盾纠纷排查月报, 领导班子每月研究信访工作). */
export const MONTHLY_MILESTONES = ['disputeScreening', 'leadershipStudy'] as const;
export const MILESTONES = [...VISIT_MILESTONES, ...ASSIGNED_CASE_MILESTONES, ...MONTHLY_MILESTONES] as const;
export type Milestone = (typeof MILESTONES)[number];
export const MILESTONE_LABEL: Record<Milestone, string> = {
  arrival: '到达现场',
  closureReport: '书面报结果销案',
  acceptance: '受理告知',
  handling: '办理答复',
  review: '复查意见',
  reexamination: '复核意见',
  disputeScreening: '矛盾纠纷排查月报',
  leadershipStudy: '领导班子研究信访工作',
};

export const LEADER_ROLES = ['principal', 'inCharge'] as const;
export type LeaderRole = (typeof LEADER_ROLES)[number];

export const ACTOR_ROLES = ['intake', 'unit', 'supervisor', 'admin', 'system'] as const;
export type ActorRole = (typeof ACTOR_ROLES)[number];

export interface Actor {
  id: string;
  role: ActorRole;
}

export const SYSTEM_ACTOR: Actor = { id: 'duban', role: 'system' };

/** Escalation steps of the ladder, in order. */
export type StepKind = 'reminder' | 'urge' | 'supervise' | 'deduction' | 'overdueReminder';

export const STEP_LABEL: Record<StepKind, string> = {
  reminder: '到期提醒',
  urge: '催办',
  supervise: '督办',
  deduction: '扣分',
  overdueReminder: '逾期提醒',
};

export type ExplanationStatus = 'none' | 'pending' | 'accepted' | 'rejected';

/** Case stage, kept in the DubanStage search attribute. */
export type Stage =
  | `${Milestone}.pending`
  | `${Milestone}.urge`
  | `${Milestone}.supervise`
  | `${Milestone}.deduction`
  /** An assigned case whose clock stands still (听证, 鉴定). */
  | 'paused'
  /** An assigned case replied to, in the petitioner's window for 复查 / 复核. */
  | 'reviewWindow'
  | 'reexaminationWindow'
  | 'closed'
  | 'cancelled';

export function caseIdForNotice(noticeId: string): string {
  return `visit:${noticeId}`;
}

export function ledgerIdFor(unitId: string, year: number): string {
  return `ledger:${unitId}:${year}`;
}

const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
/** Year of an instant in Asia/Shanghai (fixed UTC+8, no DST since 1991), usable inside workflows. */
export function shanghaiYear(ms: number): number {
  return new Date(ms + SHANGHAI_OFFSET_MS).getUTCFullYear();
}
