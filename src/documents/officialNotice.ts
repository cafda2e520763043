// The 催办单 / 督办单 as a DOCX, in the usual order of a Chinese official document (pure: facts in, bytes out).
import { AlignmentType, Document, LineRuleType, Packer, Paragraph, TextRun } from 'docx';
import { LEVEL_LABEL } from '../domain.js';
import { formatShanghai, formatShanghaiDate } from '../time.js';
import { DOCUMENT_TITLE } from './numbering.js';
import type { OfficialDocumentRequest } from './types.js';
import { assignedCaseDocumentBody, assignedCaseDocumentTitle } from '../duties/assignedCaseTexts.js';
import { monthlyDocumentBody, monthlyDocumentTitle } from '../duties/monthlyObligationTexts.js';

/** What the notice prints: the request's facts, its 文号 and the issuing office. */
export interface OfficialNoticeFacts extends OfficialDocumentRequest {
  documentNumber: string;
  officeName: string;
}

/** "2026年11月25日": the date of issue (src/time.ts). */
export const chineseDate = formatShanghaiDate;

/** The title: 关于<unit><level>接人逾期的催办单 / …书面报结果逾期的督办单. */
export function noticeTitle(f: Pick<OfficialNoticeFacts, 'kind' | 'milestone' | 'unitName' | 'level' | 'duty' | 'receptionSite'>): string {
  if (f.duty === 'assignedCase') return assignedCaseDocumentTitle(f, DOCUMENT_TITLE[f.kind]);
  if (f.duty === 'monthlyObligation') return monthlyDocumentTitle(f, DOCUMENT_TITLE[f.kind]);
  const what = f.milestone === 'arrival' ? `${LEVEL_LABEL[f.level!]}接人逾期` : '书面报结果逾期';
  return `关于${f.unitName}${what}的${DOCUMENT_TITLE[f.kind]}`;
}

/** The body paragraphs: the facts, what is required by when, the consequence, the case number. */
export function noticeBody(f: OfficialNoticeFacts): string[] {
  if (f.duty === 'assignedCase') return assignedCaseDocumentBody(f);
  if (f.duty === 'monthlyObligation') return monthlyDocumentBody(f);
  const at = (iso: string): string => formatShanghai(iso);
  const facts =
    f.milestone === 'arrival'
      ? `${at(f.receivedAt)}，本办接到通知：你单位有群众${f.headcount}人${LEVEL_LABEL[f.level!]}上访，现在${f.receptionSite}。` +
        `按规定，你单位主要领导或分管领导应于${at(f.deadline)}前到达现场接回。截至${at(f.deadline)}，你单位领导仍未到达现场，已超过规定时限。`
      : `${at(f.receivedAt)}，本办接到通知：你单位有群众${f.headcount}人${LEVEL_LABEL[f.level!]}上访（${f.receptionSite}）。` +
        `${f.arrivedAt ? `你单位领导已于${at(f.arrivedAt)}到达现场。` : ''}按规定，你单位应于${at(f.deadline)}前书面报结果销案。截至${at(f.deadline)}，你单位仍未书面报结果，已超过规定时限。`;
  const limit = f.newTimeLimit ? at(f.newTimeLimit) : null;
  let demand: string;
  if (f.milestone === 'arrival') {
    const go = `请你单位主要领导或分管领导立即到达${f.receptionSite}接回`;
    demand =
      f.kind === 'urge'
        ? `现予催办。${go}${limit ? `，最迟于${limit}前到达；逾期仍未到达的，将予督办` : ''}。`
        : `经催办仍未到达，现予督办。${go}${limit ? `，最迟于${limit}前到达；确有特殊情况的，请于期限前提交情况说明。逾期未到达又无情况说明的，将在年终考核中扣${f.points}分` : ''}。`;
  } else {
    demand =
      f.kind === 'urge'
        ? `现予催办。请你单位立即书面报结果销案${limit ? `，最迟于${limit}前报送；逾期仍未报送的，将予督办` : ''}。`
        : `经催办仍未书面报结果，现予督办。请你单位立即书面报结果销案${limit ? `，最迟于${limit}前报送；确有特殊情况的，请于期限前提交情况说明。逾期未报送又无情况说明的，将在年终考核中扣${f.points}分` : ''}。`;
  }
  return [facts, demand, `案件号：${f.caseId}`];
}

/** Every paragraph of the notice, in order: what the DOCX shows (tests read it back and compare). */
export function noticeParagraphs(f: OfficialNoticeFacts): string[] {
  return [noticeTitle(f), f.documentNumber, `${f.unitName}：`, ...noticeBody(f), f.officeName, chineseDate(f.issuedAt)];
}

// GB/T 9704 sizes: title 二号 (22 pt) 方正小标宋, body 三号 (16 pt) 仿宋; docx counts half-points and twips.
const TITLE_FONT = { ascii: 'FZXiaoBiaoSong-B05S', eastAsia: '方正小标宋简体', hAnsi: 'FZXiaoBiaoSong-B05S' };
const BODY_FONT = { ascii: 'FangSong_GB2312', eastAsia: '仿宋_GB2312', hAnsi: 'FangSong_GB2312' };
const TITLE_SIZE = 44;
const BODY_SIZE = 32;
const LINE = { line: 560, lineRule: LineRuleType.EXACT };
const MM = 56.7; // twips per millimetre

function para(text: string, options: { title?: boolean; align?: (typeof AlignmentType)[keyof typeof AlignmentType]; indent?: boolean; after?: number } = {}): Paragraph {
  return new Paragraph({
    alignment: options.align ?? AlignmentType.JUSTIFIED,
    spacing: { ...LINE, after: options.after ?? 0 },
    ...(options.indent ? { indent: { firstLine: 640 } } : {}),
    children: [new TextRun({ text, font: options.title ? TITLE_FONT : BODY_FONT, size: options.title ? TITLE_SIZE : BODY_SIZE })],
  });
}

export async function renderOfficialNotice(f: OfficialNoticeFacts): Promise<Buffer> {
  const body = noticeBody(f);
  const doc = new Document({
    creator: f.officeName,
    title: `${DOCUMENT_TITLE[f.kind]} ${f.documentNumber}`,
    description: `${f.caseId} ${f.milestone} ${f.kind}`,
    sections: [
      {
        properties: {
          page: {
            size: { width: Math.round(210 * MM), height: Math.round(297 * MM) },
            margin: { top: Math.round(37 * MM), bottom: Math.round(35 * MM), left: Math.round(28 * MM), right: Math.round(26 * MM) },
          },
        },
        children: [
          para(noticeTitle(f), { title: true, align: AlignmentType.CENTER, after: 280 }),
          para(f.documentNumber, { align: AlignmentType.CENTER, after: 560 }),
          para(`${f.unitName}：`, { align: AlignmentType.LEFT }),
          ...body.map((text) => para(text, { indent: true })),
          new Paragraph({ spacing: LINE, children: [] }),
          para(f.officeName, { align: AlignmentType.RIGHT }),
          para(chineseDate(f.issuedAt), { align: AlignmentType.RIGHT }),
        ],
      },
    ],
  });
  return Packer.toBuffer(doc);
}
