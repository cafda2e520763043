// The policy and the unit directory: seed rules as defaults, errors that name the field, start-up refusal.
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access -- invalid documents are built by editing untyped JSON */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { ROOT } from '../src/config.js';
import { directorySchema } from '../src/directory.js';
import { parseDuration, formatDuration } from '../src/duration.js';
import { PolicyError, parsePolicy } from '../src/policy.js';
import { formatShanghai } from '../src/time.js';
import { policy } from './helpers.js';

const run = promisify(execFile);
const raw = (): Record<string, any> => JSON.parse(readFileSync(join(ROOT, 'config/policy.json'), 'utf8')) as Record<string, any>;

describe('default policy', () => {
  test('holds the seed rules: 3 / 8 / 24 h, principal leader or leader in charge', () => {
    expect(policy.arrival.levels.district.deadline).toBe('3h');
    expect(policy.arrival.levels.city.deadline).toBe('8h');
    expect(policy.arrival.levels.beijing.deadline).toBe('24h');
    expect(policy.arrival.whoMustArrive).toEqual(['principal', 'inCharge']);
    expect(policy.version).toBe('2026.1');
  });
});

describe('invalid policy', () => {
  test.each([
    ['a deadline that is no duration', (p: Record<string, any>) => (p.arrival.levels.city.deadline = 'eight hours'), 'arrival.levels.city.deadline: must be a duration such as 3h, 1h30m, 45s or 7d'],
    ['a reminder after the deadline', (p: Record<string, any>) => (p.arrival.levels.district.reminderOffsets = ['4h']), 'arrival.levels.district.reminderOffsets.0: must be shorter than the deadline'],
    ['negative points', (p: Record<string, any>) => (p.closureReport.points = -1), 'closureReport.points: Number must be greater than 0'],
    ['a missing level', (p: Record<string, any>) => delete p.arrival.levels.beijing, 'arrival.levels.beijing: Required'],
    ['an unknown field', (p: Record<string, any>) => (p.arrival.levels.city.grace = '1h'), "arrival.levels.city: Unrecognized key(s) in object: 'grace'"],
    ['a zero grace', (p: Record<string, any>) => (p.arrival.levels.city.superviseAfter = '0s'), 'arrival.levels.city.superviseAfter: must be longer than zero'],
  ])('%s', (_label, mutate, message) => {
    const p = raw();
    mutate(p);
    expect(() => parsePolicy(p, 'policy.json')).toThrow(PolicyError);
    expect(() => parsePolicy(p, 'policy.json')).toThrow(`invalid policy policy.json: ${message}`);
  });

  test('the worker refuses to start on an invalid policy and names the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'duban-policy-'));
    const p = raw();
    p.arrival.levels.beijing.points = 'three';
    writeFileSync(join(dir, 'policy.json'), JSON.stringify(p));
    const attempt = run(process.execPath, ['--import', 'tsx', join(ROOT, 'worker.ts')], {
      cwd: ROOT,
      env: { ...process.env, DUBAN_POLICY_FILE: join(dir, 'policy.json'), TEMPORAL_ADDRESS: '127.0.0.1:1' },
    });
    await expect(attempt).rejects.toMatchObject({
      code: 1,
      stderr: `invalid policy ${join(dir, 'policy.json')}: arrival.levels.beijing.points: Expected number, received string\n`,
    });
  });
});

describe('unit directory', () => {
  test('the sample parses, and a unit without a principal or in-charge leader is refused', () => {
    const sample = JSON.parse(readFileSync(join(ROOT, 'config/units.sample.json'), 'utf8')) as Record<string, any>;
    expect(directorySchema.parse(sample).units.map((u) => u.id)).toEqual(['wuli-gov', 'wuli-landres', 'dongcun']);
    sample.units[2].people = [{ id: 'x', name: '某', role: 'contact', channels: ['email'] }];
    sample.units[1].people[0].phone = '13800000000';
    const issues = directorySchema.safeParse(sample).error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues).toEqual(['units.1.people.0.phone: must be an E.164 number such as +8613800000000', 'units.2.people: needs a principal leader or a leader in charge']);
  });
});

describe('durations and local time', () => {
  test.each([
    ['3h', 10_800_000],
    ['1h30m', 5_400_000],
    ['45s', 45_000],
    ['7d', 604_800_000],
    ['250ms', 250],
  ])('%s = %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
  test('rejects what is not a duration', () => {
    expect(() => parseDuration('3 hours')).toThrow('not a duration: "3 hours"');
  });
  test('shows UTC instants in Beijing time', () => {
    expect(formatShanghai('2026-11-25T01:30:00Z')).toBe('2026年11月25日 09:30');
    expect(formatShanghai('2026-12-31T16:00:05Z')).toBe('2027年01月01日 00:00:05');
  });
});
