// Wiring for the privacy tests: encrypted environments and workers, a directory and a notice full of distinctive
// personal strings, and ways to look at what Temporal stored. Independent of test/helpers.ts on purpose: that module
// installs the Runtime's logger, and these tests install their own to capture every log line.
import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { startEscalatedVisit, type StartVisitResult } from '../src/cases.js';
import { AesGcmCodec, ENCRYPTED_ENCODING, generateKey, parseKeySet } from '../src/codec.js';
import { ROOT, loadDirectoryFile, loadPolicyFile, temporalCliPath } from '../src/config.js';
import { directorySchema, type Directory } from '../src/directory.js';
import type { Actor } from '../src/domain.js';
import type { Notice } from '../src/messages.js';
import type { Policy } from '../src/policy.js';
import { SEARCH_ATTRIBUTE_KEYS } from '../src/searchAttributes.js';
import { ensureNamespace } from '../src/temporal.js';
import { createDubanWorker } from '../worker.js';
import { freshRecords } from './db.js';

export const TASK_QUEUE = 'duban-privacy';
export const S = 1000;
export const demoPolicy: Policy = loadPolicyFile(join(ROOT, 'config/policy.demo.json'));
export const intake: Actor = { id: 'intake-system', role: 'intake' };
export const supervisor: Actor = { id: 'xfb-li', role: 'supervisor' };
export const unitActor: Actor = { id: 'privacy-unit-contact', role: 'unit' };

/** Strings that must never be found in Temporal's store, the CLI's raw output or a log. */
export const SECRETS = {
  matterSummary: '隐私测试矛盾事项甲乙丙丁土地补偿款',
  receptionSite: '隐私测试接待地点某某大厅三号窗口',
  explanation: '隐私测试情况说明当事人病重住院',
  arrivalNote: '隐私测试到达备注与上访人面谈',
  closureResult: '隐私测试销案结果已赔付八万元',
  unitName: '隐私测试责任单位',
  leaderName: '欧阳隐私测试',
  leaderPhone: '+8613712340001',
  leaderEmail: 'ouyang.privacytest@leaders.example.cn',
  contactName: '司马隐私测试',
  contactPhone: '+8613712340002',
  supervisorName: '诸葛隐私测试',
  supervisorPhone: '+8613712340009',
} as const;

/** Secrets that a case carries in its payloads (so decoding must find them); the directory's never enter Temporal. */
export const CASE_SECRETS = [SECRETS.matterSummary, SECRETS.receptionSite, SECRETS.explanation, SECRETS.arrivalNote, SECRETS.closureResult, SECRETS.unitName];
export const DIRECTORY_SECRETS = [SECRETS.leaderName, SECRETS.leaderPhone, SECRETS.leaderEmail, SECRETS.contactName, SECRETS.contactPhone, SECRETS.supervisorName, SECRETS.supervisorPhone];
export const ALL_SECRETS = [...CASE_SECRETS, ...DIRECTORY_SECRETS];

/** The sample directory plus one unit whose people carry the distinctive names and phones above. */
export function privacyDirectory(): Directory {
  const base = loadDirectoryFile(join(ROOT, 'config/units.sample.json'));
  return directorySchema.parse({
    ...base,
    units: [
      ...base.units,
      {
        id: 'privacy-unit',
        name: SECRETS.unitName,
        people: [
          { id: 'privacy-unit-leader', name: SECRETS.leaderName, role: 'principal', phone: SECRETS.leaderPhone, email: SECRETS.leaderEmail, channels: ['sms', 'email'] },
          { id: 'privacy-unit-contact', name: SECRETS.contactName, role: 'contact', phone: SECRETS.contactPhone, channels: ['sms'] },
        ],
      },
    ],
    supervisors: [{ id: 'xfb-li', name: SECRETS.supervisorName, role: 'supervisor', phone: SECRETS.supervisorPhone, channels: ['outbox'] }],
  });
}

let seq = 0;
export function privacyNotice(receivedAtMs: number, overrides: Partial<Notice> = {}): Notice {
  seq++;
  return {
    noticeId: `PRIV-${process.pid}-${seq}`,
    level: 'district',
    receivedAt: new Date(receivedAtMs).toISOString(),
    unitId: 'privacy-unit',
    receptionSite: SECRETS.receptionSite,
    headcount: 3,
    matterSummary: SECRETS.matterSummary,
    ...overrides,
  };
}

/** A codec with fresh random keys; `current` encrypts. */
export function testCodec(current: string, keys: Record<string, string> = { [current]: generateKey() }): AesGcmCodec {
  return new AesGcmCodec(parseKeySet({ current, keys }, 'test'));
}

/** The dev server on a SQLite file of our own, its client on the given data converter. */
export async function createEncryptedDevServerEnv(dataConverter: DataConverter): Promise<{ env: TestWorkflowEnvironment; dbFilename: string }> {
  const dbFilename = join(mkdtempSync(join(tmpdir(), 'duban-privacy-db-')), 'temporal.db');
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: temporalCliPath() }, searchAttributes: SEARCH_ATTRIBUTE_KEYS, ui: false, dbFilename },
    client: { dataConverter },
  });
  await ensureNamespace(env.connection, env.namespace ?? 'default');
  return { env, dbFilename };
}

