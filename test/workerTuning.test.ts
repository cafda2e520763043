// Worker tuning from DUBAN_WORKER_*: the cache bounded by default, each setting checked and named when wrong.
import { expect, test } from 'vitest';
import { DEFAULT_MAX_CACHED_WORKFLOWS, workerTuningFromEnv } from '../src/workerTuning.js';

test('defaults: a bounded cache, the rest as the SDK sets it', () => {
  expect(workerTuningFromEnv({})).toEqual({ maxCachedWorkflows: DEFAULT_MAX_CACHED_WORKFLOWS });
  expect(DEFAULT_MAX_CACHED_WORKFLOWS).toBe(250);
});

test('every setting from its variable', () => {
  expect(
    workerTuningFromEnv({
      DUBAN_WORKER_MAX_CACHED_WORKFLOWS: '250',
      DUBAN_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '80',
      DUBAN_WORKER_MAX_CONCURRENT_ACTIVITIES: '200',
      DUBAN_WORKER_WORKFLOW_POLLERS: '10',
      DUBAN_WORKER_ACTIVITY_POLLERS: ' ',
    }),
  ).toEqual({ maxCachedWorkflows: 250, maxConcurrentWorkflowTaskExecutions: 80, maxConcurrentActivityTaskExecutions: 200, maxConcurrentWorkflowTaskPolls: 10 });
});

test('a bad value stops start-up naming the variable and its range', () => {
  expect(() => workerTuningFromEnv({ DUBAN_WORKER_MAX_CACHED_WORKFLOWS: 'lots' })).toThrow('DUBAN_WORKER_MAX_CACHED_WORKFLOWS: must be a whole number from 0 to 1000000, not lots');
  expect(() => workerTuningFromEnv({ DUBAN_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '1' })).toThrow('DUBAN_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: must be a whole number from 2 to 10000, not 1');
  expect(() => workerTuningFromEnv({ DUBAN_WORKER_ACTIVITY_POLLERS: '2.5' })).toThrow('DUBAN_WORKER_ACTIVITY_POLLERS: must be a whole number from 1 to 1000, not 2.5');
});
