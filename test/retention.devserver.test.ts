// Retention is set deliberately on every start: the dev server creates its namespace with 24 h, duban asks for its own.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ensureNamespace, retentionDaysFromEnv } from '../src/temporal.js';
import { createDevServerEnv } from './helpers.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createDevServerEnv();
});
afterAll(async () => {
  await env?.teardown();
});

const retentionSeconds = async (): Promise<number> => {
  const d = await env.connection.workflowService.describeNamespace({ namespace: 'default' });
  return Number(d.config?.workflowExecutionRetentionTtl?.seconds ?? 0);
};

test('a start sets the configured retention on a namespace the dev server made, and again after an edit', async () => {
  expect(await retentionSeconds()).toBe(86_400);
  await ensureNamespace(env.connection, 'default', { retentionDays: 30 });
  expect(await retentionSeconds()).toBe(30 * 86_400);
  await ensureNamespace(env.connection, 'default', { retentionDays: 90 });
  expect(await retentionSeconds()).toBe(90 * 86_400);
});

test('DUBAN_RETENTION_DAYS is checked, not trusted', () => {
  expect(retentionDaysFromEnv({})).toBe(30);
  expect(retentionDaysFromEnv({ DUBAN_RETENTION_DAYS: '400' })).toBe(400);
  expect(() => retentionDaysFromEnv({ DUBAN_RETENTION_DAYS: '0.5' })).toThrow('DUBAN_RETENTION_DAYS: must be a whole number of days from 1 to 3650, not 0.5');
  expect(() => retentionDaysFromEnv({ DUBAN_RETENTION_DAYS: 'forever' })).toThrow('DUBAN_RETENTION_DAYS: must be a whole number of days from 1 to 3650, not forever');
});
