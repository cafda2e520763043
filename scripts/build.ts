// `make build`: compiles duban to JavaScript in dist/ (tsconfig.build.json), copies what the code reads at run time
// (migrations, the board's assets, config/), and prebuilds the workflow bundles the worker loads (dist/workflow-bundle.js,
// and dist/workflow-bundle.tracing.js with OpenTelemetry's workflow interceptors).
// Usage: npx tsx scripts/build.ts [--out-dir <dir>]   (default dist/)
import { bundleWorkflowCode } from '@temporalio/worker';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { ROOT } from '../src/config.js';
import { failureConverterPath } from '../src/codec.js';
import { workflowInterceptorsPath, workflowsPath } from '../worker.js';

export const WORKFLOW_BUNDLE = 'workflow-bundle.js';
/** The same with OpenTelemetry's workflow interceptors, for a worker with tracing on (src/workflowSource.ts picks it). */
export const TRACING_WORKFLOW_BUNDLE = 'workflow-bundle.tracing.js';
/** Compiled trees whose non-TypeScript files (SQL, CSS, JS assets) the code reads beside itself. */
const SOURCE_TREES = ['src', 'activities', 'workflows'];
/** Development-only files left out of the build: the fake API keys (production needs DUBAN_API_KEYS_FILE anyway). */
const LEFT_OUT = new Set(['config/api-keys.dev.json']);

const requireHere = createRequire(import.meta.url);

function outDirFromArgs(argv: string[]): string {
  const i = argv.indexOf('--out-dir');
  if (i === -1) return join(ROOT, 'dist');
  const dir = argv[i + 1];
  if (!dir) throw new Error('--out-dir needs a directory');
  return resolve(dir);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

export async function build(outDir: string): Promise<void> {
  const started = Date.now();
  rmSync(outDir, { recursive: true, force: true });
  const tsc = requireHere.resolve('typescript/bin/tsc');
  const compiled = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', outDir], { cwd: ROOT, stdio: 'inherit' });
  if (compiled.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed (exit ${compiled.status ?? compiled.signal})`);
  for (const tree of SOURCE_TREES) {
    for (const file of filesUnder(join(ROOT, tree))) {
      if (file.endsWith('.ts')) continue;
      mkdirSync(join(outDir, relative(ROOT, file), '..'), { recursive: true });
      cpSync(file, join(outDir, relative(ROOT, file)));
    }
  }
  // The SDK require()s the failure converter by path (src/codec.ts names failureConverter.ts); the file is plain JavaScript by design.
  cpSync(failureConverterPath, join(outDir, relative(ROOT, failureConverterPath)));
  // config/ beside dist's ROOT: the default policy and the sample directory, as in the source tree.
  cpSync(join(ROOT, 'config'), join(outDir, 'config'), { recursive: true, filter: (src) => !LEFT_OUT.has(relative(ROOT, src)) });
  // The interceptors and the failure converter must be in the bundle: a worker given a bundle ignores its own.
  const { code } = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules: [workflowInterceptorsPath], failureConverterPath });
  writeFileSync(join(outDir, WORKFLOW_BUNDLE), code);
  // The tracing plugin's workflow interceptors need its span sink, which only a worker with tracing on has: a bundle of their own.
  const tracing = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules: [workflowInterceptorsPath, requireHere.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')], failureConverterPath });
  writeFileSync(join(outDir, TRACING_WORKFLOW_BUNDLE), tracing.code);
  console.log(`built ${outDir} (compiled JavaScript, ${WORKFLOW_BUNDLE} ${(code.length / 1e6).toFixed(1)} MB, ${TRACING_WORKFLOW_BUNDLE} ${(tracing.code.length / 1e6).toFixed(1)} MB) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

await build(outDirFromArgs(process.argv.slice(2))).catch((err: unknown) => {
  console.error((err as Error).message);
  process.exit(1);
});
