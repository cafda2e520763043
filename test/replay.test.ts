// Recorded histories must replay on today's workflow code: a change that breaks them needs patched().
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { ROOT } from '../src/config.js';
import { workflowsPath } from '../worker.js';

const dir = join(ROOT, 'test/histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

test('the kept histories are there', () => {
  expect(files).toEqual([
    'docreg__wuli-xfb__2026.json',
    'ledger__dongcun__2026.json',
    'ledger__wuli-gov__2026.json',
    'visit__REPLAY-BEIJING-FULL.json',
    'visit__REPLAY-CITY-CLOSED.json',
    'visit__REPLAY-DISTRICT-ARRIVAL.json',
    'visit__REPLAY-DISTRICT-BESIDE.json',
    'visit__REPLAY-DISTRICT-CANCEL.json',
    'visit__REPLAY-DISTRICT-COLOUR.json',
    'visit__REPLAY-DISTRICT-DELTA.json',
    'visit__REPLAY-DISTRICT-DOCUMENTS.json',
    'visit__REPLAY-DISTRICT-ONEMARKER.json',
    'visit__REPLAY-DISTRICT-PINNED.json',
    'visit__REPLAY-DISTRICT-RECORDS.json',
    'visit__REPLAY-DISTRICT-RIDE.json',
    'visit__REPLAY-DISTRICT-SENDS.json',
  ]);
});

test('every kept history replays without non-determinism', async () => {
  const histories = files.map((f) => ({ workflowId: f.replace(/\.json$/, '').replaceAll('__', ':'), history: historyFromJSON(JSON.parse(readFileSync(join(dir, f), 'utf8'))) }));
  const results: { workflowId: string; error?: unknown }[] = [];
  for await (const r of Worker.runReplayHistories({ workflowsPath }, histories)) results.push({ workflowId: r.workflowId, error: r.error });
  expect(results.map((r) => [r.workflowId, r.error === undefined ? 'ok' : (r.error as Error).message])).toEqual(histories.map((x) => [x.workflowId, 'ok']));
}, 120_000);
