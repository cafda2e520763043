// The load benchmarks' Twilio-shaped peer (the approach of test/alertHelpers.ts, kept here so the benchmark does not
// depend on test code): POST /2010-04-01/Accounts/<sid>/Messages.json, Basic auth checked, answered after a fixed
// delay with a 201 Message resource and a unique sid. Every request is recorded with the time it arrived, To, Body and
// the StatusCallback's caseId / key / recipientId (the worker sets them when DUBAN_PUBLIC_URL is set).
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export const LOAD_TWILIO_SID = 'AC' + 'b0a7c3d4'.repeat(4);
export const LOAD_TWILIO_TOKEN = 'load-bench-auth-token-0123456789';
export const LOAD_TWILIO_FROM = '+15017122661';

export interface PeerSms {
  /** When the request arrived (ms since epoch). */
  at: number;
  /** When the peer answered it. */
  answeredAt: number;
  to: string;
  body: string;
  status: number;
  sid?: string;
  /** From the StatusCallback URL, when the worker set one. */
  caseId?: string;
  key?: string;
  recipientId?: string;
}

export interface LoadTwilioPeer {
  baseUrl: string;
  messages: PeerSms[];
  /** Requests being answered right now, and the most seen at once. */
  inFlight(): { now: number; max: number };
  /** While refusing, the port is closed: every connection is refused (as a provider that is down). */
  refuse(on: boolean): Promise<void>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function twilioError(status: number, code: number, message: string): unknown {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

function messageResource(accountSid: string, sid: string, form: URLSearchParams): unknown {
  const now = new Date().toUTCString().replace('GMT', '+0000');
  return {
    account_sid: accountSid,
    api_version: '2010-04-01',
    body: form.get('Body') ?? '',
    date_created: now,
    date_sent: null,
    date_updated: now,
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from: form.get('From'),
    messaging_service_sid: form.get('MessagingServiceSid'),
    num_media: '0',
    num_segments: '1',
    price: null,
    price_unit: null,
    sid,
    status: 'queued',
    subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}/Media.json` },
    to: form.get('To') ?? '',
    uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
  };
}

/** Listens on 127.0.0.1 only; every accepted message is answered after delayMs. */
export async function startLoadTwilioPeer(delayMs: number): Promise<LoadTwilioPeer> {
  const messages: PeerSms[] = [];
  const expectedAuth = 'Basic ' + Buffer.from(`${LOAD_TWILIO_SID}:${LOAD_TWILIO_TOKEN}`).toString('base64');
  let now = 0;
  let max = 0;
  const server: Server = createServer((req, res) => {
    const at = Date.now();
    now++;
    max = Math.max(max, now);
    void (async () => {
      const raw = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const m = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(url.pathname);
      const form = new URLSearchParams(raw);
      let status: number;
      let body: unknown;
      let sid: string | undefined;
      if (!m || req.method !== 'POST') [status, body] = [404, twilioError(404, 20404, 'The requested resource was not found')];
      else if (req.headers.authorization !== expectedAuth) [status, body] = [401, twilioError(401, 20003, 'Authenticate')];
      else if (!form.get('To')) [status, body] = [400, twilioError(400, 21604, "A 'To' phone number is required.")];
      else {
        sid = 'SM' + randomBytes(16).toString('hex');
        [status, body] = [201, messageResource(m[1]!, sid, form)];
      }
      await new Promise((r) => setTimeout(r, delayMs));
      const record: PeerSms = { at, answeredAt: Date.now(), to: form.get('To') ?? '', body: form.get('Body') ?? '', status, ...(sid ? { sid } : {}) };
      const callback = form.get('StatusCallback');
      if (callback) {
        const q = new URL(callback).searchParams;
        for (const name of ['caseId', 'key', 'recipientId'] as const) {
          const v = q.get(name);
          if (v !== null) record[name] = v;
        }
      }
      // Recorded as the answer leaves: a message counts as accepted once the worker could have seen the 201.
      messages.push(record);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    })()
      .catch((err: unknown) => {
        res.writeHead(500);
        res.end(String(err));
      })
      .finally(() => now--);
  });
  server.keepAliveTimeout = 30_000;
  const port = await listen(server, 0);
  let refusing = false;
  const close = (): Promise<void> =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    messages,
    inFlight: () => ({ now, max }),
    async refuse(on) {
      if (on === refusing) return;
      refusing = on;
      if (on) await close();
      else await listen(server, port);
    },
    close: () => (refusing ? Promise.resolve() : close()),
  };
}

interface Listener {
  listen(port: number, host: string, cb: () => void): unknown;
  once(e: 'error', cb: (err: Error) => void): unknown;
}
function listen(server: Listener & { address(): unknown }, port: number, address: () => unknown = () => server.address()): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((address() as AddressInfo).port));
  });
}
const listenSmtp = (server: SMTPServer, port: number): Promise<number> => listen(server as unknown as Listener & { address(): unknown }, port, () => server.server.address());

// --- SMTP ------------------------------------------------------------------------------------------------------------------

export const LOAD_SMTP_FROM = 'duban-load@load.example.cn';

export interface PeerMail {
  /** When the DATA command began. */
  at: number;
  /** When the peer answered 250. */
  answeredAt: number;
  to: string[];
  /** From the X-Duban-Idempotency-Key header (caseId|key|recipientId|channel). */
  caseId?: string;
  key?: string;
  recipientId?: string;
}

export interface LoadSmtpPeer {
  host: string;
  port: number;
  mails: PeerMail[];
  refuse(on: boolean): Promise<void>;
  close(): Promise<void>;
}

/** A real SMTP server on 127.0.0.1 (smtp-server, no TLS, no auth) recording each message's idempotency key. */
export async function startLoadSmtpPeer(): Promise<LoadSmtpPeer> {
  const mails: PeerMail[] = [];
  const make = (): SMTPServer =>
    new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      closeTimeout: 200,
      size: 4 * 1024 * 1024,
      onData(stream, session, callback) {
        const at = Date.now();
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const head = Buffer.concat(chunks).toString('utf8').split(/\r?\n\r?\n/, 1)[0] ?? '';
          const key = /^X-Duban-Idempotency-Key:\s*(.+)$/im.exec(head)?.[1]?.trim();
          const [caseId, stepKey, recipientId] = key ? key.split('|') : [];
          mails.push({ at, answeredAt: Date.now(), to: session.envelope.rcptTo.map((r) => r.address), ...(caseId ? { caseId } : {}), ...(stepKey ? { key: stepKey } : {}), ...(recipientId ? { recipientId } : {}) });
          callback();
        });
      },
    });
  let server = make();
  const port = await listenSmtp(server, 0);
  let refusing = false;
  const stop = (): Promise<void> => new Promise<void>((r) => server.close(() => r()));
  return {
    host: '127.0.0.1',
    port,
    mails,
    async refuse(on) {
      if (on === refusing) return;
      refusing = on;
      if (on) await stop();
      else {
        server = make();
        await listenSmtp(server, port);
      }
    },
    close: () => (refusing ? Promise.resolve() : stop()),
  };
}
