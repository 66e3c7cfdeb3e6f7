import { crc16x25 } from '@meterkit/core';

/**
 * Rewrites what a replayed client message must change. DLMS: the invoke-id of plain xDLMS
 * requests (IEC 62056-5-3 §8.2, Invoke-Id-And-Priority bits 0–3) is renumbered from `base`, in
 * a bare APDU, a wrapper PDU or an HDLC I-frame (HCS and FCS recomputed, IEC 62056-46 §6.4.2.6).
 */
export class ReplayAdapter {
  readonly #invokeIdShift: number;

  /** `invokeIdShift`: added (mod 16) to every request invoke-id, so answers to stale ids stand out. */
  constructor(options: { readonly invokeIdShift?: number } = {}) {
    this.#invokeIdShift = (options.invokeIdShift ?? 0) & 0x0f;
  }

  /** The invoke-id shift in use. */
  get invokeIdShift(): number {
    return this.#invokeIdShift;
  }

  /** The message to send for a captured one (a copy; the capture is not changed). */
  adapt(protocol: string | undefined, captured: Uint8Array): Uint8Array {
    const out = captured.slice();
    if (protocol !== 'dlms' || this.#invokeIdShift === 0) return out;
    if (out[0] === 0x00 && out[1] === 0x01 && out.length > 10) {
      shiftInvokeId(out, 8, this.#invokeIdShift);
      return out;
    }
    if (out[0] === 0x7e && out.length > 12) {
      const headerEnd = hdlcHeaderEnd(out);
      if (headerEnd === undefined) return out;
      let apdu = headerEnd + 2;
      if (out[apdu] === 0xe6 && (out[apdu + 1] === 0xe6 || out[apdu + 1] === 0xe7) && out[apdu + 2] === 0x00)
        apdu += 3;
      if (shiftInvokeId(out, apdu, this.#invokeIdShift)) {
        const fcs = crc16x25(out, 1, out.length - 3);
        out[out.length - 3] = fcs & 0xff;
        out[out.length - 2] = fcs >> 8;
      }
      return out;
    }
    shiftInvokeId(out, 0, this.#invokeIdShift);
    return out;
  }
}

const REQUEST_TAGS = new Set([0xc0, 0xc1, 0xc3]);

function shiftInvokeId(b: Uint8Array, at: number, shift: number): boolean {
  if (!REQUEST_TAGS.has(b[at]!) || at + 2 >= b.length) return false;
  const iip = b[at + 2]!;
  b[at + 2] = (iip & 0xf0) | (((iip & 0x0f) + shift) & 0x0f);
  return true;
}

/** Index of the control field's last octet + 1 … i.e. where the HCS starts. */
function hdlcHeaderEnd(b: Uint8Array): number | undefined {
  let i = 3;
  // destination address: octets until one with bit 0 set
  while (i < b.length && (b[i]! & 1) === 0) i++;
  i++;
  while (i < b.length && (b[i]! & 1) === 0) i++;
  i++;
  // control
  i++;
  return i + 2 < b.length ? i : undefined;
}
