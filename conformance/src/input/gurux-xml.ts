import { concatBytes, crc16x25, ErrorCode, fromHex, MeterkitError, Writer } from '@meterkit/core';
import type { SessionDirection, SessionRecord } from '../session/record.js';
import { parseIsoNanos } from '../session/time.js';

/** Largest Gurux XML trace read (the whole document is parsed at once): 64 MiB. */
export const MAX_GURUX_XML_LENGTH = 64 * 1024 * 1024;
const MAX_DEPTH = 256;

/** An element of a parsed XML document, with its place in the source text. */
export interface XmlElement {
  readonly name: string;
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: readonly XmlElement[];
  /** Character data and CDATA directly inside the element, entities decoded. */
  readonly text: string;
  /** Character offsets of the element in the document: `source.slice(start, end)` is its XML. */
  readonly start: number;
  readonly end: number;
}

interface MutableElement {
  name: string;
  attributes: Map<string, string>;
  children: MutableElement[];
  text: string;
  start: number;
  end: number;
}

const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const NAME = /^[A-Za-z_:][\w.:-]*/;
const ATTRIBUTE = /\s*([A-Za-z_:][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/y;

function byteOffset(xml: string, at: number): number {
  return new TextEncoder().encode(xml.slice(0, at)).length;
}

function xmlError(xml: string, at: number, message: string): MeterkitError {
  return new MeterkitError(ErrorCode.ValueInvalid, `XML: ${message}`, {
    offset: byteOffset(xml, at),
    path: 'xml',
  });
}

function decodeEntities(xml: string, text: string, at: number): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);?/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      if (!(code >= 0 && code <= 0x10ffff) || !whole.endsWith(';'))
        throw xmlError(xml, at, `bad character reference ${whole}`);
      return String.fromCodePoint(code);
    }
    const v = ENTITIES[ref];
    if (v === undefined || !whole.endsWith(';')) throw xmlError(xml, at, `unknown entity ${whole}`);
    return v;
  });
}

/**
 * Parses an XML document (XML 1.0 §2–3 subset: elements, attributes, character data, CDATA,
 * comments, processing instructions and a skipped DOCTYPE; no external entities) into elements
 * that keep their source offsets. Malformed XML fails with `ValueInvalid` at its byte offset.
 */
export function parseXmlElements(xml: string): XmlElement[] {
  const roots: MutableElement[] = [];
  const stack: MutableElement[] = [];
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const textEnd = lt < 0 ? xml.length : lt;
    if (textEnd > i) {
      const top = stack[stack.length - 1];
      const raw = xml.slice(i, textEnd);
      if (top !== undefined) top.text += decodeEntities(xml, raw, i);
      else if (raw.trim() !== '') throw xmlError(xml, i, 'text outside the root element');
    }
    if (lt < 0) break;
    i = lt;
    if (xml.startsWith('<!--', i)) {
      const close = xml.indexOf('-->', i + 4);
      if (close < 0) throw xmlError(xml, i, 'unterminated comment');
      i = close + 3;
    } else if (xml.startsWith('<![CDATA[', i)) {
      const close = xml.indexOf(']]>', i + 9);
      if (close < 0) throw xmlError(xml, i, 'unterminated CDATA section');
      const top = stack[stack.length - 1];
      if (top === undefined) throw xmlError(xml, i, 'CDATA outside the root element');
      top.text += xml.slice(i + 9, close);
      i = close + 3;
    } else if (xml.startsWith('<?', i)) {
      const close = xml.indexOf('?>', i + 2);
      if (close < 0) throw xmlError(xml, i, 'unterminated processing instruction');
      i = close + 2;
    } else if (xml.startsWith('<!', i)) {
      if (xml.slice(i, i + 40).includes('<!ENTITY'))
        throw xmlError(xml, i, 'entity declarations are not allowed');
      const close = xml.indexOf('>', i + 2);
      if (close < 0) throw xmlError(xml, i, 'unterminated declaration');
      i = close + 1;
    } else if (xml.startsWith('</', i)) {
      const close = xml.indexOf('>', i + 2);
      if (close < 0) throw xmlError(xml, i, 'unterminated end tag');
      const name = xml.slice(i + 2, close).trim();
      const top = stack.pop();
      if (top === undefined || top.name !== name) {
        throw xmlError(
          xml,
          i,
          `end tag </${name}> does not match ${top === undefined ? 'any element' : `<${top.name}>`}`,
        );
      }
      top.end = close + 1;
      i = close + 1;
    } else {
      const m = NAME.exec(xml.slice(i + 1, i + 257));
      if (m === null) throw xmlError(xml, i, 'bad start tag');
      const element: MutableElement = {
        name: m[0],
        attributes: new Map(),
        children: [],
        text: '',
        start: i,
        end: -1,
      };
      let j = i + 1 + m[0].length;
      for (;;) {
        ATTRIBUTE.lastIndex = j;
        const a = ATTRIBUTE.exec(xml);
        if (a === null) break;
        element.attributes.set(a[1]!, decodeEntities(xml, a[2] ?? a[3] ?? '', j));
        j = ATTRIBUTE.lastIndex;
      }
      while (j < xml.length && /\s/.test(xml[j]!)) j++;
      const selfClosing = xml.startsWith('/>', j);
      if (!selfClosing && xml[j] !== '>') throw xmlError(xml, j, `malformed start tag <${m[0]}>`);
      const parent = stack[stack.length - 1];
      if (parent !== undefined) parent.children.push(element);
      else if (roots.length > 0) throw xmlError(xml, i, 'more than one root element');
      else roots.push(element);
      i = j + (selfClosing ? 2 : 1);
      if (selfClosing) element.end = i;
      else {
        if (stack.length >= MAX_DEPTH) {
          throw new MeterkitError(ErrorCode.NestingTooDeep, `XML nested deeper than ${MAX_DEPTH}`, {
            offset: byteOffset(xml, element.start),
            path: 'xml',
          });
        }
        stack.push(element);
      }
    }
  }
  if (stack.length > 0)
    throw xmlError(xml, stack[stack.length - 1]!.start, `<${stack[stack.length - 1]!.name}> is not closed`);
  if (roots.length === 0) throw xmlError(xml, 0, 'no root element');
  return roots;
}

const TO_SERVER = /(Request|^Aarq|^AARQ|^Rlrq|^RLRQ)$|Request$/;
const TO_CLIENT = /(Response|Notification|^Aare|^AARE|^Rlre|^RLRE|ConfirmedServiceError|ExceptionResponse)$/;

function directionOfName(name: string): SessionDirection | undefined {
  const bare = name.replace(/^(glo|ded|general)[-_]?/i, '');
  if (TO_CLIENT.test(bare)) return 'server-to-client';
  if (TO_SERVER.test(bare)) return 'client-to-server';
  return undefined;
}

function directionOfAttribute(value: string | undefined): SessionDirection {
  const v = (value ?? '').toLowerCase();
  if (/^(tx|send|sent|request|out|outgoing|client-to-server|c->s)$/.test(v)) return 'client-to-server';
  if (/^(rx|receive|received|reply|response|in|incoming|server-to-client|s->c)$/.test(v))
    return 'server-to-client';
  return 'unknown';
}

/** The PDU element of an `<HDLC>`/`<WRAPPER>` message: inside `<PDU>`, or the first element after the addresses. */
function pduOf(element: XmlElement): XmlElement | undefined {
  const pdu = element.children.find((c) => c.name === 'PDU');
  if (pdu !== undefined) return pdu.children[0];
  return element.children.find(
    (c) => !/^(TargetAddress|SourceAddress|FrameType|NextFrame|Command)$/.test(c.name),
  );
}

function isPduName(name: string): boolean {
  // General-Block-Transfer goes both ways: a PDU whose direction the name does not tell
  return directionOfName(name) !== undefined || lower(name) === 'generalblocktransfer';
}

/** Options of the Gurux XML reader. */
export interface GuruxXmlOptions {
  /** Channel id of every record. Default `gurux`. */
  readonly channel?: string;
}

/**
 * Turns a Gurux DLMS translator trace into session records. Three shapes are understood:
 * messages holding raw frame hex (`<Message type="tx|rx|Sent|Received" time="...">hex</Message>`,
 * text or CDATA), which give bytes; `<HDLC>` and `<WRAPPER>` messages and bare PDU elements
 * (`<GetRequest>`, `<AssociationResponse>`, ...) holding only the decoded PDU tree, which are
 * translated back into frame/APDU bytes (`guruxFrameToBytes`, `guruxPduToBytes`) and keep their
 * `xml`; a tree holding an element that is not translated gives empty bytes (see
 * `guruxXmlUntranslated`). The direction comes from the PDU's name (or an HDLC frame type).
 * Every record is protocol `dlms`; `frame` numbers the records from 1.
 */
