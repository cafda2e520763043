// Case views built by hand for the circular's aggregation tests and benchmark (shapes as the workflow returns them).
import type { Level } from '../src/domain.js';
import type { CaseView, TimelineEntry } from '../src/messages.js';

export interface FakeCase {
  id: string;
  unitId: string;
  unitName?: string;
  level: Level;
  receivedAt: string;
  arrival?: 'onTime' | 'late';
  urges?: number;
  supervises?: number;
  /** Points of each deduction. */
  deductions?: number[];
  status?: CaseView['status'];
  deadline?: string | null;
}

export function fakeView(c: FakeCase): CaseView {
  const system = { id: 'duban', role: 'system' as const };
  const timeline: TimelineEntry[] = [{ seq: 1, at: c.receivedAt, type: 'registered', milestone: 'arrival', actor: system }];
  const push = (type: TimelineEntry['type'], n: number): void => {
    for (let i = 0; i < n; i++) timeline.push({ seq: timeline.length + 1, at: c.receivedAt, type, milestone: i % 2 === 0 ? 'arrival' : 'closureReport', actor: system, dueAt: c.receivedAt });
  };
  push('reminder', 1);
  push('urge', c.urges ?? 0);
  push('supervise', c.supervises ?? 0);
  // The entries the workflow writes with these facts, so the recorded case facts (src/records) say the same as the view.
  const deductions: CaseView['deductions'] = (c.deductions ?? []).map((points, i) => ({ entryId: `visit:${c.id}/${i}`, milestone: i === 0 ? 'arrival' : 'closureReport', points, at: c.receivedAt }));
  for (const d of deductions) timeline.push({ seq: timeline.length + 1, at: d.at, type: 'deduction', milestone: d.milestone, actor: system, dueAt: d.at });
  if (c.arrival) timeline.push({ seq: timeline.length + 1, at: c.receivedAt, type: 'arrival', milestone: 'arrival', actor: { id: 'wuli-gov-unit', role: 'unit' }, detail: { leaderId: `${c.unitId}-p`, onTime: c.arrival === 'onTime' } });
  if (c.status === 'cancelled' || (c.status ?? 'closed') === 'closed') timeline.push({ seq: timeline.length + 1, at: c.receivedAt, type: c.status === 'cancelled' ? 'cancelled' : 'closed', actor: system });
  return {
    caseId: `visit:${c.id}`,
    kind: 'escalatedVisit',
    notice: { noticeId: c.id, level: c.level, receivedAt: c.receivedAt, unitId: c.unitId, receptionSite: '市信访局接待大厅', headcount: 3, matterSummary: '征地补偿款发放争议' },
    unit: { id: c.unitId, name: c.unitName ?? c.unitId, leaders: [{ id: `${c.unitId}-p`, role: 'principal' }] },
    policyVersion: 'test',
    status: c.status ?? 'closed',
    stage: c.status === 'open' ? 'arrival.pending' : 'closed',
    milestone: c.status === 'open' ? 'arrival' : null,
    deadline: c.deadline ?? null,
    overdue: false,
    colour: null,
    yellowFrom: null,
    arrival: c.arrival ? { leaderId: `${c.unitId}-p`, leaderRole: 'principal', arrivedAt: c.receivedAt, onTime: c.arrival === 'onTime' } : null,
    explanation: { status: 'none', milestone: null },
    closureReport: null,
    deductions,
    waitingFor: null,
    deductionHeld: false,
    timeline,
  };
}
