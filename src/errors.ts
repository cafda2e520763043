// Every business error type duban raises, in one enum (pure: workflows import it).
import { ApplicationFailure } from '@temporalio/common';
import type { ZodError, ZodType } from 'zod';

export enum ErrorType {
  InvalidInput = 'InvalidInput',
  UnknownUnit = 'UnknownUnit',
  NotAllowed = 'NotAllowed',
  InvalidState = 'InvalidState',
  PolicyInvalid = 'PolicyInvalid',
  LedgerClosed = 'LedgerClosed',
  /** A 文号 already belongs to another document on disk (a register started afresh over an old data directory). */
  DocumentNumberTaken = 'DocumentNumberTaken',
  /** The office-year register of document numbers was closed (terminated): it is never started again. */
  DocumentRegisterClosed = 'DocumentRegisterClosed',
  /** The mail server refused the circular for good (bad address, relaying denied): not retried. */
  CircularMailRefused = 'CircularMailRefused',
  /** A production worker met an input that was not encrypted with a configured key (workflows/refusePlaintext.ts). */
  PlaintextRefused = 'PlaintextRefused',
}

export interface FieldIssue {
  field: string;
  message: string;
}

export function fieldIssues(error: ZodError, prefix = ''): FieldIssue[] {
  return error.issues.flatMap((i) => {
    const at = (path: (string | number)[]): string => [prefix, ...path.map(String)].filter((p) => p !== '').join('.') || '(input)';
    // An unknown field is named itself, so the caller sees which key to remove.
    if (i.code === 'unrecognized_keys') return i.keys.map((k) => ({ field: at([...i.path, k]), message: 'is not a known field' }));
    return [{ field: at(i.path), message: i.message }];
  });
}

/** A business failure that names each bad field: message "field: reason; …", details carry the list. */
export function invalidInput(issues: FieldIssue[]): ApplicationFailure {
  return ApplicationFailure.create({
    type: ErrorType.InvalidInput,
    message: issues.map((i) => `${i.field}: ${i.message}`).join('; '),
    nonRetryable: true,
    details: [issues],
  });
}

export function businessFailure(type: ErrorType, message: string, field?: string): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message: field ? `${field}: ${message}` : message,
    nonRetryable: true,
    details: field ? [[{ field, message }]] : [],
  });
}

/** Parses a workflow's input or an update's argument; a mismatch is an InvalidInput failure naming each field. */
export function parseOrReject<T>(schema: ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (!result.success) throw invalidInput(fieldIssues(result.error));
  return result.data;
}

/** Client-side counterpart of invalidInput, thrown before anything reaches Temporal. */
export class InputError extends Error {
  constructor(readonly issues: FieldIssue[]) {
    super(issues.map((i) => `${i.field}: ${i.message}`).join('; '));
    this.name = 'InputError';
  }
}
