/**
 * Index addressing of table elements (ANSI C12.19-2008 §4 partial table access, used by the
 * PSEM partial read/write index services 0x31–0x39 / 0x41–0x49, ANSI C12.18 §5.3.2.4.3 and
 * §5.3.2.4.4): the octet range an index list and an element count address in a table.
 *
 * The index list walks the table's structure from the top: each index selects, 0-based, one
 * element of the level below — a field of a record (in declaration order, counting only the
 * fields the table's configuration includes, e.g. a DEMANDS_RCD has EVENT_TIME only when
 * DATE_TIME_FIELD_FLAG is set) or an entry of an array. The element count then takes that many
 * consecutive elements of the same level, starting at the addressed one.
 *
 * The layout is known for the arrays of records the index services are used for: ST23
 * CURRENT_REG_DATA_TBL (register data blocks), ST64–ST67 LP_DATA_SETn_TBL (load profile blocks
 * and intervals), ST74 HISTORY_LOG_DATA_TBL and ST76 EVENT_LOG_DATA_TBL (log entries).
 */
import { ErrorCode, MeterkitError } from '@meterkit/core';
import { niSize, timeSizes } from './codec.js';
import { intFmtSize } from './load-profile.js';
import type { TableDependencies } from './registry.js';

/** One element of a table: its octets and, for a record or array, its elements. */
export interface TableElement {
  readonly offset: number;
  readonly size: number;
  /** Number of sub-elements (0 for a simple value). */
  readonly count: number;
  /** Sub-element `i` (0-based), undefined when out of range. */
  element(i: number): TableElement | undefined;
}

/** An element with no sub-elements. */
function value(offset: number, size: number): TableElement {
  return { offset, size, count: 0, element: () => undefined };
}

/** A record: its present fields, each built at the running offset. */
function record(offset: number, fields: readonly ((at: number) => TableElement)[]): TableElement {
  const els: TableElement[] = [];
  let at = offset;
  for (const f of fields) {
    const e = f(at);
    els.push(e);
    at += e.size;
  }
  return { offset, size: at - offset, count: els.length, element: (i) => els[i] };
}

/** An array of `n` entries of `size` octets, built on demand. */
function array(offset: number, n: number, size: number, entry: (at: number) => TableElement): TableElement {
  return {
    offset,
    size: n * size,
    count: n,
    element: (i) => (Number.isInteger(i) && i >= 0 && i < n ? entry(offset + i * size) : undefined),
  };
}

function need<T>(v: T | undefined, name: string, table: number): T {
  if (v === undefined)
    throw new MeterkitError(ErrorCode.InvalidArgument, `table ${table} needs ${name} for index addressing`, {
      path: `st${table}.index`,
    });
  return v;
}

function registerDataLayout(deps: TableDependencies): (at: number) => TableElement {
  const st21 = need(deps.st21, 'ST21', 23);
  const ctx = deps.ctx;
  const f = st21.regFunc1Flags;
  const n1 = niSize(ctx.niFormat1);
  const n2 = niSize(ctx.niFormat2);
  const stime = timeSizes(ctx).stime;
  const occur = st21.nbrOccur;
  const demandFields: ((at: number) => TableElement)[] = [];
  if (f.dateTimeFieldFlag) demandFields.push((at) => array(at, occur, stime, (p) => value(p, stime)));
  if (f.cumDemandFlag) demandFields.push((at) => value(at, n1));
  if (f.contCumDemandFlag) demandFields.push((at) => value(at, n1));
  demandFields.push((at) => array(at, occur, n2, (p) => value(p, n2)));
  const demandSize = record(0, demandFields).size;
  const blk = (at: number): TableElement =>
    record(at, [
      (p) => array(p, st21.nbrSummations, n1, (q) => value(q, n1)),
      (p) => array(p, st21.nbrDemands, demandSize, (q) => record(q, demandFields)),
      (p) => array(p, st21.nbrCoinValues, occur * n2, (q) => array(q, occur, n2, (v) => value(v, n2))),
    ]);
  const blkSize = blk(0).size;
  const fields: ((at: number) => TableElement)[] = [];
  if (f.demandResetCtrFlag) fields.push((at) => value(at, 1));
  fields.push(blk, (at) => array(at, st21.nbrTiers, blkSize, blk));
  return (at) => record(at, fields);
}

function lpDataSetLayout(deps: TableDependencies, set: number): TableElement {
  const table = 63 + set;
  const st61 = need(deps.st61, 'ST61', table);
  const st62 = need(deps.st62, 'ST62', table);
  const d = need(st61.sets[set - 1], `data set ${set} in ST61`, table);
  const c = need(st62.sets[set - 1], `data set ${set} in ST62`, table);
  const ctx = deps.ctx;
  const f = st61.lpFlags;
  const stime = timeSizes(ctx).stime;
  const n1 = niSize(ctx.niFormat1);
  const fmt = intFmtSize(c.intFmtCde, ctx, `st62`);
  const reading: ((at: number) => TableElement)[] = [];
  if (f.blkEndReadFlag) reading.push((at) => value(at, n1));
  if (f.blkEndPulseFlag) reading.push((at) => value(at, 4));
  const readingSize = record(0, reading).size;
  const extLen = (d.nbrChns >> 1) + 1;
  const interval: ((at: number) => TableElement)[] = [];
  if (f.extendedIntStatusFlag) interval.push((at) => array(at, extLen, 1, (p) => value(p, 1)));
  interval.push((at) => array(at, d.nbrChns, fmt, (p) => value(p, fmt)));
  const intervalSize = record(0, interval).size;
  const block: ((at: number) => TableElement)[] = [(at) => value(at, stime)];
  if (f.blkEndReadFlag || f.blkEndPulseFlag)
    block.push((at) => array(at, d.nbrChns, readingSize, (p) => record(p, reading)));
  if (f.simpleIntStatusFlag) {
    const n = Math.ceil(d.nbrBlkInts / 8);
    block.push((at) => value(at, n));
  }
  block.push((at) => array(at, d.nbrBlkInts, intervalSize, (p) => record(p, interval)));
  const blockSize = record(0, block).size;
  return record(0, [(at) => array(at, d.nbrBlks, blockSize, (p) => record(p, block))]);
}

