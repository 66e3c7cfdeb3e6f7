/**
 * The server end of the DLMS wrapper (IEC 62056-47) as a sans-IO router: wrapper PDUs in, each
 * routed by its wPorts to the session of that client SAP and logical device, answers out in
 * wrapper PDUs with the ports swapped. TCP streams go through `receive()` (a `WrapperDeframer`),
 * UDP datagrams through `receiveDatagram()`. PDUs for an unknown logical device or client SAP get
 * no answer, as IEC 62056-47 leaves them.
 */
import { isMeterkitError } from '@meterkit/core';
import { WrapperDeframer } from '../wrapper/deframer.js';
import { decodeWrapperPdu, encodeWrapperPdu, type WrapperPdu } from '../wrapper/wrapper.js';
import type { DlmsServerSession } from './server-session.js';
import type { ServerSessionFactory } from './session-factory.js';

/** One connection's (or one UDP peer's) wrapper router. IEC 62056-47. */
export class WrapperServerPort {
  private readonly factory: ServerSessionFactory;
  private readonly deframer: WrapperDeframer;
  private readonly sessions = new Map<number, DlmsServerSession>();

  constructor(factory: ServerSessionFactory, options: { readonly maxPayloadLength?: number } = {}) {
    this.factory = factory;
    this.deframer = new WrapperDeframer({ maxPayloadLength: options.maxPayloadLength ?? 0xffff });
  }

  /** Stream bytes (TCP); returns the wrapper PDUs to write back. */
  receive(bytes: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const item of this.deframer.push(bytes)) if (item.type === 'pdu') this.route(item.pdu, out);
    return out;
  }

  /** One datagram (UDP): one wrapper PDU; returns the PDUs to send back. Malformed datagrams are dropped. */
  receiveDatagram(datagram: Uint8Array): Uint8Array[] {
    let pdu: WrapperPdu;
    try {
      pdu = decodeWrapperPdu(datagram);
    } catch (e) {
      if (isMeterkitError(e)) return [];
      throw e;
    }
    const out: Uint8Array[] = [];
    this.route(pdu, out);
    return out;
  }

  private route(pdu: WrapperPdu, out: Uint8Array[]): void {
    const key = pdu.sourceWPort * 0x10000 + pdu.destinationWPort;
    let s = this.sessions.get(key);
    if (s === undefined) {
      s = this.factory.createSession(pdu.sourceWPort, pdu.destinationWPort);
      if (s === undefined) return;
      this.sessions.set(key, s);
    }
    for (const apdu of s.handle(pdu.payload)) {
      out.push(
        encodeWrapperPdu({
          sourceWPort: pdu.destinationWPort,
          destinationWPort: pdu.sourceWPort,
          payload: apdu,
        }),
      );
    }
  }

  /** The connection ended: every session aborts. */
  close(): void {
    for (const s of this.sessions.values()) s.abort();
    this.sessions.clear();
  }
}