export function guruxXmlRecords(xml: string, options: GuruxXmlOptions = {}): SessionRecord[] {
  const channel = options.channel ?? 'gurux';
  const out: SessionRecord[] = [];
  const visit = (e: XmlElement, depth: number): void => {
    const hexText = e.text.trim();
    if (/^(HDLC|WRAPPER)$/i.test(e.name)) {
      const pdu = pduOf(e);
      const direction =
        (pdu === undefined ? undefined : directionOfName(pdu.name)) ?? directionOfFrameType(e) ?? 'unknown';
      out.push(xmlRecord(out.length + 1, channel, xml, e, direction, () => guruxFrameToBytes(e, direction)));
      return;
    }
    if (e.children.length === 0 && hexText !== '' && /^(Message|Frame|Data|Pdu|Raw)$/i.test(e.name)) {
      let bytes: Uint8Array;
      try {
        bytes = fromHex(hexText);
      } catch (err) {
        throw new MeterkitError(
          ErrorCode.HexInvalid,
          `<${e.name}> at character ${e.start} does not hold hex`,
          {
            offset: byteOffset(xml, e.start),
            path: `xml.${e.name}`,
            cause: err,
          },
        );
      }
      const time = e.attributes.get('time') ?? e.attributes.get('Time') ?? e.attributes.get('timestamp');
      out.push({
        frame: out.length + 1,
        channel,
        direction: directionOfAttribute(
          e.attributes.get('type') ?? e.attributes.get('Type') ?? e.attributes.get('direction'),
        ),
        timestamp: time === undefined ? undefined : parseIsoNanos(time),
        protocol: 'dlms',
        bytes,
      });
      return;
    }
    if (depth > 0 && isPduName(e.name)) {
      out.push(
        xmlRecord(out.length + 1, channel, xml, e, directionOfName(e.name) ?? 'unknown', () =>
          guruxPduToBytes(e),
        ),
      );
      return;
    }
    for (const c of e.children) visit(c, depth + 1);
  };
  for (const root of parseXmlElements(xml)) {
    if (isPduName(root.name))
      out.push(
        xmlRecord(1, channel, xml, root, directionOfName(root.name) ?? 'unknown', () =>
          guruxPduToBytes(root),
        ),
      );
    else visit(root, 0);
  }
  return out;
}

/** Direction of an HDLC frame without a PDU from its control octet (SNRM/DISC command, UA/DM response; IEC 62056-46 §6.4.3). */
function directionOfFrameType(e: XmlElement): SessionDirection | undefined {
  const ft = e.children.find((c) => c.name === 'FrameType');
  const v = ft === undefined ? undefined : Number.parseInt(xmlValue(ft), 16) & 0xef;
  if (v === 0x83 || v === 0x43) return 'client-to-server';
  if (v === 0x63 || v === 0x0f) return 'server-to-client';
  return undefined;
}

/**
 * A record of an XML-only message: its bytes translated from the XML (`translate`), or empty
 * bytes when the XML holds an element that is not translated (`guruxXmlUntranslated` says which).
 */
function xmlRecord(
  frame: number,
  channel: string,
  xml: string,
  e: XmlElement,
  direction: SessionDirection,
  translate: () => Uint8Array,
): SessionRecord {
  let bytes: Uint8Array;
  try {
    bytes = translate();
  } catch (err) {
    if (!(err instanceof MeterkitError)) throw err;
    bytes = new Uint8Array(0);
  }
  return {
    frame,
    channel,
    direction,
    timestamp: undefined,
    protocol: 'dlms',
    bytes,
    xml: xml.slice(e.start, e.end),
  };
}

/**
 * Why an XML-only record of a Gurux trace has no bytes: the error translating its XML (naming the
 * element), or undefined when it translates.
 */
export function guruxXmlUntranslated(recordXml: string): MeterkitError | undefined {
  try {
    const [root] = parseXmlElements(recordXml);
    if (root === undefined) return undefined;
    if (/^(HDLC|WRAPPER)$/i.test(root.name)) {
      const pdu = pduOf(root);
      guruxFrameToBytes(
        root,
        (pdu === undefined ? undefined : directionOfName(pdu.name)) ??
          directionOfFrameType(root) ??
          'unknown',
      );
    } else guruxPduToBytes(root);
    return undefined;
  } catch (err) {
    if (err instanceof MeterkitError) return err;
    throw err;
  }
}

/** Reads a Gurux XML trace from byte chunks (whole document, up to `MAX_GURUX_XML_LENGTH`) into session records. */
export async function* readGuruxXml(
  source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  options: GuruxXmlOptions = {},
): AsyncGenerator<SessionRecord> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let text = '';
  let length = 0;
  try {
    for await (const chunk of source) {
      length += chunk.length;
      if (length > MAX_GURUX_XML_LENGTH) {
        throw new MeterkitError(
          ErrorCode.FrameTooLong,
          `XML trace longer than ${MAX_GURUX_XML_LENGTH} bytes`,
          {
            offset: MAX_GURUX_XML_LENGTH,
          },
        );
      }
      text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    }
    text += decoder.decode();
  } catch (e) {
    if (e instanceof MeterkitError) throw e;
    throw new MeterkitError(ErrorCode.ValueInvalid, 'XML trace is not valid UTF-8', { cause: e });
  }
  yield* guruxXmlRecords(text.replace(/^\uFEFF/, ''), options);
}

// ---------------------------------------------------------------------------------------------
// Gurux XML → bytes: the PDU trees the Gurux translator writes, encoded back into A-XDR/BER
// APDUs (IEC 62056-5-3 §8, §9) and HDLC (IEC 62056-46) or wrapper (IEC 62056-47) frames.
// ---------------------------------------------------------------------------------------------

/** Most elements translated in one PDU tree (a bound on work for hostile input). */
const MAX_TRANSLATED_ELEMENTS = 100_000;

class Translation {
  elements = 0;
  /** The elements being translated, outermost first (for error paths). */
  readonly stack: XmlElement[] = [];
  enter(e: XmlElement): void {
    if (++this.elements > MAX_TRANSLATED_ELEMENTS)
      throw new MeterkitError(ErrorCode.ValueInvalid, 'Gurux XML PDU tree too large', { path: 'xml' });
    this.stack.push(e);
  }
  leave(): void {
    this.stack.pop();
  }
  #path(e: XmlElement): string {
    const names = this.stack.map((x) => x.name);
    if (this.stack[this.stack.length - 1] !== e) names.push(e.name);
    return `xml.${names.join('.')}`;
  }
  unsupported(e: XmlElement, why = 'is not translated to bytes'): never {
    throw new MeterkitError(ErrorCode.Unsupported, `Gurux XML element <${e.name}> ${why}`, {
      path: this.#path(e),
    });
  }
  invalid(e: XmlElement, why: string): never {
    throw new MeterkitError(ErrorCode.ValueInvalid, `Gurux XML element <${e.name}>: ${why}`, {
      path: this.#path(e),
    });
  }
}

const lower = (s: string): string => s.toLowerCase();

function childNamed(e: XmlElement, ...names: string[]): XmlElement | undefined {
  const want = names.map(lower);
  return e.children.find((c) => want.includes(lower(c.name)));
}

function xmlValue(e: XmlElement): string {
  return (e.attributes.get('Value') ?? e.attributes.get('value') ?? e.text).trim();
}

function hexOf(t: Translation, e: XmlElement, s = xmlValue(e)): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) t.invalid(e, `'${s.slice(0, 40)}' is not hex`);
  return fromHex(clean);
}

/**
 * An integer field of `width` octets. Gurux writes them in hex (`C1`, `0008`) or, depending on
 * its settings, in decimal (`129`): a value of exactly 2×`width` hex digits, or with hex
 * letters, is hex; other digit strings are decimal. Addresses (`hex`) are always hex.
 */