const LOG_STATUS: readonly ((at: number) => TableElement)[] = [
  (at) => value(at, 1),
  (at) => value(at, 2),
  (at) => value(at, 2),
  (at) => value(at, 4),
  (at) => value(at, 2),
];

function logLayout(deps: TableDependencies, table: 74 | 76): TableElement {
  const st71 = need(deps.st71, 'ST71', table);
  const lf = st71.logFlags;
  const ltime = timeSizes(deps.ctx).ltime;
  const entry: ((at: number) => TableElement)[] = [];
  let n: number;
  if (table === 74) {
    n = st71.nbrHistoryEntries;
    if (lf.histDateTimeFlag) entry.push((at) => value(at, ltime));
    if (lf.eventNumberFlag) entry.push((at) => value(at, 2));
    if (lf.histSeqNbrFlag) entry.push((at) => value(at, 2));
    entry.push(
      (at) => value(at, 2),
      (at) => value(at, 2),
      (at) => value(at, st71.histDataLength),
    );
  } else {
    n = st71.nbrEventEntries;
    entry.push((at) => value(at, ltime));
    if (lf.eventNumberFlag) entry.push((at) => value(at, 2));
    entry.push(
      (at) => value(at, 2),
      (at) => value(at, 2),
      (at) => value(at, 2),
      (at) => value(at, st71.eventDataLength),
    );
  }
  const entrySize = record(0, entry).size;
  return record(0, [...LOG_STATUS, (at) => array(at, n, entrySize, (p) => record(p, entry))]);
}

/** Tables whose element structure index addressing knows. */
export const INDEXED_TABLES: ReadonlySet<number> = new Set([23, 64, 65, 66, 67, 74, 76]);

/**
 * The element structure of table `table` under `deps` (see the module comment), or undefined for
 * a table whose structure is not modelled. Throws `InvalidArgument` (600) when a dimension table
 * it needs is missing.
 */
export function tableElementLayout(table: number, deps: TableDependencies): TableElement | undefined {
  switch (table) {
    case 23:
      return registerDataLayout(deps)(0);
    case 64:
    case 65:
    case 66:
    case 67:
      return lpDataSetLayout(deps, table - 63);
    case 74:
    case 76:
      return logLayout(deps, table);
    default:
      return undefined;
  }
}

/** The octets an index list and element count address (C12.18 §5.3.2.4.3 `<index>+ <element-count>`). */
export interface IndexedRange {
  readonly offset: number;
  readonly length: number;
}

/**
 * Resolves `index` (1–9 levels, as the PSEM services carry) and `elementCount` consecutive
 * elements against a layout (a count of 0 is taken as 1). Throws `ValueOutOfRange` (206) when an
 * index or the count runs past the elements that exist.
 */
export function resolveTableIndex(
  layout: TableElement,
  index: readonly number[],
  elementCount: number,
): IndexedRange {
  if (index.length === 0)
    throw new MeterkitError(ErrorCode.ValueOutOfRange, 'an index list has at least one index', {
      path: 'index',
    });
  let parent = layout;
  for (let level = 0; level < index.length - 1; level++) {
    const next = parent.element(index[level]!);
    if (next === undefined)
      throw new MeterkitError(
        ErrorCode.ValueOutOfRange,
        `index ${index[level]} is past the ${parent.count} elements`,
        {
          path: `index[${level}]`,
        },
      );
    parent = next;
  }
  const last = index[index.length - 1]!;
  const first = parent.element(last);
  const count = Math.max(1, elementCount);
  const end = parent.element(last + count - 1);
  if (first === undefined || end === undefined)
    throw new MeterkitError(
      ErrorCode.ValueOutOfRange,
      `elements ${last}–${last + count - 1} are past the ${parent.count} elements`,
      { path: `index[${index.length - 1}]` },
    );
  return { offset: first.offset, length: end.offset + end.size - first.offset };
}

/**
 * For a partial write by index (C12.18 §5.3.2.4.4, which carries no element count): the range
 * of `length` octets starting at the addressed element, which must end on an element boundary of
 * the same level. Throws `ValueOutOfRange` (206) otherwise.
 */
export function resolveTableIndexForData(
  layout: TableElement,
  index: readonly number[],
  length: number,
): IndexedRange {
  const first = resolveTableIndex(layout, index, 1);
  let parent = layout;
  for (let level = 0; level < index.length - 1; level++) parent = parent.element(index[level]!)!;
  let covered = 0;
  for (let i = index[index.length - 1]!; covered < length; i++) {
    const e = parent.element(i);
    if (e === undefined) break;
    covered += e.size;
  }
  if (covered !== length || length === 0)
    throw new MeterkitError(
      ErrorCode.ValueOutOfRange,
      `${length} octets do not end on an element boundary after index ${index.join('.')}`,
      { path: 'index' },
    );
  return { offset: first.offset, length };
}
