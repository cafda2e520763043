// 催办单 / 督办单 rendering, numbering and the texts that name them (pure: no server).
import { describe, expect, test } from 'vitest';
import { documentAttachments } from '../activities/channels/email.js';
import { contentDisposition } from '../src/api/kit.js';
import { arrivalLinkFor } from '../src/arrivalLink.js';
import { DOCUMENT_ID_PATTERN, documentFileName, documentIdFor, formatDocumentNumber } from '../src/documents/numbering.js';
import { chineseDate, renderOfficialNotice, type OfficialNoticeFacts } from '../src/documents/officialNotice.js';
import { documentNumberRequestSchema } from '../src/messages.js';
import { renderChat, renderEmail, renderNotification, renderSms, smsSegments, type NotifyRequest, type RecipientContext } from '../src/notifications.js';
import { docxParagraphs } from './docxText.js';

const facts = (over: Partial<OfficialNoticeFacts> = {}): OfficialNoticeFacts => ({
  key: 'visit:N-7/closureReport/supervise',
  caseId: 'visit:N-7',
  kind: 'supervise',
  milestone: 'closureReport',
  level: 'beijing',
  unitId: 'dongcun',
  unitName: '东村村委会',
  receptionSite: '国家信访局接待大厅',
  headcount: 2,
  receivedAt: '2026-12-30T23:15:00.000Z', // 2026年12月31日 07:15 in Beijing
  arrivedAt: '2026-12-31T10:00:00.000Z',
  deadline: '2027-01-15T10:00:00.000Z',
  newTimeLimit: '2027-01-25T10:00:00.000Z',
  points: 3,
  issuedAt: '2027-01-18T16:30:00.000Z', // already 1月19日 in Beijing
  documentNumber: '五信督〔2027〕3号',
  officeName: '五里乡信访办',
  ...over,
});

describe('the DOCX', () => {
  test('督办单 for an overdue closure report: title, 文号, 主送, facts in Beijing time, new time limit, consequence, issuer, date', async () => {
    expect(await docxParagraphs(await renderOfficialNotice(facts()))).toEqual([
      '关于东村村委会书面报结果逾期的督办单',
      '五信督〔2027〕3号',
      '东村村委会：',
      '2026年12月31日 07:15，本办接到通知：你单位有群众2人进京上访（国家信访局接待大厅）。你单位领导已于2026年12月31日 18:00到达现场。按规定，你单位应于2027年01月15日 18:00前书面报结果销案。截至2027年01月15日 18:00，你单位仍未书面报结果，已超过规定时限。',
      '经催办仍未书面报结果，现予督办。请你单位立即书面报结果销案，最迟于2027年01月25日 18:00前报送；确有特殊情况的，请于期限前提交情况说明。逾期未报送又无情况说明的，将在年终考核中扣3分。',
      '案件号：visit:N-7',
      '五里乡信访办',
      '2027年1月19日',
    ]);
  });

  test('督办单 with no deduction planned (an explanation awaits a decision): no time limit, no consequence', async () => {
    const paragraphs = await docxParagraphs(await renderOfficialNotice(facts({ milestone: 'arrival', kind: 'supervise', level: 'city', newTimeLimit: null })));
    expect(paragraphs[0]).toBe('关于东村村委会到市接人逾期的督办单');
    expect(paragraphs[4]).toBe('经催办仍未到达，现予督办。请你单位主要领导或分管领导立即到达国家信访局接待大厅接回。');
  });

  test('the page is A4 with GB/T 9704 margins and the body in 仿宋_GB2312 三号', async () => {
    const JSZip = (await import('jszip')).default;
    const xml = await (await JSZip.loadAsync(await renderOfficialNotice(facts()))).file('word/document.xml')!.async('string');
    expect(xml).toContain('<w:pgSz w:w="11907" w:h="16840"');
    expect(xml).toContain('w:top="2098"');
    expect(xml).toContain('w:eastAsia="仿宋_GB2312"');
    expect(xml).toContain('w:eastAsia="方正小标宋简体"');
    expect(xml).toContain('<w:sz w:val="32"/>');
  });

  test('chineseDate: Beijing date without leading zeros', () => {
    expect(chineseDate('2026-11-25T03:00:00Z')).toBe('2026年11月25日');
    expect(chineseDate('2026-12-31T16:00:00Z')).toBe('2027年1月1日');
    expect(chineseDate('2027-03-05T15:59:59Z')).toBe('2027年3月5日');
  });
});

