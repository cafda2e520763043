// 月度工作 on the ladder engine: one case per unit, obligation and month, due by the policy's day of the next month;
// the report (with its file in the store of record) or the study's record closes it; missed, the same ladder runs.
import { setHandler, workflowInfo } from '@temporalio/workflow';
import { SYSTEM_ACTOR } from '../src/domain.js';
import { ErrorType, businessFailure, parseOrReject } from '../src/errors.js';
import { toIso as iso } from '../src/time.js';
import {
  OBLIGATION_LABEL,
  monthlyOpening,
  monthlyPlan,
  monthlyRecordOf,
  monthlyStage,
  monthlyViewOf,
  monthlyYellowFrom,
  periodLabel,
  recordLeadershipStudySchema,
  recordLeadershipStudyUpdate,
  studyDateProblem,
  submitMonthlyReportSchema,
  submitMonthlyReportUpdate,
  type MonthlyObligationInput,
  type MonthlyObligationParts,
  type MonthlyObligationView,
} from '../src/duties/monthlyObligation.js';
import { CURRENT_FLAGS, createLadderEngine, ladderStateOf, REPORTING_ROLES, requireRole, type LadderState } from './lib/ladderEngine.js';

export async function monthlyObligation(input: MonthlyObligationInput): Promise<MonthlyObligationView> {
  const { policy, obligation, period } = input;
  const opening = monthlyOpening(input);
  const { caseId } = opening;
  if (workflowInfo().workflowId !== caseId) throw businessFailure(ErrorType.InvalidInput, `must start as workflow ${caseId}`, 'period');
  const registeredAt = Date.parse(input.registeredAt);
  const state: LadderState = ladderStateOf(opening);
  const own: Pick<MonthlyObligationParts, 'due' | 'report' | 'study'> = { due: opening.due, report: null, study: null };
  const parts = (): MonthlyObligationParts => ({ caseId, input, ...state, ...own });
  const site = `${periodLabel(period)}${OBLIGATION_LABEL[obligation]}`;

  const engine = createLadderEngine<MonthlyObligationView>(
    {
      caseId,
      registeredAt,
      plan: (f) => monthlyPlan(policy, f),
      points: () => policy.ladder.points,
      yellowAt: () => monthlyYellowFrom(policy, state.facts.deadline),
      stage: () => monthlyStage(parts()),
      view: (now) => monthlyViewOf(parts(), now),
      recordOf: monthlyRecordOf,
      noticeFields: () => ({ receptionSite: site, duty: 'monthlyObligation' }),
      audience: (event) => policy.audience[event],
      documentFacts: () => ({ duty: 'monthlyObligation', receptionSite: site, receivedAt: input.registeredAt }),
      deductionFacts: () => ({ reason: `${site}逾期未报送，经催办、督办仍未报送且无情况说明` }),
    },
    CURRENT_FLAGS,
    state,
  );
  const { record, queueNotice, factsChanged, ack, requireOpen } = engine;

  const close = (): void => {
    const entry = record({ type: 'closed', actor: SYSTEM_ACTOR });
    queueNotice('closure', `closure.${entry.seq}`);
    state.status = 'closed';
    factsChanged();
  };
  const requireObligation = (wanted: MonthlyObligationInput['obligation'], field: string): void => {
    if (obligation !== wanted) throw businessFailure(ErrorType.InvalidInput, `this case is ${OBLIGATION_LABEL[obligation]}, not ${OBLIGATION_LABEL[wanted]}`, field);
  };

  // Handlers are set before the first await.
  engine.setCommonHandlers();

  setHandler(
    submitMonthlyReportUpdate,
    (raw) => {
      const { summary, disputesFound, file, actor } = submitMonthlyReportSchema.parse(raw);
      const now = Date.now();
      const onTime = now <= state.facts.deadline;
      own.report = { summary, disputesFound, file, submittedAt: iso(now), onTime };
      record({ type: 'monthlyReportSubmitted', milestone: obligation, actor, reason: summary, detail: { fileId: file.fileId, fileName: file.fileName, size: file.size, sha256: file.sha256, disputesFound, onTime } });
      close();
      return Promise.resolve(ack());
    },
    {
      validator: (raw) => {
        requireOpen();
        const report = parseOrReject(submitMonthlyReportSchema, raw);
        requireRole(report.actor, REPORTING_ROLES);
        requireObligation('disputeScreening', 'file');
      },
    },
  );

  setHandler(
    recordLeadershipStudyUpdate,
    (raw) => {
      const { meetingDate, attendees, topics, actor } = recordLeadershipStudySchema.parse(raw);
      const now = Date.now();
      const onTime = now <= state.facts.deadline;
      own.study = { meetingDate, attendees, topics, recordedAt: iso(now), onTime };
      record({ type: 'leadershipStudyRecorded', milestone: obligation, actor, reason: topics, detail: { meetingDate, attendees: attendees.join(','), onTime } });
      close();
      return Promise.resolve(ack());
    },
    {
      validator: (raw) => {
        requireOpen();
        const study = parseOrReject(recordLeadershipStudySchema, raw);
        requireRole(study.actor, REPORTING_ROLES);
        requireObligation('leadershipStudy', 'meetingDate');
        const problem = studyDateProblem(period, study.meetingDate, Date.now());
        if (problem) throw businessFailure(ErrorType.InvalidInput, problem, 'meetingDate');
        // The leadership studies: at least one of the unit's leaders is among those who attended.
        if (!study.attendees.some((a) => state.unit.leaders.some((l) => l.id === a))) throw businessFailure(ErrorType.InvalidInput, `must include a leader of unit ${state.unit.id}`, 'attendees');
      },
    },
  );

  return engine.run();
}
