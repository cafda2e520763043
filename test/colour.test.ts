// 三色预警 as pure rules (src/colour.ts) and the policy's yellow window: set, defaulted to a third of the deadline and
// pinned, refused when not shorter than the deadline.
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { colourNow, colourOf, yellowFrom, yellowWindowMs } from '../src/colour.js';
import { ROOT } from '../src/config.js';
import { PolicyError, parsePolicy, type LadderSpec } from '../src/policy.js';
import { demoPolicy, policy } from './helpers.js';

const H = 3_600_000;

test('red from the deadline on, yellow from the window, green before; null without a deadline', () => {
  expect([colourOf(1000, 500, 999), colourOf(1000, 500, 1000), colourOf(1000, 500, 1001)]).toEqual(['yellow', 'red', 'red']);
  expect([colourOf(1000, 500, 499), colourOf(1000, 500, 500), colourOf(1000, null, 999), colourOf(null, 500, 999)]).toEqual(['green', 'yellow', 'green', null]);
  expect(colourNow({ status: 'open', deadline: '2026-12-03T08:00:00.000Z', yellowFrom: '2026-12-03T07:00:00.000Z' }, Date.parse('2026-12-03T07:30:00.000Z'))).toBe('yellow');
  expect(colourNow({ status: 'open', deadline: '2026-12-03T08:00:00.000Z' }, Date.parse('2026-12-03T07:30:00.000Z'))).toBe('green');
  expect(colourNow({ status: 'closed', deadline: null, yellowFrom: null }, 0)).toBeNull();
});

test("the office's policy sets the windows: 1 h, 2 h, 4 h before arrival, 3 days before the closure report", () => {
  const t = Date.parse('2026-12-03T00:00:00.000Z');
  expect([yellowFrom(policy, 'arrival', 'district', t), yellowFrom(policy, 'arrival', 'city', t), yellowFrom(policy, 'arrival', 'beijing', t), yellowFrom(policy, 'closureReport', 'district', t)].map((x) => t - x)).toEqual([H, 2 * H, 4 * H, 72 * H]);
});

test('absent, the window is a third of the deadline, written into the parsed (pinned) policy; a pinned policy without it reads the same', () => {
  expect(demoPolicy.arrival.levels.district.yellowWindow).toBe('5s');
  expect(demoPolicy.arrival.levels.city.yellowWindow).toBe('6s666ms');
  const old = { ...policy.arrival.levels.city } as Partial<LadderSpec>;
  delete old.yellowWindow;
  expect(yellowWindowMs(old as LadderSpec)).toBe(Math.floor((8 * H) / 3));
});

test('a window not shorter than the deadline is refused, naming the field', () => {
  const raw = JSON.parse(readFileSync(join(ROOT, 'config/policy.json'), 'utf8')) as { arrival: { levels: { district: Record<string, unknown> } } };
  raw.arrival.levels.district.yellowWindow = '3h';
  expect(() => parsePolicy(raw)).toThrow(new PolicyError('policy', [{ path: 'arrival.levels.district.yellowWindow', message: 'must be shorter than the deadline' }]));
  raw.arrival.levels.district.yellowWindow = 'soon';
  expect(() => parsePolicy(raw)).toThrow('arrival.levels.district.yellowWindow: must be a duration such as 3h, 1h30m, 45s or 7d');
});
