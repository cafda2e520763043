// The document routes on a real worker (time skipping): the list and the DOCX download from the store of record, with
// its content type and RFC 5987 file name, unit scoping, and refusals as problems.
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- responses are read as untyped JSON */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadApiKeys } from '../src/api/auth.js';
import { buildApiServer } from '../src/api/server.js';
import { shanghaiYear } from '../src/domain.js';
import { issueDocumentNumber, readDocument, storeDocumentContent } from '../src/records/documents.js';
import { H, TASK_QUEUE, createTimeSkippingEnv, directory, policy, sampleNotice, skipTo, startHarness, startVisit, view, waitForStep, type Harness } from './helpers.js';
import { docxParagraphs } from './docxText.js';

const KEY = { unit: 'dev-unit-wuli-gov-key', otherUnit: 'dev-unit-wuli-landres-key', supervisor: 'dev-supervisor-key', viewer: 'dev-viewer-key', intake: 'dev-intake-key' } as const;
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

let h: Harness;
let api: FastifyInstance;
let caseId: string;
let year: number;
let t0: number;
beforeAll(async () => {
  h = await startHarness(await createTimeSkippingEnv());
  api = await buildApiServer({ client: h.env.client, records: h.records, namespace: h.env.namespace ?? 'default', taskQueue: TASK_QUEUE, policy, directory, keys: loadApiKeys({}), dataDir: h.dataDir });
  // One district case past its 督办: a 催办单 and a 督办单.
  t0 = await h.env.currentTimeMs();
  const c = await startVisit(h, sampleNotice('district', t0));
  await waitForStep(c, `arrival.reminder.1h@${t0 + 3 * H}`);
  await skipTo(h, t0, 5.5);
  caseId = c.caseId;
  year = shanghaiYear(t0 + 3 * H);
  expect((await view(c)).timeline.filter((e) => e.type === 'documentIssued')).toHaveLength(2);
}, 90_000);
afterAll(async () => {
  await api?.close();
  await h?.terminateOpen();
  await h?.stop();
});

const get = async (url: string, key: string | null): Promise<{ status: number; json: any; body: Buffer; headers: Record<string, unknown> }> => {
  const res = await api.inject({ method: 'GET', url, ...(key ? { headers: { authorization: `Bearer ${key}` } } : {}) });
  const isJson = String(res.headers['content-type'] ?? '').includes('json');
  return { status: res.statusCode, json: isJson ? JSON.parse(res.body) : null, body: res.rawPayload, headers: res.headers };
};
const docsUrl = (id: string, suffix = ''): string => `/cases/${encodeURIComponent(id)}/documents${suffix}`;

test('list: the case\'s documents with 文号, kind, milestone, time of issue and download URL', async () => {
  const issued = (await view(h.started[0]!)).timeline.filter((e) => e.type === 'documentIssued').map((e) => e.at);
  const list = await get(docsUrl(caseId), KEY.unit);
  expect(list.status).toBe(200);
  expect(list.json).toEqual({
    caseId,
    documents: [
      {
        documentId: `wuli-xfb-${year}-0001`,
        documentNumber: `五信督〔${year}〕1号`,
        kind: 'urge',
        milestone: 'arrival',
        number: 1,
        year,
        fileName: `催办单（五信督〔${year}〕1号）.docx`,
        issuedAt: issued[0],
        url: `/cases/${encodeURIComponent(caseId)}/documents/wuli-xfb-${year}-0001`,
      },
      {
        documentId: `wuli-xfb-${year}-0002`,
        documentNumber: `五信督〔${year}〕2号`,
        kind: 'supervise',
        milestone: 'arrival',
        number: 2,
        year,
        fileName: `督办单（五信督〔${year}〕2号）.docx`,
        issuedAt: issued[1],
        url: `/cases/${encodeURIComponent(caseId)}/documents/wuli-xfb-${year}-0002`,
      },
    ],
  });
  for (const key of [KEY.supervisor, KEY.viewer]) expect((await get(docsUrl(caseId), key)).json).toEqual(list.json);
}, 30_000);

test('download: the DOCX bytes as stored, with its content type and the Chinese file name (RFC 5987)', async () => {
  const res = await get(docsUrl(caseId, `/wuli-xfb-${year}-0001`), KEY.unit);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe(DOCX);
  expect(res.headers['content-disposition']).toBe(
    `attachment; filename="wuli-xfb-${year}-0001.docx"; filename*=UTF-8''${encodeURIComponent(`催办单（五信督〔${year}〕1号）.docx`)}`,
  );
  expect(Buffer.compare(res.body, (await readDocument(h.records, `wuli-xfb-${year}-0001`))!.content!)).toBe(0);
  expect((await docxParagraphs(res.body)).slice(0, 3)).toEqual([`关于五里乡人民政府到区接人逾期的催办单`, `五信督〔${year}〕1号`, '五里乡人民政府：']);
}, 30_000);

