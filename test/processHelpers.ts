// One of the repository's entry points (worker.ts, api.ts) as its own process, as `npm run worker` runs it.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../src/config.js';
import { until } from './helpers.js';

export interface ScriptProcess {
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, SIGKILL after 15 s; resolves once it has exited. */
  stop(): Promise<void>;
}

/** Starts `file` under tsx with `env`; resolves once `ready` appears in its output, throws with its output if it exits first. */
export async function startScript(file: string, env: NodeJS.ProcessEnv, ready: string): Promise<ScriptProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, file)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  await until(`the ${file} process`, () => output, (o) => o.includes(ready) || child.exitCode !== null, 60_000);
  if (child.exitCode !== null) throw new Error(`${file} exited: ${output}`);
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
