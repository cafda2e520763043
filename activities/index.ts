// All of duban's I/O, built from its dependencies so tests pass real local peers in.
import { ApplicationFailure } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { DeliveryResult, DubanActivities } from '../src/activityTypes.js';
import { findUnit, unitSnapshot, type Directory, type Person } from '../src/directory.js';
import { ledgerIdFor, shanghaiYear } from '../src/domain.js';
import { ErrorType } from '../src/errors.js';
import { addLedgerEntrySignal, type LedgerEntry } from '../src/messages.js';
import { AUDIENCE, notificationTitle, renderNotification, type NotifyRequest } from '../src/notifications.js';
import { writeOutbox } from './outbox.js';

export interface ActivityDeps {
  /** Read at each call, so directory edits reach open cases' next messages. */
  directory: () => Directory;
  client: Client;
  taskQueue: string;
  outboxDir: string;
  log?: (line: string) => void;
}

export function recipientsFor(directory: Directory, request: NotifyRequest): Person[] {
  const roles = AUDIENCE[request.event];
  const unit = findUnit(directory, request.unitId);
  const people = [...(unit?.people ?? []), ...directory.supervisors];
  return people.filter((p) => roles.includes(p.role));
}

export function createActivities(deps: ActivityDeps): DubanActivities {
  const log = deps.log ?? ((line: string) => console.log(line));
  return {
    async notify(request) {
      const directory = deps.directory();
      const text = renderNotification(request);
      const title = notificationTitle(request.event);
      const deliveries: DeliveryResult[] = [];
      for (const person of recipientsFor(directory, request)) {
        const idempotencyKey = `${request.caseId}|${request.key}|${person.id}|outbox`;
        const written = await writeOutbox(deps.outboxDir, {
          idempotencyKey,
          caseId: request.caseId,
          event: request.event,
          recipientId: person.id,
          recipientRole: person.role,
          title,
          text,
          writtenAt: new Date().toISOString(),
        });
        // Log ids only: message texts stay in the outbox.
        log(`outbox ${written ? 'wrote' : 'skipped duplicate'} ${request.event} case=${request.caseId} to=${person.id}`);
        deliveries.push({ recipientId: person.id, channel: 'outbox', status: written ? 'accepted' : 'duplicate' });
      }
      return { deliveries };
    },

    lookupUnit(unitId) {
      const unit = findUnit(deps.directory(), unitId);
      if (!unit) throw ApplicationFailure.create({ type: ErrorType.UnknownUnit, message: `unknown unit ${unitId}`, nonRetryable: true });
      return Promise.resolve(unitSnapshot(unit));
    },

    async recordLedgerEntry(entry: LedgerEntry) {
      const year = shanghaiYear(Date.parse(entry.at));
      await deps.client.workflow.signalWithStart('unitYearLedger', {
        workflowId: ledgerIdFor(entry.unitId, year),
        taskQueue: deps.taskQueue,
        args: [{ unitId: entry.unitId, year }],
        signal: addLedgerEntrySignal,
        signalArgs: [entry],
      });
    },
  };
}
