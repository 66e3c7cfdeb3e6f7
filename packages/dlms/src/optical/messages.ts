/**
 * IEC 62056-21 (direct local data exchange, the optical port) messages: request, identification,
 * acknowledgement/option select, data message with BCC, and break. Pure encode/decode.
 */
import { ErrorCode, MeterkitError } from '@meterkit/core';

/** Start of header. */
export const SOH = 0x01;
/** Start of text. */
export const STX = 0x02;
/** End of text. */
export const ETX = 0x03;
/** Acknowledge. */
export const ACK = 0x06;
/** Negative acknowledge. */
export const NAK = 0x15;

const CR = 0x0d;
const LF = 0x0a;

/**
 * Baud rates by the baud-rate character of protocol modes C and E (IEC 62056-21 §6.3.14, item 13):
 * `'0'` 300 … `'6'` 19200.
 */
export const BAUD_MODE_C: Readonly<Record<string, number>> = {
  '0': 300,
  '1': 600,
  '2': 1200,
  '3': 2400,
  '4': 4800,
  '5': 9600,
  '6': 19200,
};

/** Baud rates by the baud-rate character of protocol mode B (§6.3.14): `'A'` 600 … `'F'` 19200. */
export const BAUD_MODE_B: Readonly<Record<string, number>> = {
  A: 600,
  B: 1200,
  C: 2400,
  D: 4800,
  E: 9600,
  F: 19200,
};

/** The baud-rate character for a mode C/E baud rate, or undefined when there is none. */
export function baudCharacter(baud: number): string | undefined {
  for (const [c, b] of Object.entries(BAUD_MODE_C)) if (b === baud) return c;
  return undefined;
}

/** The identification message a tariff device answers with (IEC 62056-21 §6.3.2). */
export interface Identification {
  /** The three-letter manufacturer identification (FLAG association), e.g. `KFM`. */
  readonly manufacturer: string;
  /**
   * True when the third manufacturer letter is lower case: the device supports the minimum
   * reaction time of 20 ms instead of 200 ms (§6.3.14 item 12).
   */
  readonly fastReaction: boolean;
  /** The baud-rate character as sent. */
  readonly baudCharacter: string;
  /** The protocol mode the baud character implies: `'C'` (digits), `'B'` (A–F), or `'A'` (anything else). */
  readonly mode: 'A' | 'B' | 'C';
  /** The highest baud rate the device offers (mode A: undefined, the rate stays at 300). */
  readonly maxBaud: number | undefined;
  /**
   * Enhanced identification characters after `\` (§6.3.2 item 24): `'2'` means binary mode (HDLC,
   * protocol mode E) is available.
   */
  readonly enhanced: readonly string[];
  /** True when mode E (HDLC binary mode) is offered. */
  readonly supportsModeE: boolean;
  /** The free identification text (up to 16 printable characters). */
  readonly identification: string;
  /** The whole message as received, CR LF included. */
  readonly raw: Uint8Array;
}

function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7e) throw new MeterkitError(ErrorCode.InvalidArgument, `non-ASCII character in '${s}'`);
    out[i] = c;
  }
  return out;
}

function text(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b & 0x7f);
  return s;
}

/**
 * The request message `/?` [device address] `!` CR LF (§6.3.1). The address (up to 32 characters:
 * digits, letters, spaces) selects one device on a bus; empty addresses every device.
 */
export function encodeRequest(deviceAddress = ''): Uint8Array {
  if (deviceAddress.length > 32 || !/^[0-9A-Za-z ]*$/.test(deviceAddress)) {
    throw new MeterkitError(
      ErrorCode.InvalidArgument,
      'device address must be at most 32 letters, digits or spaces',
    );
  }
  return ascii(`/?${deviceAddress}!\r\n`);
}

/** Decodes a request message (the device side of the sign-on); returns the device address. */
export function decodeRequest(bytes: Uint8Array): string {
  const s = text(bytes);
  const m = /^\/\?([0-9A-Za-z ]{0,32})!\r\n$/.exec(s);
  if (!m)
    throw new MeterkitError(ErrorCode.ValueInvalid, 'not an IEC 62056-21 request message', {
      offset: 0,
      path: 'request',
    });
  return m[1]!;
}

/**
 * Decodes an identification message `/XXXZ[\W]Ident CR LF` (§6.3.2). `bytes` must hold exactly one
 * message, CR LF included.
 */
