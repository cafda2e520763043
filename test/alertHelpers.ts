// Real protocol peers on loopback for the alert tests and the benchmark: an SMTP server (smtp-server, read back with
// mailparser), an HTTP server answering as Twilio's Messages API does, chat-robot webhook receivers, Prism serving
// Twilio's own OpenAPI description, and a worker harness whose activities use them.
import type { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { simpleParser, type ParsedMail } from 'mailparser';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import twilio from 'twilio';
import { createActivities } from '../activities/index.js';
import type { ChannelConfig } from '../activities/channels/index.js';
import type { ArrivalLinkConfig } from '../src/arrivalLink.js';
import { ROOT } from '../src/config.js';
import type { Directory } from '../src/directory.js';
import { smsSegments } from '../src/notifications.js';
import { ensureNamespace } from '../src/temporal.js';
import { workflowsPath } from '../worker.js';
import type { Records } from '../src/records/index.js';
import { freshRecords } from './db.js';
import { TWILIO_FROM, TWILIO_SID, TWILIO_TOKEN } from './alertFixtures.js';

export { INVALID_NUMBER, TWILIO_FROM, TWILIO_SID, TWILIO_TOKEN, alertDirectory } from './alertFixtures.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

import { freePort } from '../src/net.js';
export { freePort };

function listen(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

import { until } from './helpers.js';
export { until };

// --- SMTP -------------------------------------------------------------------------------------------------------

export interface ReceivedMail {
  envelopeFrom: string;
  envelopeTo: string[];
  raw: string;
  parsed: ParsedMail;
}

export interface SmtpPeer {
  port: number;
  mails: ReceivedMail[];
  /** Called with each message after it was read and before the server answers 250: a slow peer awaits here. */
  beforeAccept?: (mail: ReceivedMail) => Promise<void> | void;
  /** Addresses answered with 550 at RCPT TO. */
  rejectRecipients: Set<string>;
  /** Addresses answered with 451 (try again later) at RCPT TO. */
  deferRecipients: Set<string>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A real SMTP server on loopback (no TLS, no auth required). stop() then start() brings it back on the same port. */
export async function startSmtpPeer(port?: number): Promise<SmtpPeer> {
  let server: SMTPServer | undefined;
  const peer: SmtpPeer = {
    port: port ?? (await freePort()),
    mails: [],
    rejectRecipients: new Set(),
    deferRecipients: new Set(),
    async start() {
      server = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS'],
        logger: false,
        closeTimeout: 200, // stop() must not wait for the client's pooled connections
        size: 1024 * 1024,
        onRcptTo(address, _session, callback) {
          if (peer.rejectRecipients.has(address.address)) {
            const err = Object.assign(new Error('5.1.1 No such user here'), { responseCode: 550 });
            callback(err);
            return;
          }
          if (peer.deferRecipients.has(address.address)) {
            callback(Object.assign(new Error('4.7.1 Try again later'), { responseCode: 451 }));
            return;
          }
          callback();
        },
        onData(stream, session, callback) {
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            const raw = Buffer.concat(chunks).toString('utf8');
            simpleParser(raw)
              .then(async (parsed) => {
                const mail: ReceivedMail = {
                  envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                  envelopeTo: session.envelope.rcptTo.map((r) => r.address),
                  raw,
                  parsed,
                };
                await peer.beforeAccept?.(mail);
                peer.mails.push(mail);
                callback();
              })
              .catch((err: Error) => callback(err));
          });
        },
      });
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(peer.port, '127.0.0.1', () => resolve());
      });
    },
    async stop() {
      const s = server;
      server = undefined;
      if (s) await new Promise<void>((r) => s.close(() => r()));
    },
  };
  await peer.start();
  return peer;
}

// --- Twilio Messages API ----------------------------------------------------------------------------------------

export interface TwilioRequest {
  n: number;
  method: string;
  path: string;
  accountSid: string;
  authorized: boolean;
  form: Record<string, string>;
  /** What the peer answered. */
  status: number;
  sid?: string;
  at: number;
}

export interface TwilioReply {
  status: number;
  body: unknown;
  delayMs?: number;
}

export interface TwilioPeer {
  port: number;
  baseUrl: string;
  requests: TwilioRequest[];
  /** Accepted messages (201), in order. */
  accepted(): TwilioRequest[];
  /** Decides the answer to a request; undefined → 201 with a Message resource. Tests replace it. */
  respond: (req: TwilioRequest) => TwilioReply | undefined;
  /** When set, each accepted message with a StatusCallback gets a signed 'delivered' callback (as Twilio sends). */
  deliverCallbacks: boolean;
  callbackResults: { url: string; status: number; body: string }[];
  close(): Promise<void>;
}

export function twilioError(status: number, code: number, message: string): TwilioReply {
  return { status, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } };
}

