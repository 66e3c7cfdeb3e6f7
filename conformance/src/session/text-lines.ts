import { ErrorCode, MeterkitError } from '@meterkit/core';

/** One line of a text input. */
export interface TextLine {
  /** The line without its line break. */
  readonly text: string;
  /** 1-based line number. */
  readonly number: number;
  /** Byte offset of the line's first byte in the input. */
  readonly offset: number;
}

/** Default longest line accepted by `readTextLines`: 16 MiB. */
export const DEFAULT_MAX_LINE_LENGTH = 16 * 1024 * 1024;

/**
 * Splits byte chunks into UTF-8 lines (LF or CRLF), holding only the current line, so text inputs
 * of any size are read in constant memory. A line longer than `maxLineLength` bytes fails with
 * `FrameTooLong` at its offset; invalid UTF-8 fails with `ValueInvalid`.
 */
export async function* readTextLines(
  source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  maxLineLength = DEFAULT_MAX_LINE_LENGTH,
): AsyncGenerator<TextLine> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const encoder = new TextEncoder();
  let parts: Uint8Array[] = [];
  let partLength = 0;
  let offset = 0;
  let number = 0;
  const take = (tail: Uint8Array): TextLine => {
    const whole = parts.length === 0 ? tail : joinParts(parts, partLength, tail);
    let end = whole.length;
    if (end > 0 && whole[end - 1] === 0x0d) end--;
    let text: string;
    try {
      text = decoder.decode(whole.subarray(0, end));
    } catch (e) {
      throw new MeterkitError(ErrorCode.ValueInvalid, `line ${number + 1} is not valid UTF-8`, {
        offset,
        path: `line ${number + 1}`,
        cause: e,
      });
    }
    number++;
    const line = { text, number, offset };
    offset += whole.length + 1;
    parts = [];
    partLength = 0;
    return line;
  };
  for await (const raw of source) {
    const chunk = typeof raw === 'string' ? encoder.encode(raw) : raw;
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, from);
      const end = nl < 0 ? chunk.length : nl;
      if (partLength + (end - from) > maxLineLength) {
        throw new MeterkitError(
          ErrorCode.FrameTooLong,
          `line ${number + 1} is longer than ${maxLineLength} bytes`,
          {
            offset,
            path: `line ${number + 1}`,
          },
        );
      }
      if (nl < 0) {
        if (end > from) {
          parts.push(chunk.slice(from, end));
          partLength += end - from;
        }
        break;
      }
      yield take(chunk.subarray(from, nl));
      from = nl + 1;
    }
  }
  if (partLength > 0) yield take(new Uint8Array(0));
}

function joinParts(parts: readonly Uint8Array[], length: number, tail: Uint8Array): Uint8Array {
  const out = new Uint8Array(length + tail.length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  out.set(tail, at);
  return out;
}
