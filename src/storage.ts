// Where duban keeps its files under the data directory: the worker writes them, the API serves them.
import { rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** The data directory of a worker's activities: the one given, else the outbox's parent (data/). */
export function dataDirOf(deps: { dataDir?: string; outboxDir: string }): string {
  return deps.dataDir ?? dirname(deps.outboxDir);
}

/** data/documents/<year>/<documentId>.docx: a 催办单 / 督办单. */
export function documentPath(dataDir: string, year: number, documentId: string): string {
  return join(dataDir, 'documents', String(year), `${documentId}.docx`);
}

/** data/circulars/<circularId>/: a circular's XLSX, DOCX, figures.json and mail.json. */
export function circularDir(dataDir: string, circularId: string): string {
  return join(dataDir, 'circulars', circularId);
}

/** Written whole or not at all: a reader (the API) never sees half a file. */
export async function writeFileAtomically(path: string, data: Buffer | string): Promise<void> {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}
