/**
 * List paging of the IEEE 2030.5 HTTP binding (IEEE 2030.5-2018 §5.5.3 query string, sep.xsd
 * `List`): `s` (start: index of the first entry, 0-based), `a` (after: only entries whose ordering
 * time is at or after this TimeType), `l` (limit: most entries to return). A list answer carries
 * `all` (entries in the list) and `results` (entries in this answer).
 *
 * A missing `l` means 1, as the standard's default and the public servers (envoy, GridAPPS-D) do.
 * Values are decimal; anything else is a malformed query (400 Bad Request).
 */
import { ErrorCode, MeterkitError } from '@meterkit/core';

/** The paging part of a list request's query string (IEEE 2030.5-2018 §5.5.3). */
export interface ListQuery {
  /** `s`: index of the first entry to return (default 0). */
  readonly start: number;
  /** `a`: only entries whose ordering time is at or after this TimeType, when given. */
  readonly after?: number;
  /** `l`: the most entries to return (default 1). */
  readonly limit: number;
}

/** One page of a list (IEEE 2030.5 sep.xsd `List.all` / `List.results`). */
export interface ListPage<T> {
  /** `all`: number of entries in the list (before `s`, `a`, `l`). */
  readonly all: number;
  /** `results`: number of entries in this page. */
  readonly results: number;
  /** The entries of this page, in list order. */
  readonly items: readonly T[];
}

/** Limits a server applies to `l`. */
export interface ListQueryOptions {
  /** `l` when the query has none (default 1). */
  readonly defaultLimit?: number;
  /** Largest `l` served; bigger requests are clamped (default 255, the largest UInt8). */
  readonly maxLimit?: number;
}

const DECIMAL = /^[0-9]{1,15}$/;

function decimal(name: string, value: string): number {
  if (!DECIMAL.test(value)) {
    throw new MeterkitError(
      ErrorCode.ValueInvalid,
      `query parameter ${name}='${value.slice(0, 20)}' is not a decimal number`,
      {
        path: name,
      },
    );
  }
  return Number(value);
}

/**
 * Parses `s`, `a` and `l` from a query string (`?s=0&l=10`, with or without `?`) or
 * `URLSearchParams`. Other parameters are ignored. Throws `MeterkitError` ValueInvalid for a
 * malformed or repeated value (a 400 for the server).
 */
export function parseListQuery(query: string | URLSearchParams, options: ListQueryOptions = {}): ListQuery {
  const params =
    typeof query === 'string' ? new URLSearchParams(query.startsWith('?') ? query.slice(1) : query) : query;
  const one = (name: string): string | undefined => {
    const all = params.getAll(name);
    if (all.length > 1)
      throw new MeterkitError(ErrorCode.ValueInvalid, `query parameter ${name} repeated`, { path: name });
    return all[0];
  };
  const s = one('s');
  const a = one('a');
  const l = one('l');
  const maxLimit = options.maxLimit ?? 255;
  const limit = l === undefined ? (options.defaultLimit ?? 1) : decimal('l', l);
  return {
    start: s === undefined ? 0 : decimal('s', s),
    ...(a === undefined ? {} : { after: decimal('a', a) }),
    limit: Math.min(limit, maxLimit),
  };
}

/** Writes a `ListQuery` back as a query string (`s=…&l=…`, `a` when set), without `?`. */
export function formatListQuery(query: ListQuery): string {
  return `s=${query.start}${query.after === undefined ? '' : `&a=${query.after}`}&l=${query.limit}`;
}

/**
 * Selects one page of `items` (already in the list's order): drops entries before `after` (by
 * `timeOf`; entries without a time are kept), skips `start` entries and keeps at most `limit`.
 * `all` counts the whole list.
 */
export function pageList<T>(
  items: readonly T[],
  query: ListQuery,
  timeOf?: (item: T) => number | bigint | undefined,
): ListPage<T> {
  let selected = items;
  if (query.after !== undefined && timeOf !== undefined) {
    const after = query.after;
    selected = items.filter((item) => {
      const t = timeOf(item);
      return t === undefined || Number(t) >= after;
    });
  }
  const page = selected.slice(query.start, query.start + query.limit);
  return { all: items.length, results: page.length, items: page };
}

/**
 * The queries that fetch a whole list of `all` entries in pages of `pageSize` (a client walking a
 * list, IEEE 2030.5-2018 §5.5.3): `[{start: 0, limit}, {start: limit, limit}, ...]`.
 */
export function pageQueries(all: number, pageSize: number): ListQuery[] {
  if (!Number.isInteger(pageSize) || pageSize < 1) {
    throw new MeterkitError(ErrorCode.InvalidArgument, 'page size must be a positive integer');
  }
  const out: ListQuery[] = [];
  for (let start = 0; start < all; start += pageSize) out.push({ start, limit: pageSize });
  return out;
}
