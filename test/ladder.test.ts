// The pure planner, table-driven with exact times.
import { describe, expect, test } from 'vitest';
import { deadlineFor, nextStep, plan, type MilestoneFacts } from '../src/ladder.js';
import { policy } from './helpers.js';

const H = 3_600_000;
const D = 86_400_000;
const t0 = Date.parse('2026-03-02T01:00:00Z');

function facts(overrides: Partial<MilestoneFacts> = {}): MilestoneFacts {
  const level = overrides.level ?? 'district';
  return {
    milestone: 'arrival',
    level,
    startedAt: t0,
    registeredAt: t0,
    deadline: deadlineFor(policy, 'arrival', level, t0),
    deadlineSetAt: t0,
    explanation: 'none',
    done: {},
    ...overrides,
  };
}

/** [kind, hours after t0] */
function shape(f: MilestoneFacts): [string, number][] {
  return plan(policy, f).steps.map((s) => [s.kind, (s.dueAt - t0) / H]);
}

describe('deadlines from the seed', () => {
  test.each([
    ['district', 3],
    ['city', 8],
    ['beijing', 24],
  ] as const)('%s: arrival due %d h after the notice was received', (level, hours) => {
    expect(deadlineFor(policy, 'arrival', level, t0) - t0).toBe(hours * H);
  });
  test('closure report due 15 days after arrival', () => {
    expect(deadlineFor(policy, 'closureReport', 'city', t0) - t0).toBe(15 * D);
  });
});

describe('plan', () => {
  test('district: reminders, 催办 at the deadline, 督办 2 h later, deduction 4 h after that, 6 hourly reminders', () => {
    expect(shape(facts())).toEqual([
      ['reminder', 2],
      ['reminder', 2.5],
      ['urge', 3],
      ['overdueReminder', 4],
      ['overdueReminder', 5],
      ['supervise', 5],
      ['overdueReminder', 6],
      ['overdueReminder', 7],
      ['overdueReminder', 8],
      ['overdueReminder', 9],
      ['deduction', 9],
    ]);
  });

  test('city: 8 h deadline, 督办 +4 h, deduction +8 h', () => {
    expect(shape(facts({ level: 'city' }))).toEqual([
      ['reminder', 6],
      ['reminder', 7],
      ['urge', 8],
      ['overdueReminder', 10],
      ['overdueReminder', 12],
      ['supervise', 12],
      ['overdueReminder', 14],
      ['overdueReminder', 16],
      ['overdueReminder', 18],
      ['overdueReminder', 20],
      ['deduction', 20],
    ]);
  });

  test('beijing: 24 h deadline, 督办 +12 h, deduction +24 h', () => {
    expect(shape(facts({ level: 'beijing' }))).toEqual([
      ['reminder', 12],
      ['reminder', 20],
      ['reminder', 23],
      ['urge', 24],
      ['overdueReminder', 28],
      ['overdueReminder', 32],
      ['overdueReminder', 36],
      ['supervise', 36],
      ['overdueReminder', 40],
      ['overdueReminder', 44],
      ['overdueReminder', 48],
      ['deduction', 60],
    ]);
  });

  test('a notice registered 4 h late: 催办 at once, full grace for 督办 and the deduction, no reminders', () => {
    const registeredAt = t0 + 4 * H;
    expect(shape(facts({ registeredAt, deadlineSetAt: registeredAt })).filter(([k]) => k !== 'overdueReminder')).toEqual([
      ['urge', 4],
      ['supervise', 6],
      ['deduction', 10],
    ]);
  });

  test('a notice registered between two reminders gets only the later one', () => {
    const registeredAt = t0 + 2.25 * H;
    expect(shape(facts({ registeredAt, deadlineSetAt: registeredAt })).slice(0, 2)).toEqual([
      ['reminder', 2.5],
      ['urge', 3],
    ]);
  });

  test('an extension before the deadline moves every later step', () => {
    const f = facts({ deadline: t0 + 5 * H, deadlineSetAt: t0 + 1 * H });
    expect(shape(f).filter(([k]) => k !== 'overdueReminder')).toEqual([
      ['reminder', 4],
      ['reminder', 4.5],
      ['urge', 5],
      ['supervise', 7],
      ['deduction', 11],
    ]);
  });

  test('an extension after 催办 keeps 催办 done and re-bases 督办 on the new deadline', () => {
    const f = facts({ deadline: t0 + 6 * H, deadlineSetAt: t0 + 3.5 * H, done: { 'arrival.urge': t0 + 3 * H } });
    const p = plan(policy, f);
    expect(p.steps.find((s) => s.kind === 'supervise')!.dueAt - t0).toBe(8 * H);
    expect(nextStep(p)!.dueAt - t0).toBe(5 * H);
    expect(nextStep(p)!.kind).toBe('reminder');
  });

  test('a step that ran late (outage) gives the next step its full grace from when it ran', () => {
    const f = facts({ done: { 'arrival.urge': t0 + 4 * H } });
    expect(plan(policy, f).steps.find((s) => s.kind === 'supervise')!.dueAt - t0).toBe(6 * H);
  });

  test('a pending explanation holds the deduction; acceptance cancels it; rejection releases it no earlier than the decision', () => {
    expect(plan(policy, facts({ explanation: 'pending' }))).toMatchObject({ deductionHeld: true, deductionCancelled: false });
    expect(plan(policy, facts({ explanation: 'pending' })).steps.some((s) => s.kind === 'deduction')).toBe(false);
    expect(plan(policy, facts({ explanation: 'accepted' }))).toMatchObject({ deductionHeld: false, deductionCancelled: true });
    const late = plan(policy, facts({ explanation: 'rejected', explanationDecidedAt: t0 + 11 * H }));
    expect(late.steps.find((s) => s.kind === 'deduction')!.dueAt - t0).toBe(11 * H);
    const early = plan(policy, facts({ explanation: 'rejected', explanationDecidedAt: t0 + 6 * H }));
    expect(early.steps.find((s) => s.kind === 'deduction')!.dueAt - t0).toBe(9 * H);
  });

  test('nextStep skips what is done', () => {
    const f = facts({ done: { [`arrival.reminder.1h@${t0 + 3 * H}`]: t0 + 2 * H } });
    expect(nextStep(plan(policy, f))).toMatchObject({ kind: 'reminder', dueAt: t0 + 2.5 * H });
  });
});
