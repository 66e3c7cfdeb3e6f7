/**
 * PSEM request and response codes of ANSI C12.18-2006 §5.3.2 and IEEE 1703-2012 §5.3.2.4
 * (C12.22 adds 0x22, 0x24–0x27, 0x31–0x39, 0x41–0x49 and the responses 0x0B–0x12).
 */

/** Request codes (the first byte of a request service). */
export const RequestCode = {
  identify: 0x20,
  terminate: 0x21,
  disconnect: 0x22,
  deregistration: 0x24,
  resolve: 0x25,
  trace: 0x26,
  registration: 0x27,
  fullRead: 0x30,
  /** 0x31–0x39: partial read with 1–9 indices. */
  partialReadIndex1: 0x31,
  defaultRead: 0x3e,
  partialReadOffset: 0x3f,
  fullWrite: 0x40,
  /** 0x41–0x49: partial write with 1–9 indices. */
  partialWriteIndex1: 0x41,
  partialWriteOffset: 0x4f,
  logon: 0x50,
  security: 0x51,
  logoff: 0x52,
  authenticate: 0x53,
  /** 0x60–0x6B: negotiate with 0–11 baud rates. */
  negotiate0: 0x60,
  wait: 0x70,
} as const;

/** Response codes 0x00–0x12 (C12.18 §5.3.1, IEEE 1703 §5.3.2.3) by their standard abbreviation. */
export const ResponseCode = {
  /** Acknowledge: no problems, request accepted. */
  ok: 0x00,
  /** Error: request rejected, no reason given. */
  err: 0x01,
  /** Service not supported. */
  sns: 0x02,
  /** Insufficient security clearance. */
  isc: 0x03,
  /** Operation not possible. */
  onp: 0x04,
  /** Inappropriate action requested. */
  iar: 0x05,
  /** Device busy. */
  bsy: 0x06,
  /** Data not ready. */
  dnr: 0x07,
  /** Data locked. */
  dlk: 0x08,
  /** Renegotiate request. */
  rno: 0x09,
  /** Invalid service sequence state. */
  isss: 0x0a,
  /** Security mechanism error. */
  sme: 0x0b,
  /** Unknown or invalid AP title. */
  uat: 0x0c,
  /** Network timeout. */
  nett: 0x0d,
  /** Node not reachable. */
  netr: 0x0e,
  /** Request too large. */
  rqtl: 0x0f,
  /** Response too large. */
  rstl: 0x10,
  /** Segmentation not possible. */
  sgnp: 0x11,
  /** Segmentation error. */
  sgerr: 0x12,
} as const;

const RESPONSE_NAMES = new Map<number, string>(Object.entries(ResponseCode).map(([k, v]) => [v, k]));

/** The abbreviation of a response code (`0x03` → `isc`), or `code-0xNN` for reserved values. */
export function responseCodeName(code: number): string {
  return RESPONSE_NAMES.get(code) ?? `code-0x${code.toString(16).padStart(2, '0')}`;
}

/** True for a response (as opposed to request) code: responses are below 0x20. */
export function isResponseCode(code: number): boolean {
  return code < 0x20;
}

/** Table id bits (IEEE 1703 / C12.19 table numbering as carried by the read/write services). */
export interface TableIdParts {
  /** Table number 0–2047. */
  readonly number: number;
  /** Manufacturer table (MT) rather than standard table (ST). */
  readonly manufacturer: boolean;
  /** Pending table (bit 0x1000). */
  readonly pending: boolean;
}

/** Splits a 16-bit table id into number, ST/MT and pending bit. */
export function tableIdParts(tableId: number): TableIdParts {
  return {
    number: tableId & 0x7ff,
    manufacturer: (tableId & 0x800) !== 0,
    pending: (tableId & 0x1000) !== 0,
  };
}

/** `ST1`, `MT64`, `ST7 (pending)`. */
export function tableIdName(tableId: number): string {
  const p = tableIdParts(tableId);
  return `${p.manufacturer ? 'MT' : 'ST'}${p.number}${p.pending ? ' (pending)' : ''}`;
}
