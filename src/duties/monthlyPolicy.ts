// policy.monthlyObligation's schema (issue 12 item 5): fully defaulted so a case pins it; not yet part of policySchema.
import { z } from 'zod';
import { milestoneLadderSchema } from '../policy.js';
import { MONTHLY_OBLIGATIONS } from './monthlyPeriod.js';

export const monthlyObligationPolicySchema = z
  .object({
    /** Due by 24:00 Beijing on this day of the next month (dayOfNextMonth). */
    dueDay: z.number().int().min(1).max(31).default(5),
    /** Whether a due day on a holiday / a weekend moves to the next workday (an office rule, not the law). */
    holidayLastDayMoves: z.boolean().default(true),
    weekendLastDayMoves: z.boolean().default(true),
    /** Which obligations run (矛盾纠纷排查月报, 领导班子每月研究信访工作). */
    obligations: z.array(z.enum(MONTHLY_OBLIGATIONS)).min(1).default([...MONTHLY_OBLIGATIONS]),
    ladder: milestoneLadderSchema.default({ reminderOffsets: ['3d', '1d'], superviseAfter: '3d', deductAfter: '7d', overdueReminderEvery: '1d', maxOverdueReminders: 5, points: 1, yellowWindow: '3d' }),
  })
  .strict();
export type MonthlyObligationPolicy = z.infer<typeof monthlyObligationPolicySchema>;
