// GET /healthz tells operations when the holiday data runs out (issue 12 item 3): nothing from 61 days before its
// last day, an alert from 60 days before (deadlines reaching past it are then counted as calendar days), and
// "ran out" once today has no data. Temporal is not needed for it (a client that never connects).
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadApiKeys } from '../src/api/auth.js';
import { buildApiServer } from '../src/api/server.js';
import { loadHolidayCalendar } from '../src/deadlines/calendarData.js';
import { createLogger } from '../src/log.js';
import { freshRecords } from './db.js';
import { TASK_QUEUE, directory, policy } from './helpers.js';

let records: Awaited<ReturnType<typeof freshRecords>>;
beforeAll(async () => {
  records = await freshRecords();
});
afterAll(async () => {
  await records?.close();
});

const calendar = loadHolidayCalendar();
let logged: Record<string, unknown>[] = [];
const healthAt = async (iso: string): Promise<unknown> => {
  const client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }), namespace: 'default' });
  const out: string[] = [];
  const logger = createLogger({ destination: { write: (line: string) => void out.push(line) }, level: 'info' });
  const api = await buildApiServer({ client, records, namespace: 'default', taskQueue: TASK_QUEUE, policy, directory, keys: loadApiKeys({}), calendar, now: () => Date.parse(iso), logger });
  logged = out.map((l) => JSON.parse(l) as Record<string, unknown>);
  try {
    const res = await api.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    return res.json();
  } finally {
    await api.close();
  }
};
const fix = '请在 config/calendar.overrides.json 中按国务院办公厅通知补录下一年的放假和调休安排，或升级 chinese-days。';

test('the data ends 2026-12-31: quiet on 31 October, an alert from 1 November, ran out in 2027', async () => {
  expect(calendar.years.at(-1)).toBe(2026);
  // 2026-10-31 in Beijing: 61 days left.
  expect(await healthAt('2026-10-30T16:00:00.000Z')).toEqual({ status: 'ok', calendar: { version: calendar.version, dataUntil: '2026-12-31', alert: null } });
  expect(logged).toEqual([]);
  expect(await healthAt('2026-11-01T00:00:00+08:00')).toEqual({
    status: 'ok',
    calendar: { version: calendar.version, dataUntil: '2026-12-31', alert: { lastCoveredDay: '2026-12-31', daysLeft: 60, ranOut: false, message: `节假日数据将于 2026-12-31 用完（还剩 60 天）：日历（${calendar.version}）没有 2027 年的数据，届时跨入该年的期限将按自然日计算。${fix}` } },
  });
  // The API also says it once in its log at start, as a warning.
  expect(logged.map((l) => [l.level, l.daysLeft, l.ranOut, l.msg])).toEqual([[40, 60, false, `节假日数据将于 2026-12-31 用完（还剩 60 天）：日历（${calendar.version}）没有 2027 年的数据，届时跨入该年的期限将按自然日计算。${fix}`]]);
  expect(await healthAt('2027-01-02T09:00:00+08:00')).toEqual({
    status: 'ok',
    calendar: { version: calendar.version, dataUntil: '2026-12-31', alert: { lastCoveredDay: '2026-12-31', daysLeft: 0, ranOut: true, message: `节假日数据已用完：日历（${calendar.version}）没有 2027 年的数据，期限暂按自然日计算。${fix}` } },
  });
});
