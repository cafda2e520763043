// Benchmark of alert delivery through the local protocol peers (SMTP server, Twilio Messages API peer):
//   1. channel throughput: messages/s of the SMS channel (twilio SDK) and the e-mail channel (nodemailer, pooled);
//   2. end to end on the Temporal dev server with one worker: cases registered at once → all alert messages accepted;
//   3. deadline → provider: from a case's deadline (its 催办 is due then) to the peer accepting the 催办 SMS, p50 / p99.
// Run: npm run bench:alerts   (BENCH_MESSAGES, BENCH_CASES, BENCH_LATENCY_CASES to size it)
import { mkdtempSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChannels, type OutgoingMessage } from '../activities/channels/index.js';
import { startEscalatedVisit } from '../src/cases.js';
import type { NotifyRequest } from '../src/notifications.js';
import type { Policy } from '../src/policy.js';
import { alertDirectory, channelConfigFor, startAlertWorker, startSmtpPeer, startTwilioPeer, until } from '../test/alertHelpers.js';
import { createDevServerEnv, demoPolicy, intake, sampleNotice } from '../test/helpers.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1000);
const CASES = Number(process.env.BENCH_CASES ?? 200);
const LATENCY_CASES = Number(process.env.BENCH_LATENCY_CASES ?? 200);
const CONCURRENCY = 20;

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

async function pooled<T>(n: number, concurrency: number, job: (i: number) => Promise<T>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await job(next++);
    }),
  );
}

// Peers, worker and dev server share this machine: its size and load say how to read the figures.
const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ');
console.log(`machine: ${availableParallelism()} CPUs, load average ${load()} (peers, worker and dev server all run here)`);
const smtp = await startSmtpPeer();
const twilioPeer = await startTwilioPeer();
const directory = alertDirectory();
const channelConfig = channelConfigFor({ smtp, twilio: twilioPeer });
const zhang = directory.units[0]!.people[0]!;

// 1. Channel throughput -----------------------------------------------------------------------------------------
{
  const channels = createChannels(channelConfig, mkdtempSync(join(tmpdir(), 'duban-bench-')));
  const message = (i: number, channel: 'sms' | 'email'): OutgoingMessage => {
    const request: NotifyRequest = { caseId: `visit:BENCH-${i}`, key: 'alert', event: 'alert', unitId: 'wuli-gov', unitName: '五里乡人民政府', level: 'city', milestone: 'arrival', deadline: new Date(Date.now() + 8 * 3_600_000).toISOString(), receptionSite: '市信访局接待大厅' };
    return { idempotencyKey: `${request.caseId}|alert|${zhang.id}|${channel}`, request, event: 'alert', recipient: zhang, context: { id: zhang.id, name: zhang.name, role: zhang.role } };
  };
  for (const channel of ['sms', 'email'] as const) {
    const began = performance.now();
    await pooled(MESSAGES, CONCURRENCY, (i) => channels.get(channel)!.send(message(i, channel)));
    const s = (performance.now() - began) / 1000;
    console.log(`channel ${channel.padEnd(5)}: ${MESSAGES} messages, ${CONCURRENCY} concurrent: ${(MESSAGES / s).toFixed(0)} messages/s`);
  }
  await channels.close();
  if (twilioPeer.accepted().length !== MESSAGES || smtp.mails.length !== MESSAGES) throw new Error('peers did not get every message');
}

