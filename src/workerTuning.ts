// Worker tuning from the environment (docs/scaling.md): each setting optional, checked, named in its error.
import type { WorkerOptions } from '@temporalio/worker';

export type WorkerTuning = Pick<
  WorkerOptions,
  'maxCachedWorkflows' | 'maxConcurrentWorkflowTaskExecutions' | 'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskPolls' | 'maxConcurrentActivityTaskPolls' | 'workflowThreadPoolSize' | 'reuseV8Context'
>;

/** Cases kept in the worker's cache by default: about 1.4 MB each (bench:open-cases), so memory stays bounded whatever the number open. */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 250;

type NumericSetting = Exclude<keyof WorkerTuning, 'reuseV8Context'>;
const SETTINGS: [NumericSetting, string, number, number][] = [
  ['maxCachedWorkflows', 'DUBAN_WORKER_MAX_CACHED_WORKFLOWS', 0, 1_000_000],
  ['maxConcurrentWorkflowTaskExecutions', 'DUBAN_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', 2, 10_000],
  ['maxConcurrentActivityTaskExecutions', 'DUBAN_WORKER_MAX_CONCURRENT_ACTIVITIES', 1, 10_000],
  ['maxConcurrentWorkflowTaskPolls', 'DUBAN_WORKER_WORKFLOW_POLLERS', 2, 1_000],
  ['maxConcurrentActivityTaskPolls', 'DUBAN_WORKER_ACTIVITY_POLLERS', 1, 1_000],
  ['workflowThreadPoolSize', 'DUBAN_WORKER_WORKFLOW_THREADS', 1, 64],
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
  // One V8 context per workflow thread, reused by every case (the SDK's default, true); false gives each case its own.
  const reuse = env.DUBAN_WORKER_REUSE_V8_CONTEXT?.trim();
  if (reuse !== undefined && reuse !== '') {
    if (reuse !== 'true' && reuse !== 'false') throw new Error(`DUBAN_WORKER_REUSE_V8_CONTEXT: must be true or false, not ${reuse}`);
    tuning.reuseV8Context = reuse === 'true';
  }
  return tuning;
}
