// The activities' interface: workflows type their proxies with it and never import activity code.
import type { UnitSnapshot } from './directory.js';
import type { LedgerEntry } from './messages.js';
import type { NotifyRequest } from './notifications.js';

export interface DeliveryResult {
  recipientId: string;
  channel: string;
  status: 'accepted' | 'duplicate' | 'failed';
  error?: string;
}

export interface NotifyResult {
  deliveries: DeliveryResult[];
}

export interface DubanActivities {
  notify(request: NotifyRequest): Promise<NotifyResult>;
  lookupUnit(unitId: string): Promise<UnitSnapshot>;
  recordLedgerEntry(entry: LedgerEntry): Promise<void>;
}