describe('numbers, IDs and names', () => {
  test('文号 from the office format; IDs and file names', () => {
    expect(formatDocumentNumber('五信督〔{year}〕{number}号', 2026, 12)).toBe('五信督〔2026〕12号');
    expect(formatDocumentNumber('〔{year}〕{number}号', 2027, 1)).toBe('〔2027〕1号');
    expect(documentIdFor('wuli-xfb', 2026, 7)).toBe('wuli-xfb-2026-0007');
    expect(documentIdFor('wuli-xfb', 2026, 12345)).toBe('wuli-xfb-2026-12345');
    expect(documentFileName('urge', '五信督〔2026〕1号')).toBe('催办单（五信督〔2026〕1号）.docx');
    expect(documentFileName('supervise', '五信督〔2026〕2号')).toBe('督办单（五信督〔2026〕2号）.docx');
  });

  test('document IDs: nothing path-like passes', () => {
    expect(DOCUMENT_ID_PATTERN.test('wuli-xfb-2026-0001')).toBe(true);
    for (const bad of ['../wuli-xfb-2026-0001', 'wuli-xfb-2026-0001.docx', 'wuli/xfb-2026-0001', '.hidden-2026-0001', 'wuli-xfb-26-0001', '']) expect([bad, DOCUMENT_ID_PATTERN.test(bad)]).toEqual([bad, false]);
  });

  test('the register refuses a key that is not <caseId>/<milestone>/<kind>, naming the field', () => {
    const r = documentNumberRequestSchema.safeParse({ key: 'visit:N-1/arrival/urge', caseId: 'visit:N-1', milestone: 'arrival', kind: 'supervise' });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['key', 'must be <caseId>/<milestone>/<kind>']]);
  });

  test('content-disposition: an ASCII fallback and the Chinese name per RFC 5987', () => {
    expect(contentDisposition('催办单（五信督〔2026〕1号）.docx', 'wuli-xfb-2026-0001.docx')).toBe(
      `attachment; filename="wuli-xfb-2026-0001.docx"; filename*=UTF-8''%E5%82%AC%E5%8A%9E%E5%8D%95%EF%BC%88%E4%BA%94%E4%BF%A1%E7%9D%A3%E3%80%942026%E3%80%951%E5%8F%B7%EF%BC%89.docx`,
    );
  });
});

describe('notices name the document', () => {
  const request = (documents?: NotifyRequest['documents']): NotifyRequest => ({
    caseId: 'visit:N-9',
    key: 'arrival.urge',
    event: 'urge',
    unitId: 'wuli-gov',
    unitName: '五里乡人民政府',
    level: 'district',
    milestone: 'arrival',
    deadline: '2026-11-25T04:00:00.000Z',
    receptionSite: '区信访局接待大厅',
    ...(documents ? { documents } : {}),
  });
  const doc = { documentId: 'wuli-xfb-2026-0001', documentNumber: '五信督〔2026〕1号', fileName: '催办单（五信督〔2026〕1号）.docx' };
  const leader: RecipientContext = { id: 'wuli-gov-wang', name: '王立新', role: 'inCharge', title: '副乡长' };

  test('outbox and e-mail body end with the document; SMS gives the 文号 after the case number; e-mail and chat list it', () => {
    expect(renderNotification(request([doc]))).toBe(`${renderNotification(request())}已制发催办单（五信督〔2026〕1号）。`);
    expect(renderSms(request([doc]), leader)).toBe('【督办】催办：五里乡人民政府到达现场已超期限（北京时间11月25日12:00），请立即办理。案件号visit:N-9。文号五信督〔2026〕1号。到场后请报告区信访办。');
    expect(renderEmail(request([doc]), leader).text).toContain('\n文书：催办单（五信督〔2026〕1号）\n');
    expect(renderChat(request([doc]), leader)).toContain('\n文书：催办单（五信督〔2026〕1号）\n');
    expect(renderEmail(request(), leader).text).not.toContain('文书');
  });

  test('the 文号 costs no extra SMS part: worst-case 催办/督办 stay at 3 parts with the arrival link, 2 without', () => {
    const link = arrivalLinkFor({ baseUrl: 'https://duban.example.cn', secret: 'k'.repeat(43) }, 'visit:N-2026-000123', 'wuli-gov-zhang', '2026-11-25T09:30:00Z', Date.parse('2026-11-25T01:30:00Z'));
    for (const event of ['urge', 'supervise'] as const) {
      const worst: NotifyRequest = { ...request([{ ...doc, documentNumber: '五信督〔2026〕1234号' }]), caseId: 'visit:N-2026-000123', event, unitName: '五里乡国土资源所', level: 'beijing', receptionSite: '国家信访局来访接待司接待大厅' };
      expect([event, smsSegments(renderSms(worst, { ...leader, arrivalLink: link })).segments, smsSegments(renderSms(worst, leader)).segments]).toEqual([event, 3, 2]);
    }
  });

  test('attachments: the stored DOCX by document ID; one not stored or failing to load is left out', async () => {
    const load = (id: string): Promise<Buffer | undefined> => (id === 'x-2026-0003' ? Promise.reject(new Error('database down')) : Promise.resolve(id === doc.documentId ? Buffer.from('DOCX BYTES') : undefined));
    const attachments = await documentAttachments(request([doc, { ...doc, documentId: 'x-2026-0002' }, { ...doc, documentId: 'x-2026-0003' }]), load);
    expect(attachments).toEqual([{ filename: doc.fileName, content: Buffer.from('DOCX BYTES'), contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' }]);
    expect(await documentAttachments(request([doc]), undefined)).toEqual([]);
  });
});
