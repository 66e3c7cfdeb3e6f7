/**
 * BER TLV codec (ITU-T X.690 §8.1) for the ACSE of DLMS (IEC 62056-5-3 §8, Green Book AARQ/AARE)
 * and ANSI C12.22: any tag class, high tag numbers, definite lengths in short and long form,
 * primitive and constructed encodings, OBJECT IDENTIFIER and RELATIVE-OID contents, INTEGER and
 * BIT STRING contents.
 *
 * Indefinite lengths (X.690 §8.1.3.6) are rejected with `IndefiniteLength` (203): neither protocol
 * uses them, and accepting them would make re-encoding inexact.
 */
import { Reader } from './bytes/reader.js';
import { Writer } from './bytes/writer.js';
import { ErrorCode, MeterkitError } from './errors.js';

/** BER tag class (X.690 §8.1.2.2). */
export type BerTagClass = 'universal' | 'application' | 'context' | 'private';

const CLASS_BITS: Record<BerTagClass, number> = {
  universal: 0x00,
  application: 0x40,
  context: 0x80,
  private: 0xc0,
};
const CLASSES: readonly BerTagClass[] = ['universal', 'application', 'context', 'private'];

/** The largest tag number accepted (fits in four subsequent identifier octets, 28 bits). */
export const BER_MAX_TAG = 0x0fff_ffff;
/** Default nesting limit of `decodeBerTree`. */
export const BER_MAX_DEPTH = 64;

/** A decoded BER identifier + length header. */
export interface BerHeader {
  readonly tagClass: BerTagClass;
  readonly constructed: boolean;
  /** Tag number. */
  readonly tag: number;
  /** Content length in bytes. */
  readonly length: number;
  /** Bytes taken by identifier + length octets. */
  readonly headerLength: number;
}

/** One decoded TLV. `value` and `raw` are views into the input. */
export interface BerTlv extends BerHeader {
  /** Content octets. */
  readonly value: Uint8Array;
  /** The whole TLV (identifier, length, content). */
  readonly raw: Uint8Array;
  /** Absolute offset of the identifier octet. */
  readonly offset: number;
  /** Children, when constructed and decoded as a tree. */
  readonly children?: readonly BerTlv[];
}

/** A TLV to encode: primitive with `value`, or constructed with `children` (or a prepared `value`). */
export interface BerNode {
  readonly tagClass: BerTagClass;
  readonly constructed: boolean;
  readonly tag: number;
  readonly value?: Uint8Array;
  readonly children?: readonly BerNode[];
}

