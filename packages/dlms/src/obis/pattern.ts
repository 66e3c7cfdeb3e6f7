import { MeterkitError } from '@meterkit/core';
import { DlmsErrorCode } from '../errors.js';
import { OBIS_LENGTH, parseObis } from './obis.js';

/**
 * OBIS code patterns: each of the six value groups (IEC 62056-6-1 §4) is a set of ranges, so one
 * pattern stands for a family of codes, e.g. `1-*:1-4.8.0-63.*` for all energy registers.
 *
 * Group syntax: `*` (0–255), a number, a range `a-b`, or a comma list of those (`1,3,5-7`).
 * Groups are separated as in OBIS text: `A-B:C.D.E.F` or `A.B.C.D.E.F` (with `-` inside a group
 * meaning a range in the dotted form only).
 */
export interface ObisPattern {
  /** For each group A–F, inclusive `[min, max]` ranges. */
  readonly groups: readonly (readonly (readonly [number, number])[])[];
  /** The pattern's text as given. */
  readonly text: string;
}

function bad(text: string, why: string): never {
  throw new MeterkitError(DlmsErrorCode.ObisPatternInvalid, `OBIS pattern ${JSON.stringify(text)}: ${why}`, {
    path: 'obis-pattern',
  });
}

function parseGroup(text: string, group: string): [number, number][] {
  const ranges: [number, number][] = [];
  for (const part of group.split(',')) {
    const p = part.trim();
    if (p === '*') {
      ranges.push([0, 255]);
      continue;
    }
    const m = /^(\d{1,3})(?:-(\d{1,3}))?$/.exec(p);
    if (m === null) bad(text, `bad group ${JSON.stringify(group)}`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (lo > 255 || hi > 255 || lo > hi) bad(text, `bad range ${JSON.stringify(p)}`);
    ranges.push([lo, hi]);
  }
  return ranges;
}

/**
 * Parses an OBIS pattern. Both `A-B:C.D.E.F` and the dotted `A.B.C.D.E.F` form are accepted. In
 * the first form the first `-` separates A from B, so a range or list in group A needs the dotted
 * form. Malformed patterns raise `ObisPatternInvalid` (621). IEC 62056-6-1 §4.
 */
export function parseObisPattern(text: string): ObisPattern {
  let parts: string[];
  const colon = text.indexOf(':');
  if (colon >= 0) {
    const ab = text.slice(0, colon);
    const dash = ab.indexOf('-');
    if (dash < 0) bad(text, 'expected A-B before the colon');
    const rest = text.slice(colon + 1).split('.');
    parts = [ab.slice(0, dash), ab.slice(dash + 1), ...rest];
  } else {
    parts = text.split('.');
  }
  if (parts.length !== OBIS_LENGTH) bad(text, 'needs six value groups');
  return { groups: parts.map((g) => parseGroup(text, g)), text };
}

/** True when the OBIS code (text or six octets) lies in the pattern. IEC 62056-6-1 §4. */
export function matchesObis(pattern: ObisPattern | string, code: string | Uint8Array): boolean {
  const p = typeof pattern === 'string' ? parseObisPattern(pattern) : pattern;
  const b = code instanceof Uint8Array && code.length === OBIS_LENGTH ? code : parseObis(code);
  for (let i = 0; i < OBIS_LENGTH; i++) {
    const v = b[i]!;
    let hit = false;
    for (const [lo, hi] of p.groups[i]!) {
      if (v >= lo && v <= hi) {
        hit = true;
        break;
      }
    }
    if (!hit) return false;
  }
  return true;
}
