// The circular as files: an XLSX (sheet 通报) and a DOCX (title, 文号, period, summary, table, issuer, date).
import { AlignmentType, BorderStyle, Document, Packer, Paragraph, Table, TableCell, TableRow, TextRun, WidthType } from 'docx';
import ExcelJS from 'exceljs';
import { LEVELS, LEVEL_LABEL } from '../domain.js';
import { COUNT_KEYS } from './aggregate.js';
import { circularTitle, localDateText, localDateTimeText, periodName, periodText } from './period.js';
import type { CircularCounts, CircularFigures } from './types.js';

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const DOCX_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

export const COLUMN_HEADERS = ['责任单位', '级别', '交办数', '按时到达', '逾期到达', '催办（次）', '督办（次）', '扣分（次）', '扣分（分）', '逾期未办结'];

export interface RenderMeta {
  officeName: string;
  /** When the circular is issued (its date line), UTC ISO. */
  issuedAt: string;
  documentNumber?: string;
}

/** The table both files show: a row per unit × level, the unit's 小计, and 合计 last. */
export function circularRows(f: CircularFigures): (string | number)[][] {
  const nums = (c: CircularCounts): number[] => COUNT_KEYS.map((k) => c[k]);
  const rows: (string | number)[][] = [];
  for (const u of f.units) {
    for (const level of LEVELS) rows.push([u.unitName, LEVEL_LABEL[level], ...nums(u.levels[level])]);
    rows.push([u.unitName, '小计', ...nums(u.total)]);
  }
  rows.push(['合计', '', ...nums(f.total)]);
  return rows;
}

export function circularSummary(f: CircularFigures): string[] {
  const t = f.total;
  const lv = f.byLevel;
  const lines = [
    `${periodText(f.period)}，共交办信访督办事项${t.escalated}件（进京${lv.beijing.escalated}件、到市${lv.city.escalated}件、到区${lv.district.escalated}件）；` +
      `责任单位领导按时到达现场${t.arrivedOnTime}件、逾期到达${t.arrivedLate}件；发出催办${t.urged}次、督办${t.supervised}次；` +
      `扣分${t.deductions}次，共计${t.deductionPoints}分；截至${localDateTimeText(Date.parse(f.cutoff))}，仍有${t.overdueOpen}件逾期未办结。`,
  ];
  const deducted = f.units.filter((u) => u.total.deductionPoints > 0);
  lines.push(deducted.length > 0 ? `被扣分单位：${deducted.map((u) => `${u.unitName}（${u.total.deductionPoints}分）`).join('、')}。` : '本期无被扣分单位。');
  const overdue = f.units.filter((u) => u.total.overdueOpen > 0);
  if (overdue.length > 0) lines.push(`逾期未办结事项所在单位：${overdue.map((u) => `${u.unitName}（${u.total.overdueOpen}件）`).join('、')}，请抓紧办理并书面报送结果。`);
  if (f.unreadable.length > 0) lines.push(`另有${f.unreadable.length}件事项数据暂无法读取，未计入本通报。`);
  lines.push('请各单位对照通报情况，认真落实领导接人、书面报结等要求，切实提高信访督办事项办理质效。');
  return lines;
}

export async function renderCircularXlsx(f: CircularFigures, meta: RenderMeta): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = meta.officeName;
  wb.created = new Date(meta.issuedAt);
  wb.modified = new Date(meta.issuedAt);
  const ws = wb.addWorksheet('通报');
  const width = COLUMN_HEADERS.length;
  ws.addRow([circularTitle(f.period)]);
  ws.mergeCells(1, 1, 1, width);
  ws.getRow(1).font = { bold: true, size: 14 };
  ws.getRow(1).alignment = { horizontal: 'center' };
  ws.addRow([`通报期间：${periodText(f.period)}　统计截至：${localDateTimeText(Date.parse(f.cutoff))}　${meta.officeName}`]);
  ws.mergeCells(2, 1, 2, width);
  const header = ws.addRow(COLUMN_HEADERS);
  header.font = { bold: true };
  header.alignment = { horizontal: 'center', wrapText: true };
  for (const r of circularRows(f)) {
    const row = ws.addRow(r);
    if (r[1] === '小计' || r[0] === '合计') row.font = { bold: true };
  }
  ws.columns.forEach((c, i) => (c.width = i === 0 ? 24 : i === 1 ? 8 : 11));
  ws.views = [{ state: 'frozen', ySplit: 3 }];
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const border = { style: BorderStyle.SINGLE, size: 4, color: '000000' };
const cell = (text: string | number, bold = false): TableCell =>
  new TableCell({
    children: [new Paragraph({ alignment: AlignmentType.CENTER, children: [new TextRun({ text: String(text), bold, size: 20 })] })],
    borders: { top: border, bottom: border, left: border, right: border },
  });

export async function renderCircularDocx(f: CircularFigures, meta: RenderMeta): Promise<Buffer> {
  const body = (text: string): Paragraph => new Paragraph({ indent: { firstLine: 640 }, spacing: { line: 480 }, children: [new TextRun({ text, size: 32, font: '仿宋_GB2312' })] });
  const rows = circularRows(f);
  const table = new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    rows: [
      new TableRow({ tableHeader: true, children: COLUMN_HEADERS.map((h) => cell(h, true)) }),
      ...rows.map((r) => new TableRow({ children: r.map((v) => cell(v, r[1] === '小计' || r[0] === '合计')) })),
    ],
  });
  const doc = new Document({
    creator: meta.officeName,
    title: circularTitle(f.period),
    sections: [
      {
        children: [
          new Paragraph({ alignment: AlignmentType.CENTER, spacing: { after: 240 }, children: [new TextRun({ text: circularTitle(f.period), bold: true, size: 44, font: '方正小标宋简体' })] }),
          ...(meta.documentNumber ? [new Paragraph({ alignment: AlignmentType.CENTER, spacing: { after: 240 }, children: [new TextRun({ text: meta.documentNumber, size: 32, font: '仿宋_GB2312' })] })] : []),
          new Paragraph({ children: [new TextRun({ text: '各责任单位：', size: 32, font: '仿宋_GB2312' })] }),
          body(`现将${periodName(f.period)}（${periodText(f.period)}）信访督办事项办理情况通报如下。`),
          ...circularSummary(f).map(body),
          body('附表：信访督办情况统计表'),
          table,
          new Paragraph({ alignment: AlignmentType.RIGHT, spacing: { before: 480 }, children: [new TextRun({ text: meta.officeName, size: 32, font: '仿宋_GB2312' })] }),
          new Paragraph({ alignment: AlignmentType.RIGHT, children: [new TextRun({ text: localDateText(Date.parse(meta.issuedAt)), size: 32, font: '仿宋_GB2312' })] }),
        ],
      },
    ],
  });
  return Packer.toBuffer(doc);
}

/** File names on disk and the names offered on download. */
export function circularFileNames(f: CircularFigures): { xlsx: string; docx: string; downloadXlsx: string; downloadDocx: string } {
  const base = `${periodName(f.period)}信访督办情况通报`;
  return { xlsx: `circular-${f.circularId}.xlsx`, docx: `circular-${f.circularId}.docx`, downloadXlsx: `${base}.xlsx`, downloadDocx: `${base}.docx` };
}