test('refusals: another unit\'s key 403, no key 401, intake 403, unknown document, case or file 404, a path in the ID 400', async () => {
  const other = await get(docsUrl(caseId), KEY.otherUnit);
  expect(other.status).toBe(403);
  expect(other.headers['content-type']).toContain('application/problem+json');
  expect((await get(docsUrl(caseId, `/wuli-xfb-${year}-0001`), KEY.otherUnit)).status).toBe(403);
  expect((await get(docsUrl(caseId), null)).status).toBe(401);
  expect((await get(docsUrl(caseId), KEY.intake)).status).toBe(403);

  const unknown = await get(docsUrl(caseId, `/wuli-xfb-${year}-0099`), KEY.supervisor);
  expect(unknown.status).toBe(404);
  expect(unknown.json).toMatchObject({ status: 404, errors: [{ field: 'documentId', message: 'is not a document of this case' }] });
  expect((await get(docsUrl('visit:N-nobody'), KEY.supervisor)).status).toBe(404);

  for (const bad of ['..%2F..%2Fetc%2Fpasswd', `wuli-xfb-${year}-0001.docx`, `..%2F${year}%2Fwuli-xfb-${year}-0001`]) {
    const res = await get(docsUrl(caseId, `/${bad}`), KEY.supervisor);
    expect([bad, res.status]).toEqual([bad, 400]);
    expect(res.json.errors).toEqual([{ field: 'documentId', message: 'must be a document ID such as wuli-xfb-2026-0001' }]);
  }
  // Numbered but its DOCX not stored (a rendering that has not finished): not listed, and its download is a 404, never a 500.
  const bare = await issueDocumentNumber(h.records.db, { officeId: 'wuli-xfb', year, key: `${caseId}/closureReport/urge`, caseId, kind: 'urge', milestone: 'closureReport', documentNumberFormat: directory.office.documentNumberFormat, issuedAt: new Date(t0 + 6 * H).toISOString() });
  expect(bare.documentId).toBe(`wuli-xfb-${year}-0003`);
  expect(((await get(docsUrl(caseId), KEY.supervisor)).json.documents as { documentId: string }[]).map((d) => d.documentId)).toEqual([`wuli-xfb-${year}-0001`, `wuli-xfb-${year}-0002`]);
  const gone = await get(docsUrl(caseId, `/wuli-xfb-${year}-0003`), KEY.supervisor);
  expect(gone.status).toBe(404);
  expect(gone.json).toMatchObject({ status: 404, errors: [{ field: 'documentId', message: 'file is missing' }] });
  await storeDocumentContent(h.records, bare.documentId, Buffer.from('DOCX'));
  expect((await get(docsUrl(caseId, `/wuli-xfb-${year}-0003`), KEY.supervisor)).body).toEqual(Buffer.from('DOCX'));
  // Another case's document under this case's URL: not a document of this case.
  const foreign = await issueDocumentNumber(h.records.db, { officeId: 'wuli-xfb', year, key: 'visit:N-foreign/arrival/urge', caseId: 'visit:N-foreign', kind: 'urge', milestone: 'arrival', documentNumberFormat: directory.office.documentNumberFormat, issuedAt: new Date(t0 + 6 * H).toISOString() });
  await storeDocumentContent(h.records, foreign.documentId, Buffer.from('OTHER'));
  const notOurs = await get(docsUrl(caseId, `/${foreign.documentId}`), KEY.supervisor);
  expect(notOurs.status).toBe(404);
  expect(notOurs.json).toMatchObject({ status: 404, errors: [{ field: 'documentId', message: 'is not a document of this case' }] });
  // A dot segment is resolved away before routing: it never reaches the document route.
  const dots = await get(docsUrl(caseId, '/%2E%2E'), KEY.supervisor);
  expect(dots.status).toBe(404);
  expect(dots.headers['content-type']).toContain('application/problem+json');
}, 30_000);

test('OpenAPI describes both routes: parameters, the list schema, the DOCX answer and the problems', async () => {
  const res = await api.inject({ method: 'GET', url: '/openapi.json' });
  expect(res.statusCode).toBe(200);
  const doc = JSON.parse(res.body) as { paths: Record<string, Record<string, { parameters?: { name: string }[]; responses: Record<string, unknown> }>> };
  const list = doc.paths['/cases/{caseId}/documents']!.get!;
  const one = doc.paths['/cases/{caseId}/documents/{documentId}']!.get!;
  expect(list.parameters!.map((p) => p.name)).toEqual(['caseId']);
  expect(one.parameters!.map((p) => p.name)).toEqual(['caseId', 'documentId']);
  expect(Object.keys(list.responses)).toEqual(expect.arrayContaining(['200', '401', '403', '404']));
  expect(Object.keys(one.responses)).toEqual(expect.arrayContaining(['200', '400', '403', '404']));
  expect(JSON.stringify(list.responses['200'])).toContain('documentNumber');
});

test('the API reference page and its bundled assets are served (@fastify/static, pinned to a Node 20 release)', async () => {
  const page = await api.inject({ method: 'GET', url: '/docs' });
  expect(page.statusCode).toBe(200);
  expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(page.body).toContain('href="/docs/static/swagger-ui.css"');
  const css = await api.inject({ method: 'GET', url: '/docs/static/swagger-ui.css' });
  expect(css.statusCode).toBe(200);
  expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
  expect(css.body).toContain('.swagger-ui');
});