export interface RunningWorker {
  worker: Worker;
  outboxDir: string;
  stop(): Promise<void>;
}

/** A real duban worker on the environment's connection with the given data converter. */
export async function startEncryptedWorker(
  env: TestWorkflowEnvironment,
  options: { dataConverter: DataConverter; client: Client; directory: Directory; log?: (line: string) => void },
): Promise<RunningWorker> {
  const outboxDir = mkdtempSync(join(tmpdir(), 'duban-privacy-outbox-'));
  const worker = await createDubanWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue: TASK_QUEUE,
    activities: { directory: () => options.directory, client: options.client, records: await freshRecords(), taskQueue: TASK_QUEUE, outboxDir, dataDir: mkdtempSync(join(tmpdir(), 'duban-privacy-data-')), ...(options.log ? { log: options.log } : {}) },
    dataConverter: options.dataConverter,
  });
  const running = worker.run();
  return {
    worker,
    outboxDir,
    async stop() {
      worker.shutdown();
      await running;
    },
  };
}

export function startCase(client: Client, notice: Notice, directory: Directory): Promise<StartVisitResult> {
  return startEscalatedVisit(notice, { client, taskQueue: TASK_QUEUE, policy: demoPolicy, directory, actor: intake });
}

export async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const run = promisify(execFile);

/** `temporal workflow show -o json` against the environment, as the CLI prints it (plus optional extra flags). */
export async function cliShow(env: TestWorkflowEnvironment, workflowId: string, extra: string[] = []): Promise<string> {
  const { stdout } = await run(
    temporalCliPath(),
    ['workflow', 'show', '--workflow-id', workflowId, '--address', env.address, '--namespace', env.namespace ?? 'default', '-o', 'json', ...extra],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}

/** The bytes of the SQLite database and its journal/WAL files, concatenated. */
export function sqliteBytes(dbFilename: string): Buffer {
  const dir = dirname(dbFilename);
  const files = readdirSync(dir).filter((f) => f.startsWith(basename(dbFilename)));
  return Buffer.concat(files.map((f) => readFileSync(join(dir, f))));
}

/** Every payload object ({metadata, data} with base64 values) found in the CLI's JSON output, patch markers aside. */
export function payloadsInJson(value: unknown, out: { metadata: Record<string, string>; data?: string }[] = []): { metadata: Record<string, string>; data?: string }[] {
  if (Array.isArray(value)) for (const v of value) payloadsInJson(v, out);
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    // A patch marker's details ({"id": "<patch ID>", "deprecated": …}) are written by the SDK's core, outside the
    // payload codec: they hold only the patch ID, and the caller still checks the whole output for personal strings.
    if (o.markerName === 'core_patch') return out;
    if (o.metadata && typeof o.metadata === 'object' && typeof (o.metadata as Record<string, unknown>).encoding === 'string') {
      out.push({ metadata: o.metadata as Record<string, string>, ...(typeof o.data === 'string' ? { data: o.data } : {}) });
    } else for (const v of Object.values(o)) payloadsInJson(v, out);
  }
  return out;
}

export const b64 = (s: string): string => Buffer.from(s).toString('base64');
export const ENCRYPTED_B64 = b64(ENCRYPTED_ENCODING);

/** Decodes CLI-JSON payloads through the codec and returns their data as one UTF-8 string. */
export async function decodedText(codec: AesGcmCodec, payloads: { metadata: Record<string, string>; data?: string }[]): Promise<string> {
  const decoded = await codec.decode(
    payloads.map((p) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
      data: Buffer.from(p.data ?? '', 'base64'),
    })),
  );
  return decoded.map((p) => Buffer.from(p.data ?? []).toString('utf8')).join('\n');
}

const escapedJson = (s: string): string => [...s].map((c) => (c.charCodeAt(0) > 127 ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c)).join('');

/** Which of `needles` occur in `haystack`: as UTF-8, \\u-escaped (JSON) or UTF-16. */
export function found(haystack: Buffer | string, needles: readonly string[]): string[] {
  const buf = typeof haystack === 'string' ? Buffer.from(haystack) : haystack;
  return needles.filter((n) => [Buffer.from(n), Buffer.from(escapedJson(n)), Buffer.from(n, 'utf16le')].some((b) => buf.includes(b)));
}

function base64Strings(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) base64Strings(v, out);
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string' && (k === 'data' || k === 'payload')) out.push(Buffer.from(v, 'base64').toString('utf8'));
    else base64Strings(v, out);
  }
  return out;
}

/** The CLI's JSON output, plus every base64 `data` in it decoded (markers included): what anyone reading it could see. */
export function cliVisible(stdout: string): string {
  return [stdout, ...base64Strings(JSON.parse(stdout))].join('\n');
}
