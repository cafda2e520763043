// Worker tuning from the environment (docs/scaling.md): each setting optional, checked, named in its error.
import type { WorkerOptions } from '@temporalio/worker';

export type WorkerTuning = Pick<WorkerOptions, 'maxCachedWorkflows' | 'maxConcurrentWorkflowTaskExecutions' | 'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskPolls' | 'maxConcurrentActivityTaskPolls'>;

/** Cases kept in the worker's cache by default: about 1.4 MB each (bench:open-cases), so memory stays bounded whatever the number open. */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 250;

const SETTINGS: [keyof WorkerTuning, string, number, number][] = [
  ['maxCachedWorkflows', 'DUBAN_WORKER_MAX_CACHED_WORKFLOWS', 0, 1_000_000],
  ['maxConcurrentWorkflowTaskExecutions', 'DUBAN_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', 2, 10_000],
  ['maxConcurrentActivityTaskExecutions', 'DUBAN_WORKER_MAX_CONCURRENT_ACTIVITIES', 1, 10_000],
  ['maxConcurrentWorkflowTaskPolls', 'DUBAN_WORKER_WORKFLOW_POLLERS', 2, 1_000],
  ['maxConcurrentActivityTaskPolls', 'DUBAN_WORKER_ACTIVITY_POLLERS', 1, 1_000],
];

export function workerTuningFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerTuning {
  const tuning: WorkerTuning = { maxCachedWorkflows: DEFAULT_MAX_CACHED_WORKFLOWS };
  for (const [option, name, min, max] of SETTINGS) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name}: must be a whole number from ${min} to ${max}, not ${raw}`);
    tuning[option] = n;
  }
  return tuning;
}