function intOf(t: Translation, e: XmlElement, width: number, s = xmlValue(e), hex = false): bigint {
  const v = s.replace(/\s+/g, '');
  let n: bigint;
  if (!hex && /^-?\d+$/.test(v) && v.replace('-', '').length !== width * 2) n = BigInt(v);
  else if (/^[0-9a-fA-F]+$/.test(v) && v.length <= width * 2) {
    n = BigInt(`0x${v}`);
  } else if (/^-?\d+$/.test(v)) n = BigInt(v);
  else return t.invalid(e, `'${v.slice(0, 40)}' is not an integer`);
  const bits = BigInt(width * 8);
  if (n < -(1n << (bits - 1n)) || n >= 1n << bits) t.invalid(e, `${v} does not fit ${width} octet(s)`);
  return n < 0n ? n + (1n << bits) : n;
}

function writeUint(w: Writer, n: bigint, width: number): void {
  for (let i = width - 1; i >= 0; i--) w.u8(Number((n >> BigInt(i * 8)) & 0xffn));
}

function field(t: Translation, e: XmlElement, name: string, width: number, w: Writer): void {
  const c = childNamed(e, name);
  if (c === undefined) t.invalid(e, `<${name}> is missing`);
  writeUint(w, intOf(t, c, width), width);
}

function boolOf(e: XmlElement): boolean {
  const v = lower(xmlValue(e));
  return v === 'true' || (v !== 'false' && v !== '' && /^[0-9a-f]+$/.test(v) && BigInt(`0x${v}`) !== 0n);
}

/** COSEM logical name: 12 hex digits or a dotted OBIS code `a.b.c.d.e.f` (IEC 62056-6-1 §4). */
function logicalName(t: Translation, e: XmlElement): Uint8Array {
  const v = xmlValue(e);
  const dotted = /^(\d+)[.:-](\d+)[.:-](\d+)[.:-](\d+)[.:-](\d+)[.:-](\d+)$/.exec(v);
  if (dotted !== null) return Uint8Array.from(dotted.slice(1).map(Number));
  const b = hexOf(t, e);
  if (b.length !== 6) t.invalid(e, 'a logical name has 6 octets');
  return b;
}

/** A-XDR Data type tags (IEC 62056-6-2 §4.1.5) by the Gurux element name, with fixed widths. */
const DATA_TAGS: Readonly<Record<string, readonly [tag: number, width: number]>> = {
  none: [0, 0],
  boolean: [3, 1],
  int32: [5, 4],
  uint32: [6, 4],
  bcd: [13, 1],
  int8: [15, 1],
  int16: [16, 2],
  uint8: [17, 1],
  uint16: [18, 2],
  int64: [20, 8],
  uint64: [21, 8],
  enum: [22, 1],
  datetime: [25, 12],
  date: [26, 5],
  time: [27, 4],
  'delta-int8': [28, 1],
  'delta-int16': [29, 2],
  'delta-int32': [30, 4],
  'delta-uint8': [31, 1],
  'delta-uint16': [32, 2],
  'delta-uint32': [33, 4],
};

/** Writes one Data value (IEC 62056-6-2 §4.1.5, A-XDR) from its Gurux element. */
function writeData(t: Translation, e: XmlElement, w: Writer, depth = 0): void {
  if (depth > 64) t.invalid(e, 'data nested too deep');
  t.enter(e);
  try {
    const name = lower(e.name);
    const fixed = DATA_TAGS[name];
    if (fixed !== undefined) {
      const [tag, width] = fixed;
      w.u8(tag);
      if (tag === 3) w.u8(boolOf(e) ? 1 : 0);
      else if (tag >= 25 && tag <= 27) {
        const b = hexOf(t, e);
        if (b.length !== width) t.invalid(e, `${e.name} has ${width} octets`);
        w.bytes(b);
      } else if (width > 0) writeUint(w, intOf(t, e, width), width);
      return;
    }
    switch (name) {
      case 'array':
      case 'structure': {
        w.u8(name === 'array' ? 1 : 2);
        w.berLength(e.children.length);
        for (const c of e.children) writeData(t, c, w, depth + 1);
        return;
      }
      case 'bitstring': {
        const bits = xmlValue(e).replace(/\s+/g, '');
        if (!/^[01]*$/.test(bits)) t.invalid(e, 'a bit string is written as 0s and 1s');
        w.u8(4).berLength(bits.length);
        for (let i = 0; i < bits.length; i += 8) {
          let b = 0;
          for (let j = 0; j < 8; j++) b = (b << 1) | (bits[i + j] === '1' ? 1 : 0);
          w.u8(b);
        }
        return;
      }
      case 'octetstring': {
        const b = hexOf(t, e);
        w.u8(9).berLength(b.length).bytes(b);
        return;
      }
      case 'compactarray':
        writeCompactArray(t, e, w);
        return;
      case 'string':
      case 'stringutf8': {
        const b = new TextEncoder().encode(xmlValue(e));
        w.u8(name === 'string' ? 10 : 12)
          .berLength(b.length)
          .bytes(b);
        return;
      }
      case 'float32':
      case 'float64': {
        const v = xmlValue(e);
        const width = name === 'float32' ? 4 : 8;
        w.u8(name === 'float32' ? 23 : 24);
        if (/^[0-9a-fA-F]+$/.test(v) && v.length === width * 2) w.bytes(fromHex(v));
        else {
          const x = Number(v.replace(',', '.'));
          if (Number.isNaN(x) && lower(v) !== 'nan') t.invalid(e, `'${v}' is not a number`);
          if (width === 4) w.f32(x);
          else w.f64(x);
        }
        return;
      }
      default:
        t.unsupported(e, 'is not a Data type translated to bytes');
    }
  } finally {
    t.leave();
  }
}

/** Types a compact-array's contents description may name (IEC 62056-6-2 §4.1.5), tag and octets per value. */
function simpleType(t: Translation, e: XmlElement): readonly [tag: number, width: number] {
  const fixed = DATA_TAGS[lower(e.name)];
  if (fixed === undefined || fixed[0] === 0)
    t.unsupported(e, 'is not a compact-array element type translated to bytes');
  return fixed;
}

/**
 * compact-array (IEC 62056-6-2 §4.1.5, tag 19) as Gurux writes it: `<ContentsDescription>` lists
 * the element type, or several (a structure of them); `<ArrayContents>` holds the contents as hex
 * (`Value`) or as text rows of `;`-separated decimal values, one row per element (fixed-width
 * integer, enum and boolean types only).
 */
function writeCompactArray(t: Translation, e: XmlElement, w: Writer): void {
  const desc = childNamed(e, 'ContentsDescription') ?? t.invalid(e, '<ContentsDescription> is missing');
  const types = desc.children.map((c) => simpleType(t, c));
  if (types.length === 0) t.invalid(desc, 'names no type');
  w.u8(19);
  if (types.length > 1) w.u8(2).berLength(types.length);
  for (const [tag] of types) w.u8(tag);
  const contents = childNamed(e, 'ArrayContents') ?? t.invalid(e, '<ArrayContents> is missing');
  const hex = contents.attributes.get('Value') ?? contents.attributes.get('value');
  if (hex !== undefined) {
    const b = hexOf(t, contents, hex);
    w.berLength(b.length).bytes(b);
    return;
  }
  const body = new Writer(64);
  for (const row of contents.text.split(/\r?\n/)) {
    const cells =
      row.trim() === ''
        ? []
        : row
            .trim()
            .split(';')
            .filter((c) => c.trim() !== '');
    if (cells.length === 0) continue;
    if (cells.length !== types.length)
      t.invalid(contents, `a row has ${cells.length} values, not ${types.length}`);
    cells.forEach((cell, i) => {
      const [tag, width] = types[i]!;
      const v = cell.trim();
      if (width === 0 || (tag >= 25 && tag <= 27))
        t.unsupported(contents, 'rows of this element type are not translated');
      if (tag === 3) body.u8(/^(true|1)$/i.test(v) ? 1 : 0);
      else if (!/^-?\d+$/.test(v)) t.invalid(contents, `'${v.slice(0, 40)}' is not a decimal integer`);
      else {
        const bits = BigInt(width * 8);
        const n = BigInt(v);
        if (n < -(1n << (bits - 1n)) || n >= 1n << bits)
          t.invalid(contents, `${v} does not fit ${width} octet(s)`);
        writeUint(body, n < 0n ? n + (1n << bits) : n, width);
      }
    });
  }
  const b = body.finish();
  w.berLength(b.length).bytes(b);
}

/** The only Data child of a wrapper element (`<Data>`, `<Value>`, `<DataValue>`, …). */
function writeDataIn(t: Translation, e: XmlElement, w: Writer): void {
  const inner = e.children[0];
  if (inner === undefined) t.invalid(e, 'holds no data');
  if (lower(inner.name) === 'data') writeDataIn(t, inner, w);
  else writeData(t, inner, w);
}