// 2 and 3 on the dev server ---------------------------------------------------------------------------------------
const envStart = performance.now();
const env = await createDevServerEnv();
const worker = await startAlertWorker(env, { taskQueue: 'duban-bench-alerts', directory: () => directory, channels: channelConfig });
console.log(`dev server + worker start-up: ${(performance.now() - envStart).toFixed(0)} ms`);
try {
  // 2. Alerts end to end: CASES notices registered at once; each alert is 2 SMS + 1 e-mail.
  twilioPeer.requests.length = 0;
  smtp.mails.length = 0;
  const began = performance.now();
  const now = Date.now();
  await pooled(CASES, CONCURRENCY, (i) =>
    startEscalatedVisit(sampleNotice('city', now, { noticeId: `BENCH-ALERT-${now}-${i}` }), { client: env.client, taskQueue: 'duban-bench-alerts', policy: demoPolicy, directory, actor: intake }),
  );
  const registered = performance.now() - began;
  await until('every alert message', () => twilioPeer.accepted().length + smtp.mails.length, (n) => n >= CASES * 3, 300_000);
  const s = (performance.now() - began) / 1000;
  console.log(`end to end: ${CASES} cases registered in ${registered.toFixed(0)} ms; all ${CASES * 3} alert messages accepted after ${(s * 1000).toFixed(0)} ms: ${(CASES / s).toFixed(1)} alerts/s (${((CASES * 3) / s).toFixed(0)} messages/s)`);
  for await (const w of env.client.workflow.list({ query: `ExecutionStatus = 'Running'` })) await env.client.workflow.getHandle(w.workflowId).terminate('bench');

  // 3. Deadline → provider. A seconds-scale policy: 5 s to arrive, no reminders; the 催办 SMS is due at the deadline.
  const policy: Policy = {
    ...demoPolicy,
    version: 'bench-latency',
    arrival: { ...demoPolicy.arrival, levels: { ...demoPolicy.arrival.levels, district: { deadline: '5s', reminderOffsets: [], superviseAfter: '1h', deductAfter: '1h', overdueReminderEvery: '1h', maxOverdueReminders: 0, points: 1, yellowWindow: '1s' } } },
  };
  const latency = async (cases: number, spreadMs: number): Promise<void> => {
    twilioPeer.requests.length = 0;
    const deadlines = new Map<string, number>();
    const t0 = Date.now();
    // Notices spread over spreadMs, so deadlines arrive as a stream, not in one instant.
    for (let i = 0; i < cases; i++) {
      const notice = sampleNotice('district', Date.now(), { noticeId: `BENCH-LAT-${t0}-${i}` });
      const { caseId } = await startEscalatedVisit(notice, { client: env.client, taskQueue: 'duban-bench-alerts', policy, directory, actor: intake });
      deadlines.set(caseId, Date.parse(notice.receivedAt) + 5000);
      const behind = t0 + ((i + 1) * spreadMs) / cases - Date.now();
      if (behind > 0) await new Promise((r) => setTimeout(r, behind));
    }
    const urgeSms = (): typeof twilioPeer.requests => twilioPeer.accepted().filter((r) => r.form.Body?.includes('【督办】催办'));
    await until('every 催办 SMS', () => urgeSms().length, (n) => n >= cases * 2, 300_000);
    const first = new Map<string, number>();
    const last = new Map<string, number>();
    for (const r of urgeSms()) {
      const caseId = /案件号(visit:[^。]+)。/.exec(r.form.Body!)![1]!;
      first.set(caseId, Math.min(first.get(caseId) ?? Infinity, r.at));
      last.set(caseId, Math.max(last.get(caseId) ?? 0, r.at));
    }
    const firstLag = [...first].map(([id, at]) => at - deadlines.get(id)!);
    const lastLag = [...last].map(([id, at]) => at - deadlines.get(id)!);
    const rate = ((cases * 1000) / Math.max(spreadMs, Date.now() - t0 - 5000)).toFixed(0);
    console.log(`deadline → first 催办 SMS accepted, ${cases} cases, ~${rate} deadlines/s: p50 ${pct(firstLag, 50)} ms, p99 ${pct(firstLag, 99)} ms, max ${Math.max(...firstLag)} ms`);
    console.log(`deadline → both leaders' 催办 SMS accepted, same run:            p50 ${pct(lastLag, 50)} ms, p99 ${pct(lastLag, 99)} ms, max ${Math.max(...lastLag)} ms`);
    for await (const w of env.client.workflow.list({ query: `ExecutionStatus = 'Running'` })) await env.client.workflow.getHandle(w.workflowId).terminate('bench');
  };
  await latency(20, 4000); // light: 5 deadlines/s
  await latency(LATENCY_CASES, 4000); // loaded
  console.log(`load average at the end: ${load()}`);
} finally {
  await worker.stop();
  await env.teardown();
  await smtp.stop();
  await twilioPeer.close();
}
