// OpenTelemetry traces of the worker: worker.ts main() as its own process with OTEL_EXPORTER_OTLP_ENDPOINT pointing at
// an OTLP/HTTP receiver this test runs; a case is registered, alerted and cancelled on the dev server; the receiver
// gets the workflow's and the activities' spans, linked in one trace, with no personal data in them.
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startEscalatedVisit } from '../src/cases.js';
import { createDataConverter, loadCodec } from '../src/codec.js';
import { cancelUpdate, caseQuery, type CaseView } from '../src/messages.js';
import { tracingFromEnv } from '../src/metrics/tracing.js';
import { freePort } from '../src/net.js';
import { ensureNamespace } from '../src/temporal.js';
import { startScript, type ScriptProcess } from './processHelpers.js';
import { freshDatabase } from './db.js';
import { createDevServerEnv, directory, intake, policy, sampleNotice, supervisor, until } from './helpers.js';

interface Span {
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
}

const TASK_QUEUE = 'duban-traces';
let env: TestWorkflowEnvironment;
let worker: ScriptProcess | undefined;
let receiver: Server | undefined;
let otlpPort = 0;
const bodies: string[] = [];
const spans: Span[] = [];
let client: Client;
let childEnv: NodeJS.ProcessEnv = {};
let api: ScriptProcess | undefined;

interface OtlpJson {
  resourceSpans?: { resource?: { attributes?: { key: string; value: { stringValue?: string } }[] }; scopeSpans?: { spans?: { name: string; traceId: string; spanId: string; parentSpanId?: string }[] }[] }[];
}

beforeAll(async () => {
  env = await createDevServerEnv();
  await ensureNamespace(env.connection, env.namespace ?? 'default');
  // An OTLP/HTTP (JSON) trace receiver, as a collector's 4318 port answers.
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.method === 'POST' && req.url === '/v1/traces') {
        bodies.push(body);
        for (const rs of (JSON.parse(body) as OtlpJson).resourceSpans ?? []) {
          const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
          for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) spans.push({ service, name: s.name, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? '' });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  otlpPort = await freePort();
  await new Promise<void>((r) => receiver!.listen(otlpPort, '127.0.0.1', r));

  const database = await freshDatabase();
  await database.close();
  const keys = JSON.stringify({ current: 'k1', keys: { k1: randomBytes(32).toString('base64') } });
  client = new Client({ connection: env.connection, namespace: env.namespace ?? 'default', dataConverter: createDataConverter(loadCodec({ DUBAN_CODEC_KEYS: keys })) });
  const dir = mkdtempSync(join(tmpdir(), 'duban-traces-'));
  childEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_NAMESPACE: env.namespace ?? 'default',
    DUBAN_TASK_QUEUE: TASK_QUEUE,
    DUBAN_DATABASE_URL: database.url,
    DUBAN_CODEC_KEYS: keys,
    DUBAN_DATA_DIR: dir,
    DUBAN_WORKER_METRICS_PORT: '0',
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlpPort}`,
    OTEL_BSP_SCHEDULE_DELAY: '200',
  };
  delete childEnv.DUBAN_SDK_METRICS_ADDRESS;
  worker = await startScript('worker.ts', childEnv, 'duban worker: namespace');
}, 120_000);

afterAll(async () => {
  await api?.stop();
  await worker?.stop();
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
  await env?.teardown();
}, 60_000);

test('no OTLP endpoint, no tracing', () => {
  expect(tracingFromEnv('duban-worker', {})).toBeUndefined();
  expect(tracingFromEnv('duban-worker', { OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toBeUndefined();
});

test('a case registered, alerted and cancelled: the workflow and its activities in one trace, sent by OTLP', async () => {
  expect(worker!.output()).toContain(`duban worker: no metrics server (DUBAN_WORKER_METRICS_PORT=0), traces to http://127.0.0.1:${otlpPort}/`);
  const now = Date.now();
  const c = await startEscalatedVisit(sampleNotice('district', now), { client, taskQueue: TASK_QUEUE, policy, directory, actor: intake, now });
  await until('the alert', () => c.handle.query(caseQuery), (v: CaseView) => v.timeline.some((e) => e.type === 'alert'), 30_000);
  await c.handle.executeUpdate(cancelUpdate, { args: [{ reason: '重复登记', actor: supervisor }] });
  expect(((await c.handle.result()) as CaseView).status).toBe('cancelled');

  const names = (): string[] => [...new Set(spans.map((s) => s.name))].sort();
  // Spans come in batches, the workflow's after its activation: wait until every notify span's parent is in.
  const linked = (): boolean => {
    const ids = new Set(spans.filter((s) => s.name === 'StartActivity:notify').map((s) => s.spanId));
    return spans.filter((s) => s.name === 'RunActivity:notify').every((s) => ids.has(s.parentSpanId));
  };
  await until('the spans', () => [names(), linked()] as const, ([n, l]) => l && ['RunWorkflow:escalatedVisit', 'StartActivity:notify', 'RunActivity:notify', 'HandleUpdate:cancel'].every((x) => n.includes(x)), 30_000);
  expect(spans.every((s) => s.service === 'duban-worker')).toBe(true);
  const run = spans.filter((s) => s.name === 'RunWorkflow:escalatedVisit');
  expect(run.length).toBeGreaterThanOrEqual(1);
  // Each notify ran under the workflow's trace: the activity span's parent is a StartActivity span of the same trace.
  const started = new Map(spans.filter((s) => s.name === 'StartActivity:notify').map((s) => [s.spanId, s]));
  const ran = spans.filter((s) => s.name === 'RunActivity:notify');
  expect(ran.length).toBeGreaterThanOrEqual(1);
  for (const r of ran) {
    const parent = started.get(r.parentSpanId);
    expect(parent, `parent of ${r.spanId}`).toBeDefined();
    expect(parent!.traceId).toBe(r.traceId);
    expect(run.map((w) => w.traceId)).toContain(r.traceId);
  }
  // Spans carry IDs and type names only: no matter, site, name or phone of the notice or the directory.
  const all = bodies.join('\n');
  for (const secret of ['征地补偿款发放争议', '市信访局接待大厅', '重复登记', '张建国', '+8613800000101']) expect(all).not.toContain(secret);
}, 120_000);