/** Data-Access-Result names (IEC 62056-5-3 §9.3.7) as Gurux writes them. */
const DATA_ACCESS_RESULT: Readonly<Record<string, number>> = {
  success: 0,
  ok: 0,
  hardwarefault: 1,
  temporaryfailure: 2,
  readwritedenied: 3,
  undefinedobject: 4,
  inconsistentclass: 9,
  unavailableobject: 11,
  unmatchedtype: 12,
  accessviolated: 13,
  datablockunavailable: 14,
  longgetorreadaborted: 15,
  nolonggetorreadinprogress: 16,
  longsetorwriteaborted: 17,
  nolongsetorwriteinprogress: 18,
  datablocknumberinvalid: 19,
  otherreason: 250,
};

function resultCode(t: Translation, e: XmlElement): number {
  const v = xmlValue(e);
  const named = DATA_ACCESS_RESULT[lower(v).replace(/[\s_-]/g, '')];
  return named ?? Number(intOf(t, e, 1));
}

/** Get-Data-Result (IEC 62056-5-3 §9.3.7): `<Data>` → 00 data, `<DataAccessError>` → 01 result. */
function writeGetDataResult(t: Translation, e: XmlElement, w: Writer): void {
  const dar = childNamed(e, 'DataAccessError', 'DataAccessResult');
  if (dar !== undefined) {
    w.u8(1).u8(resultCode(t, dar));
    return;
  }
  const data = lower(e.name) === 'data' ? e : childNamed(e, 'Data');
  if (data === undefined) t.invalid(e, 'holds neither <Data> nor <DataAccessError>');
  w.u8(0);
  writeDataIn(t, data, w);
}

/** Cosem-Attribute-Descriptor or Cosem-Method-Descriptor (IEC 62056-5-3 §9.3.3). */
function writeDescriptor(t: Translation, e: XmlElement, w: Writer, member: 'AttributeId' | 'MethodId'): void {
  field(t, e, 'ClassId', 2, w);
  const ln = childNamed(e, 'InstanceId');
  if (ln === undefined) t.invalid(e, '<InstanceId> is missing');
  w.bytes(logicalName(t, ln));
  field(t, e, member, 1, w);
}

/** Selective-Access-Descriptor OPTIONAL (IEC 62056-5-3 §9.3.4). */
function writeAccessSelection(t: Translation, e: XmlElement | undefined, w: Writer): void {
  const sel = e === undefined ? undefined : childNamed(e, 'AccessSelection');
  if (sel === undefined) {
    w.u8(0);
    return;
  }
  w.u8(1);
  field(t, sel, 'AccessSelector', 1, w);
  const params = childNamed(sel, 'AccessParameters');
  if (params === undefined) t.invalid(sel, '<AccessParameters> is missing');
  writeDataIn(t, params, w);
}

function writeAttributeWithSelection(t: Translation, e: XmlElement, w: Writer): void {
  const d = childNamed(e, 'AttributeDescriptor') ?? e;
  writeDescriptor(t, d, w, 'AttributeId');
  writeAccessSelection(t, e, w);
}

/** The list children of a `…List`/`Qty` element (the element itself when it has no list wrapper). */
function listOf(e: XmlElement, ...names: string[]): readonly XmlElement[] {
  const list = childNamed(e, ...names);
  return list === undefined ? [] : list.children;
}

function invoke(t: Translation, e: XmlElement, w: Writer): void {
  field(t, e, 'InvokeIdAndPriority', 1, w);
}

function writeRawBlock(t: Translation, e: XmlElement, w: Writer): void {
  // DataBlock-G / DataBlock-SA: last-block, block-number, raw-data
  const last = childNamed(e, 'LastBlock');
  w.u8(last !== undefined && boolOf(last) ? 1 : 0);
  field(t, e, 'BlockNumber', 4, w);
  const inner = childNamed(e, 'Result') ?? e;
  const dar = childNamed(inner, 'DataAccessError', 'DataAccessResult');
  const raw = childNamed(inner, 'RawData');
  if (dar !== undefined) w.u8(1).u8(resultCode(t, dar));
  else if (raw !== undefined) {
    const b = hexOf(t, raw);
    if (inner !== e) w.u8(0);
    w.berLength(b.length).bytes(b);
  } else t.invalid(e, 'holds no <RawData>');
}

/** state-error of ExceptionResponse (IEC 62056-5-3 §8) by the Gurux name. */
const STATE_ERROR: Readonly<Record<string, number>> = { servicenotallowed: 1, serviceunknown: 2 };

/** service-error of ExceptionResponse (IEC 62056-5-3 §8) by the Gurux name. */
const EXCEPTION_SERVICE_ERROR: Readonly<Record<string, number>> = {
  operationnotpossible: 1,
  servicenotsupported: 2,
  otherreason: 3,
  pdutoolong: 4,
  decipheringerror: 5,
  invocationcountererror: 6,
};

/** The ServiceError CHOICE (IEC 62056-5-3 §8.2), index = choice tag, by the Gurux element name. */
const SERVICE_ERROR_CHOICES: readonly string[] = [
  'applicationreference',
  'hardwareresource',
  'vdestateerror',
  'service',
  'definition',
  'access',
  'initiate',
  'loaddataset',
  'changescope',
  'task',
  'other',
];

/** The enumerated values of each ServiceError choice (IEC 62056-5-3 §8.2) by the Gurux name. */
const SERVICE_ERROR_VALUES: readonly (Readonly<Record<string, number>> | undefined)[] = [
  {
    other: 0,
    timeelapsed: 1,
    applicationunreachable: 2,
    applicationreferenceinvalid: 3,
    applicationcontextunsupported: 4,
    providercommunicationerror: 5,
    decipheringerror: 6,
  },
  {
    other: 0,
    memoryunavailable: 1,
    processorresourceunavailable: 2,
    massstorageunavailable: 3,
    otherresourceunavailable: 4,
  },
  { other: 0, nodlmscontext: 1, loadingdataset: 2, statusnochange: 3, statusinoperable: 4 },
  { other: 0, pdusize: 1, serviceunsupported: 2 },
  { other: 0, objectundefined: 1, objectclassinconsistent: 2, objectattributeinconsistent: 3 },
  { other: 0, scopeofaccessviolated: 1, objectaccessinvalid: 2, hardwarefault: 3, objectunavailable: 4 },
  {
    other: 0,
    dlmsversiontoolow: 1,
    incompatibleconformance: 2,
    pdusizetooshort: 3,
    refusedbythevdehandler: 4,
  },
  {
    other: 0,
    primitiveoutofsequence: 1,
    notloadable: 2,
    datasetsizetoolarge: 3,
    notawaitedsegment: 4,
    interpretationfailure: 5,
    storagefailure: 6,
    datasetnotready: 7,
  },
  undefined,
  { other: 0, noremotecontrol: 1, tistopped: 2, tirunning: 3, tiunusable: 4 },
  undefined,
];

/**
 * Variable-Access-Specification (IEC 62056-5-3 §8, short-name referencing): variable-name [2],
 * parameterized-access [4], block-number-access [5], from Gurux's `<VariableName>`,
 * `<ParameterisedAccess>` and `<BlockNumberAccess>`.
 */
function writeVariableAccess(t: Translation, e: XmlElement, w: Writer): void {
  const n = lower(e.name);
  if (n === 'variablename') {
    w.u8(2);
    writeUint(w, intOf(t, e, 2, xmlValue(e), true), 2);
  } else if (n === 'parameterisedaccess' || n === 'parameterizedaccess') {
    w.u8(4);
    const name = childNamed(e, 'VariableName') ?? t.invalid(e, '<VariableName> is missing');
    writeUint(w, intOf(t, name, 2, xmlValue(name), true), 2);
    field(t, e, 'Selector', 1, w);
    const p = childNamed(e, 'Parameter') ?? t.invalid(e, '<Parameter> is missing');
    writeDataIn(t, p, w);
  } else if (n === 'blocknumberaccess') {
    w.u8(5);
    field(t, e, 'BlockNumber', 2, w);
  } else t.unsupported(e);
}

/** The choices of Access-Request-Specification (IEC 62056-5-3 §9.3.11) by the Gurux element name. */
const ACCESS_CHOICES: Readonly<Record<string, number>> = {
  accessrequestget: 1,
  accessrequestset: 2,
  accessrequestaction: 3,
  accessresponseget: 1,
  accessresponseset: 2,
  accessresponseaction: 3,
};

