import { ErrorCode, MeterkitError } from '@meterkit/core';

/** A value of the TOML subset meterkit reads. */
export type TomlValue = string | number | boolean | TomlTable | readonly (string | number | boolean)[];
/** A TOML table. */
export interface TomlTable {
  [key: string]: TomlValue;
}

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

function fail(file: string, line: number, message: string): never {
  throw new MeterkitError(ErrorCode.InvalidArgument, `${file} line ${line}: ${message}`);
}

/** Splits a dotted key (`meter."kitchen a1800".keys`) into its parts. */
function parseKey(text: string, file: string, line: number): string[] {
  const parts: string[] = [];
  let i = 0;
  const s = text.trim();
  while (i < s.length) {
    while (s[i] === ' ' || s[i] === '\t') i++;
    let part: string;
    if (s[i] === '"' || s[i] === "'") {
      const quote = s[i];
      const end = s.indexOf(quote as string, i + 1);
      if (end < 0) fail(file, line, 'unterminated quoted key');
      part = s.slice(i + 1, end);
      i = end + 1;
    } else {
      let end = i;
      while (end < s.length && s[end] !== '.' && s[end] !== ' ' && s[end] !== '\t') end++;
      part = s.slice(i, end);
      if (!BARE_KEY.test(part)) fail(file, line, `'${part}' is not a valid key`);
      i = end;
    }
    parts.push(part);
    while (s[i] === ' ' || s[i] === '\t') i++;
    if (i < s.length) {
      if (s[i] !== '.') fail(file, line, `unexpected '${s[i]}' in a key`);
      i++;
    }
  }
  if (parts.length === 0) fail(file, line, 'empty key');
  return parts;
}

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };

/** Parses one scalar (string, integer, boolean) at the start of `s`; returns it and the rest. */
function parseScalar(s: string, file: string, line: number): [string | number | boolean, string] {
  if (s.startsWith('"')) {
    let out = '';
    let i = 1;
    for (; i < s.length && s[i] !== '"'; i++) {
      if (s[i] === '\\') {
        const e = ESCAPES[s[i + 1] ?? ''];
        if (e === undefined) fail(file, line, 'unsupported escape in a string');
        out += e;
        i++;
      } else out += s[i];
    }
    if (i >= s.length) fail(file, line, 'unterminated string');
    return [out, s.slice(i + 1)];
  }
  if (s.startsWith("'")) {
    const end = s.indexOf("'", 1);
    if (end < 0) fail(file, line, 'unterminated string');
    return [s.slice(1, end), s.slice(end + 1)];
  }
  const m = /^(true|false|[+-]?0x[0-9A-Fa-f_]+|[+-]?[0-9][0-9_]*)(?=[\s,\]#]|$)/.exec(s);
  if (m === null) fail(file, line, 'expected a string, an integer or a boolean');
  const token = m[1] as string;
  const rest = s.slice(token.length);
  if (token === 'true' || token === 'false') return [token === 'true', rest];
  const n = Number(token.replace(/_/g, ''));
  if (!Number.isSafeInteger(n)) fail(file, line, `${token} is not a safe integer`);
  return [n, rest];
}

function parseValue(s: string, file: string, line: number): TomlValue {
  let rest: string;
  let value: TomlValue;
  if (s.startsWith('[')) {
    const items: (string | number | boolean)[] = [];
    rest = s.slice(1).trimStart();
    while (!rest.startsWith(']')) {
      const [item, after] = parseScalar(rest, file, line);
      items.push(item);
      rest = after.trimStart();
      if (rest.startsWith(',')) rest = rest.slice(1).trimStart();
      else if (!rest.startsWith(']')) fail(file, line, "expected ',' or ']' in an array");
    }
    value = items;
    rest = rest.slice(1);
  } else {
    [value, rest] = parseScalar(s, file, line);
  }
  rest = rest.trim();
  if (rest !== '' && !rest.startsWith('#')) fail(file, line, `unexpected text after the value`);
  return value;
}

function tableAt(root: TomlTable, path: readonly string[], file: string, line: number): TomlTable {
  let t = root;
  for (const part of path) {
    const next = t[part];
    if (next === undefined) {
      const created: TomlTable = {};
      t[part] = created;
      t = created;
    } else if (typeof next === 'object' && !Array.isArray(next)) {
      t = next as TomlTable;
    } else {
      fail(file, line, `'${part}' is already a value, not a table`);
    }
  }
  return t;
}

/** Index of the `=` after a key (quoted key parts may contain `=`), or -1. */
function keyEnd(s: string): number {
  let quote: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '=') return i;
  }
  return -1;
}

/**
 * Parses the subset of TOML v1.0.0 a keyring needs: `[table]` headers with dotted and quoted keys,
 * `key = value` with basic and literal strings, decimal and hex integers, booleans and one-line
 * arrays of those, and `#` comments. Anything else (dates, floats, inline tables, multi-line
 * strings) is refused with the line number. Secrets in values never appear in the errors.
 */
export function parseToml(text: string, file = 'TOML'): TomlTable {
  const root: TomlTable = {};
  let current = root;
  const defined = new Set<string>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const s = raw.trim();
    if (s === '' || s.startsWith('#')) return;
    if (s.startsWith('[')) {
      if (s.startsWith('[[')) fail(file, line, 'arrays of tables are not supported');
      const close = s.lastIndexOf(']');
      const after = s.slice(close + 1).trim();
      if (close < 0 || (after !== '' && !after.startsWith('#'))) fail(file, line, 'malformed table header');
      const path = parseKey(s.slice(1, close), file, line);
      const id = JSON.stringify(path);
      if (defined.has(id)) fail(file, line, `table [${path.join('.')}] is defined twice`);
      defined.add(id);
      current = tableAt(root, path, file, line);
      return;
    }
    const eq = keyEnd(s);
    if (eq <= 0) fail(file, line, "expected 'key = value' or a [table] header");
    const keyPath = parseKey(s.slice(0, eq), file, line);
    const table = tableAt(current, keyPath.slice(0, -1), file, line);
    const name = keyPath[keyPath.length - 1] as string;
    if (name in table) fail(file, line, `key '${name}' is defined twice`);
    table[name] = parseValue(s.slice(eq + 1).trim(), file, line);
  });
  return root;
}
