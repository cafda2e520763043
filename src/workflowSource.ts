// Where a worker takes its workflow code from: a bundle prebuilt by scripts/build.ts (dist/, the image), or the
// workflow sources bundled at start (tsx, tests). A prebuilt bundle already holds the workflow interceptors.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Beside the compiled modules: dist/src/workflowSource.js → dist/workflow-bundle.js (absent in the source tree). */
export const defaultWorkflowBundlePath = fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));

/** Tracing is on when an OTLP endpoint is set, as src/metrics/tracing.ts (tracingFromEnv) decides. */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim());
}

/** The bundle with OpenTelemetry's workflow interceptors beside a bundle: workflow-bundle.js → workflow-bundle.tracing.js. */
export const tracingBundlePath = (bundlePath: string): string => bundlePath.replace(/\.js$/, '.tracing.js');

export type WorkflowSource =
  | { workflowBundle: { codePath: string } }
  | { workflowsPath: string; interceptors: { workflowModules: string[] } };

/**
 * DUBAN_WORKFLOW_BUNDLE (must exist), else the default bundle when it exists — its tracing twin when tracing is on and the
 * twin exists —, else the sources: workflowsPath with the interceptor modules bundled at start (the tracing plugin then
 * adds its own). A source path ending in .ts that is missing (compiled code) falls back to .js.
 */
export function workflowSource(workflowsPath: string, interceptorModules: string[], env: NodeJS.ProcessEnv = process.env, bundlePath = defaultWorkflowBundlePath): WorkflowSource {
  const configured = env.DUBAN_WORKFLOW_BUNDLE?.trim();
  if (configured) {
    const codePath = resolve(configured);
    if (!existsSync(codePath)) throw new Error(`DUBAN_WORKFLOW_BUNDLE ${codePath} does not exist (build it with 'make build')`);
    return { workflowBundle: { codePath } };
  }
  if (existsSync(bundlePath)) {
    const tracing = tracingBundlePath(bundlePath);
    return { workflowBundle: { codePath: tracingRequested(env) && existsSync(tracing) ? tracing : bundlePath } };
  }
  const source = (path: string): string => (path.endsWith('.ts') && !existsSync(path) ? `${path.slice(0, -3)}.js` : path);
  return { workflowsPath: source(workflowsPath), interceptors: { workflowModules: interceptorModules.map(source) } };
}