/** The specification items of an Access body list (each possibly inside `<_Access…Specification>`). */
function accessItems(list: XmlElement | undefined): XmlElement[] {
  if (list === undefined) return [];
  return list.children.map((c) => (c.name.startsWith('_') ? (c.children[0] ?? c) : c));
}

/**
 * Access-Request and Access-Response (IEC 62056-5-3 §9.3.11): long-invoke-id-and-priority,
 * date-time, then the body: request specifications and list of data; for the response, the
 * request specification OPTIONAL (Gurux leaves it out), the list of data and the response
 * specifications (each a Data-Access-Result or Action-Result).
 */
function writeAccess(t: Translation, e: XmlElement, request: boolean, w: Writer): void {
  w.u8(request ? 0xd9 : 0xda);
  field(t, e, 'LongInvokeIdAndPriority', 4, w);
  const dt = childNamed(e, 'DateTime');
  const time = dt === undefined ? new Uint8Array(0) : hexOf(t, dt);
  w.berLength(time.length).bytes(time);
  const body = childNamed(e, request ? 'AccessRequestBody' : 'AccessResponseBody') ?? e;
  const data = childNamed(body, request ? 'AccessRequestListOfData' : 'AccessResponseListOfData');
  const writeData_ = (): void => {
    const items = data?.children ?? [];
    w.berLength(items.length);
    for (const d of items) lower(d.name) === 'data' ? writeDataIn(t, d, w) : writeData(t, d, w);
  };
  if (request) {
    const specs = accessItems(childNamed(body, 'AccessRequestSpecification'));
    w.berLength(specs.length);
    for (const s of specs) {
      const choice = ACCESS_CHOICES[lower(s.name)];
      if (choice === undefined || lower(s.name).startsWith('accessresponse')) t.unsupported(s);
      w.u8(choice);
      const d = childNamed(s, choice === 3 ? 'MethodDescriptor' : 'AttributeDescriptor') ?? s;
      writeDescriptor(t, d, w, choice === 3 ? 'MethodId' : 'AttributeId');
    }
    writeData_();
    return;
  }
  w.u8(0);
  writeData_();
  const specs = accessItems(childNamed(body, 'AccessResponseSpecification'));
  w.berLength(specs.length);
  for (const s of specs) {
    const choice = ACCESS_CHOICES[lower(s.name)];
    if (choice === undefined || lower(s.name).startsWith('accessrequest')) t.unsupported(s);
    w.u8(choice).u8(resultCode(t, childNamed(s, 'Result') ?? t.invalid(s, '<Result> is missing')));
  }
}