/** The Message resource as Twilio documents it for POST …/Messages.json (201). */
export function twilioMessageResource(accountSid: string, sid: string, form: Record<string, string>): Record<string, unknown> {
  const now = new Date().toUTCString().replace('GMT', '+0000');
  return {
    account_sid: accountSid,
    api_version: '2010-04-01',
    body: form.Body ?? '',
    date_created: now,
    date_sent: null,
    date_updated: now,
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from: form.From ?? null,
    messaging_service_sid: form.MessagingServiceSid ?? null,
    num_media: '0',
    num_segments: String(smsSegments(form.Body ?? '').segments),
    price: null,
    price_unit: null,
    sid,
    status: form.MessagingServiceSid ? 'accepted' : 'queued',
    subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}/Media.json` },
    to: form.To ?? '',
    uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
  };
}

export async function startTwilioPeer(): Promise<TwilioPeer> {
  const requests: TwilioRequest[] = [];
  const expectedAuth = 'Basic ' + Buffer.from(`${TWILIO_SID}:${TWILIO_TOKEN}`).toString('base64');
  const peer: TwilioPeer = {
    port: 0,
    baseUrl: '',
    requests,
    accepted: () => requests.filter((r) => r.status === 201),
    respond: () => undefined,
    deliverCallbacks: false,
    callbackResults: [],
    close: () => Promise.resolve(),
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const body = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://localhost');
      const m = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(url.pathname);
      const form: Record<string, string> = {};
      for (const [k, v] of new URLSearchParams(body)) form[k] = v;
      const record: TwilioRequest = {
        n: requests.length + 1,
        method: req.method ?? '',
        path: url.pathname,
        accountSid: m?.[1] ?? '',
        authorized: req.headers.authorization === expectedAuth,
        form,
        status: 0,
        at: Date.now(),
      };
      requests.push(record);
      let reply: TwilioReply;
      if (!m || req.method !== 'POST') reply = twilioError(404, 20404, 'The requested resource was not found');
      else if (!record.authorized) reply = twilioError(401, 20003, 'Authenticate');
      else if (!form.To) reply = twilioError(400, 21604, "A 'To' phone number is required.");
      else if (!form.From && !form.MessagingServiceSid) reply = twilioError(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required.");
      else {
        const scripted = peer.respond(record);
        // A scripted 201 without a body (e.g. only a delay) gets the Message resource like an unscripted one.
        if (scripted && !(scripted.status === 201 && scripted.body === undefined)) reply = scripted;
        else {
          const sid = 'SM' + randomBytes(16).toString('hex');
          record.sid = sid;
          reply = { status: 201, body: twilioMessageResource(record.accountSid, sid, form), ...(scripted?.delayMs ? { delayMs: scripted.delayMs } : {}) };
        }
      }
      if (reply.delayMs) await sleep(reply.delayMs);
      record.status = reply.status;
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply.body));
      if (reply.status === 201 && record.sid && form.StatusCallback && peer.deliverCallbacks) {
        const params = { AccountSid: record.accountSid, ApiVersion: '2010-04-01', From: form.From ?? '', MessageSid: record.sid, MessageStatus: 'delivered', SmsSid: record.sid, SmsStatus: 'delivered', To: form.To ?? '' };
        const signature = twilio.getExpectedTwilioSignature(TWILIO_TOKEN, form.StatusCallback, params);
        const r = await fetch(form.StatusCallback, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
          body: new URLSearchParams(params).toString(),
        });
        peer.callbackResults.push({ url: form.StatusCallback, status: r.status, body: await r.text() });
      }
    })().catch((err: unknown) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  peer.port = await listen(server);
  peer.baseUrl = `http://127.0.0.1:${peer.port}`;
  peer.close = () => new Promise<void>((r) => server.close(() => r()));
  return peer;
}

// --- chat robots ------------------------------------------------------------------------------------------------

export interface WebhookHit {
  path: string;
  query: Record<string, string>;
  body: unknown;
  contentType: string;
}

export interface WebhookPeer {
  url: (path: string) => string;
  hits: WebhookHit[];
  respond: (hit: WebhookHit) => { status: number; body: unknown };
  close(): Promise<void>;
}

export async function startWebhookPeer(): Promise<WebhookPeer> {
  const hits: WebhookHit[] = [];
  const peer: WebhookPeer = { url: () => '', hits, respond: () => ({ status: 200, body: { errcode: 0, errmsg: 'ok' } }), close: () => Promise.resolve() };
  const server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const hit: WebhookHit = { path: url.pathname, query: Object.fromEntries(url.searchParams), body: JSON.parse(raw) as unknown, contentType: req.headers['content-type'] ?? '' };
      hits.push(hit);
      const { status, body } = peer.respond(hit);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  const port = await listen(server);
  peer.url = (path) => `http://127.0.0.1:${port}${path}`;
  peer.close = () => new Promise<void>((r) => server.close(() => r()));
  return peer;
}

// --- Prism: Twilio's own OpenAPI description as a validating mock ------------------------------------------------

export interface PrismPeer {
  baseUrl: string;
  output: () => string;
  stop(): Promise<void>;
}