/** Reads identifier and length octets (X.690 §8.1.2, §8.1.3). Does not check the content fits. */
export function readBerHeader(r: Reader, path?: string): BerHeader {
  const start = r.pos;
  const first = r.u8(path);
  const tagClass = CLASSES[first >> 6]!;
  const constructed = (first & 0x20) !== 0;
  let tag = first & 0x1f;
  if (tag === 0x1f) {
    tag = 0;
    let octets = 0;
    for (;;) {
      const b = r.u8(path);
      if (octets === 0 && b === 0x80)
        r.fail(ErrorCode.ValueInvalid, 'tag number has a leading zero octet', path, r.pos - 1);
      octets++;
      if (octets > 4) r.fail(ErrorCode.TagTooLarge, `tag number longer than 4 octets`, path, start);
      tag = tag * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
    if (tag < 31) r.fail(ErrorCode.ValueInvalid, `tag number ${tag} must use the low-tag form`, path, start);
  }
  const length = r.berLength(path);
  return { tagClass, constructed, tag, length, headerLength: r.pos - start };
}

/** Reads one TLV (content not decoded further), checking the length against the bytes left. */
export function readBerTlv(r: Reader, path?: string): BerTlv {
  const start = r.pos;
  // Fast path: low tag number and a short-form length that fits what is left. Anything else (and
  // every error) goes through `readBerHeader`, which reports the same codes and offsets.
  const buf = r.buf;
  if (r.end - start >= 2) {
    const first = buf[start]!;
    const len = buf[start + 1]!;
    if ((first & 0x1f) !== 0x1f && len < 0x80 && len <= r.end - start - 2) {
      const vAt = start + 2;
      const vEnd = vAt + len;
      r.pos = vEnd;
      return {
        tagClass: CLASSES[first >> 6]!,
        constructed: (first & 0x20) !== 0,
        tag: first & 0x1f,
        length: len,
        headerLength: 2,
        value: buf.subarray(vAt, vEnd),
        raw: buf.subarray(start, vEnd),
        offset: r.base + start,
      };
    }
  }
  const h = readBerHeader(r, path);
  if (h.length > r.end - r.pos) {
    r.fail(
      ErrorCode.LengthOverrun,
      `length ${h.length} exceeds the ${r.end - r.pos} bytes left`,
      path,
      start + 1,
    );
  }
  const value = r.bytes(h.length, path);
  // One literal with every key in a fixed order (no spread of the header): spreading made each TLV
  // a fresh, slow-to-build object shape and dominated AARQ/AARE decoding.
  return {
    tagClass: h.tagClass,
    constructed: h.constructed,
    tag: h.tag,
    length: h.length,
    headerLength: h.headerLength,
    value,
    raw: r.buf.subarray(start, r.pos),
    offset: r.base + start,
  };
}

/** Decodes exactly one TLV filling `bytes` (trailing bytes → `TrailingBytes`). */
export function decodeBerTlv(bytes: Uint8Array, path?: string, base = 0): BerTlv {
  // Fast path: a low tag number whose short-form length covers exactly the rest of `bytes`.
  if (bytes.length >= 2) {
    const first = bytes[0]!;
    const len = bytes[1]!;
    if ((first & 0x1f) !== 0x1f && len < 0x80 && len + 2 === bytes.length) {
      return {
        tagClass: CLASSES[first >> 6]!,
        constructed: (first & 0x20) !== 0,
        tag: first & 0x1f,
        length: len,
        headerLength: 2,
        value: bytes.subarray(2),
        raw: bytes.subarray(0),
        offset: base,
      };
    }
  }
  const r = new Reader(bytes, 0, bytes.length, base);
  const tlv = readBerTlv(r, path);
  r.expectEnd(path);
  return tlv;
}

/**
 * Decodes a sequence of TLVs filling `bytes`, recursing into constructed ones, up to `maxDepth`
 * levels (`NestingTooDeep`, 209, beyond). Offsets are absolute from `base`.
 */
export function decodeBerTree(
  bytes: Uint8Array,
  options: { maxDepth?: number; base?: number } = {},
): BerTlv[] {
  const maxDepth = options.maxDepth ?? BER_MAX_DEPTH;
  const walk = (r: Reader, depth: number): BerTlv[] => {
    if (depth > maxDepth) r.fail(ErrorCode.NestingTooDeep, `nesting deeper than ${maxDepth}`);
    const out: BerTlv[] = [];
    while (!r.atEnd) {
      const tlv = readBerTlv(r);
      if (tlv.constructed) {
        const sub = new Reader(
          r.buf,
          tlv.offset - r.base + tlv.headerLength,
          tlv.offset - r.base + tlv.raw.length,
          r.base,
        );
        out.push({
          tagClass: tlv.tagClass,
          constructed: tlv.constructed,
          tag: tlv.tag,
          length: tlv.length,
          headerLength: tlv.headerLength,
          value: tlv.value,
          raw: tlv.raw,
          offset: tlv.offset,
          children: walk(sub, depth + 1),
        });
      } else {
        out.push(tlv);
      }
    }
    return out;
  };
  return walk(new Reader(bytes, 0, bytes.length, options.base ?? 0), 1);
}

/** Writes identifier octets (X.690 §8.1.2). */
export function writeBerTag(w: Writer, tagClass: BerTagClass, constructed: boolean, tag: number): void {
  if (!Number.isInteger(tag) || tag < 0 || tag > BER_MAX_TAG) {
    throw new MeterkitError(ErrorCode.TagTooLarge, `tag number ${tag} outside 0..${BER_MAX_TAG}`);
  }
  const lead = CLASS_BITS[tagClass] | (constructed ? 0x20 : 0);
  if (tag < 31) {
    w.u8(lead | tag);
    return;
  }
  w.u8(lead | 0x1f);
  const groups: number[] = [];
  let t = tag;
  do {
    groups.unshift(t & 0x7f);
    t = Math.floor(t / 128);
  } while (t > 0);
  for (let i = 0; i < groups.length; i++) w.u8(groups[i]! | (i < groups.length - 1 ? 0x80 : 0));
}

/** Writes a TLV with the given content in the shortest length form. */
export function writeBerTlv(
  w: Writer,
  tagClass: BerTagClass,
  constructed: boolean,
  tag: number,
  value: Uint8Array,
): void {
  writeBerTag(w, tagClass, constructed, tag);
  w.berLength(value.length);
  w.bytes(value);
}

/**
 * Starts the content of a definite-length TLV whose identifier octets were just written: reserves
 * one length octet and returns the index where the content starts. `endBerContent` then writes
 * the length in its shortest form (X.690 §8.1.3.2, §8.1.3.5), so a TLV whose length is not known
 * in advance is written straight into one writer.
 */
export function beginBerContent(w: Writer): number {
  w.u8(0);
  return w.pos;
}

/**
 * Ends the content begun at `contentStart` by `beginBerContent`: writes its length in the
 * shortest definite form, moving the content up when the length needs more than one octet
 * (X.690 §8.1.3).
 */
export function endBerContent(w: Writer, contentStart: number): void {
  const len = w.pos - contentStart;
  if (len < 0x80) {
    w.setU8(contentStart - 1, len);
    return;
  }
  const extra = lengthSize(len) - 1;
  w.fill(extra);
  w.written().copyWithin(contentStart + extra, contentStart, contentStart + len);
  const end = w.pos;
  w.pos = contentStart - 1;
  w.berLength(len);
  w.pos = end;
}

/** Encodes a node tree (children encoded recursively) to bytes. */
export function encodeBerNode(node: BerNode, w: Writer = new Writer()): Uint8Array {
  writeNode(w, node);
  return w.finish();
}

/** Writes a node tree (children encoded recursively) into `w` (X.690 §8.1, definite lengths). */
export function writeBerNode(w: Writer, node: BerNode): void {
  writeNode(w, node);
}

function validTag(tag: number): boolean {
  return Number.isInteger(tag) && tag >= 0 && tag <= BER_MAX_TAG;
}

/** Octets of the identifier of a (valid) tag number. */
function tagSize(tag: number): number {
  if (tag < 31) return 1;
  let n = 1;
  for (let t = tag; t > 0; t = Math.floor(t / 128)) n++;
  return n;
}

/** Octets of a definite length in its shortest form (as `Writer.berLength` writes it). */
function lengthSize(n: number): number {
  return n < 0x80 ? 1 : n <= 0xff ? 2 : n <= 0xffff ? 3 : n <= 0xffffff ? 4 : 5;
}

const NO_OCTETS = new Uint8Array(0);

function writeNode(w: Writer, node: BerNode): void {
  if (node.children === undefined) {
    writeBerTlv(w, node.tagClass, node.constructed, node.tag, node.value ?? NO_OCTETS);
    return;
  }
  // The children are written in place, then moved up to make room for the header, so a tree
  // takes one writer however deep it is. Errors come in the same order as writing each
  // constructed node's content first: children before their parent's tag.
  const start = w.pos;
  for (const c of node.children) writeNode(w, c);
  const len = w.pos - start;
  if (!validTag(node.tag)) writeBerTag(w, node.tagClass, node.constructed, node.tag);
  const header = tagSize(node.tag) + lengthSize(len);
  w.fill(header);
  w.written().copyWithin(start + header, start, start + len);
  w.pos = start;
  writeBerTag(w, node.tagClass, node.constructed, node.tag);
  w.berLength(len);
  w.pos = start + header + len;
}

/**
 * Decodes OBJECT IDENTIFIER content octets (X.690 §8.19) to dotted form (`2.16.756.5.8.1.1`).
 * Arcs of any size are exact (bigint arithmetic past 2^53). `offset` is for error reporting.
 */
export function decodeOid(content: Uint8Array, offset = 0, path?: string): string {
  for (let i = 0; i < DECODED_OIDS.length; i++) {
    const e = DECODED_OIDS[i]!;
    if (sameOctets(e.content, content)) return e.text;
  }
  const text = decodeArcs(content, true, offset, path);
  const entry = { content: content.slice(), text };
  if (DECODED_OIDS.length < DECODED_OIDS_MAX) DECODED_OIDS.push(entry);
  else {
    DECODED_OIDS[decodedOidNext] = entry;
    decodedOidNext = (decodedOidNext + 1) % DECODED_OIDS_MAX;
  }
  return text;
}

/** The last OBJECT IDENTIFIERs decoded (contents and dotted form): a capture repeats a few. */
const DECODED_OIDS: { readonly content: Uint8Array; readonly text: string }[] = [];
const DECODED_OIDS_MAX = 16;
let decodedOidNext = 0;

function sameOctets(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Decodes RELATIVE-OID content octets (X.690 §8.20) to dotted form without a leading dot (`123.4`). */
export function decodeRelativeOid(content: Uint8Array, offset = 0, path?: string): string {
  return decodeArcs(content, false, offset, path);
}

function decodeArcs(
  content: Uint8Array,
  absolute: boolean,
  offset: number,
  path: string | undefined,
): string {
  if (content.length === 0)
    throw new MeterkitError(ErrorCode.ValueInvalid, 'empty object identifier', { offset, path });
  let out = '';
  let first = absolute;
  let i = 0;
  while (i < content.length) {
    const arcStart = i;
    if (content[i] === 0x80) {
      throw new MeterkitError(ErrorCode.ValueInvalid, 'object identifier arc has a leading zero octet', {
        offset: offset + i,
        path,
      });
    }
    let small = 0;
    let big: bigint | undefined;
    for (;;) {
      if (i >= content.length) {
        throw new MeterkitError(ErrorCode.Truncated, 'object identifier arc not terminated', {
          offset: offset + arcStart,
          path,
        });
      }
      const b = content[i++]!;
      if (big === undefined && small < 2 ** 45) small = small * 128 + (b & 0x7f);
      else {
        big = (big ?? BigInt(small)) * 128n + BigInt(b & 0x7f);
      }
      if ((b & 0x80) === 0) break;
    }
    let arc: string;
    if (first) {
      // The first subidentifier packs the first two arcs (X.690 §8.19.4).
      first = false;
      if (big === undefined) {
        if (small < 40) arc = `0.${small}`;
        else if (small < 80) arc = `1.${small - 40}`;
        else arc = `2.${small - 80}`;
      } else {
        arc = `2.${(big - 80n).toString()}`;
      }
    } else {
      arc = big === undefined ? String(small) : big.toString();
    }
    out = out.length === 0 ? arc : `${out}.${arc}`;
  }
  return out;
}

function parseArcs(text: string): bigint[] {
  const t = text.startsWith('.') ? text.slice(1) : text;
  if (!/^\d+(\.\d+)*$/.test(t))
    throw new MeterkitError(ErrorCode.InvalidArgument, `'${text}' is not a dotted OID`);
  return t.split('.').map((s) => BigInt(s));
}

function writeArc(out: number[], v: bigint): void {
  const groups: number[] = [];
  do {
    groups.unshift(Number(v & 0x7fn));
    v >>= 7n;
  } while (v > 0n);
  for (let i = 0; i < groups.length; i++) out.push(groups[i]! | (i < groups.length - 1 ? 0x80 : 0));
}

/**
 * Encodings of the OIDs met so far (a protocol uses a handful: application context and mechanism
 * names); bounded, and only successful encodings are kept.
 */
const OID_CACHE = new Map<string, Uint8Array>();
const OID_CACHE_MAX = 256;

/** Encodes a dotted OID (`2.16.840.1`) as OBJECT IDENTIFIER content octets (X.690 §8.19). */
export function encodeOid(oid: string): Uint8Array {
  const known = typeof oid === 'string' ? OID_CACHE.get(oid) : undefined;
  if (known !== undefined) return known.slice();
  const out = encodeOidArcs(oid);
  if (OID_CACHE.size >= OID_CACHE_MAX) OID_CACHE.clear();
  OID_CACHE.set(oid, out.slice());
  return out;
}

function encodeOidArcs(oid: string): Uint8Array {
  const arcs = parseArcs(oid);
  if (arcs.length < 2)
    throw new MeterkitError(ErrorCode.InvalidArgument, `OID '${oid}' needs at least two arcs`);
  const [a, b] = arcs as [bigint, bigint];
  if (a > 2n || (a < 2n && b > 39n))
    throw new MeterkitError(ErrorCode.InvalidArgument, `OID '${oid}' has invalid first arcs`);
  const out: number[] = [];
  writeArc(out, a * 40n + b);
  for (let i = 2; i < arcs.length; i++) writeArc(out, arcs[i]!);
  return Uint8Array.from(out);
}

/** Encodes a dotted relative OID (`123.4` or `.123.4`) as RELATIVE-OID content octets (X.690 §8.20). */
export function encodeRelativeOid(oid: string): Uint8Array {
  const out: number[] = [];
  for (const arc of parseArcs(oid)) writeArc(out, arc);
  return Uint8Array.from(out);
}

/**
 * Decodes INTEGER content octets (X.690 §8.3): two's complement, big-endian. Returns a number
 * when it fits exactly, else a bigint. Empty content → `ValueInvalid`.
 */
export function decodeBerInteger(content: Uint8Array, offset = 0, path?: string): number | bigint {
  if (content.length === 0)
    throw new MeterkitError(ErrorCode.ValueInvalid, 'empty INTEGER', { offset, path });
  if (content.length <= 6) {
    let u = 0;
    for (const b of content) u = u * 256 + b;
    return content[0]! & 0x80 ? u - 2 ** (8 * content.length) : u;
  }
  let v = 0n;
  for (const b of content) v = (v << 8n) | BigInt(b);
  return BigInt.asIntN(8 * content.length, v);
}

/** Encodes an integer as minimal INTEGER content octets (X.690 §8.3.2). */
export function encodeBerInteger(value: number | bigint): Uint8Array {
  if (typeof value === 'number' && value >= -0x8000_0000 && value <= 0x7fff_ffff && Number.isInteger(value)) {
    // 32-bit fast path: the same minimal two's complement octets without bigint arithmetic
    const n =
      value >= -0x80 && value <= 0x7f
        ? 1
        : value >= -0x8000 && value <= 0x7fff
          ? 2
          : value >= -0x80_0000 && value <= 0x7f_ffff
            ? 3
            : 4;
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = (value >> (8 * (n - 1 - i))) & 0xff;
    return out;
  }
  let v = BigInt(value);
  const out: number[] = [];
  for (;;) {
    const byte = Number(v & 0xffn);
    out.unshift(byte);
    v >>= 8n;
    if ((v === 0n && (byte & 0x80) === 0) || (v === -1n && (byte & 0x80) !== 0)) break;
  }
  return Uint8Array.from(out);
}

/** A BIT STRING (X.690 §8.6): the bytes and the count of unused bits in the last one. */
export interface BerBitString {
  readonly unusedBits: number;
  readonly bytes: Uint8Array;
}

/** Decodes BIT STRING content octets (primitive form). */
export function decodeBitString(content: Uint8Array, offset = 0, path?: string): BerBitString {
  if (content.length === 0)
    throw new MeterkitError(ErrorCode.Truncated, 'BIT STRING without its unused-bits octet', {
      offset,
      path,
    });
  const unusedBits = content[0]!;
  if (unusedBits > 7 || (content.length === 1 && unusedBits !== 0)) {
    throw new MeterkitError(ErrorCode.ValueInvalid, `BIT STRING unused-bits count ${unusedBits} invalid`, {
      offset,
      path,
    });
  }
  return { unusedBits, bytes: content.subarray(1) };
}

/** Encodes BIT STRING content octets. */
export function encodeBitString(bits: BerBitString): Uint8Array {
  const out = new Uint8Array(bits.bytes.length + 1);
  out[0] = bits.unusedBits;
  out.set(bits.bytes, 1);
  return out;
}