/** The xDLMS service PDUs (IEC 62056-5-3 §9.3) by their Gurux names. */
function writeService(t: Translation, e: XmlElement, w: Writer): void {
  const name = lower(e.name);
  const body = e.children[0];
  const sub = body === undefined ? '' : lower(body.name);
  const need = (): XmlElement => body ?? t.invalid(e, 'is empty');
  switch (name) {
    case 'getrequest': {
      const b = need();
      w.u8(0xc0);
      if (sub === 'getrequestnormal') {
        w.u8(1);
        invoke(t, b, w);
        writeAttributeWithSelection(t, b, w);
      } else if (sub === 'getrequestfornextdatablock') {
        w.u8(2);
        invoke(t, b, w);
        field(t, b, 'BlockNumber', 4, w);
      } else if (sub === 'getrequestwithlist') {
        w.u8(3);
        invoke(t, b, w);
        const items = listOf(b, 'AttributeDescriptorList');
        w.berLength(items.length);
        for (const i of items) writeAttributeWithSelection(t, i, w);
      } else t.unsupported(b);
      return;
    }
    case 'getresponse': {
      const b = need();
      w.u8(0xc4);
      if (sub === 'getresponsenormal') {
        w.u8(1);
        invoke(t, b, w);
        writeGetDataResult(t, childNamed(b, 'Result') ?? b, w);
      } else if (sub === 'getresponsewithdatablock') {
        w.u8(2);
        invoke(t, b, w);
        writeRawBlock(t, childNamed(b, 'Result') ?? b, w);
      } else if (sub === 'getresponsewithlist') {
        w.u8(3);
        invoke(t, b, w);
        const results = childNamed(b, 'Result')?.children ?? [];
        w.berLength(results.length);
        for (const r of results) {
          if (lower(r.name) === 'dataaccesserror' || lower(r.name) === 'dataaccessresult')
            w.u8(1).u8(resultCode(t, r));
          else writeGetDataResult(t, r, w);
        }
      } else t.unsupported(b);
      return;
    }
    case 'setrequest': {
      const b = need();
      w.u8(0xc1);
      if (sub === 'setrequestnormal') {
        w.u8(1);
        invoke(t, b, w);
        writeAttributeWithSelection(t, b, w);
        const v = childNamed(b, 'Value');
        if (v === undefined) t.invalid(b, '<Value> is missing');
        writeDataIn(t, v, w);
      } else if (sub === 'setrequestfirstdatablock' || sub === 'setrequestwithfirstdatablock') {
        w.u8(2);
        invoke(t, b, w);
        writeAttributeWithSelection(t, b, w);
        writeRawBlock(t, childNamed(b, 'DataBlock') ?? b, w);
      } else if (sub === 'setrequestwithdatablock') {
        w.u8(3);
        invoke(t, b, w);
        writeRawBlock(t, childNamed(b, 'DataBlock') ?? b, w);
      } else if (sub === 'setrequestwithlist') {
        w.u8(4);
        invoke(t, b, w);
        const items = listOf(b, 'AttributeDescriptorList');
        w.berLength(items.length);
        for (const i of items) writeAttributeWithSelection(t, i, w);
        const values = listOf(b, 'ValueList');
        w.berLength(values.length);
        for (const v of values) lower(v.name) === 'value' ? writeDataIn(t, v, w) : writeData(t, v, w);
      } else t.unsupported(b);
      return;
    }
    case 'setresponse': {
      const b = need();
      w.u8(0xc5);
      if (sub === 'setresponsenormal') {
        w.u8(1);
        invoke(t, b, w);
        w.u8(resultCode(t, childNamed(b, 'Result') ?? t.invalid(b, '<Result> is missing')));
      } else if (sub === 'setresponsedatablock') {
        w.u8(2);
        invoke(t, b, w);
        field(t, b, 'BlockNumber', 4, w);
      } else if (sub === 'setresponsewithlastdatablock') {
        w.u8(3);
        invoke(t, b, w);
        w.u8(resultCode(t, childNamed(b, 'Result') ?? t.invalid(b, '<Result> is missing')));
        field(t, b, 'BlockNumber', 4, w);
      } else if (sub === 'setresponsewithlist') {
        w.u8(5);
        invoke(t, b, w);
        const results = childNamed(b, 'Result')?.children ?? [];
        w.berLength(results.length);
        for (const r of results) w.u8(resultCode(t, r));
      } else t.unsupported(b);
      return;
    }
    case 'actionrequest': {
      const b = need();
      w.u8(0xc3);
      if (sub === 'actionrequestnormal') {
        w.u8(1);
        invoke(t, b, w);
        writeDescriptor(
          t,
          childNamed(b, 'MethodDescriptor') ?? t.invalid(b, '<MethodDescriptor> is missing'),
          w,
          'MethodId',
        );
        const p = childNamed(b, 'MethodInvocationParameters');
        if (p === undefined || p.children.length === 0) w.u8(0);
        else {
          w.u8(1);
          writeDataIn(t, p, w);
        }
      } else if (sub === 'actionrequestfornextdatablock') {
        // action-request-next-pblock [2]: invoke-id, block-number
        w.u8(2);
        invoke(t, b, w);
        field(t, b, 'BlockNumber', 4, w);
      } else if (sub === 'actionrequestwithlist') {
        w.u8(3);
        invoke(t, b, w);
        const items = listOf(b, 'MethodDescriptorList', 'AttributeDescriptorList');
        w.berLength(items.length);
        for (const i of items) writeDescriptor(t, childNamed(i, 'MethodDescriptor') ?? i, w, 'MethodId');
        const values = listOf(b, 'MethodInvocationParameters', 'ValueList');
        w.berLength(values.length);
        for (const v of values) writeData(t, v, w);
      } else t.unsupported(b);
      return;
    }
    case 'actionresponse': {
      const b = need();
      w.u8(0xc7);
      const withOptionalData = (r: XmlElement): void => {
        w.u8(resultCode(t, childNamed(r, 'Result') ?? r));
        const ret = childNamed(r, 'ReturnParameters');
        if (ret === undefined || ret.children.length === 0) w.u8(0);
        else {
          w.u8(1);
          writeGetDataResult(t, ret, w);
        }
      };
      if (sub === 'actionresponsenormal') {
        w.u8(1);
        invoke(t, b, w);
        withOptionalData(b);
      } else if (sub === 'actionresponsewithfirstblock') {
        // action-response-with-pblock [2]: invoke-id, DataBlock-SA
        w.u8(2);
        invoke(t, b, w);
        writeRawBlock(t, childNamed(b, 'PBlock', 'DataBlock') ?? b, w);
      } else if (sub === 'actionresponsewithlist') {
        w.u8(3);
        invoke(t, b, w);
        const results = childNamed(b, 'Result')?.children ?? [];
        w.berLength(results.length);
        for (const r of results) withOptionalData(r);
      } else t.unsupported(b);
      return;
    }
    case 'datanotification': {
      w.u8(0x0f);
      field(t, e, 'LongInvokeIdAndPriority', 4, w);
      const dt = childNamed(e, 'DateTime');
      const time = dt === undefined ? new Uint8Array(0) : hexOf(t, dt);
      w.berLength(time.length).bytes(time);
      const nb = childNamed(e, 'NotificationBody');
      if (nb === undefined) t.invalid(e, '<NotificationBody> is missing');
      writeDataIn(t, childNamed(nb, 'DataValue') ?? nb, w);
      return;
    }
    case 'accessrequest':
    case 'accessresponse': {
      writeAccess(t, e, name === 'accessrequest', w);
      return;
    }
    case 'exceptionresponse': {
      // ExceptionResponse (IEC 62056-5-3 §8): state-error, service-error [invocation-counter-error: IC]
      w.u8(0xd8);
      const state = childNamed(e, 'StateError') ?? t.invalid(e, '<StateError> is missing');
      w.u8(namedOrNumber(t, state, STATE_ERROR));
      const se = childNamed(e, 'ServiceError') ?? t.invalid(e, '<ServiceError> is missing');
      const code = namedOrNumber(t, se, EXCEPTION_SERVICE_ERROR);
      w.u8(code);
      if (code === 6) field(t, e, 'InvocationCounter', 4, w);
      return;
    }
    case 'confirmedserviceerror': {
      // ConfirmedServiceError (IEC 62056-5-3 §8.2): the service's CHOICE, ServiceError CHOICE and value
      w.u8(0x0e);
      field(t, e, 'Service', 1, w);
      const se = childNamed(e, 'ServiceError') ?? t.invalid(e, '<ServiceError> is missing');
      const choice = se.children[0] ?? t.invalid(se, 'is empty');
      const index = SERVICE_ERROR_CHOICES.indexOf(key(choice.name));
      if (index < 0) t.unsupported(choice, 'is not a ServiceError choice');
      const values = SERVICE_ERROR_VALUES[index];
      w.u8(index).u8(values === undefined ? Number(intOf(t, choice, 1)) : namedOrNumber(t, choice, values));
      return;
    }
    case 'generalblocktransfer': {
      // General-Block-Transfer (IEC 62056-5-3 §9.3.10): block-control, block-number, block-number-ack, block-data
      w.u8(0xe0);
      field(t, e, 'BlockControl', 1, w);
      field(t, e, 'BlockNumber', 2, w);
      field(t, e, 'BlockNumberAck', 2, w);
      const d = childNamed(e, 'BlockData');
      const b = d === undefined ? new Uint8Array(0) : hexOf(t, d);
      w.berLength(b.length).bytes(b);
      return;
    }
    case 'eventnotificationrequest': {
      // Event-Notification-Request (IEC 62056-5-3 §8): time OPTIONAL, attribute descriptor, value
      w.u8(0xc2);
      const time = childNamed(e, 'Time');
      const dt = time === undefined ? undefined : (childNamed(time, 'DateTime') ?? time);
      const tb = dt === undefined ? new Uint8Array(0) : hexOf(t, dt);
      if (tb.length === 0) w.u8(0);
      else w.u8(1).berLength(tb.length).bytes(tb);
      // a form without the attribute descriptor (e.g. only a <Time>) is not one this translates
      writeDescriptor(t, childNamed(e, 'AttributeDescriptor') ?? t.unsupported(e), w, 'AttributeId');
      const v = childNamed(e, 'AttributeValue') ?? t.invalid(e, '<AttributeValue> is missing');
      writeDataIn(t, v, w);
      return;
    }
    case 'readrequest': {
      // ReadRequest (IEC 62056-5-3 §8, short names): SEQUENCE OF Variable-Access-Specification
      w.u8(0x05);
      w.berLength(e.children.length);
      for (const c of e.children) writeVariableAccess(t, c, w);
      return;
    }
    case 'writerequest': {
      w.u8(0x06);
      const specs = listOf(e, 'ListOfVariableAccessSpecification');
      w.berLength(specs.length);
      for (const c of specs) writeVariableAccess(t, c, w);
      const data = listOf(e, 'ListOfData');
      w.berLength(data.length);
      for (const d of data) writeData(t, d, w);
      return;
    }
    case 'readresponse': {
      // ReadResponse (IEC 62056-5-3 §8): data [0], data-access-error [1], data-block-result [2], block-number [3]
      w.u8(0x0c);
      w.berLength(e.children.length);
      for (const c of e.children) {
        const n = lower(c.name);
        if (n === 'data') {
          w.u8(0);
          writeDataIn(t, c, w);
        } else if (n === 'dataaccesserror') w.u8(1).u8(resultCode(t, c));
        else if (n === 'datablockresult') {
          w.u8(2);
          const last = childNamed(c, 'LastBlock');
          w.u8(last !== undefined && boolOf(last) ? 1 : 0);
          field(t, c, 'BlockNumber', 2, w);
          const raw = childNamed(c, 'RawData') ?? t.invalid(c, '<RawData> is missing');
          const b = hexOf(t, raw);
          w.berLength(b.length).bytes(b);
        } else if (n === 'blocknumber') {
          w.u8(3);
          writeUint(w, intOf(t, c, 2), 2);
        } else t.unsupported(c);
      }
      return;
    }
    case 'writeresponse': {
      // WriteResponse (IEC 62056-5-3 §8): success [0], data-access-error [1], block-number [2]
      w.u8(0x0d);
      w.berLength(e.children.length);
      for (const c of e.children) {
        const n = lower(c.name);
        if (n === 'success') w.u8(0);
        else if (n === 'dataaccesserror') w.u8(1).u8(resultCode(t, c));
        else if (n === 'blocknumber') {
          w.u8(2);
          writeUint(w, intOf(t, c, 2), 2);
        } else t.unsupported(c);
      }
      return;
    }
    default:
      t.unsupported(e);
  }
}

/** Ciphered APDU tags (IEC 62056-5-3 §8.2, Table 67) by the Gurux element name. */
const CIPHERED_TAGS: Readonly<Record<string, number>> = {
  glo_initiaterequest: 0x21,
  glo_initiateresponse: 0x28,
  ded_initiaterequest: 0x41,
  ded_initiateresponse: 0x48,
  glo_getrequest: 0xc8,
  glo_setrequest: 0xc9,
  glo_eventnotificationrequest: 0xca,
  glo_actionrequest: 0xcb,
  glo_getresponse: 0xcc,
  glo_setresponse: 0xcd,
  glo_actionresponse: 0xcf,
  ded_getrequest: 0xd0,
  ded_setrequest: 0xd1,
  ded_eventnotificationrequest: 0xd2,
  ded_actionrequest: 0xd3,
  ded_getresponse: 0xd4,
  ded_setresponse: 0xd5,
  ded_actionresponse: 0xd7,
};

/** True when `b` starts with an A-XDR length that covers exactly the rest of it. */
function startsWithOwnLength(b: Uint8Array): boolean {
  const first = b[0];
  if (first === undefined) return false;
  if (first < 0x80) return first === b.length - 1;
  const n = first & 0x7f;
  if (n < 1 || n > 3 || b.length < 1 + n) return false;
  let len = 0;
  for (let i = 1; i <= n; i++) len = len * 256 + b[i]!;
  return len === b.length - 1 - n;
}

/** A ciphered APDU written as raw content (`Value` hex): tag, length and the octets as given. */
function writeCiphered(t: Translation, e: XmlElement, tag: number, w: Writer): void {
  const content = hexOf(t, e);
  w.u8(tag);
  if (!startsWithOwnLength(content)) w.berLength(content.length);
  w.bytes(content);
}

