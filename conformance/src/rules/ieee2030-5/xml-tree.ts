/**
 * A small XML information-set reader for comparing a received 2030.5 document with its
 * re-encoding (W3C XML 1.0 §2–§4, Namespaces in XML 1.0 §6): element names resolved to namespace
 * URI and local name, attributes (without namespace declarations), trimmed text and children. It
 * reads documents that already decoded, so it is lenient; bounded in depth and element count.
 */

/** One element of the information set. */
export interface XmlNode {
  /** Namespace URI and local name, `{uri}local`. */
  readonly name: string;
  /** The name as written (with its prefix). */
  readonly qname: string;
  /** Attributes `{uri}local` → value, namespace declarations left out. */
  readonly attributes: Map<string, string>;
  /** Attribute names as written, sorted. */
  readonly qattributes: string[];
  readonly children: XmlNode[];
  /** Character data, entity references resolved, trimmed. */
  text: string;
}

const MAX_DEPTH = 64;
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const MAX_ELEMENTS = 100_000;

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Resolves character and the predefined entity references (XML 1.0 §4.1, §4.6). */
function resolveReferences(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (all, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(Number.parseInt(ref.slice(1), 10));
    return ENTITIES[ref] ?? all;
  });
}

const ATTRIBUTE = /([^\s=/>]+)\s*=\s*("([^"]*)"|'([^']*)')/g;

/** Reads a document's root element; undefined when the text is not one element. */
export function readXmlTree(text: string): XmlNode | undefined {
  const stack: { node: XmlNode; scope: Map<string, string> }[] = [];
  let root: XmlNode | undefined;
  let count = 0;
  let at = 0;
  const resolve = (qname: string, scope: Map<string, string>, isAttribute: boolean): string => {
    const colon = qname.indexOf(':');
    if (colon < 0) return isAttribute ? qname : `{${scope.get('') ?? ''}}${qname}`;
    return `{${scope.get(qname.slice(0, colon)) ?? qname.slice(0, colon)}}${qname.slice(colon + 1)}`;
  };
  while (at < text.length) {
    const lt = text.indexOf('<', at);
    const chunk = text.slice(at, lt < 0 ? text.length : lt);
    const top = stack[stack.length - 1];
    if (top !== undefined && chunk.length > 0) top.node.text += resolveReferences(chunk);
    if (lt < 0) break;
    if (text.startsWith('<?', lt)) {
      const end = text.indexOf('?>', lt);
      if (end < 0) return undefined;
      at = end + 2;
    } else if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt);
      if (end < 0) return undefined;
      at = end + 3;
    } else if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt);
      if (end < 0) return undefined;
      if (top !== undefined) top.node.text += text.slice(lt + 9, end);
      at = end + 3;
    } else if (text.startsWith('<!', lt)) {
      const end = text.indexOf('>', lt);
      if (end < 0) return undefined;
      at = end + 1;
    } else if (text.startsWith('</', lt)) {
      const end = text.indexOf('>', lt);
      if (end < 0 || stack.length === 0) return undefined;
      const open = stack.pop()!;
      if (open.node.qname !== text.slice(lt + 2, end).trim()) return undefined;
      open.node.text = open.node.text.trim();
      at = end + 1;
    } else {
      const end = text.indexOf('>', lt);
      if (end < 0) return undefined;
      const selfClosing = text[end - 1] === '/';
      const inner = text.slice(lt + 1, selfClosing ? end - 1 : end);
      const nameEnd = inner.search(/[\s/]|$/);
      const qname = inner.slice(0, nameEnd);
      const parentScope = top?.scope ?? new Map<string, string>();
      let scope = parentScope;
      const raw: [string, string][] = [];
      for (const m of inner.slice(nameEnd).matchAll(ATTRIBUTE)) {
        const name = m[1]!;
        const value = resolveReferences(m[3] ?? m[4] ?? '');
        if (name === 'xmlns' || name.startsWith('xmlns:')) {
          if (scope === parentScope) scope = new Map(parentScope);
          scope.set(name === 'xmlns' ? '' : name.slice(6), value);
        } else raw.push([name, value]);
      }
      const attributes = new Map<string, string>();
      for (const [n, v] of raw) {
        const key = resolve(n, scope, true);
        // schema location hints are not content (XML Schema 1.1 Part 1 §2.7.3)
        if (key.startsWith(`{${XSI}}`) && key.endsWith('chemaLocation')) continue;
        attributes.set(key, v);
      }
      const node: XmlNode = {
        name: resolve(qname, scope, false),
        qname,
        attributes,
        qattributes: raw
          .map(([n]) => n)
          .filter((n) => !n.endsWith(':schemaLocation') && !n.endsWith(':noNamespaceSchemaLocation'))
          .sort(),
        children: [],
        text: '',
      };
      if (++count > MAX_ELEMENTS || stack.length >= MAX_DEPTH) return undefined;
      if (top === undefined) {
        if (root !== undefined) return undefined;
        root = node;
      } else top.node.children.push(node);
      if (!selfClosing) stack.push({ node, scope });
      at = end + 1;
    }
  }
  return stack.length === 0 ? root : undefined;
}

/** How two trees are compared. */
export interface XmlKeyOptions {
  /** Compare names as written (prefixes) instead of resolved. */
  readonly prefixes?: boolean;
  /** Compare children as a multiset (order ignored). */
  readonly unordered?: boolean;
  /** Compare values in a normal lexical form (integers, booleans, hex case). */
  readonly normalValues?: boolean;
}

/** The XML Schema canonical form of simple values where lexical forms vary (XSD 1.1 Part 2 §3.3). */
export function normalValue(v: string): string {
  if (/^[+-]?\d+$/.test(v)) return BigInt(v).toString();
  if (v === 'true') return '1';
  if (v === 'false') return '0';
  if (/^[0-9a-fA-F]+$/.test(v)) return v.toLowerCase();
  return v;
}

/** A string that is equal for two trees exactly when they are equal under `o`. */
export function xmlKey(n: XmlNode, o: XmlKeyOptions = {}): string {
  const name = o.prefixes === true ? n.qname : n.name;
  const attrs = o.prefixes === true ? n.qattributes.join(' ') : [...n.attributes.keys()].sort().join(' ');
  const vals = [...n.attributes.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, v]) => (o.normalValues === true ? normalValue(v) : v));
  const kids = n.children.map((c) => xmlKey(c, o));
  if (o.unordered === true) kids.sort();
  const text = o.normalValues === true ? normalValue(n.text) : n.text;
  return `<${name} ${attrs}=${JSON.stringify(vals)}>${JSON.stringify(text)}[${kids.join(',')}]`;
}

/** The path of the first element where two trees differ (received side), for a report. */
export function firstXmlDifference(a: XmlNode, b: XmlNode, path = ''): string {
  const here = `${path}/${a.qname}`;
  if (a.name !== b.name) return `${path}/${a.qname} (re-encoded as ${b.qname})`;
  if (a.text !== b.text) return `${here} (text)`;
  if (xmlKey({ ...a, children: [] }) !== xmlKey({ ...b, children: [] })) return `${here} (attributes)`;
  const n = Math.min(a.children.length, b.children.length);
  for (let i = 0; i < n; i++) {
    if (xmlKey(a.children[i]!) !== xmlKey(b.children[i]!))
      return firstXmlDifference(a.children[i]!, b.children[i]!, here);
  }
  if (a.children.length > n) return `${here}/${a.children[n]!.qname} (dropped)`;
  if (b.children.length > n) return `${here}/${b.children[n]!.qname} (added)`;
  return here;
}
