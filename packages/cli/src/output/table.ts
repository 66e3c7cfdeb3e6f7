/** Colour hook for table headers (identity when colour is off). */
export type Paint = (s: string) => string;

/** One column of a human-readable table. */
export interface TableColumn {
  /** Header text. */
  readonly header: string;
  /** Right-align (numbers); default left. */
  readonly align?: 'left' | 'right';
}

/** Display width of a string: code points, ignoring ANSI colour sequences. */
export function displayWidth(s: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour sequences
  return [...s.replace(/\u001b\[[0-9;]*m/g, '')].length;
}

function pad(s: string, width: number, align: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(s)));
  return align === 'right' ? fill + s : s + fill;
}

/**
 * Renders rows as an aligned text table for people: a header line, a rule, then one line per row,
 * columns separated by two spaces, trailing spaces trimmed. Cells are already strings.
 */
export function renderTable(
  columns: readonly TableColumn[],
  rows: readonly (readonly string[])[],
  header: Paint = (s) => s,
): string[] {
  const widths = columns.map((c, i) =>
    Math.max(displayWidth(c.header), ...rows.map((r) => displayWidth(r[i] ?? ''))),
  );
  const line = (cells: readonly string[], paint: Paint = (s) => s): string =>
    columns
      .map((c, i) => paint(pad(cells[i] ?? '', widths[i] ?? 0, c.align ?? 'left')))
      .join('  ')
      .trimEnd();
  return [
    line(
      columns.map((c) => c.header),
      header,
    ),
    widths
      .map((w) => '─'.repeat(w))
      .join('  ')
      .trimEnd(),
    ...rows.map((r) => line(r)),
  ];
}

/** Renders `key: value` pairs with the keys padded to one width. */
export function renderFields(
  fields: readonly (readonly [string, string])[],
  key: Paint = (s) => s,
): string[] {
  const width = Math.max(0, ...fields.map(([k]) => displayWidth(k)));
  return fields.map(([k, v]) => `${key(pad(`${k}:`, width + 1, 'left'))} ${v}`.trimEnd());
}