const APPLICATION_CONTEXT: Readonly<Record<string, number>> = {
  ln: 1,
  sn: 2,
  lnwithciphering: 3,
  snwithciphering: 4,
  logicalname: 1,
  shortname: 2,
  logicalnamewithciphering: 3,
  shortnamewithciphering: 4,
};
const MECHANISM: Readonly<Record<string, number>> = {
  none: 0,
  low: 1,
  high: 2,
  highmd5: 3,
  highsha1: 4,
  highgmac: 5,
  highsha256: 6,
  highecdsa: 7,
};
/** xDLMS conformance bits (IEC 62056-5-3 §7.3.1) by the Gurux name: bit 0 is the first bit sent. */
const CONFORMANCE_BITS: readonly string[] = [
  'reservedzero',
  'generalprotection',
  'generalblocktransfer',
  'read',
  'write',
  'unconfirmedwrite',
  'deltavalueencoding',
  'reservedseven',
  'attribute0supportedwithset',
  'prioritymgmtsupported',
  'attribute0supportedwithget',
  'blocktransferwithgetorread',
  'blocktransferwithsetorwrite',
  'blocktransferwithaction',
  'multiplereferences',
  'informationreport',
  'datanotification',
  'access',
  'parameterizedaccess',
  'get',
  'set',
  'selectiveaccess',
  'eventnotification',
  'action',
];

const key = (s: string): string => lower(s).replace(/[\s_-]/g, '');

function namedOrNumber(t: Translation, e: XmlElement, table: Readonly<Record<string, number>>): number {
  return table[key(xmlValue(e))] ?? Number(intOf(t, e, 1));
}

function conformance(t: Translation, e: XmlElement | undefined): number {
  if (e === undefined) return 0;
  let bits = 0;
  for (const c of e.children) {
    const name = key(c.attributes.get('Name') ?? xmlValue(c));
    const at = CONFORMANCE_BITS.indexOf(name);
    if (at < 0) t.invalid(c, `unknown conformance bit '${name}'`);
    bits |= 1 << (23 - at);
  }
  return bits;
}

function berElement(w: Writer, tag: number, content: Uint8Array): void {
  w.u8(tag).berLength(content.length).bytes(content);
}

function build(fill: (w: Writer) => void): Uint8Array {
  const w = new Writer(64);
  fill(w);
  return w.finish();
}

/** The xDLMS InitiateRequest/InitiateResponse (IEC 62056-5-3 §9.4.2) or a ciphered one, as user-information. */
function userInformation(t: Translation, e: XmlElement): Uint8Array | undefined {
  const req = childNamed(e, 'InitiateRequest');
  const res = childNamed(e, 'InitiateResponse');
  const ui = childNamed(e, 'UserInformation');
  let inner: Uint8Array | undefined;
  if (req !== undefined)
    inner = build((w) => {
      w.u8(0x01);
      const dk = childNamed(req, 'DedicatedKey');
      if (dk === undefined) w.u8(0);
      else {
        const k = hexOf(t, dk);
        w.u8(1).berLength(k.length).bytes(k);
      }
      w.u8(0); // response-allowed: default TRUE
      const qos = childNamed(req, 'ProposedQualityOfService');
      if (qos === undefined) w.u8(0);
      else w.u8(1).u8(Number(intOf(t, qos, 1)));
      field(t, req, 'ProposedDlmsVersionNumber', 1, w);
      w.u8(0x5f).u8(0x1f).u8(0x04).u8(0x00);
      writeUint(w, BigInt(conformance(t, childNamed(req, 'ProposedConformance'))), 3);
      field(t, req, 'ProposedMaxPduSize', 2, w);
    });
  else if (res !== undefined)
    inner = build((w) => {
      w.u8(0x08);
      const qos = childNamed(res, 'NegotiatedQualityOfService');
      if (qos === undefined) w.u8(0);
      else w.u8(1).u8(Number(intOf(t, qos, 1)));
      field(t, res, 'NegotiatedDlmsVersionNumber', 1, w);
      w.u8(0x5f).u8(0x1f).u8(0x04).u8(0x00);
      writeUint(w, BigInt(conformance(t, childNamed(res, 'NegotiatedConformance'))), 3);
      field(t, res, 'NegotiatedMaxPduSize', 2, w);
      field(t, res, 'VaaName', 2, w);
    });
  else {
    const ciphered = e.children.find((c) => CIPHERED_TAGS[lower(c.name)] !== undefined);
    if (ciphered !== undefined)
      inner = build((w) => writeCiphered(t, ciphered, CIPHERED_TAGS[lower(ciphered.name)]!, w));
    else if (ui !== undefined) inner = hexOf(t, ui);
  }
  if (inner === undefined) return undefined;
  const body = inner;
  return build((w) => berElement(w, 0x04, body));
}

function contextName(t: Translation, e: XmlElement, prefix: readonly number[]): Uint8Array {
  return Uint8Array.from([...prefix, namedOrNumber(t, e, APPLICATION_CONTEXT)]);
}

const CONTEXT_OID = [0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x01];
const MECHANISM_OID = [0x60, 0x85, 0x74, 0x05, 0x08, 0x02];

/** AARQ (IEC 62056-5-3 §8.2 / ISO/IEC 15954 ACSE, BER) from `<AssociationRequest>`. */
function writeAarq(t: Translation, e: XmlElement, w: Writer): void {
  const parts = new Writer(64);
  const known = new Set([
    'applicationcontextname',
    'callingaptitle',
    'senderacserequirements',
    'mechanismname',
    'callingauthentication',
    'initiaterequest',
    'userinformation',
    ...Object.keys(CIPHERED_TAGS),
  ]);
  for (const c of e.children) if (!known.has(lower(c.name))) t.unsupported(c);
  const ctx = childNamed(e, 'ApplicationContextName');
  if (ctx !== undefined) berElement(parts, 0xa1, contextName(t, ctx, CONTEXT_OID));
  const title = childNamed(e, 'CallingAPTitle');
  if (title !== undefined)
    berElement(
      parts,
      0xa6,
      build((x) => berElement(x, 0x04, hexOf(t, title))),
    );
  const req = childNamed(e, 'SenderACSERequirements');
  if (req !== undefined && boolOf(req)) parts.u8(0x8a).u8(0x02).u8(0x07).u8(0x80);
  const mech = childNamed(e, 'MechanismName');
  if (mech !== undefined)
    berElement(parts, 0x8b, Uint8Array.from([...MECHANISM_OID, namedOrNumber(t, mech, MECHANISM)]));
  const auth = childNamed(e, 'CallingAuthentication');
  if (auth !== undefined) {
    const v = xmlValue(auth);
    const secret = /^([0-9a-fA-F]{2})+$/.test(v) ? fromHex(v) : new TextEncoder().encode(v);
    berElement(
      parts,
      0xac,
      build((x) => berElement(x, 0x80, secret)),
    );
  }
  const ui = userInformation(t, e);
  if (ui !== undefined) berElement(parts, 0xbe, ui);
  berElement(w, 0x60, parts.finish());
}

const ACSE_SERVICE_USER: Readonly<Record<string, number>> = {
  null: 0,
  noreasongiven: 1,
  applicationcontextnamenotsupported: 2,
  authenticationmechanismnamenotrecognised: 11,
  authenticationmechanismnamerequired: 12,
  authenticationfailure: 13,
  authenticationrequired: 14,
};
const ASSOCIATION_RESULT: Readonly<Record<string, number>> = {
  accepted: 0,
  permanentrejected: 1,
  rejectedpermanent: 1,
  transientrejected: 2,
  rejectedtransient: 2,
};

