// OpenTelemetry traces of the worker (docs/observability.md): off unless an OTLP endpoint is configured; then the
// Temporal interceptors' spans (workflow, activities) go by OTLP/HTTP to OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT.
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';

export interface Tracing {
  /** Given to the NativeConnection: every Worker built on it takes the interceptors and the workflow span sink. */
  plugin: OpenTelemetryPlugin;
  /** The OTLP endpoint spans go to (without credentials). */
  endpoint: string;
  /** Sends what is still buffered, then stops. */
  shutdown(): Promise<void>;
}

/** Tracing when OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT is set, else undefined (the default: no exporter). */
export function tracingFromEnv(service: string, env: NodeJS.ProcessEnv = process.env): Tracing | undefined {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!endpoint) return undefined;
  const resource = new Resource({ 'service.name': env.OTEL_SERVICE_NAME?.trim() || service });
  // The exporter reads the OTEL_EXPORTER_OTLP_* variables itself (endpoint, headers, timeout), as every OTel SDK does.
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // The activity interceptors take their tracer from the global provider, and their parent from the active context.
  provider.register({ contextManager: new AsyncLocalStorageContextManager().enable() });
  let shown = endpoint;
  try {
    const u = new URL(endpoint);
    shown = `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    // Not a URL: the exporter will say so; show it as given.
  }
  return { plugin: new OpenTelemetryPlugin({ resource, spanProcessor }), endpoint: shown, shutdown: () => provider.shutdown() };
}
