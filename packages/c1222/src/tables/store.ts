/**
 * A C12.19 table store (ANSI C12.19-2008 §9): the tables of one end device as bytes, with the
 * ST0-driven context and dimension tables resolved on demand, and its JSON file form
 * `{ "tables": { "<id>": <typed table> | "<hex>" } }`. In the typed form bytes are written as
 * `{ "$bytes": "<hex>" }` and 64-bit integers as `{ "$bigint": "<decimal>" }` so the file reads
 * back exactly; manufacturer tables (id 2048 + n) and undecodable tables are plain hex strings.
 */
import { ErrorCode, fromHex, MeterkitError, toHex } from '@meterkit/core';
import { DEFAULT_TABLE_CONTEXT, type TableContext } from './context.js';
import { type GenConfigTbl, tableContextFromGenConfig } from './gen-config.js';
import {
  type C1219Table,
  DECODED_STANDARD_TABLES,
  decodeTable,
  encodeTable,
  TABLE_TYPES,
  type TableDependencies,
  tableNumberOf,
} from './registry.js';

const KNOWN_TYPES: ReadonlySet<string> = new Set(TABLE_TYPES);

/** A JSON value of the table store file. */
export type TableFileValue =
  | null
  | boolean
  | number
  | string
  | readonly TableFileValue[]
  | { readonly [key: string]: TableFileValue };

/** The table store file: table id → typed table (JSON form) or hex string. */
export interface TableStoreFile {
  readonly tables: Readonly<Record<string, TableFileValue>>;
}

/** Converts a typed table to its file form. */
export function tableToFileValue(v: unknown): TableFileValue {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return { $bigint: v.toString() };
  if (v instanceof Uint8Array) return { $bytes: toHex(v) };
  if (Array.isArray(v)) return v.map((x) => tableToFileValue(x));
  if (typeof v === 'object') {
    const out: Record<string, TableFileValue> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>))
      if (x !== undefined) out[k] = tableToFileValue(x);
    return out;
  }
  throw new MeterkitError(ErrorCode.EncodeFailed, `cannot store a ${typeof v}`);
}

/** Converts the file form back to a typed table value (depth-limited). */
export function tableFromFileValue(v: TableFileValue, depth = 0): unknown {
  if (depth > 32) throw new MeterkitError(ErrorCode.NestingTooDeep, 'table file nested too deeply');
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x: TableFileValue) => tableFromFileValue(x, depth + 1));
  const o = v as Readonly<Record<string, TableFileValue>>;
  const keys = Object.keys(o);
  if (keys.length === 1 && typeof o.$bytes === 'string') return fromHex(o.$bytes);
  if (keys.length === 1 && typeof o.$bigint === 'string') {
    if (!/^-?\d+$/.test(o.$bigint))
      throw new MeterkitError(ErrorCode.ValueInvalid, `bad $bigint ${o.$bigint}`);
    return BigInt(o.$bigint);
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = tableFromFileValue(o[k]!, depth + 1);
  return out;
}

const DEPENDENCY_ORDER = [0, 11, 21, 51, 61, 62, 71];

/** The tables of one end device, keyed by table id (MT n = 2048 + n). */
export class TableStore {
  private readonly tables = new Map<number, Uint8Array>();
  private depsCache: TableDependencies | undefined;

  /** Creates a store holding copies of `tables`. */
  constructor(tables: Iterable<readonly [number, Uint8Array]> = []) {
    for (const [id, b] of tables) this.tables.set(id, Uint8Array.from(b));
  }

  /** Table ids present, ascending. */
  ids(): number[] {
    return [...this.tables.keys()].sort((a, b) => a - b);
  }

  /** The bytes of table `id` (a view of the stored table), or undefined. */
  read(id: number): Uint8Array | undefined {
    return this.tables.get(id);
  }

  /** Replaces table `id` with a copy of `bytes`. */
  write(id: number, bytes: Uint8Array): void {
    this.tables.set(id, Uint8Array.from(bytes));
    if (DEPENDENCY_ORDER.includes(id)) this.depsCache = undefined;
  }

  /** Removes table `id`. */
  delete(id: number): void {
    this.tables.delete(id);
    if (DEPENDENCY_ORDER.includes(id)) this.depsCache = undefined;
  }

