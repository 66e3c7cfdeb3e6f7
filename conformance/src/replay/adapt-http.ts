/** One HTTP/1.1 message split into its parts (RFC 9112 §2.1). */
export interface HttpParts {
  readonly startLine: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });
const encoder = new TextEncoder();

/** Splits an HTTP/1.1 message (RFC 9112 §2.1: start line, fields, empty line, body). */
export function splitHttpMessage(bytes: Uint8Array): HttpParts | undefined {
  const text = utf8.decode(bytes);
  const end = text.indexOf('\r\n\r\n');
  if (end < 0 || !/^([A-Z]+ \S+ HTTP\/1\.[01]|HTTP\/1\.[01] \d{3})/.test(text)) return undefined;
  const lines = text.slice(0, end).split('\r\n');
  const headers: [string, string][] = [];
  for (const l of lines.slice(1)) {
    const c = l.indexOf(':');
    if (c > 0) headers.push([l.slice(0, c), l.slice(c + 1).trim()]);
  }
  return { startLine: lines[0]!, headers, body: text.slice(end + 4) };
}

/** Writes an HTTP/1.1 message back, with Content-Length set to the body's length when it had one. */
export function joinHttpMessage(m: HttpParts): Uint8Array {
  const body = encoder.encode(m.body);
  let hasLength = false;
  const lines = [m.startLine];
  for (const [k, v] of m.headers) {
    if (k.toLowerCase() === 'content-length') {
      hasLength = true;
      lines.push(`${k}: ${body.length}`);
    } else lines.push(`${k}: ${v}`);
  }
  if (!hasLength && body.length > 0) lines.push(`Content-Length: ${body.length}`);
  const head = encoder.encode(`${lines.join('\r\n')}\r\n\r\n`);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

const header = (m: HttpParts, name: string): string | undefined =>
  m.headers.find(([k]) => k.toLowerCase() === name)?.[1];

/** Resource references in a 2030.5 body: href/replyTo attributes and subscribedResource (sep.xsd). */
const START_TAG = /<([A-Za-z][\w.:-]*)(\s[^>]*)>/g;
const HREF_ATTRIBUTE = /(\s(href|replyTo)=")([^"]*)"/g;
const REFERENCE_ELEMENT = /<(subscribedResource)>([^<]*)<\/subscribedResource>/g;

function references(body: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (key: string, v: string) => {
    const l = out.get(key);
    if (l === undefined) out.set(key, [v]);
    else l.push(v);
  };
  for (const tag of body.matchAll(START_TAG))
    for (const a of tag[2]!.matchAll(HREF_ATTRIBUTE)) add(`${tag[1]}@${a[2]}`, a[3]!);
  for (const m of body.matchAll(REFERENCE_ELEMENT)) add(m[1]!, m[2]!);
  return out;
}

function splitQuery(href: string): [string, string] {
  const q = href.indexOf('?');
  return q < 0 ? [href, ''] : [href.slice(0, q), href.slice(q)];
}

/**
 * IEEE 2030.5 href rewriting for replay (IEEE 2030.5-2018 §5.2.3 links, §5.5.4 POST answered 201
 * with a Location): the hrefs the captured server gave are mapped to those the device under test
 * gives for the same resource — learnt by pairing each captured answer with the device's (Location
 * headers, then href/replyTo attributes and subscribedResource in document order per element) — and
 * every later request's target and body references are rewritten through that map (an exact href,
 * else its longest mapped parent path, e.g. `/edev/3/der` after `/edev/3` → `/edev/5`).
 */
export class HttpReplayAdaptation {
  readonly #map = new Map<string, string>();
  readonly counts = { targets: 0, bodyReferences: 0, mapped: 0 };
  readonly problems = new Set<string>();

  /** The href map learnt so far (captured → device). */
  get hrefMap(): ReadonlyMap<string, string> {
    return this.#map;
  }

