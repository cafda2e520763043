// All of duban's I/O, built from its dependencies so tests pass real local peers in.
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { ArrivalLinkConfig } from '../src/arrivalLink.js';
import type { DubanActivities } from '../src/activityTypes.js';
import type { Records } from '../src/records/index.js';
import { sendKeyStore } from '../src/records/sendKeys.js';
import { documentLoader } from '../src/records/documents.js';
import { findUnit, unitSnapshot, type Directory } from '../src/directory.js';
import { shanghaiYear } from '../src/domain.js';
import { ErrorType } from '../src/errors.js';
import { LedgerRefusal, recordDeduction } from '../src/records/ledger.js';
import type { LedgerEntry } from '../src/messages.js';
import { createChannels, type ChannelConfig, type ChannelSet } from './channels/index.js';
import { TransientDeliveryError, deliver } from './channels/deliver.js';
import { createCircularActivities } from './circular.js';
import { createDocumentActivities } from './documents.js';
import { recordCase, recordCaseView } from '../src/records/cases.js';
import { monthlyCalendarYears, monthlyRoundInputs, type MonthlyRoundResult } from '../src/duties/monthlyObligation.js';
import { startMonthlyCase } from '../src/duties/monthlyIntake.js';
import { sliceCalendar, type HolidayCalendar } from '../src/deadlines/calendar.js';
import { DEFAULT_OVERRIDES_PATH, loadHolidayCalendar } from '../src/deadlines/calendarData.js';
import { ROOT } from '../src/config.js';
import { join } from 'node:path';
import { countRecordSteps, countViewSteps } from '../src/metrics.js';

export { recipientsFor } from './channels/deliver.js';

/** Retryable failure type of notify: a provider was down, slow or throttling (Temporal retries with backoff). */
export const DELIVERY_UNAVAILABLE = 'DeliveryUnavailable';

export interface ActivityDeps {
  /** Read at each call, so directory edits reach open cases' next messages. */
  directory: () => Directory;
  client: Client;
  taskQueue: string;
  /** The store of record (PostgreSQL): ledger, documents, case facts, send keys. */
  records: Records;
  outboxDir: string;
  /** Official documents go to dataDir/documents, circulars to dataDir/circulars. Default: the outbox's parent (data/). */
  dataDir?: string;
  log?: (line: string) => void;
  /** SMS, e-mail and robot credentials (activities/channels/index.ts channelConfigFromEnv); absent: everything goes to the outbox. */
  channels?: ChannelConfig;
  /** Or channels built by the caller (createChannels), who then closes them (the SMTP pool) when the worker stops. */
  channelSet?: ChannelSet;
  /** Signed arrival links in alerts to leaders (src/arrivalLink.ts); absent: no links. */
  arrivalLinks?: ArrivalLinkConfig;
  /** After this many attempts a channel that keeps failing transiently is given up for the person's next one. Default 6. */
  transientFallbackAttempt?: number;
  /** The holiday calendar monthly rounds pin; read at each round. Default: the bundled data with config/calendar.overrides.json. */
  calendar?: () => HolidayCalendar;
}

const RECORD_RIDE_WAIT_MS = 1000;

export function createActivities(deps: ActivityDeps): DubanActivities {
  const log = deps.log ?? ((line: string) => console.log(line));
  const channels = deps.channelSet ?? createChannels(deps.channels ?? {}, deps.outboxDir, { loadDocument: documentLoader(deps.records) });
  return {
    ...createDocumentActivities(deps),
    ...createCircularActivities(deps),
    async notify(request) {
      const ctx = Context.current();
      // Keep the heartbeat going while a slow provider answers; each checkpoint carries the progress so far.
      let latest: unknown = ctx.info.heartbeatDetails;
      const beat = ctx.info.heartbeatTimeoutMs ? setInterval(() => ctx.heartbeat(latest), Math.max(200, ctx.info.heartbeatTimeoutMs / 3)) : undefined;
      if (request.record) countRecordSteps(request.record);
      // The record is written beside the sends; a database that is slow or down never holds them back.
      const recording = request.record
        ? recordCase(deps.records, request.record).then(
            () => true,
            (err: unknown) => {
              log(`case=${request.caseId} record not written with notify ${request.key}: ${(err as Error).message}; the workflow records it again`);
              return false;
            },
          )
        : undefined;
      try {
        const result = await deliver(request, {
          directory: deps.directory(),
          channels,
          // Shared by every worker host: a message a provider accepted is not sent again by another attempt.
          sendKeys: sendKeyStore(deps.records.db),
          ...(deps.arrivalLinks ? { links: deps.arrivalLinks } : {}),
          log,
          prior: ctx.info.heartbeatDetails,
          checkpoint: (progress) => {
            latest = progress;
            ctx.heartbeat(progress);
          },
          throwIfCancelled: () => {
            const signal = ctx.cancellationSignal;
            if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new CancelledFailure('cancelled');
          },
          attempt: ctx.info.attempt,
          transientFallbackAttempt: deps.transientFallbackAttempt ?? 6,
        });
        if (!recording) return result;
        // Waited for at most a second after the sends: a record still pending is written again by the workflow.
        const recorded = await Promise.race([recording, new Promise<false>((r) => setTimeout(() => r(false), RECORD_RIDE_WAIT_MS).unref())]);
        return { ...result, recorded };
      } catch (err) {
        if (err instanceof TransientDeliveryError) {
          throw ApplicationFailure.create({ type: DELIVERY_UNAVAILABLE, message: err.message, details: [{ channel: err.channel, code: err.code ?? null }] });
        }
        throw err;
      } finally {
        if (beat) clearInterval(beat);
      }
    },

    async recordCase(view) {
      countViewSteps(view);
      await recordCaseView(deps.records, view);
    },

    async recordCaseRecord(record) {
      countRecordSteps(record);
      await recordCase(deps.records, record);
    },

    async openMonthlyCases({ round, period, registeredAt }) {
      const [from, to] = monthlyCalendarYears(period);
      const calendar = sliceCalendar(deps.calendar?.() ?? loadHolidayCalendar(join(ROOT, DEFAULT_OVERRIDES_PATH)), from, to);
      const result: MonthlyRoundResult = { obligation: round.obligation, period, started: [], existing: [] };
      for (const input of monthlyRoundInputs(round, period, { units: deps.directory().units.map((u) => unitSnapshot(u)), calendar }, registeredAt)) {
        Context.current().heartbeat(result.started.length + result.existing.length);
        const created = await startMonthlyCase(deps.client, deps.taskQueue, input);
        result[created.created ? 'started' : 'existing'].push(created.caseId);
      }
      return result;
    },

    lookupUnit(unitId) {
      const unit = findUnit(deps.directory(), unitId);
      if (!unit) throw ApplicationFailure.create({ type: ErrorType.UnknownUnit, message: `unknown unit ${unitId}`, nonRetryable: true });
      return Promise.resolve(unitSnapshot(unit));
    },

    async recordLedgerEntry(entry: LedgerEntry) {
      const year = shanghaiYear(Date.parse(entry.at));
      try {
        await recordDeduction(deps.records, { unitId: entry.unitId, year }, entry);
      } catch (err) {
        // A refusal is final (a closed year is recorded by the case as ledgerRefused); a database outage is thrown as is, for Temporal to retry.
        if (err instanceof LedgerRefusal) throw ApplicationFailure.create({ type: err.type, message: err.message, nonRetryable: true, details: [err.issues] });
        throw err;
      }
    },
  };
}
