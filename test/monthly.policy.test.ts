// policy.monthlyObligation's schema: defaults and a bad field named.
import { expect, test } from 'vitest';
import { monthlyObligationPolicySchema } from '../src/duties/monthlyPolicy.js';
import { AUDIENCE } from '../src/notifications.js';

test('defaults', () => {
  const { audience, ...rest } = monthlyObligationPolicySchema.parse({});
  expect(audience.urge).toEqual([...AUDIENCE.urge]);
  expect(rest).toEqual({
    dueDay: 5,
    holidayLastDayMoves: true,
    weekendLastDayMoves: true,
    obligations: ['disputeScreening', 'leadershipStudy'],
    ladder: { reminderOffsets: ['3d', '1d'], superviseAfter: '3d', deductAfter: '7d', overdueReminderEvery: '1d', maxOverdueReminders: 5, points: 1, yellowWindow: '3d' },
  });
});

test('a bad due day is named', () => {
  const result = monthlyObligationPolicySchema.safeParse({ dueDay: 32 });
  expect(result.success).toBe(false);
  expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['dueDay']);
});
