// 三色预警 of every duty (pure: the workflow, the API, the board, the CLI and the list's SQL agree on it):
// green inside the time limit, yellow from the policy's window before the deadline, red once the deadline is reached.
import { parseDuration } from './duration.js';
import type { Level, Milestone } from './domain.js';
import { ladderSpecFor, type LadderSpec, type Policy } from './policy.js';

export const COLOURS = ['red', 'yellow', 'green'] as const;
export type Colour = (typeof COLOURS)[number];
export const COLOUR_LABEL: Record<Colour, string> = { red: '红', yellow: '黄', green: '绿' };
/** Said beside the colour, so colour is never the only signal. */
export const COLOUR_MEANING: Record<Colour, string> = { red: '已逾期', yellow: '临近期限', green: '期限内' };

/** The yellow window of a spec: the policy's `yellowWindow`, or (policies pinned before it existed) a third of the time limit. */
export function yellowWindowMs(spec: LadderSpec): number {
  const set = (spec as Partial<LadderSpec>).yellowWindow;
  return set !== undefined ? parseDuration(set) : Math.floor(parseDuration(spec.deadline) / 3);
}

/** When a milestone with this deadline turns yellow. */
export function yellowFrom(policy: Policy, milestone: Milestone, level: Level, deadline: number): number {
  return deadline - yellowWindowMs(ladderSpecFor(policy, milestone, level));
}

/** A recorded view's colour now (recorded views age; views recorded before the colour existed have no yellowFrom). */
export function colourNow(view: { status: string; deadline: string | null; yellowFrom?: string | null }, now: number): Colour | null {
  if (view.status !== 'open' || view.deadline === null) return null;
  return colourOf(Date.parse(view.deadline), view.yellowFrom ? Date.parse(view.yellowFrom) : null, now);
}

/** The colour at `now`; null for a duty with no deadline (a case that is over). */
export function colourOf(deadline: number | null, yellowFromMs: number | null, now: number): Colour | null {
  if (deadline === null) return null;
  if (now >= deadline) return 'red';
  return yellowFromMs !== null && now >= yellowFromMs ? 'yellow' : 'green';
}
