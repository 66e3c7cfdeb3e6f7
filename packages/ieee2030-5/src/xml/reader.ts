/**
 * A small pull tokenizer for the XML 1.0 subset IEEE 2030.5 documents use (IEEE 2030.5 §B.1
 * `application/sep+xml`): elements, attributes, character data, the five predefined entities and
 * character references, CDATA sections, comments, processing instructions and namespace prefixes
 * (Namespaces in XML 1.0). Document type declarations are refused, so no entity can expand.
 *
 * It works directly on the string with `charCodeAt`/`indexOf`, keeps the current start tag in
 * reusable arrays, and never builds a tree: the schema-driven decoder pulls tokens from it.
 */
import { ErrorCode, MeterkitError } from '@meterkit/core';
import { Ieee20305ErrorCode } from '../errors.js';

/** Limits that keep hostile documents from costing unbounded time or memory. */
export interface XmlLimits {
  /** Maximum document length in UTF-16 code units (default 4 MiB). */
  readonly maxLength: number;
  /** Maximum element nesting depth (default 32; 2030.5 resources nest at most ~8 deep). */
  readonly maxDepth: number;
  /** Maximum attributes on one element, namespace declarations included (default 32). */
  readonly maxAttributes: number;
}

/** Defaults for `XmlLimits`. */
export const DEFAULT_XML_LIMITS: XmlLimits = { maxLength: 4 * 1024 * 1024, maxDepth: 32, maxAttributes: 32 };

/** Token kinds returned by `XmlReader.next`. */
export const enum XmlToken {
  /** A start tag (also for empty-element tags, followed by a synthetic `End`). */
  Start = 1,
  /** An end tag. */
  End = 2,
  /** Character data (text or a CDATA section). */
  Text = 3,
}

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

/** Characters that end an XML name in this tokenizer. */
function isNameEnd(c: number): boolean {
  return (
    c === 0x20 ||
    c === 0x0a ||
    c === 0x09 ||
    c === 0x0d ||
    c === 0x3e || // >
    c === 0x2f || // /
    c === 0x3d || // =
    c === 0x3c || // <
    c === 0x22 ||
    c === 0x27 ||
    Number.isNaN(c)
  );
}

function isNameStart(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    c === 0x5f || // _
    c === 0x3a || // :
    c >= 0xc0
  );
}

/** Whether every character of `s` is XML white space. */
export function isXmlWhitespace(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (!isWs(s.charCodeAt(i))) return false;
  return true;
}

