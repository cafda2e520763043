// The office-year register of 催办单 / 督办单 numbers: gapless, unique, idempotent by key; continues as new when large.
import { allHandlersFinished, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import { parseOrReject } from '../src/errors.js';
import {
  documentNumberRequestSchema,
  documentRegisterQuery,
  issueDocumentNumberUpdate,
  type DocumentRegisterInput,
  type DocumentRegisterView,
  type IssuedNumber,
} from '../src/messages.js';

/** Well below Temporal's limits: each issued number costs a few events (update accepted, completed). */
const MAX_HISTORY_EVENTS = 2000;

export async function documentRegister(input: DocumentRegisterInput): Promise<void> {
  let lastNumber = input.lastNumber ?? 0;
  const issued: Record<string, number> = { ...(input.issued ?? {}) };

  const view = (): DocumentRegisterView => ({ officeId: input.officeId, year: input.year, lastNumber, issued });

  setHandler(documentRegisterQuery, view);
  setHandler(
    issueDocumentNumberUpdate,
    (raw): Promise<IssuedNumber> => {
      const { key } = documentNumberRequestSchema.parse(raw);
      const known = issued[key];
      // A retry (the activity's, or a second call after continue-as-new) gets its number again: no gap, no duplicate.
      if (known !== undefined) return Promise.resolve({ key, officeId: input.officeId, year: input.year, number: known, repeated: true });
      lastNumber += 1;
      issued[key] = lastNumber;
      return Promise.resolve({ key, officeId: input.officeId, year: input.year, number: lastNumber, repeated: false });
    },
    {
      validator: (raw) => {
        parseOrReject(documentNumberRequestSchema, raw);
      },
    },
  );

  await condition(() => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > MAX_HISTORY_EVENTS);
  await condition(allHandlersFinished);
  await continueAsNew<typeof documentRegister>({ officeId: input.officeId, year: input.year, lastNumber, issued });
}
