// The one place where the policy's shape, rules and defaults are defined (pure: workflows import it).
import { z } from 'zod';
import { formatDuration, isDuration, parseDuration } from './duration.js';
import { LEADER_ROLES, MONTHLY_MILESTONES, type Level, type Milestone } from './domain.js';
import { PERSON_ROLES, type PersonRole } from './directory.js';
import { AUDIENCE, NOTIFICATION_EVENTS, type NotificationEvent } from './notifications.js';

const positiveDuration = z.string().superRefine((d, ctx) => {
  if (!isDuration(d)) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be a duration such as 3h, 1h30m, 45s or 7d' });
  else if (parseDuration(d) <= 0) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be longer than zero' });
});

export const ladderSpecSchema = z
  .object({
    /** Time allowed from the milestone's start (the notice's receipt, or the arrival) to its deadline. */
    deadline: positiveDuration,
    /** Reminders sent this long before the deadline. */
    reminderOffsets: z.array(positiveDuration).max(10),
    /** Grace between 催办 (at the deadline) and 督办. */
    superviseAfter: positiveDuration,
    /** Grace between 督办 and the deduction. */
    deductAfter: positiveDuration,
    /** Reminders keep coming at this interval after 催办 until the milestone is met. */
    overdueReminderEvery: positiveDuration,
    /** Cap on those reminders, so a forgotten case never floods a leader's phone. */
    maxOverdueReminders: z.number().int().min(0).max(100),
    /** Points deducted from the unit's year-end score. */
    points: z.number().positive().max(100),
    /** 黄 (临近期限) starts this long before the deadline; absent: a third of the deadline (pinned at start either way). */
    yellowWindow: positiveDuration.optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (!isDuration(spec.deadline)) return;
    const deadline = parseDuration(spec.deadline);
    if (spec.yellowWindow !== undefined && isDuration(spec.yellowWindow) && parseDuration(spec.yellowWindow) >= deadline) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['yellowWindow'], message: 'must be shorter than the deadline' });
    }
    spec.reminderOffsets.forEach((offset, i) => {
      if (isDuration(offset) && parseDuration(offset) >= deadline) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['reminderOffsets', i], message: 'must be shorter than the deadline' });
      }
    });
  })
  // Fully defaulted here, so the case pins the window it started with.
  .transform((spec) => ({ ...spec, yellowWindow: spec.yellowWindow ?? formatDuration(Math.floor(parseDuration(spec.deadline) / 3)) }));

export type LadderSpec = z.infer<typeof ladderSpecSchema>;

const roles = z.array(z.enum(PERSON_ROLES)).max(PERSON_ROLES.length);
/**
 * Which roles hear each event. Optional, and each event optional within it: a missing event takes its default from
 * AUDIENCE (src/notifications.ts). Policies pinned to cases before this field existed parse to the defaults.
 */
export const POLICY_AUDIENCE_EVENTS = NOTIFICATION_EVENTS.filter((e): e is Exclude<NotificationEvent, 'undeliverable' | 'ledgerRefused'> => e !== 'undeliverable' && e !== 'ledgerRefused');
export type AudienceEvent = (typeof POLICY_AUDIENCE_EVENTS)[number];
/** (`undeliverable` — a recipient could not be reached — and `ledgerRefused` always go to the supervisors.) */
export const audienceSchema = z
  .object(Object.fromEntries(POLICY_AUDIENCE_EVENTS.map((e) => [e, roles.default([...AUDIENCE[e]])])) as Record<AudienceEvent, z.ZodDefault<typeof roles>>)
  .strict()
  .default({});
export type Audience = Record<AudienceEvent, PersonRole[]>;

/** A milestone's ladder without a fixed deadline (the deadline comes from its rule); the yellow window defaults to 3 days. */
export const milestoneLadderSchema = ladderSpecSchema.innerType().innerType().omit({ deadline: true, yellowWindow: true }).extend({ yellowWindow: positiveDuration.default('3d') }).strict();
export type MilestoneLadder = z.infer<typeof milestoneLadderSchema>;

const ladderDefaults = { reminderOffsets: ['3d', '1d'], superviseAfter: '3d', deductAfter: '7d', overdueReminderEvery: '1d', maxOverdueReminders: 5, points: 2, yellowWindow: '3d' };