  #learn(captured: string, device: string): void {
    const [cp] = splitQuery(captured);
    const [dp] = splitQuery(device);
    if (cp === dp || cp === '' || dp === '') return;
    if (this.#map.get(cp) !== dp) {
      this.#map.set(cp, dp);
      this.counts.mapped++;
    }
  }

  /** Maps one href (exact path, else the longest mapped parent), keeping its query. */
  mapHref(href: string): string {
    const [path, query] = splitQuery(href);
    const exact = this.#map.get(path);
    if (exact !== undefined) return exact + query;
    let best: string | undefined;
    for (const k of this.#map.keys())
      if (path.startsWith(`${k}/`) && (best === undefined || k.length > best.length)) best = k;
    return best === undefined ? href : this.#map.get(best)! + path.slice(best.length) + query;
  }

  /** The request to send for a captured one (a copy). */
  adapt(captured: Uint8Array): Uint8Array {
    const m = splitHttpMessage(captured);
    if (m === undefined || this.#map.size === 0) return captured.slice();
    const [method, target, version] = m.startLine.split(' ');
    const newTarget = this.mapHref(target!);
    let refs = 0;
    const body = m.body
      .replace(HREF_ATTRIBUTE, (all, head: string, _attr: string, v: string) => {
        const n = this.mapHref(v);
        if (n === v) return all;
        refs++;
        return `${head}${n}"`;
      })
      .replace(REFERENCE_ELEMENT, (all, el: string, v: string) => {
        const n = this.mapHref(v);
        if (n === v) return all;
        refs++;
        return `<${el}>${n}</${el}>`;
      });
    if (newTarget === target && refs === 0) return captured.slice();
    if (newTarget !== target) this.counts.targets++;
    this.counts.bodyReferences += refs;
    return joinHttpMessage({ startLine: `${method} ${newTarget} ${version}`, headers: m.headers, body });
  }

  /**
   * A captured answer with the captured server's hrefs replaced by the device's (Location and body
   * references), so it compares with the device's answer structurally.
   */
  expected(captured: Uint8Array): Uint8Array {
    const m = splitHttpMessage(captured);
    if (m === undefined || this.#map.size === 0) return captured;
    const headers = m.headers.map(([k, v]): readonly [string, string] =>
      k.toLowerCase() === 'location' ? [k, this.mapHref(pathOf(v))] : [k, v],
    );
    const body = m.body
      .replace(HREF_ATTRIBUTE, (all, head: string, _attr: string, v: string) => {
        const n = this.mapHref(v);
        return n === v ? all : `${head}${n}"`;
      })
      .replace(REFERENCE_ELEMENT, (all, el: string, v: string) => {
        const n = this.mapHref(v);
        return n === v ? all : `<${el}>${n}</${el}>`;
      });
    return joinHttpMessage({ startLine: m.startLine, headers, body });
  }

  /** Pairs the captured answers with the device's and learns the hrefs that differ. */
  observe(captured: readonly Uint8Array[], received: readonly Uint8Array[]): void {
    const n = Math.min(captured.length, received.length);
    for (let i = 0; i < n; i++) {
      const c = splitHttpMessage(captured[i]!);
      const r = splitHttpMessage(received[i]!);
      if (c === undefined || r === undefined) continue;
      const cl = header(c, 'location');
      const rl = header(r, 'location');
      if (cl !== undefined && rl !== undefined) this.#learn(pathOf(cl), pathOf(rl));
      const cr = references(c.body);
      const rr = references(r.body);
      for (const [key, values] of cr) {
        const other = rr.get(key);
        if (other === undefined) continue;
        if (other.length !== values.length)
          this.problems.add(
            `${key}: the device lists ${other.length} where the capture had ${values.length}; paired in order`,
          );
        for (let k = 0; k < Math.min(values.length, other.length); k++) this.#learn(values[k]!, other[k]!);
      }
    }
  }
}

/** The path of an absolute URL or a path (RFC 3986 §4.2). */
function pathOf(ref: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/]*(\/.*)?$/i.exec(ref);
  return m === null ? ref : (m[1] ?? '/');
}
