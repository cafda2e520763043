// Custom search attributes of duban's cases (never personal data: they are not encrypted).
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const kindKey = defineSearchAttributeKey('DubanKind', SearchAttributeType.KEYWORD);
export const levelKey = defineSearchAttributeKey('DubanLevel', SearchAttributeType.KEYWORD);
export const unitKey = defineSearchAttributeKey('DubanUnit', SearchAttributeType.KEYWORD);
export const stageKey = defineSearchAttributeKey('DubanStage', SearchAttributeType.KEYWORD);
export const deadlineKey = defineSearchAttributeKey('DubanDeadline', SearchAttributeType.DATETIME);
export const overdueKey = defineSearchAttributeKey('DubanOverdue', SearchAttributeType.BOOL);
/** 三色预警 of the current duty: green, yellow, red (src/colour.ts); absent once the case is over. */
export const colourKey = defineSearchAttributeKey('DubanColour', SearchAttributeType.KEYWORD);
/** When the notice was received (set at start): the circular lists a period's cases by it. */
export const receivedAtKey = defineSearchAttributeKey('DubanReceivedAt', SearchAttributeType.DATETIME);

export const SEARCH_ATTRIBUTE_KEYS = [kindKey, levelKey, unitKey, stageKey, deadlineKey, overdueKey, receivedAtKey, colourKey];

/** The dev server's --search-attribute arguments. */
export function searchAttributeArgs(): string[] {
  const typeName: Record<string, string> = { KEYWORD: 'Keyword', DATETIME: 'Datetime', BOOL: 'Bool' };
  return SEARCH_ATTRIBUTE_KEYS.flatMap((k) => ['--search-attribute', `${k.name}=${typeName[k.type]}`]);
}
