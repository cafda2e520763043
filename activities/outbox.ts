// The local outbox channel: one JSON file per message under data/outbox, written once per idempotency key.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface OutboxMessage {
  idempotencyKey: string;
  caseId: string;
  event: string;
  recipientId: string;
  recipientRole: string;
  title: string;
  text: string;
  writtenAt: string;
}

export function outboxFileName(idempotencyKey: string): string {
  return `${idempotencyKey.replace(/[^A-Za-z0-9._-]+/g, '_')}.json`;
}

/** Returns false when the message was already written (a retry), true when written now. */
export async function writeOutbox(dir: string, message: OutboxMessage): Promise<boolean> {
  await mkdir(dir, { recursive: true });
  try {
    await writeFile(join(dir, outboxFileName(message.idempotencyKey)), JSON.stringify(message, null, 2), { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}