  /** The context from ST0 (DEFAULT_TABLE_CONTEXT when there is no ST0). */
  get context(): TableContext {
    return this.dependencies().ctx;
  }

  /** The context and the dimension tables decoded from this store. */
  dependencies(): TableDependencies {
    if (this.depsCache !== undefined) return this.depsCache;
    const b0 = this.tables.get(0);
    let deps: TableDependencies = { ctx: DEFAULT_TABLE_CONTEXT };
    if (b0 !== undefined) {
      const st0 = decodeTable(0, b0, deps) as GenConfigTbl;
      deps = { ctx: tableContextFromGenConfig(st0), st0 };
    }
    const add = <K extends 'st11' | 'st21' | 'st51' | 'st61' | 'st62' | 'st71'>(id: number, k: K): void => {
      const b = this.tables.get(id);
      if (b !== undefined) deps = { ...deps, [k]: decodeTable(id, b, deps) };
    };
    add(11, 'st11');
    add(21, 'st21');
    add(51, 'st51');
    add(61, 'st61');
    add(62, 'st62');
    add(71, 'st71');
    this.depsCache = deps;
    return deps;
  }

  /** Decodes table `id` (throws if it is absent). */
  decode(id: number): C1219Table {
    const b = this.tables.get(id);
    if (b === undefined)
      throw new MeterkitError(ErrorCode.InvalidArgument, `table ${id} is not in the store`);
    return decodeTable(id, b, this.dependencies());
  }

  /** Encodes a typed table with this store's context and stores it under `id`. */
  writeTable(id: number, t: C1219Table): void {
    this.write(id, encodeTable(t, this.dependencies()));
  }

  /** The file form: typed JSON for decodable standard tables, hex for the rest. */
  toFile(): TableStoreFile {
    const tables: Record<string, TableFileValue> = {};
    for (const id of this.ids()) {
      const b = this.tables.get(id)!;
      let v: TableFileValue = toHex(b);
      if (DECODED_STANDARD_TABLES.has(id)) {
        try {
          v = tableToFileValue(this.decode(id));
        } catch {
          v = toHex(b);
        }
      }
      tables[String(id)] = v;
    }
    return { tables };
  }

  /** Loads a store from its file form (dimension tables first, so typed tables encode in context). */
  static fromFile(file: TableStoreFile): TableStore {
    if (typeof file !== 'object' || file === null || typeof file.tables !== 'object' || file.tables === null)
      throw new MeterkitError(ErrorCode.ValueInvalid, 'a table file needs a "tables" object', {
        path: 'tables',
      });
    const store = new TableStore();
    const entries = Object.entries(file.tables).map(([k, v]) => {
      const id = Number(k);
      if (!Number.isInteger(id) || id < 0 || id > 0xffff)
        throw new MeterkitError(ErrorCode.ValueInvalid, `"${k}" is not a table id`, { path: `tables.${k}` });
      return [id, v] as const;
    });
    const rank = (id: number): number => {
      const i = DEPENDENCY_ORDER.indexOf(id);
      return i < 0 ? DEPENDENCY_ORDER.length : i;
    };
    entries.sort((a, b) => rank(a[0]) - rank(b[0]) || a[0] - b[0]);
    for (const [id, v] of entries) {
      if (typeof v === 'string') store.write(id, fromHex(v));
      else {
        const t = tableFromFileValue(v) as C1219Table;
        if (
          typeof t !== 'object' ||
          t === null ||
          typeof t.type !== 'string' ||
          !KNOWN_TYPES.has(t.type) ||
          tableNumberOf(t) !== id
        )
          throw new MeterkitError(ErrorCode.ValueInvalid, `table ${id} is not a typed table of that number`, {
            path: `tables.${id}.type`,
          });
        try {
          store.writeTable(id, t);
        } catch (e) {
          if (e instanceof MeterkitError)
            throw new MeterkitError(e.code, `table ${id}: ${e.message}`, {
              path: `tables.${id}.${e.path ?? ''}`,
              cause: e,
            });
          throw new MeterkitError(
            ErrorCode.EncodeFailed,
            `table ${id}: fields missing or of the wrong type`,
            {
              path: `tables.${id}`,
              cause: e,
            },
          );
        }
      }
    }
    return store;
  }
}