async function waitForPort(port: number, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`prism exited with ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(200);
  }
  throw new Error(`prism did not listen on ${port} within ${timeoutMs} ms`);
}

export async function startPrism(): Promise<PrismPeer> {
  const port = await freePort();
  const spec = join(ROOT, 'test/contracts/twilio_api_v2010.json');
  const child = spawn(join(ROOT, 'node_modules/.bin/prism'), ['mock', '-h', '127.0.0.1', '-p', String(port), spec], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  try {
    await waitForPort(port, 60_000, child);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${out}`);
  }
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

// --- directory and worker ---------------------------------------------------------------------------------------

export function channelConfigFor(peers: { smtp?: SmtpPeer; twilio?: TwilioPeer; statusCallbackBase?: string }): ChannelConfig {
  return {
    ...(peers.twilio
      ? { twilio: { accountSid: TWILIO_SID, authToken: TWILIO_TOKEN, from: TWILIO_FROM, apiBaseUrl: peers.twilio.baseUrl, timeoutMs: 5000, ...(peers.statusCallbackBase ? { statusCallbackBase: peers.statusCallbackBase } : {}) } }
      : {}),
    ...(peers.smtp ? { smtp: { host: '127.0.0.1', port: peers.smtp.port, secure: false, from: '督办系统 <duban@xfb.example.cn>', timeoutMs: 5000 } } : {}),
  };
}

export interface AlertWorker {
  worker: Worker;
  running: Promise<void>;
  logs: string[];
  outboxDir: string;
  /** The store of record its activities use (send keys). */
  records: Records;
  /** Shuts the worker down and waits until it stopped. */
  stop(): Promise<void>;
}

export interface AlertWorkerOptions {
  taskQueue: string;
  /** Read at each notify, so a test may swap it. */
  directory: () => Directory;
  channels: ChannelConfig;
  arrivalLinks?: ArrivalLinkConfig;
  outboxDir?: string;
  shutdownGraceTime?: string;
  /** The database to use (another host's, to share its send keys); default one per environment. */
  records?: Records;
}

/** A real worker (the production workflows and activities) whose channels point at the local peers. */
const prepared = new WeakSet<TestWorkflowEnvironment>();
const recordsByEnv = new WeakMap<TestWorkflowEnvironment, Records>();

export async function startAlertWorker(env: TestWorkflowEnvironment, options: AlertWorkerOptions): Promise<AlertWorker> {
  if (!prepared.has(env)) {
    await ensureNamespace(env.connection, env.namespace ?? 'default');
    prepared.add(env);
  }
  // One database per environment: a restarted worker finds the send keys its predecessor recorded.
  let records = options.records ?? recordsByEnv.get(env);
  if (!records) recordsByEnv.set(env, (records = await freshRecords()));
  const logs: string[] = [];
  const outboxDir = options.outboxDir ?? mkdtempSync(join(tmpdir(), 'duban-alerts-outbox-'));
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue: options.taskQueue,
    workflowsPath,
    activities: createActivities({
      directory: options.directory,
      client: env.client,
      records,
      taskQueue: options.taskQueue,
      outboxDir,
      dataDir: mkdtempSync(join(tmpdir(), 'duban-alerts-data-')),
      log: (l) => logs.push(l),
      channels: options.channels,
      ...(options.arrivalLinks ? { arrivalLinks: options.arrivalLinks } : {}),
    }),
    ...(options.shutdownGraceTime ? { shutdownGraceTime: options.shutdownGraceTime } : {}),
    maxHeartbeatThrottleInterval: '1s', // as createDubanWorker (worker.ts)
  });
  const running = worker.run();
  return {
    worker,
    running,
    logs,
    outboxDir,
    records,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}

export const ARRIVAL_SECRET = createHash('sha256').update('duban alert tests').digest('base64');

/** Attempts of each notify activity in a history (the workflow's record activities are left out). */
export function notifyAttemptsIn(history: temporal.api.history.v1.IHistory): number[] {
  const events = history.events ?? [];
  const notify = new Set(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'notify').map((e) => String(e.eventId)));
  return events.filter((e) => e.activityTaskStartedEventAttributes && notify.has(String(e.activityTaskStartedEventAttributes.scheduledEventId))).map((e) => e.activityTaskStartedEventAttributes!.attempt ?? 0);
}

/** A duban worker in a process of its own (test/alertWorkerProcess.ts), for tests that SIGKILL it. */
export interface WorkerProcess {
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** SIGKILL, resolved once the process has exited. */
  kill(): Promise<void>;
}

export async function spawnWorkerProcess(env: TestWorkflowEnvironment, taskQueue: string, peers: { twilio: TwilioPeer; smtp: SmtpPeer }, databaseUrl: string): Promise<WorkerProcess> {
  let out = '';
  // node itself (not the tsx wrapper, whose child would survive the kill) runs the worker.
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/alertWorkerProcess.ts')], {
    cwd: ROOT,
    env: { ...process.env, ALERT_TEMPORAL_ADDRESS: env.address, ALERT_TASK_QUEUE: taskQueue, ALERT_TWILIO_BASE: peers.twilio.baseUrl, ALERT_SMTP_PORT: String(peers.smtp.port), ALERT_DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  await until('the worker process', () => out, (o) => o.includes('worker ready'), 60_000);
  return {
    child,
    output: () => out,
    async kill() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
  };
}
