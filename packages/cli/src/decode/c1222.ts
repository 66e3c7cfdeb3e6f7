import {
  C1222KeyStore,
  type C1222Request,
  decodeC1218Packet,
  decodeC1218Request,
  decodeC1218Response,
  decodeC1222Message,
  decodeRequest,
} from '@meterkit/c1222';
import { ErrorCode, MeterkitError } from '@meterkit/core';
import type { DecodeInput } from '../input.js';
import type { DecodeContext, DecodeResult, ProtocolDecoder } from './protocol-decoder.js';

/** Keys from `--key c1222:<key-id>=HEX` (key id 0–255). */
function keyStore(keys: ReadonlyMap<string, Uint8Array>): C1222KeyStore {
  const store = new C1222KeyStore();
  for (const [name, key] of keys) {
    const m = /^c1222:(\d{1,3})$/.exec(name);
    if (m === null) continue;
    const id = Number(m[1]);
    if (id > 255)
      throw new MeterkitError(ErrorCode.InvalidArgument, `--key ${name}: key ids go from 0 to 255`);
    store.set(id, key);
  }
  return store;
}

/**
 * `meterkit decode` for ANSI C12.22 (IEEE 1703): the ACSE, the security (EAX' verified and
 * deciphered with `--key c1222:<id>=HEX`), and the EPSEM services. Relative AP titles are expanded
 * with `--base-oid`.
 */
export const c1222Decoder: ProtocolDecoder = {
  protocol: 'c1222',
  decode(input: DecodeInput, ctx: DecodeContext): DecodeResult {
    const msg = decodeC1222Message(input.bytes, { keys: keyStore(ctx.keys), baseOid: ctx.baseOid });
    const notes: string[] = [];
    const { userInformation: _ui, raw: _raw, ...acse } = msg.acse;
    const layers: { layer: string; value: unknown }[] = [
      { layer: 'acse', value: acse },
      { layer: 'security', value: { type: `mode-${msg.security.mode}`, ...msg.security } },
    ];
    if (msg.epsem !== undefined) {
      const { raw: _r, ...epsem } = msg.epsem;
      layers.push({ layer: 'epsem', value: epsem });
    }
    if (msg.security.status === 'no-key') {
      notes.push(
        msg.security.mode === 2
          ? `could not decrypt: no key for key id ${msg.security.keyId} (--key c1222:${msg.security.keyId}=HEX)`
          : `the MAC was not verified: no key for key id ${msg.security.keyId} (--key c1222:${msg.security.keyId}=HEX)`,
      );
    }
    for (const w of msg.security.weaknesses ?? []) notes.push(`weakness: ${w}`);
    return { protocol: 'c1222', layers, notes };
  },
};

/**
 * A C12.18 request; in lenient mode a request C12.18 does not allow but C12.22 does (e.g. a
 * security request with a longer password field) is shown in its C12.22 form with a note.
 */
function c1218Request(data: Uint8Array, ctx: DecodeContext, notes: string[]): C1222Request {
  try {
    return decodeC1218Request(data, 6);
  } catch (e) {
    if (!(e instanceof MeterkitError) || e.code !== ErrorCode.Unsupported || !ctx.lenient) throw e;
    notes.push(`tolerated: ${e.message}; shown as the C12.22 form of the request`);
    return decodeRequest(data, {}, 6);
  }
}

/**
 * `meterkit decode` for ANSI C12.18 (the optical port): an ACK, a NAK, or one packet (CRC checked)
 * with its service request (codes 0x20 and up) or response (codes below 0x20).
 */
export const c1218Decoder: ProtocolDecoder = {
  protocol: 'c1218',
  decode(input: DecodeInput, ctx: DecodeContext): DecodeResult {
    const b = input.bytes;
    if (b.length === 1 && (b[0] === 0x06 || b[0] === 0x15)) {
      return {
        protocol: 'c1218',
        layers: [{ layer: 'control', value: { type: b[0] === 0x06 ? 'ack' : 'nak' } }],
        notes: [],
      };
    }
    const packet = decodeC1218Packet(b);
    const { raw: _raw, data, ...header } = packet;
    const layers: { layer: string; value: unknown }[] = [
      { layer: 'packet', value: { ...header, length: data.length } },
    ];
    const notes: string[] = [];
    if (packet.control.multiPacket && packet.sequenceNumber > 0) {
      notes.push(`one packet of a multi-packet transmission (${packet.sequenceNumber} more to come)`);
      layers.push({ layer: 'data', value: data });
    } else if (data.length > 0) {
      const service =
        data[0]! >= 0x20 ? c1218Request(data, ctx, notes) : decodeC1218Response(data, undefined, 6);
      if (data[0]! < 0x20)
        notes.push('a response is decoded fully only against its request; shown without one');
      layers.push({ layer: 'service', value: service });
    }
    return { protocol: 'c1218', layers, notes };
  },
};
