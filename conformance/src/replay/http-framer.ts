import { concatBytes } from '@meterkit/core';

/** Largest response head accepted before the stream is treated as not HTTP. */
const MAX_HEAD = 64 * 1024;

/** Finds `\r\n\r\n` in `b` from `from`; -1 when absent. */
function headEnd(b: Uint8Array, from: number): number {
  for (let i = Math.max(0, from); i + 3 < b.length; i++)
    if (b[i] === 13 && b[i + 1] === 10 && b[i + 2] === 13 && b[i + 3] === 10) return i;
  return -1;
}

/** Length of a complete chunked body starting at `at`, or -1 when more bytes are needed (RFC 9112 §7.1). */
function chunkedLength(b: Uint8Array, at: number): number {
  let i = at;
  for (;;) {
    let lineEnd = -1;
    for (let k = i; k + 1 < b.length; k++)
      if (b[k] === 13 && b[k + 1] === 10) {
        lineEnd = k;
        break;
      }
    if (lineEnd < 0) return -1;
    const size = Number.parseInt(new TextDecoder().decode(b.subarray(i, lineEnd)).split(';')[0]!.trim(), 16);
    if (!Number.isFinite(size) || size < 0) return b.length - at;
    i = lineEnd + 2;
    if (size === 0) {
      // trailer section, then an empty line
      const e = headEnd(b, i - 2);
      return e < 0 ? -1 : e + 4 - at;
    }
    if (i + size + 2 > b.length) return -1;
    i += size + 2;
  }
}

/**
 * Cuts a byte stream of HTTP/1.1 responses into whole messages (RFC 9112 §6.3): the head up to the
 * empty line, then a Content-Length body or a chunked one; 1xx, 204 and 304 have none. The replay
 * reads a device's answers with it, as the DLMS and C12.22 framers do for theirs.
 */
export class HttpResponseFramer {
  #buf: Uint8Array = new Uint8Array(0);

  /** Adds received bytes; returns the responses completed by them. */
  push(chunk: Uint8Array): { readonly type: 'frame'; readonly bytes: Uint8Array }[] {
    this.#buf = this.#buf.length === 0 ? chunk.slice() : concatBytes(this.#buf, chunk);
    const out: { type: 'frame'; bytes: Uint8Array }[] = [];
    for (;;) {
      const e = headEnd(this.#buf, 0);
      if (e < 0) {
        if (this.#buf.length > MAX_HEAD) {
          out.push({ type: 'frame', bytes: this.#buf });
          this.#buf = new Uint8Array(0);
        }
        return out;
      }
      const head = new TextDecoder().decode(this.#buf.subarray(0, e));
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      const chunked = /\r\ntransfer-encoding:[^\r]*chunked/i.test(head);
      let bodyLength = 0;
      if ((status >= 100 && status < 200) || status === 204 || status === 304) bodyLength = 0;
      else if (chunked) {
        bodyLength = chunkedLength(this.#buf, e + 4);
        if (bodyLength < 0) return out;
      } else if (length !== null) bodyLength = Number(length[1]);
      const total = e + 4 + bodyLength;
      if (this.#buf.length < total) return out;
      out.push({ type: 'frame', bytes: this.#buf.slice(0, total) });
      this.#buf = this.#buf.slice(total);
    }
  }
}
