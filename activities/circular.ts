// The quarterly circular: collecting case facts, XLSX and DOCX, e-mail. Placeholder until the circular work lands (issue 5).
import type { CircularActivities } from '../src/circular/types.js';
import type { ActivityDeps } from './index.js';

export function createCircularActivities(_deps: ActivityDeps): CircularActivities {
  return {};
}
