// Times are stored as UTC ISO strings and shown in Asia/Shanghai.
const shanghai = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** "2026年11月25日 17:30" (seconds shown only when not zero). */
export function formatShanghai(iso: string | number | Date): string {
  const parts = Object.fromEntries(shanghai.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  const seconds = parts.second && parts.second !== '00' ? `:${parts.second}` : '';
  return `${parts.year}年${parts.month}月${parts.day}日 ${parts.hour}:${parts.minute}${seconds}`;
}

/** "2026年11月25日": the Beijing date as official documents write it (no leading zeros). */
export function formatShanghaiDate(iso: string | number | Date): string {
  const parts = Object.fromEntries(shanghai.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${parts.year}年${Number(parts.month)}月${Number(parts.day)}日`;
}

export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}