test("the API's Temporal calls start the case's trace: its StartWorkflow span is the parent trace of the worker's RunWorkflow", async () => {
  const port = await freePort();
  api = await startScript('api.ts', { ...childEnv, DUBAN_API_PORT: String(port) }, 'duban API on');
  expect(api.output()).toContain(`, traces to http://127.0.0.1:${otlpPort}/`);
  const notice = sampleNotice('district', Date.now() - 1000);
  const res = await fetch(`http://127.0.0.1:${port}/cases`, { method: 'POST', headers: { authorization: 'Bearer dev-intake-key', 'content-type': 'application/json' }, body: JSON.stringify(notice) });
  expect(res.status).toBe(201);
  const caseId = `visit:${notice.noticeId}`;
  await until('the alert', () => client.workflow.getHandle(caseId).query(caseQuery), (v: CaseView) => v.timeline.some((e) => e.type === 'alert'), 30_000);
  const started = (): Span[] => spans.filter((x) => x.service === 'duban-api' && x.name === 'StartWorkflow:escalatedVisit');
  const runIn = (traceId: string): Span[] => spans.filter((x) => x.service === 'duban-worker' && x.name === 'RunWorkflow:escalatedVisit' && x.traceId === traceId);
  // The workflow's span ends (and is sent) when the case does.
  await client.workflow.getHandle(caseId).executeUpdate(cancelUpdate, { args: [{ reason: '测试结束', actor: supervisor }] });
  await client.workflow.getHandle(caseId).result();
  await until('the API span and the workflow under it', () => started().map((x) => runIn(x.traceId).length), (n) => n.length === 1 && n[0]! > 0, 30_000);
}, 120_000);
