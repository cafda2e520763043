// The local outbox channel: one JSON file per message under data/outbox, named by its idempotency key. Whether a
// message goes out once is the send key's claim (src/records/sendKeys.ts); the file is what a person reads locally.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
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

/** Writes (or, when a claimed send is repeated, rewrites) the message's file; returns its name. */
export async function writeOutbox(dir: string, message: OutboxMessage): Promise<string> {
  await mkdir(dir, { recursive: true });
  const name = outboxFileName(message.idempotencyKey);
  // Written aside, then renamed: a reader of the folder never sees half a message.
  const part = join(dir, `.${name}.${randomBytes(4).toString('hex')}.part`);
  await writeFile(part, JSON.stringify(message, null, 2));
  await rename(part, join(dir, name));
  return name;
}
