import { ErrorCode, fromHex, MeterkitError } from '@meterkit/core';
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
  return directionOfName(name) !== undefined;
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
 * (`<GetRequest>`, `<AssociationResponse>`, ...) holding only the decoded PDU tree, which are kept
 * as `xml` with empty bytes (re-encoding PDU XML is out of scope) and a direction from the PDU's
 * name. Every record is protocol `dlms`; `frame` numbers the records from 1.
 */
export function guruxXmlRecords(xml: string, options: GuruxXmlOptions = {}): SessionRecord[] {
  const channel = options.channel ?? 'gurux';
  const out: SessionRecord[] = [];
  const visit = (e: XmlElement, depth: number): void => {
    const hexText = e.text.trim();
    if (e.name === 'HDLC' || e.name === 'WRAPPER') {
      const pdu = pduOf(e);
      out.push(
        xmlRecord(
          out.length + 1,
          channel,
          xml,
          e,
          pdu === undefined ? 'unknown' : (directionOfName(pdu.name) ?? 'unknown'),
        ),
      );
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
      out.push(xmlRecord(out.length + 1, channel, xml, e, directionOfName(e.name) ?? 'unknown'));
      return;
    }
    for (const c of e.children) visit(c, depth + 1);
  };
  for (const root of parseXmlElements(xml)) {
    if (isPduName(root.name))
      out.push(xmlRecord(1, channel, xml, root, directionOfName(root.name) ?? 'unknown'));
    else visit(root, 0);
  }
  return out;
}

function xmlRecord(
  frame: number,
  channel: string,
  xml: string,
  e: XmlElement,
  direction: SessionDirection,
): SessionRecord {
  return {
    frame,
    channel,
    direction,
    timestamp: undefined,
    protocol: 'dlms',
    bytes: new Uint8Array(0),
    xml: xml.slice(e.start, e.end),
  };
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
