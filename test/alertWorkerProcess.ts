// A duban worker in its own process, for the crash test (test/alerts.crash.test.ts): SIGKILL ends it mid-send.
// Configuration from the environment: ALERT_TEMPORAL_ADDRESS, ALERT_TASK_QUEUE, ALERT_TWILIO_BASE, ALERT_SMTP_PORT.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDubanWorker } from '../worker.js';
import { TWILIO_FROM, TWILIO_SID, TWILIO_TOKEN, alertDirectory } from './alertFixtures.js';
import { openRecords } from '../src/records/index.js';

const address = process.env.ALERT_TEMPORAL_ADDRESS!;
const taskQueue = process.env.ALERT_TASK_QUEUE!;
const directory = alertDirectory();
const connection = await NativeConnection.connect({ address });
const client = new Client({ connection: await Connection.connect({ address }), namespace: 'default' });
const worker = await createDubanWorker({
  connection,
  namespace: 'default',
  taskQueue,
  activities: {
    directory: () => directory,
    client,
    records: await openRecords(undefined, { url: process.env.ALERT_DATABASE_URL! }),
    taskQueue,
    outboxDir: mkdtempSync(join(tmpdir(), 'duban-crash-outbox-')),
    dataDir: mkdtempSync(join(tmpdir(), 'duban-crash-data-')), // documents/ of its own, not the shared tmpdir
    log: (line) => console.log(line),
    channels: {
      twilio: { accountSid: TWILIO_SID, authToken: TWILIO_TOKEN, from: TWILIO_FROM, apiBaseUrl: process.env.ALERT_TWILIO_BASE!, timeoutMs: 30_000 },
      smtp: { host: '127.0.0.1', port: Number(process.env.ALERT_SMTP_PORT), secure: false, from: '督办系统 <duban@xfb.example.cn>' },
    },
  },
});
console.log('worker ready');
await worker.run();
