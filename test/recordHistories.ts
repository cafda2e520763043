// Records the histories that the replay test keeps: run with `npm run record:histories` after a deliberate,
// patched() workflow change, never to paper over a non-determinism failure. A kept history is never overwritten:
// only histories whose file does not exist yet are written (a new scenario gets a new workflow ID).
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../src/config.js';
import {
  cancelUpdate,
  decideExplanationUpdate,
  extendDeadlineUpdate,
  reassignUnitUpdate,
  reportArrivalUpdate,
  submitClosureReportUpdate,
  submitExplanationUpdate,
} from '../src/messages.js';
import { ledgerIdFor, shanghaiYear } from '../src/domain.js';
import { openBenchRecords } from '../scripts/benchDatabase.js';
import { H, createTimeSkippingEnv, directory, sampleNotice, skipTo, startHarness, startVisit, supervisor, unitActor, waitForStep } from './helpers.js';

// Its own PostgreSQL: this script runs outside vitest, without the test run's server.
const h = await startHarness(await createTimeSkippingEnv(), { records: await openBenchRecords() });
const out = join(ROOT, 'test/histories');
// The file name is the workflow ID with ':' as '__': replay needs the real ID back.
const save = async (workflowId: string): Promise<void> => {
  const file = join(out, `${workflowId.replaceAll(':', '__')}.json`);
  if (existsSync(file)) {
    console.log(`kept ${workflowId} (already recorded)`);
    return;
  }
  const history = await h.env.client.workflow.getHandle(workflowId).fetchHistory();
  writeFileSync(file, historyToJSON(history));
  console.log(`recorded ${workflowId} (${history.events?.length ?? 0} events)`);
};

try {
  // 1. Beijing, never arrives: the full ladder with a deduction.
  let t0 = await h.env.currentTimeMs();
  const full = await startVisit(h, sampleNotice('beijing', t0, { noticeId: 'REPLAY-BEIJING-FULL' }));
  await waitForStep(full, `arrival.reminder.12h@${t0 + 24 * H}`);
  await skipTo(h, t0, 61);
  await save(full.caseId);
  await save(ledgerIdFor('wuli-gov', shanghaiYear(t0 + 60 * H)));
  await full.handle.terminate('recorded');

  // 2. City: extension, explanation accepted, arrival, closure report.
  t0 = await h.env.currentTimeMs();
  const city = await startVisit(h, sampleNotice('city', t0, { noticeId: 'REPLAY-CITY-CLOSED' }));
  await waitForStep(city, `arrival.reminder.2h@${t0 + 8 * H}`);
  await skipTo(h, t0, 1.5);
  await city.handle.executeUpdate(extendDeadlineUpdate, { args: [{ newDeadline: new Date(t0 + 9 * H).toISOString(), reason: '暴雨封路', actor: supervisor }] });
  await skipTo(h, t0, 13.5);
  await city.handle.executeUpdate(submitExplanationUpdate, { args: [{ text: '封路绕行', actor: unitActor }] });
  await city.handle.executeUpdate(decideExplanationUpdate, { args: [{ decision: 'accept', reason: '属实', actor: supervisor }] });
  await skipTo(h, t0, 14.5);
  await city.handle.executeUpdate(reportArrivalUpdate, { args: [{ leaderId: 'wuli-gov-zhang', arrivedAt: new Date(t0 + 14.5 * H).toISOString(), actor: unitActor }] });
  await city.handle.executeUpdate(submitClosureReportUpdate, { args: [{ result: '已接回并化解', actor: unitActor }] });
  await save(city.caseId);

  // 3. District: reassignment then cancel.
  t0 = await h.env.currentTimeMs();
  const district = await startVisit(h, sampleNotice('district', t0, { noticeId: 'REPLAY-DISTRICT-CANCEL' }));
  await waitForStep(district, `arrival.reminder.1h@${t0 + 3 * H}`);
  await skipTo(h, t0, 0.5);
  await district.handle.executeUpdate(reassignUnitUpdate, { args: [{ unitId: 'wuli-landres', reason: '事涉土地', actor: supervisor }] });
  await skipTo(h, t0, 2.25);
  await district.handle.executeUpdate(cancelUpdate, { args: [{ reason: '重复登记', actor: supervisor }] });
  await new Promise((r) => setTimeout(r, 1000));
  await save(district.caseId);

  // 4. District, dongcun, never arrives, with official documents: 催办单 and 督办单 from the office's register, the
  //    deduction entered by update into dongcun's ledger.
  t0 = await h.env.currentTimeMs();
  const documented = await startVisit(h, sampleNotice('district', t0, { noticeId: 'REPLAY-DISTRICT-DOCUMENTS', unitId: 'dongcun' }));
  await waitForStep(documented, `arrival.reminder.1h@${t0 + 3 * H}`);
  await skipTo(h, t0, 10);
  await save(documented.caseId);
  await save(ledgerIdFor('dongcun', shanghaiYear(t0 + 9 * H)));
  await save(`docreg:${directory.office.id}:${shanghaiYear(t0 + 5 * H)}`);
  await documented.handle.terminate('recorded');

  // 5 and 6. District, dongcun: 催办 with its document, arrival after it, closure report. REPLAY-DISTRICT-RECORDS was
  //    recorded under the patch records-in-database (the whole view per record), REPLAY-DISTRICT-DELTA under
  //    records-delta (only new facts per record), REPLAY-DISTRICT-RIDE under records-ride-notify (a step's record on its
  //    notify) with the API's registeredAt in the input and the start memo, REPLAY-DISTRICT-ARRIVAL under
  //    arrival-backdate-rule, REPLAY-DISTRICT-PINNED under pinned-input, REPLAY-DISTRICT-SENDS under sends-beside-loop
  //    with updates answering a CaseAck, REPLAY-DISTRICT-COLOUR under colour-attribute (and ledger-refusal-alert's code), REPLAY-DISTRICT-BESIDE under
  //    records-ride-beside, REPLAY-DISTRICT-ONEMARKER under visit-patches-2026-12 (one marker for every patch); an existing file is kept, so each keeps the code it was recorded with.
  for (const noticeId of ['REPLAY-DISTRICT-RECORDS', 'REPLAY-DISTRICT-DELTA', 'REPLAY-DISTRICT-RIDE', 'REPLAY-DISTRICT-ARRIVAL', 'REPLAY-DISTRICT-PINNED', 'REPLAY-DISTRICT-SENDS', 'REPLAY-DISTRICT-COLOUR', 'REPLAY-DISTRICT-BESIDE', 'REPLAY-DISTRICT-ONEMARKER']) {
    t0 = await h.env.currentTimeMs();
    const c = await startVisit(h, sampleNotice('district', t0, { noticeId, unitId: 'dongcun' }));
    await waitForStep(c, `arrival.reminder.1h@${t0 + 3 * H}`);
    await skipTo(h, t0, 3.5);
    await c.handle.executeUpdate(reportArrivalUpdate, { args: [{ leaderId: 'dongcun-sun', arrivedAt: new Date(t0 + 3.5 * H).toISOString(), actor: unitActor }] });
    await c.handle.executeUpdate(submitClosureReportUpdate, { args: [{ result: '已接回，矛盾已化解', actor: unitActor }] });
    await c.handle.result();
    await save(c.caseId);
  }
} finally {
  await h.stop();
}
