// `make demo`: a sample district visit under the seconds-scale demo policy, its timeline printed as it grows.
import { Connection, Client } from '@temporalio/client';
import { join } from 'node:path';
import { startEscalatedVisit } from '../src/cases.js';
import { createDataConverter } from '../src/codec.js';
import { ROOT, loadConfig, loadDirectoryFile, loadPolicyFile } from '../src/config.js';
import { caseQuery, reportArrivalUpdate, submitClosureReportUpdate, type CaseView } from '../src/messages.js';
import { TIMELINE_LABEL as LABEL } from '../src/labels.js';
import { formatShanghai } from '../src/time.js';


const config = loadConfig();
const policy = loadPolicyFile(join(ROOT, 'config/policy.demo.json'));
const directory = loadDirectoryFile(config.directoryFile);
const began = Date.now();

let connection: Connection;
try {
  connection = await Connection.connect({ address: config.temporalAddress, connectTimeout: 3000 });
  await connection.workflowService.describeNamespace({ namespace: config.namespace });
} catch {
  console.error(`Temporal at ${config.temporalAddress} (namespace ${config.namespace}) is not reachable: run 'make start' first.`);
  process.exit(1);
}
// The same encryption key as the worker: payloads never leave this process in the clear.
const client = new Client({ connection, namespace: config.namespace, dataConverter: createDataConverter() });

const shanghaiNow = (): string => new Date(Date.now() + 8 * 3_600_000).toISOString().replace('Z', '+08:00');
const { handle, caseId } = await startEscalatedVisit(
  {
    noticeId: `DEMO-${Date.now()}`,
    level: 'district',
    receivedAt: shanghaiNow(),
    unitId: 'wuli-gov',
    receptionSite: '区信访局接待大厅',
    headcount: 5,
    matterSummary: '演示：拖欠工程款',
  },
  { client, taskQueue: config.taskQueue, policy, directory, actor: { id: 'demo', role: 'intake' } },
);
console.log(`案件 ${caseId} 已登记（演示政策 ${policy.version}：到区 15 秒内到达，8 秒后督办，再 8 秒后扣分）`);

let printed = 0;
let stage = '';
let arrivalSent = false;
for (;;) {
  if (Date.now() - began > 150_000) {
    console.error('the demo did not finish within 150 s: is the worker running (make start)?');
    process.exit(1);
  }
  const v: CaseView = await handle.query(caseQuery);
  for (const e of v.timeline.slice(printed)) {
    const due = e.dueAt ? `（应于 ${formatShanghai(e.dueAt)}）` : '';
    // A 催办单 / 督办单 is named by its 文号 and where it is stored.
    const document = e.type === 'documentIssued' && e.detail ? `  ${String(e.detail.documentNumber)} → ${join(config.dataDir, 'documents', String(e.detail.year), `${String(e.detail.documentId)}.docx`)}` : '';
    console.log(`${formatShanghai(e.at)}  ${LABEL[e.type].padEnd(8, '　')} ${e.actor.id}${e.reason ? `  ${e.reason}` : ''}${due}${document}`);
  }
  printed = v.timeline.length;
  if (v.stage !== stage) {
    stage = v.stage;
    console.log(`            阶段 → ${stage}`);
  }
  if (v.status === 'closed') break;
  if (!arrivalSent && v.deductions.length > 0) {
    arrivalSent = true;
    await handle.executeUpdate(reportArrivalUpdate, {
      args: [{ leaderId: 'wuli-gov-zhang', arrivedAt: new Date().toISOString(), actor: { id: 'wuli-gov-zhang', role: 'unit' } }],
    });
    await new Promise((r) => setTimeout(r, 3000));
    await handle.executeUpdate(submitClosureReportUpdate, {
      args: [{ result: '已将群众接回并化解矛盾，书面报结果。', actor: { id: 'wuli-gov-chen', role: 'unit' } }],
    });
  }
  await new Promise((r) => setTimeout(r, 500));
}
console.log(`演示完成，用时 ${((Date.now() - began) / 1000).toFixed(1)} 秒。Web UI 中可查看案件 ${caseId}。`);
await connection.close();
