// Reads a generated DOCX back as text, one string per paragraph, so tests assert what Word would show.
import JSZip from 'jszip';

const decode = (s: string): string =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

/** The paragraphs of word/document.xml (table cells included, in document order), text only, empty ones dropped. */
export async function docxParagraphs(docx: Buffer | Uint8Array): Promise<string[]> {
  const zip = await JSZip.loadAsync(docx);
  const xml = await zip.file('word/document.xml')?.async('string');
  if (xml === undefined) throw new Error('not a DOCX: word/document.xml is missing');
  const paragraphs: string[] = [];
  for (const p of xml.match(/<w:p[ >][\s\S]*?<\/w:p>/g) ?? []) {
    const text = [...p.matchAll(/<w:t(?:\s[^>]*)?>([^<]*)<\/w:t>/g)].map((m) => decode(m[1] ?? '')).join('');
    if (text !== '') paragraphs.push(text);
  }
  return paragraphs;
}