export function decodeIdentification(bytes: Uint8Array): Identification {
  const s = text(bytes);
  if (s.length < 7 || s[0] !== '/' || !s.endsWith('\r\n')) {
    throw new MeterkitError(ErrorCode.ValueInvalid, 'not an IEC 62056-21 identification message', {
      offset: 0,
      path: 'identification',
    });
  }
  const manufacturer = s.slice(1, 4);
  if (!/^[A-Za-z]{3}$/.test(manufacturer)) {
    throw new MeterkitError(ErrorCode.ValueInvalid, `manufacturer '${manufacturer}' is not three letters`, {
      offset: 1,
      path: 'identification.manufacturer',
    });
  }
  const z = s[4]!;
  let rest = s.slice(5, -2);
  const enhanced: string[] = [];
  while (rest.startsWith('\\') && rest.length >= 2) {
    enhanced.push(rest[1]!);
    rest = rest.slice(2);
  }
  if (rest.length > 16 || /[/!]/.test(rest)) {
    throw new MeterkitError(
      ErrorCode.ValueInvalid,
      'identification text longer than 16 characters or with / or !',
      {
        offset: s.length - 2 - rest.length,
        path: 'identification.identification',
      },
    );
  }
  const mode = z in BAUD_MODE_C ? 'C' : z in BAUD_MODE_B ? 'B' : 'A';
  return {
    manufacturer: manufacturer.toUpperCase(),
    fastReaction: manufacturer[2]! >= 'a' && manufacturer[2]! <= 'z',
    baudCharacter: z,
    mode,
    maxBaud: mode === 'C' ? BAUD_MODE_C[z] : mode === 'B' ? BAUD_MODE_B[z] : undefined,
    enhanced,
    supportsModeE: enhanced.includes('2'),
    identification: rest,
    raw: bytes,
  };
}

/** Encodes an identification message (the simulated meter's side). */
export function encodeIdentification(id: {
  readonly manufacturer: string;
  readonly fastReaction?: boolean;
  readonly baudCharacter: string;
  readonly enhanced?: readonly string[];
  readonly identification: string;
}): Uint8Array {
  if (!/^[A-Za-z]{3}$/.test(id.manufacturer)) {
    throw new MeterkitError(ErrorCode.InvalidArgument, 'manufacturer must be three letters');
  }
  if (id.identification.length > 16)
    throw new MeterkitError(ErrorCode.InvalidArgument, 'identification longer than 16');
  const m =
    id.manufacturer.slice(0, 2).toUpperCase() +
    (id.fastReaction ? id.manufacturer[2]!.toLowerCase() : id.manufacturer[2]!.toUpperCase());
  const enh = (id.enhanced ?? []).map((e) => `\\${e}`).join('');
  return ascii(`/${m}${id.baudCharacter}${enh}${id.identification}\r\n`);
}

/** Protocol control character V of the acknowledgement message (§6.3.3 item 14). */
export type ProtocolControl = 'normal' | 'secondary' | 'hdlc';
/** Mode control character Y (§6.3.3 item 16). */
export type ModeControl = 'data-readout' | 'programming' | 'binary';

const V: Record<ProtocolControl, string> = { normal: '0', secondary: '1', hdlc: '2' };
const Y: Record<ModeControl, string> = { 'data-readout': '0', programming: '1', binary: '2' };

/** The acknowledgement / option select message (§6.3.3). */
export interface OptionSelect {
  readonly protocolControl: ProtocolControl;
  readonly baudCharacter: string;
  readonly modeControl: ModeControl;
}

/** Encodes ACK V Z Y CR LF. Mode E is `{ protocolControl: 'hdlc', baudCharacter: '5', modeControl: 'binary' }`. */
export function encodeOptionSelect(o: OptionSelect): Uint8Array {
  if (o.baudCharacter.length !== 1)
    throw new MeterkitError(ErrorCode.InvalidArgument, 'baud character must be one character');
  const out = ascii(`x${V[o.protocolControl]}${o.baudCharacter}${Y[o.modeControl]}\r\n`);
  out[0] = ACK;
  return out;
}

/** Decodes ACK V Z Y CR LF (the simulated meter's side). */
export function decodeOptionSelect(bytes: Uint8Array): OptionSelect {
  if (bytes.length !== 6 || bytes[0] !== ACK || bytes[4] !== CR || bytes[5] !== LF) {
    throw new MeterkitError(ErrorCode.ValueInvalid, 'not an acknowledgement/option select message', {
      offset: 0,
      path: 'option-select',
    });
  }
  const v = String.fromCharCode(bytes[1]!);
  const y = String.fromCharCode(bytes[3]!);
  const pc = (Object.keys(V) as ProtocolControl[]).find((k) => V[k] === v);
  const mc = (Object.keys(Y) as ModeControl[]).find((k) => Y[k] === y);
  if (pc === undefined)
    throw new MeterkitError(ErrorCode.ValueInvalid, `protocol control '${v}' unknown`, {
      offset: 1,
      path: 'option-select.V',
    });
  if (mc === undefined)
    throw new MeterkitError(ErrorCode.ValueInvalid, `mode control '${y}' unknown`, {
      offset: 3,
      path: 'option-select.Y',
    });
  return { protocolControl: pc, baudCharacter: String.fromCharCode(bytes[2]!), modeControl: mc };
}