/** The assigned case's part of the policy (policy.assignedCase, src/duties/assignedCase.ts): fully defaulted, pinned at start. */
export const assignedCasePolicySchema = z
  .object({
    /** 受理告知: decide within N calendar days of receipt and tell the petitioner in writing. */
    acceptance: z.object({ days: z.number().int().min(1).max(365).default(15), ladder: milestoneLadderSchema.default({ ...ladderDefaults, points: 1 }) }).strict().default({}),
    /** 办理答复: within N calendar days of acceptance; extended by at most maxExtensionDays with approval. */
    handling: z
      .object({ days: z.number().int().min(1).max(365).default(60), maxExtensionDays: z.number().int().min(0).max(365).default(30), ladder: milestoneLadderSchema.default(ladderDefaults) })
      .strict()
      .default({}),
    /** 复查: requested within requestWindowDays of the reply, the opinion within days of the request. */
    review: z.object({ requestWindowDays: z.number().int().min(1).max(365).default(30), days: z.number().int().min(1).max(365).default(30), ladder: milestoneLadderSchema.default(ladderDefaults) }).strict().default({}),
    /** 复核: the same after the 复查 opinion. */
    reexamination: z.object({ requestWindowDays: z.number().int().min(1).max(365).default(30), days: z.number().int().min(1).max(365).default(30), ladder: milestoneLadderSchema.default(ladderDefaults) }).strict().default({}),
    /** Whether a period whose last day is a Saturday or Sunday ends on the next workday (holidays always move). */
    weekendLastDayMoves: z.boolean().default(true),
    /** The unit reports progress at least this often while handling (a reminder goes out when one is missed). */
    progressEveryDays: z.number().int().min(1).max(365).default(15),
    audience: audienceSchema,
  })
  .strict();
export type AssignedCasePolicy = z.infer<typeof assignedCasePolicySchema>;

/** Monthly obligations (policy.monthlyObligation, src/duties/monthlyObligation.ts): fully defaulted, pinned per case. */
export const monthlyObligationPolicySchema = z
  .object({
    /** Due by 24:00 Beijing on this day of the next month (dayOfNextMonth). */
    dueDay: z.number().int().min(1).max(31).default(5),
    /** Whether a due day on a holiday / a weekend moves to the next workday (an office rule, not the law). */
    holidayLastDayMoves: z.boolean().default(true),
    weekendLastDayMoves: z.boolean().default(true),
    /** Which obligations run (矛盾纠纷排查月报, 领导班子每月研究信访工作). */
    obligations: z.array(z.enum(MONTHLY_MILESTONES)).min(1).default([...MONTHLY_MILESTONES]),
    ladder: milestoneLadderSchema.default({ reminderOffsets: ['3d', '1d'], superviseAfter: '3d', deductAfter: '7d', overdueReminderEvery: '1d', maxOverdueReminders: 5, points: 1, yellowWindow: '3d' }),
    audience: audienceSchema,
  })
  .strict();
export type MonthlyObligationPolicy = z.infer<typeof monthlyObligationPolicySchema>;

export const policySchema = z
  .object({
    version: z.string().min(1).max(100),
    timeZone: z.literal('Asia/Shanghai'),
    arrival: z
      .object({
        /** Who must arrive (seed 二(四)): the unit's principal leader or leader in charge. */
        whoMustArrive: z.array(z.enum(LEADER_ROLES)).min(1),
        /** How much earlier than its report a unit may say it arrived; earlier only from the office, with a reason. */
        maxBackdate: positiveDuration.default('15m'),
        levels: z.object({ district: ladderSpecSchema, city: ladderSpecSchema, beijing: ladderSpecSchema }).strict(),
      })
      .strict(),
    closureReport: ladderSpecSchema,
    audience: audienceSchema,
    assignedCase: assignedCasePolicySchema.default({}),
    monthlyObligation: monthlyObligationPolicySchema.default({}),
  })
  .strict();

export type Policy = z.infer<typeof policySchema>;

export function ladderSpecFor(policy: Policy, milestone: Milestone, level: Level): LadderSpec {
  return milestone === 'arrival' ? policy.arrival.levels[level] : policy.closureReport;
}

export class PolicyError extends Error {
  constructor(
    readonly source: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super(`invalid policy ${source}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.name = 'PolicyError';
  }
}

export function formatIssuePath(path: (string | number)[]): string {
  return path.length === 0 ? '(root)' : path.map((p) => String(p)).join('.');
}

/** Validates a parsed policy document; the error names each bad field by its path. */
export function parsePolicy(data: unknown, source = 'policy'): Policy {
  const result = policySchema.safeParse(data);
  if (!result.success) {
    throw new PolicyError(
      source,
      result.error.issues.map((i) => ({ path: formatIssuePath(i.path), message: i.message })),
    );
  }
  return result.data;
}