/** Whether `cp` is a Char of XML 1.0 §2.2. */
export function isXmlChar(cp: number): boolean {
  return (
    cp === 0x09 ||
    cp === 0x0a ||
    cp === 0x0d ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/** Pull tokenizer over one XML document string. */
export class XmlReader {
  /** The document. */
  readonly src: string;
  /** Current position (UTF-16 index). */
  pos = 0;
  private readonly limits: XmlLimits;

  /** Qualified name of the last start or end tag. */
  qname = '';
  /** Local part of `qname`. */
  localName = '';
  /** Namespace URI of the last start tag ('' when none). */
  namespace = '';
  /** Offset of the `<` of the last start tag. */
  tagOffset = 0;
  /** Whether the last start tag was an empty-element tag. */
  selfClosing = false;
  /** Text of the last `Text` token. */
  text = '';
  /** Offset of the last `Text` token. */
  textOffset = 0;

  /** Attribute count of the last start tag (namespace declarations excluded). */
  attrCount = 0;
  /** Qualified names of the attributes (first `attrCount` entries are valid). */
  readonly attrNames: string[] = [];
  /** Attribute values, entity-decoded and normalised. */
  readonly attrValues: string[] = [];
  /** Offsets of the attribute names. */
  readonly attrOffsets: number[] = [];

  private readonly stack: string[] = [];
  private readonly nsMarks: number[] = [];
  private readonly nsPrefixes: string[] = ['xml'];
  private readonly nsUris: string[] = [XML_NS];
  private pendingEnd = false;
  private rootSeen = false;

  constructor(src: string, limits: XmlLimits = DEFAULT_XML_LIMITS) {
    if (src.length > limits.maxLength) {
      throw new MeterkitError(
        Ieee20305ErrorCode.XmlDocumentTooLarge,
        `document of ${src.length} characters exceeds the limit of ${limits.maxLength}`,
        { offset: limits.maxLength },
      );
    }
    this.src = src;
    this.limits = limits;
  }

  /** Current element depth (1 inside the root element). */
  get depth(): number {
    return this.stack.length;
  }

  /** Local names of the open elements, joined by '.', for error paths. */
  path(): string {
    let p = '';
    for (const q of this.stack) {
      const i = q.indexOf(':');
      p = p === '' ? (i < 0 ? q : q.slice(i + 1)) : `${p}.${i < 0 ? q : q.slice(i + 1)}`;
    }
    return p;
  }

  /** Throws a MeterkitError at `offset`. */
  fail(code: number, message: string, offset: number = this.pos): never {
    throw new MeterkitError(code, message, { offset, path: this.path() });
  }

  /** Skips the prolog (BOM, XML declaration, comments, PIs, white space) up to the root start tag. */
  prolog(): void {
    const s = this.src;
    if (s.charCodeAt(0) === 0xfeff) this.pos = 1;
    this.skipMisc();
    if (this.pos >= s.length) this.fail(Ieee20305ErrorCode.XmlMalformed, 'no root element');
    if (s.charCodeAt(this.pos) !== 0x3c || !isNameStart(s.charCodeAt(this.pos + 1))) {
      this.fail(Ieee20305ErrorCode.XmlMalformed, 'expected the root element start tag');
    }
  }

  /** After the root element: only white space, comments and PIs may follow. */
  finish(): void {
    this.skipMisc();
    if (this.pos < this.src.length) this.fail(ErrorCode.TrailingBytes, 'content after the root element');
  }

  private skipMisc(): void {
    const s = this.src;
    for (;;) {
      while (this.pos < s.length && isWs(s.charCodeAt(this.pos))) this.pos++;
      if (s.charCodeAt(this.pos) !== 0x3c) return;
      const c1 = s.charCodeAt(this.pos + 1);
      if (c1 === 0x3f) this.skipPi();
      else if (c1 === 0x21) {
        if (s.startsWith('<!--', this.pos)) this.skipComment();
        else this.refuseDeclaration();
      } else return;
    }
  }

  private refuseDeclaration(): never {
    const s = this.src;
    if (
      s.startsWith('<!DOCTYPE', this.pos) ||
      s.startsWith('<!ENTITY', this.pos) ||
      s.startsWith('<!ELEMENT', this.pos) ||
      s.startsWith('<!ATTLIST', this.pos)
    ) {
      this.fail(Ieee20305ErrorCode.XmlDtdForbidden, 'document type and entity declarations are not accepted');
    }
    this.fail(Ieee20305ErrorCode.XmlMalformed, 'unexpected markup declaration');
  }

  private skipPi(): void {
    const end = this.src.indexOf('?>', this.pos + 2);
    if (end < 0) this.fail(Ieee20305ErrorCode.XmlMalformed, 'unterminated processing instruction');
    this.pos = end + 2;
  }

  private skipComment(): void {
    const end = this.src.indexOf('-->', this.pos + 4);
    if (end < 0) this.fail(Ieee20305ErrorCode.XmlMalformed, 'unterminated comment');
    this.pos = end + 3;
  }

  /**
   * The next token. With `keepWhitespace` false, white-space-only character data between tags is
   * skipped (element-only content); otherwise it is returned as text.
   */
  next(keepWhitespace: boolean): XmlToken {
    if (this.pendingEnd) {
      this.pendingEnd = false;
      this.popElement();
      return XmlToken.End;
    }
    const s = this.src;
    const len = s.length;
    for (;;) {
      const start = this.pos;
      if (start >= len) this.fail(Ieee20305ErrorCode.XmlMalformed, 'document ends inside an element');
      let c = s.charCodeAt(start);
      if (c !== 0x3c) {
        // Character data up to the next markup.
        let lt = s.indexOf('<', start);
        if (lt < 0) lt = len;
        if (!keepWhitespace) {
          let i = start;
          while (i < lt && isWs(s.charCodeAt(i))) i++;
          if (i === lt) {
            this.pos = lt;
            continue;
          }
        }
        this.textOffset = start;
        this.text = this.decodeText(start, lt);
        this.pos = lt;
        return XmlToken.Text;
      }
      c = s.charCodeAt(start + 1);
      if (c === 0x2f) return this.readEndTag();
      if (c === 0x21) {
        if (s.startsWith('<!--', start)) {
          this.skipComment();
          continue;
        }
        if (s.startsWith('<![CDATA[', start)) {
          const end = s.indexOf(']]>', start + 9);
          if (end < 0) this.fail(Ieee20305ErrorCode.XmlMalformed, 'unterminated CDATA section');
          this.textOffset = start;
          this.text = s.slice(start + 9, end);
          if (this.text.indexOf('\r') >= 0) this.text = normaliseNewlines(this.text);
          this.pos = end + 3;
          return XmlToken.Text;
        }
        this.refuseDeclaration();
      }
      if (c === 0x3f) {
        this.skipPi();
        continue;
      }
      this.readStartTag();
      return XmlToken.Start;
    }
  }

  /** Reads the start tag at `pos` (the root, when called first). */
  readStartTag(): void {
    const s = this.src;
    const start = this.pos;
    if (this.stack.length === 0) {
      if (this.rootSeen) this.fail(Ieee20305ErrorCode.XmlMalformed, 'more than one root element');
      this.rootSeen = true;
    }
    if (this.stack.length >= this.limits.maxDepth) {
      this.fail(ErrorCode.NestingTooDeep, `elements nested deeper than ${this.limits.maxDepth}`, start);
    }
    this.tagOffset = start;
    this.attrCount = 0;
    let i = start + 1;
    if (!isNameStart(s.charCodeAt(i))) this.fail(Ieee20305ErrorCode.XmlMalformed, 'bad element name', i);
    let colon = -1;
    while (!isNameEnd(s.charCodeAt(i))) {
      if (s.charCodeAt(i) === 0x3a && colon < 0) colon = i;
      i++;
    }
    const qname = s.slice(start + 1, i);
    this.qname = qname;
    this.localName = colon < 0 ? qname : s.slice(colon + 1, i);
    const mark = this.nsPrefixes.length;
    let n = 0;
    for (;;) {
      const ws = i;
      let c = s.charCodeAt(i);
      while (isWs(c)) c = s.charCodeAt(++i);
      if (c === 0x3e) {
        i++;
        this.selfClosing = false;
        break;
      }
      if (c === 0x2f) {
        if (s.charCodeAt(i + 1) !== 0x3e) this.fail(Ieee20305ErrorCode.XmlMalformed, "expected '/>'", i);
        i += 2;
        this.selfClosing = true;
        break;
      }
      if (Number.isNaN(c)) this.fail(Ieee20305ErrorCode.XmlMalformed, 'document ends inside a start tag', i);
      if (i === ws || !isNameStart(c)) this.fail(Ieee20305ErrorCode.XmlMalformed, 'bad attribute', i);
      const nameStart = i;
      while (!isNameEnd(s.charCodeAt(i))) i++;
      const aname = s.slice(nameStart, i);
      c = s.charCodeAt(i);
      while (isWs(c)) c = s.charCodeAt(++i);
      if (c !== 0x3d) this.fail(Ieee20305ErrorCode.XmlMalformed, "expected '=' after attribute name", i);
      c = s.charCodeAt(++i);
      while (isWs(c)) c = s.charCodeAt(++i);
      if (c !== 0x22 && c !== 0x27)
        this.fail(Ieee20305ErrorCode.XmlMalformed, 'attribute value not quoted', i);
      const close = s.indexOf(c === 0x22 ? '"' : "'", i + 1);
      if (close < 0) this.fail(Ieee20305ErrorCode.XmlMalformed, 'unterminated attribute value', i);
      const value = this.decodeAttribute(i + 1, close);
      i = close + 1;
      if (++n > this.limits.maxAttributes) {
        this.fail(
          Ieee20305ErrorCode.XmlTooManyAttributes,
          `more than ${this.limits.maxAttributes} attributes`,
          nameStart,
        );
      }
      if (
        aname.charCodeAt(0) === 0x78 &&
        aname.startsWith('xmlns') &&
        (aname.length === 5 || aname.charCodeAt(5) === 0x3a)
      ) {
        const prefix = aname.length === 5 ? '' : aname.slice(6);
        if (prefix === 'xmlns' || (prefix === 'xml' && value !== XML_NS) || value === XMLNS_NS) {
          this.fail(Ieee20305ErrorCode.XmlMalformed, `reserved namespace declaration ${aname}`, nameStart);
        }
        if (prefix !== '' && value === '')
          this.fail(Ieee20305ErrorCode.XmlMalformed, `empty namespace for prefix ${prefix}`, nameStart);
        for (let k = mark; k < this.nsPrefixes.length; k++) {
          if (this.nsPrefixes[k] === prefix)
            this.fail(Ieee20305ErrorCode.XmlMalformed, `duplicate attribute ${aname}`, nameStart);
        }
        this.nsPrefixes.push(prefix);
        this.nsUris.push(value);
        continue;
      }
      const k = this.attrCount;
      for (let j = 0; j < k; j++) {
        if (this.attrNames[j] === aname)
          this.fail(Ieee20305ErrorCode.XmlMalformed, `duplicate attribute ${aname}`, nameStart);
      }
      this.attrNames[k] = aname;
      this.attrValues[k] = value;
      this.attrOffsets[k] = nameStart;
      this.attrCount = k + 1;
    }
    this.pos = i;
    this.stack.push(qname);
    this.nsMarks.push(mark);
    const prefix = colon < 0 ? '' : qname.slice(0, colon - start - 1);
    const uri = this.resolve(prefix);
    if (uri === undefined)
      this.fail(Ieee20305ErrorCode.UndeclaredPrefix, `undeclared prefix ${prefix}`, start);
    this.namespace = uri;
    if (this.selfClosing) this.pendingEnd = true;
  }

  /** Resolves a prefix in the current scope ('' = default namespace; undefined = undeclared). */
  resolve(prefix: string): string | undefined {
    const p = this.nsPrefixes;
    for (let k = p.length - 1; k >= 0; k--) if (p[k] === prefix) return this.nsUris[k];
    return prefix === '' ? '' : undefined;
  }

  private readEndTag(): XmlToken {
    const s = this.src;
    const start = this.pos;
    let i = start + 2;
    while (!isNameEnd(s.charCodeAt(i))) i++;
    const qname = s.slice(start + 2, i);
    let c = s.charCodeAt(i);
    while (isWs(c)) c = s.charCodeAt(++i);
    if (c !== 0x3e) this.fail(Ieee20305ErrorCode.XmlMalformed, 'bad end tag', i);
    const open = this.stack[this.stack.length - 1];
    if (open !== qname) {
      this.fail(
        Ieee20305ErrorCode.XmlMalformed,
        open === undefined ? `stray end tag </${qname}>` : `end tag </${qname}> does not match <${open}>`,
        start,
      );
    }
    this.pos = i + 1;
    this.qname = qname;
    this.popElement();
    return XmlToken.End;
  }

  private popElement(): void {
    this.stack.pop();
    const mark = this.nsMarks.pop() ?? 1;
    if (this.nsPrefixes.length !== mark) {
      this.nsPrefixes.length = mark;
      this.nsUris.length = mark;
    }
  }

  /** Skips the rest of the element whose start tag was just read (its content and end tag). */
  skipElement(): void {
    const target = this.stack.length - 1;
    while (this.stack.length > target) this.next(false);
  }

  private decodeText(start: number, end: number): string {
    const s = this.src;
    // One pass over the range: entity references, carriage returns, and the forbidden ']]>'.
    let amp = false;
    let cr = false;
    for (let i = start; i < end; i++) {
      const c = s.charCodeAt(i);
      if (c === 0x26) amp = true;
      else if (c === 0x0d) cr = true;
      else if (c === 0x3e && i >= start + 2 && s.charCodeAt(i - 1) === 0x5d && s.charCodeAt(i - 2) === 0x5d) {
        this.fail(Ieee20305ErrorCode.XmlMalformed, "']]>' in character data", i - 2);
      }
    }
    if (amp) return this.decodeEntities(start, end, false);
    const t = s.slice(start, end);
    return cr ? normaliseNewlines(t) : t;
  }

  private decodeAttribute(start: number, end: number): string {
    const s = this.src;
    let amp = false;
    let ws = false;
    for (let i = start; i < end; i++) {
      const c = s.charCodeAt(i);
      if (c === 0x26) amp = true;
      else if (c === 0x3c) this.fail(Ieee20305ErrorCode.XmlMalformed, "'<' in attribute value", i);
      else if (c === 0x09 || c === 0x0a || c === 0x0d) ws = true;
    }
    if (amp) return this.decodeEntities(start, end, true);
    const v = s.slice(start, end);
    return ws ? v.replace(/\r\n|[\t\n\r]/g, ' ') : v;
  }

  /** Expands the predefined entities and character references (XML 1.0 §4.1, §4.6). */
  private decodeEntities(start: number, end: number, attribute: boolean): string {
    const s = this.src;
    let out = '';
    let from = start;
    for (let i = start; i < end; i++) {
      if (s.charCodeAt(i) !== 0x26) continue;
      out += normaliseChunk(s.slice(from, i), attribute);
      let semi = i + 1;
      const limit = Math.min(end, i + 12);
      while (semi < limit && s.charCodeAt(semi) !== 0x3b) semi++;
      if (semi >= limit) this.fail(Ieee20305ErrorCode.XmlMalformed, 'unterminated entity reference', i);
      const name = s.slice(i + 1, semi);
      switch (name) {
        case 'amp':
          out += '&';
          break;
        case 'lt':
          out += '<';
          break;
        case 'gt':
          out += '>';
          break;
        case 'quot':
          out += '"';
          break;
        case 'apos':
          out += "'";
          break;
        default: {
          let cp = Number.NaN;
          if (/^#[0-9]{1,7}$/.test(name)) cp = Number.parseInt(name.slice(1), 10);
          else if (/^#x[0-9a-fA-F]{1,6}$/.test(name)) cp = Number.parseInt(name.slice(2), 16);
          else this.fail(Ieee20305ErrorCode.XmlMalformed, `undefined entity &${name};`, i);
          if (!isXmlChar(cp)) {
            this.fail(
              Ieee20305ErrorCode.XmlMalformed,
              `character reference &${name}; is not an XML character`,
              i,
            );
          }
          out += String.fromCodePoint(cp);
        }
      }
      from = semi + 1;
      i = semi;
    }
    return out + normaliseChunk(s.slice(from, end), attribute);
  }
}

function hasWsControl(v: string): boolean {
  return v.indexOf('\n') >= 0 || v.indexOf('\t') >= 0 || v.indexOf('\r') >= 0;
}

/** Literal line ends become '\n' in text (XML 1.0 §2.11) and white space becomes ' ' in attributes (§3.3.3). */
function normaliseChunk(chunk: string, attribute: boolean): string {
  if (attribute) return hasWsControl(chunk) ? chunk.replace(/\r\n|[\t\n\r]/g, ' ') : chunk;
  return chunk.indexOf('\r') >= 0 ? normaliseNewlines(chunk) : chunk;
}

function normaliseNewlines(t: string): string {
  return t.replace(/\r\n?/g, '\n');
}
