/** One CSV field (RFC 4180 §2): quoted when it holds a comma, quote, CR or LF; quotes doubled. */
export function csvField(value: string | number | bigint | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV record terminated by CRLF (RFC 4180 §2). */
export function csvRecord(
  fields: readonly (string | number | bigint | boolean | null | undefined)[],
): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

/** A whole CSV document: header record, then one record per row. */
export function renderCsv(
  header: readonly string[],
  rows: readonly (readonly (string | number | bigint | boolean | null | undefined)[])[],
): string {
  return csvRecord(header) + rows.map(csvRecord).join('');
}
