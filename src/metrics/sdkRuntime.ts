// The worker's Temporal Runtime with Core's Prometheus exporter beside the logging installTemporalLogging sets up
// (src/log.ts): Runtime.install runs once per process, so both go in the one call.
import { Runtime, makeTelemetryFilterString, type LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';
import { PinoTemporalLogger } from '../log.js';
import type { sdkMetricsFromEnv } from '../metrics.js';

/** As installTemporalLogging(target, coreLevel), plus Temporal's worker metrics on `metrics.prometheus.bindAddress`. */
export function installTemporalRuntime(target: Logger, metrics: NonNullable<ReturnType<typeof sdkMetricsFromEnv>>, coreLevel: LogLevel = 'WARN'): void {
  Runtime.install({
    logger: new PinoTemporalLogger(target),
    telemetryOptions: { logging: { forward: {}, filter: makeTelemetryFilterString({ core: coreLevel, other: 'ERROR' }) }, metrics },
  });
}
