// duban's logger (pino): personal data never reaches a log line. Fields that hold it are redacted by name, and every
// string (messages, error messages, stacks, nested values) has phone numbers, e-mail addresses and ID numbers masked.
// Names and matter texts cannot be recognised inside free text: code logs IDs, never such values (see docs/security.md).
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';

/** Field paths redacted wherever a log call passes them (top level and one level down). */
const PERSONAL_FIELDS = ['name', 'phone', 'email', 'mobile', 'matterSummary', 'receptionSite', 'text', 'note', 'result', 'reason', 'title'];
export const REDACT_PATHS = PERSONAL_FIELDS.flatMap((f) => [f, `*.${f}`]);

/** Fields masked at any depth by the serializer (names unambiguous enough to hunt for below the first level). */
const DEEP_FIELDS = new Set(['phone', 'email', 'mobile', 'matterSummary', 'receptionSite']);

export const REDACTED = '[redacted]';

const MASKS: [RegExp, string][] = [
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, '[email]'],
  // E.164 (+8613800000101), also written with spaces or dashes (+86 138-0000-0101).
  [/\+[1-9](?:[\s-]?\d){6,14}/g, '[phone]'],
  // Resident ID numbers (18 characters), before mobiles so their digits are not half masked.
  [/(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])/g, '[id-number]'],
  // Mainland mobile numbers without the country code.
  [/(?<!\d)1[3-9]\d{9}(?!\d)/g, '[phone]'],
];

/** Masks phone numbers, e-mail addresses and ID numbers in a string. */
export function maskPersonalData(value: string): string {
  let out = value;
  for (const [pattern, replacement] of MASKS) out = out.replace(pattern, replacement);
  return out;
}

function scrub(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return maskPersonalData(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return scrub(stdSerializers.err(value), depth, seen);
  if (seen.has(value) || depth > 8) return '[…]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1, seen));
  if (value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = DEEP_FIELDS.has(k) ? REDACTED : scrub(v, depth + 1, seen);
  return out;
}

/** The serializer applied to every object logged: masks strings at any depth, redacts personal fields by name. */
export function scrubPersonalData<T>(value: T): T {
  return scrub(value, 0, new WeakSet()) as T;
}

export interface LoggerOptions {
  /** Default stdout; tests pass a stream that records lines. */
  destination?: DestinationStream;
  /** Default DUBAN_LOG_LEVEL or info. */
  level?: string;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      // No `name` field: it would be redacted with personal `name` fields.
      base: { pid: process.pid, service: 'duban' },
      level: options.level ?? process.env.DUBAN_LOG_LEVEL ?? 'info',
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      serializers: { err: (err: unknown) => scrubPersonalData(err instanceof Error ? stdSerializers.err(err) : err) },
      formatters: { log: (object) => scrubPersonalData(object) },
      hooks: {
        logMethod(args, method) {
          // logger.error(err) would print err.message as the line's message unmasked: pass it as a field instead.
          const [first, ...rest] = args as unknown[];
          const normalized = first instanceof Error ? [{ err: first }, ...(rest.length > 0 ? rest : [first.message])] : args;
          // The message and its printf-style arguments; objects are scrubbed by formatters.log.
          const masked = normalized.map((a) => (typeof a === 'string' ? maskPersonalData(a) : a)) as Parameters<typeof method>;
          method.apply(this, masked);
        },
      },
    },
    options.destination ?? pino.destination({ sync: true }),
  );
}

/** The process logger. */
export const logger: Logger = createLogger();

/** The `log` dependency of createActivities: one pino line per call, at info, masked. */
export function activityLog(target: Logger = logger): (line: string) => void {
  const child = target.child({ component: 'activities' });
  return (line) => child.info(line);
}

/** Temporal's Runtime logger (worker, workflow sandbox and core lines) on top of pino, with the same redaction. */
export class PinoTemporalLogger implements TemporalLogger {
  constructor(private readonly target: Logger = logger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const method = ({ TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const)[level];
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(meta ?? {})) fields[k === 'error' || k === 'failure' ? 'err' : k] = v;
    this.target[method]({ component: 'temporal', ...fields }, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/**
 * Installs Temporal's Runtime with its logs on pino: the SDK's own lines and, forwarded, the Rust core's lines (at
 * `coreLevel` and above). Call once per process, before any connection or worker is created.
 */
export function installTemporalLogging(target: Logger = logger, coreLevel: LogLevel = 'WARN'): void {
  Runtime.install({
    logger: new PinoTemporalLogger(target),
    telemetryOptions: { logging: { forward: {}, filter: makeTelemetryFilterString({ core: coreLevel, other: 'ERROR' }) } },
  });
}