/** AARE (IEC 62056-5-3 §8.2, BER) from `<AssociationResponse>`. */
function writeAare(t: Translation, e: XmlElement, w: Writer): void {
  const parts = new Writer(64);
  const known = new Set([
    'applicationcontextname',
    'associationresult',
    'resultsourcediagnostic',
    'respondingaptitle',
    'responderacserequirement',
    'mechanismname',
    'respondingauthentication',
    'initiateresponse',
    'userinformation',
    ...Object.keys(CIPHERED_TAGS),
  ]);
  for (const c of e.children) if (!known.has(lower(c.name))) t.unsupported(c);
  const ctx = childNamed(e, 'ApplicationContextName');
  if (ctx !== undefined) berElement(parts, 0xa1, contextName(t, ctx, CONTEXT_OID));
  const result = childNamed(e, 'AssociationResult');
  parts
    .u8(0xa2)
    .u8(0x03)
    .u8(0x02)
    .u8(0x01)
    .u8(result === undefined ? 0 : namedOrNumber(t, result, ASSOCIATION_RESULT));
  const diag = childNamed(e, 'ResultSourceDiagnostic');
  const user = diag === undefined ? undefined : childNamed(diag, 'ACSEServiceUser');
  const provider = diag === undefined ? undefined : childNamed(diag, 'ACSEServiceProvider');
  const source = provider !== undefined ? 0xa2 : 0xa1;
  const reason = user ?? provider;
  parts
    .u8(0xa3)
    .u8(0x05)
    .u8(source)
    .u8(0x03)
    .u8(0x02)
    .u8(0x01)
    .u8(reason === undefined ? 0 : namedOrNumber(t, reason, ACSE_SERVICE_USER));
  const title = childNamed(e, 'RespondingAPTitle');
  if (title !== undefined)
    berElement(
      parts,
      0xa4,
      build((x) => berElement(x, 0x04, hexOf(t, title))),
    );
  const req = childNamed(e, 'ResponderACSERequirement');
  if (req !== undefined && boolOf(req)) parts.u8(0x88).u8(0x02).u8(0x07).u8(0x80);
  const mech = childNamed(e, 'MechanismName');
  if (mech !== undefined)
    berElement(parts, 0x89, Uint8Array.from([...MECHANISM_OID, namedOrNumber(t, mech, MECHANISM)]));
  const auth = childNamed(e, 'RespondingAuthentication');
  if (auth !== undefined)
    berElement(
      parts,
      0xaa,
      build((x) => berElement(x, 0x80, hexOf(t, auth))),
    );
  const ui = userInformation(t, e);
  if (ui !== undefined) berElement(parts, 0xbe, ui);
  berElement(w, 0x61, parts.finish());
}

/** An APDU from its Gurux PDU element (IEC 62056-5-3 §8, §9). */
function writeApdu(t: Translation, e: XmlElement, w: Writer): void {
  t.enter(e);
  try {
    const name = lower(e.name);
    const ciphered = CIPHERED_TAGS[name];
    if (ciphered !== undefined) writeCiphered(t, e, ciphered, w);
    else if (name === 'associationrequest' || name === 'aarq') writeAarq(t, e, w);
    else if (name === 'associationresponse' || name === 'aare') writeAare(t, e, w);
    else if (name === 'releaserequest' || name === 'releaseresponse') {
      const reason = childNamed(e, 'Reason');
      const content =
        reason === undefined ? new Uint8Array(0) : Uint8Array.of(0x80, 0x01, Number(intOf(t, reason, 1)));
      berElement(w, name === 'releaserequest' ? 0x62 : 0x63, content);
    } else if (name === 'generalglociphering' || name === 'generaldedciphering') {
      w.u8(name === 'generalglociphering' ? 0xdb : 0xdc);
      const st = childNamed(e, 'SystemTitle');
      const sys = st === undefined ? new Uint8Array(0) : hexOf(t, st);
      w.berLength(sys.length).bytes(sys);
      const c = childNamed(e, 'CipheredService', 'CipheredContent');
      if (c === undefined) t.invalid(e, '<CipheredService> is missing');
      const b = hexOf(t, c);
      w.berLength(b.length).bytes(b);
    } else writeService(t, e, w);
  } finally {
    t.leave();
  }
}

/**
 * Encodes the APDU a Gurux PDU element (`<GetRequest>`, `<AssociationResponse>`, `<glo_GetRequest
 * Value="…">`, …) describes. Throws `Unsupported` naming the first element it does not translate,
 * `ValueInvalid` for a value that does not fit its field.
 */
export function guruxPduToBytes(pdu: XmlElement): Uint8Array {
  const w = new Writer(128);
  writeApdu(new Translation(), pdu, w);
  return w.finish();
}

/** One HDLC address (IEC 62056-46 §6.4.2.3): 1, 2 or 4 octets of 7 bits, the last with bit 0 set. */
function writeHdlcAddress(w: Writer, value: number): void {
  const septets = value < 0x80 ? 1 : value < 0x4000 ? 2 : 4;
  for (let i = septets - 1; i >= 0; i--) w.u8((((value >>> (7 * i)) & 0x7f) << 1) | (i === 0 ? 1 : 0));
}

/** HDLC parameters of SNRM/UA (IEC 62056-46 §6.4.4.4.3.2) from `MaxInfoTX`, `MaxInfoRX`, `WindowSizeTX`, `WindowSizeRX`. */
function hdlcParameters(t: Translation, e: XmlElement): Uint8Array {
  const items: [number, XmlElement | undefined, number][] = [
    [0x05, childNamed(e, 'MaxInfoTX'), 2],
    [0x06, childNamed(e, 'MaxInfoRX'), 2],
    [0x07, childNamed(e, 'WindowSizeTX'), 4],
    [0x08, childNamed(e, 'WindowSizeRX'), 4],
  ];
  if (items.every(([, x]) => x === undefined)) return new Uint8Array(0);
  const group = build((w) => {
    for (const [id, x, width] of items) {
      if (x === undefined) continue;
      const n = intOf(t, x, width, xmlValue(x), true);
      const size = width === 4 || n > 0xffn ? width : 1;
      w.u8(id).u8(size);
      writeUint(w, n, size);
    }
  });
  return build((w) => w.u8(0x81).u8(0x80).u8(group.length).bytes(group));
}

/**
 * The frame an `<HDLC>` or `<WRAPPER>` element of a Gurux trace describes: HDLC frame type I
 * (IEC 62056-46 §6.4: format, addresses, `FrameType` as control octet, HCS, LLC + APDU, FCS) or
 * wrapper header + APDU (IEC 62056-47 §5.2). Throws like `guruxPduToBytes`.
 */
export function guruxFrameToBytes(e: XmlElement, direction: SessionDirection): Uint8Array {
  const t: Translation = new Translation();
  t.enter(e);
  const target = childNamed(e, 'TargetAddress');
  const source = childNamed(e, 'SourceAddress');
  if (target === undefined || source === undefined)
    t.invalid(e, '<TargetAddress> and <SourceAddress> are needed');
  const pdu = pduOf(e);
  const apdu =
    pdu === undefined || /^(MaxInfo|WindowSize)/i.test(pdu.name) ? undefined : guruxPduToBytes(pdu);
  if (lower(e.name) === 'wrapper') {
    if (apdu === undefined) t.invalid(e, 'a wrapper message carries a PDU');
    const w = new Writer(apdu.length + 8);
    const port = (x: XmlElement): number => Number(intOf(t, x, 2, xmlValue(x), true));
    w.u16(1).u16(port(source)).u16(port(target)).u16(apdu.length).bytes(apdu);
    return w.finish();
  }
  const frameType = childNamed(e, 'FrameType');
  let info: Uint8Array;
  let control: number;
  if (apdu !== undefined) {
    // an I-frame unless Gurux says otherwise (UI 0x03/0x13)
    control = frameType === undefined ? 0x10 : Number(intOf(t, frameType, 1));
    const llc = direction === 'server-to-client' ? [0xe6, 0xe7, 0x00] : [0xe6, 0xe6, 0x00];
    info = concatBytes(Uint8Array.from(llc), apdu);
  } else {
    if (frameType === undefined) t.invalid(e, '<FrameType> is needed without a PDU');
    control = Number(intOf(t, frameType, 1));
    info = hdlcParameters(t, e);
  }
  const header = new Writer(16);
  writeHdlcAddress(header, Number(intOf(t, target, 4, xmlValue(target), true)));
  writeHdlcAddress(header, Number(intOf(t, source, 4, xmlValue(source), true)));
  header.u8(control);
  const head = header.finish();
  const length = 2 + head.length + (info.length > 0 ? 2 + info.length : 0) + 2;
  if (length > 0x7ff) t.invalid(e, 'the frame is longer than an HDLC length field holds');
  const w = new Writer(length + 2);
  w.u8(0x7e)
    .u16(0xa000 | length)
    .bytes(head);
  if (info.length > 0) {
    const f = w.written();
    const hcs = crc16x25(f, 1, f.length);
    w.u8(hcs & 0xff)
      .u8(hcs >>> 8)
      .bytes(info);
  }
  const f = w.written();
  const fcs = crc16x25(f, 1, f.length);
  w.u8(fcs & 0xff)
    .u8(fcs >>> 8)
    .u8(0x7e);
  return w.finish();
}
