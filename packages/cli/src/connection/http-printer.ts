import { isMeterkitError, toJsonValue } from '@meterkit/core';
import type { createColors } from 'picocolors';
import { ieee20305Decoder } from '../decode/ieee2030-5.js';
import { renderTree } from '../output/tree.js';

/** One HTTP message head as it went out or came in (RFC 9112 §2.1: start line, then fields). */
export interface HttpMessageHead {
  /** `GET /dcap HTTP/1.1` or `HTTP/1.1 200 OK`. */
  readonly startLine: string;
  /** Field lines in order, as name and value. */
  readonly fields: readonly (readonly [string, string])[];
}

/** Options of `httpPrinter`. */
export interface HttpPrinterOptions {
  /** Where lines go (standard error). */
  readonly write: (text: string) => void;
  /** 1: start lines and header fields; 2: also the bodies, decoded as 2030.5 XML. */
  readonly verbosity: number;
  readonly colors: ReturnType<typeof createColors>;
}

/** What the 2030.5 transport calls as messages pass. */
export interface HttpTrace {
  readonly request: (head: HttpMessageHead, body: Uint8Array | undefined) => void;
  readonly response: (head: HttpMessageHead, body: Uint8Array) => void;
}

/**
 * The `-v` / `-vv` printer of the 2030.5 commands, curl style: `>` request and `<` response start
 * lines and header fields (`-v`), and with `-vv` each XML body decoded by the IEEE 2030.5 codec
 * (root element, schema type, resource tree). A body that does not decode is shown as its size
 * with the codec's complaint.
 */
export function httpPrinter(options: HttpPrinterOptions): HttpTrace {
  const c = options.colors;
  const print = (arrow: string, head: HttpMessageHead, body: Uint8Array | undefined): void => {
    const lines = [`${c.bold(arrow)} ${head.startLine}`];
    for (const [name, value] of head.fields) lines.push(`${c.bold(arrow)} ${c.cyan(name)}: ${value}`);
    if (options.verbosity >= 2 && body !== undefined && body.length > 0) {
      lines.push(`  ${c.dim(`body: ${body.length} bytes`)}`);
      try {
        const r = ieee20305Decoder.decode(
          { bytes: body, text: undefined, origin: 'wire' },
          { keys: new Map(), lenient: true },
        );
        for (const layer of r.layers) {
          lines.push(
            `  ${c.bold(layer.layer)}`,
            ...renderTree(toJsonValue(layer.value), { key: c.cyan, value: (s) => s, dim: c.dim }, 4),
          );
        }
        for (const note of r.notes) lines.push(c.yellow(`  note: ${note}`));
      } catch (e) {
        if (!isMeterkitError(e)) throw e;
        lines.push(c.yellow(`  (not decoded: ${e.toOneLine()})`));
      }
    }
    options.write(`${lines.join('\n')}\n`);
  };
  return {
    request: (head, body) => print('>', head, body),
    response: (head, body) => print('<', head, body),
  };
}