/** Block check character: XOR of every byte after the first SOH/STX up to and including ETX (§6.3.4). */
export function bcc(bytes: Uint8Array, start: number, end: number): number {
  let x = 0;
  for (let i = start; i < end; i++) x ^= bytes[i]!;
  return x & 0x7f;
}

/** The break message SOH B0 ETX BCC (§6.3.13): ends the session and returns the device to 300 baud. */
export function encodeBreak(): Uint8Array {
  const out = Uint8Array.from([SOH, 0x42, 0x30, ETX, 0]);
  out[4] = bcc(out, 1, 4);
  return out;
}

/** One data set of a readout: `address(value*unit)`, possibly with several values (§6.5). */
export interface DataSet {
  /** The address (typically an OBIS code in reduced form, e.g. `1.8.0` or `1-0:1.8.0*255`). */
  readonly address: string;
  /** Each parenthesised value, with its unit when one follows `*`. */
  readonly values: readonly { readonly value: string; readonly unit?: string }[];
}

/** A mode C data readout (§6.3.5): STX data block `!` CR LF ETX BCC. */
export interface DataReadout {
  readonly dataSets: readonly DataSet[];
  /** The data block as text, without STX, `!`, ETX and BCC. */
  readonly text: string;
  readonly raw: Uint8Array;
}

/**
 * Decodes a data message STX … ! CR LF ETX BCC, checking the BCC (`FrameCheckFailed`, 101 on a
 * mismatch) and parsing the data sets.
 */
export function decodeDataReadout(bytes: Uint8Array): DataReadout {
  if (bytes.length < 3 || bytes[0] !== STX) {
    throw new MeterkitError(ErrorCode.FrameFormatInvalid, 'data message must start with STX', {
      offset: 0,
      path: 'readout',
    });
  }
  const etx = bytes.indexOf(ETX, 1);
  if (etx < 0 || etx + 2 !== bytes.length) {
    throw new MeterkitError(ErrorCode.FrameFormatInvalid, 'data message must end with ETX and one BCC', {
      offset: etx < 0 ? bytes.length : etx,
      path: 'readout',
    });
  }
  if (bcc(bytes, 1, etx + 1) !== (bytes[etx + 1]! & 0x7f)) {
    throw new MeterkitError(ErrorCode.FrameCheckFailed, 'BCC does not match', {
      offset: etx + 1,
      path: 'readout.bcc',
    });
  }
  let body = text(bytes.subarray(1, etx));
  if (body.endsWith('!\r\n')) body = body.slice(0, -3);
  else if (body.endsWith('!')) body = body.slice(0, -1);
  return { dataSets: parseDataSets(body), text: body, raw: bytes };
}

/** Parses data lines `addr(v1*u)(v2)` into data sets; lines without parentheses are skipped. */
export function parseDataSets(body: string): DataSet[] {
  const out: DataSet[] = [];
  const re = /([^()\r\n]*)((?:\([^()]*\))+)/g;
  for (let m = re.exec(body); m !== null; m = re.exec(body)) {
    const address = m[1]!.trim();
    const values = [...m[2]!.matchAll(/\(([^()]*)\)/g)].map((v) => {
      const star = v[1]!.indexOf('*');
      return star < 0 ? { value: v[1]! } : { value: v[1]!.slice(0, star), unit: v[1]!.slice(star + 1) };
    });
    out.push({ address, values });
  }
  return out;
}

/** Encodes a data readout (the simulated meter's side) from data sets. */
export function encodeDataReadout(dataSets: readonly DataSet[]): Uint8Array {
  const lines = dataSets.map(
    (d) =>
      `${d.address}${d.values.map((v) => `(${v.value}${v.unit !== undefined ? `*${v.unit}` : ''})`).join('')}\r\n`,
  );
  const body = ascii(`${lines.join('')}!\r\n`);
  const out = new Uint8Array(body.length + 3);
  out[0] = STX;
  out.set(body, 1);
  out[body.length + 1] = ETX;
  out[body.length + 2] = bcc(out, 1, body.length + 2);
  return out;
}
