import type { JsonValue } from '@meterkit/core';

/** Colour hooks for the tree renderer (identity functions when colour is off). */
export interface TreeColors {
  readonly key: (s: string) => string;
  readonly value: (s: string) => string;
  readonly dim: (s: string) => string;
}

const plain: TreeColors = { key: (s) => s, value: (s) => s, dim: (s) => s };

function scalar(v: JsonValue): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return v;
  return String(v);
}

function isScalar(v: JsonValue): boolean {
  return v === null || typeof v !== 'object';
}

/**
 * Renders a value in meterkit's JSON form as an indented tree for people: `key: value` for
 * scalars, nested blocks indented two spaces, array items as `- `. An object with a `type` shows it
 * on the line that opens the block (`apdu: get-response-normal`).
 */
export function renderTree(value: JsonValue, colors: TreeColors = plain, indent = 0): string[] {
  const pad = ' '.repeat(indent);
  const lines: string[] = [];
  if (isScalar(value)) {
    lines.push(pad + colors.value(scalar(value)));
    return lines;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) lines.push(`${pad}${colors.dim('(empty)')}`);
    for (const item of value as readonly JsonValue[]) {
      if (isScalar(item)) {
        lines.push(`${pad}- ${colors.value(scalar(item))}`);
      } else {
        const sub = renderTree(item, colors, indent + 2);
        lines.push(`${pad}- ${sub[0]!.trimStart()}`, ...sub.slice(1));
      }
    }
    return lines;
  }
  const obj = value as { readonly [k: string]: JsonValue };
  for (const [k, v] of Object.entries(obj)) {
    if (isScalar(v)) {
      lines.push(`${pad}${colors.key(k)}: ${colors.value(scalar(v))}`);
    } else if (Array.isArray(v) && v.length === 0) {
      lines.push(`${pad}${colors.key(k)}: ${colors.dim('[]')}`);
    } else {
      const t = !Array.isArray(v) ? (v as { readonly [k: string]: JsonValue })['type'] : undefined;
      if (typeof t === 'string') {
        lines.push(`${pad}${colors.key(k)}: ${colors.value(t)}`);
        const rest = Object.fromEntries(Object.entries(v as object).filter(([kk]) => kk !== 'type')) as {
          [k: string]: JsonValue;
        };
        if (Object.keys(rest).length > 0) lines.push(...renderTree(rest, colors, indent + 2));
      } else {
        lines.push(`${pad}${colors.key(k)}:`);
        lines.push(...renderTree(v, colors, indent + 2));
      }
    }
  }
  return lines;
}
