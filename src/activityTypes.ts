// The activities' interface: workflows type their proxies with it and never import activity code.
import type { CaseRecord } from './caseRecord.js';
import type { CircularActivities } from './circular/types.js';
import type { UnitSnapshot } from './directory.js';
import type { DocumentActivities } from './documents/types.js';
import type { CaseView, LedgerEntry } from './messages.js';
import type { NotifyRequest } from './notifications.js';
import type { MonthlyRoundInput, MonthlyRoundResult } from './duties/monthlyObligation.js';

export interface DeliveryResult {
  recipientId: string;
  channel: string;
  status: 'accepted' | 'duplicate' | 'failed';
  error?: string;
  /** The provider's message ID (Twilio MessageSid, SMTP Message-ID). */
  providerId?: string;
  /** Channels that refused this recipient for good before the one that took it. */
  fellBackFrom?: string[];
  /** For reports to supervisors: the recipient who could not be reached. */
  about?: string;
}

export interface NotifyResult {
  deliveries: DeliveryResult[];
  /** Reports to supervisors about recipients nobody could reach. */
  reports?: DeliveryResult[];
  /** Whether the request's record was written (absent: it carried none); false: the workflow records it again. */
  recorded?: boolean;
}

export interface DubanActivities extends DocumentActivities, CircularActivities {
  notify(request: NotifyRequest): Promise<NotifyResult>;
  lookupUnit(unitId: string): Promise<UnitSnapshot>;
  recordLedgerEntry(entry: LedgerEntry): Promise<void>;
  /** Writes the case's view and a fact row per timeline entry to the database (idempotent; an older view never wins). */
  recordCase(view: CaseView): Promise<void>;
  /** Writes a case's record (src/caseRecord.ts): its columns, its new facts and, at its first and last, the view. */
  recordCaseRecord(record: CaseRecord): Promise<void>;
  /** Opens a month's case of an obligation for every unit (a case already there is left as it is). */
  openMonthlyCases(request: { round: MonthlyRoundInput; period: string; registeredAt: string }): Promise<MonthlyRoundResult>;
}
