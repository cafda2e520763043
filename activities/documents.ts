// Official 催办单 / 督办单: numbering, DOCX rendering and storage. Placeholder until the documents work lands (issue 5).
import type { DocumentActivities } from '../src/documents/types.js';
import type { ActivityDeps } from './index.js';

export function createDocumentActivities(_deps: ActivityDeps): DocumentActivities {
  return {};
}
