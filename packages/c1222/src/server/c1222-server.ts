/**
 * The simulated meter's C12.22 network side (IEEE 1703-2012, TCP and UDP port 1153): an
 * `AnsiMeter` behind a `C1222Responder`, in security modes 0, 1 and 2. Over TCP each connection
 * is a stream of BER-delimited ACSE messages with its own meter session; over UDP each datagram is
 * one message or one APDU segment (reassembled per sender), answers longer than `datagramSize`
 * go out as APDU segments, and sessions are kept per sender address.
 */
import { isMeterkitError, type MeterkitError } from '@meterkit/core';
import type { Datagram, Transport, TransportListener, UdpEndpoint } from '@meterkit/core/transport';
import type { SecurityMode } from '../epsem/control.js';
import type { C1222KeyStore } from '../security/eaxprime.js';
import { segmentC1222Apdu } from '../segmentation/apdu-segment.js';
import { C1222Reassembler, type C1222ReassemblerOptions } from '../segmentation/reassembler.js';
import { C1222Responder } from '../session/c1222-responder.js';
import { C1222StreamDeframer } from '../session/c1222-stream.js';
import type { AnsiMeter, AnsiMeterSession } from './ansi-meter.js';

/** Options of the C12.22 servers. */
export interface C1222ServerOptions {
  /** Keys (default: the meter profile's). */
  readonly keys?: C1222KeyStore;
  readonly baseOid?: string;
  /** Lowest security mode accepted (default 0). */
  readonly minimumSecurityMode?: SecurityMode;
  /** Told about refused or unanswerable messages. */
  readonly onReject?: (reason: string, error?: MeterkitError) => void;
  /** UDP: largest datagram to send; longer answers go out as APDU segments (default: unsegmented). */
  readonly datagramSize?: number;
  /** UDP: bounds and timeout of the reassembly of segmented requests. */
  readonly reassembly?: C1222ReassemblerOptions;
}

function responderFor(meter: AnsiMeter, options: C1222ServerOptions): C1222Responder {
  return new C1222Responder({
    apTitle: meter.apTitle,
    keys: options.keys ?? meter.keyStore(),
    baseOid: options.baseOid,
    minimumSecurityMode: options.minimumSecurityMode,
    onReject: options.onReject,
  });
}

function answer(
  responder: C1222Responder,
  session: AnsiMeterSession,
  apdu: Uint8Array,
): Uint8Array | undefined {
  return responder.handle(apdu, (req, ctx) => session.handle(req, { authenticated: ctx.authenticated }));
}

/**
 * Answers C12.22 on one stream connection until it closes. A stream out of step (not an ACSE
 * APDU) closes the connection.
 */
export function serveC1222Stream(
  transport: Transport,
  meter: AnsiMeter,
  options: C1222ServerOptions = {},
): void {
  const responder = responderFor(meter, options);
  const session = meter.createSession('c1222');
  const deframer = new C1222StreamDeframer();
  const off = transport.onData((chunk) => {
    let apdus: Uint8Array[];
    try {
      apdus = deframer.push(chunk);
    } catch (e) {
      if (!isMeterkitError(e)) throw e;
      options.onReject?.('stream out of step', e);
      off();
      void transport.close();
      return;
    }
    for (const apdu of apdus) {
      const out = answer(responder, session, apdu);
      if (out !== undefined) transport.write(out).catch(() => undefined);
    }
  });
}

/**
 * Answers C12.22 on every connection a listener accepts (e.g. `await listenTcp({ port: 1153 })`),
 * each with its own meter session. Returns a function that stops accepting for this meter.
 */
export function serveC1222Listener(
  listener: TransportListener,
  meter: AnsiMeter,
  options: C1222ServerOptions = {},
): () => void {
  return listener.onConnection((c) => serveC1222Stream(c, meter, options));
}

/** Answers C12.22 datagrams on a bound UDP endpoint (sessions per sender). Returns a stop function. */
export function serveC1222Udp(
  endpoint: UdpEndpoint,
  meter: AnsiMeter,
  options: C1222ServerOptions = {},
): () => void {
  const responder = responderFor(meter, options);
  const sessions = new Map<string, AnsiMeterSession>();
  const reassembler = new C1222Reassembler(options.reassembly);
  return endpoint.onDatagram((d: Datagram) => {
    const key = `${d.remote.address}:${d.remote.port}`;
    const now = Date.now();
    for (const e of reassembler.expire(now)) options.onReject?.('segments timed out', e);
    const ev = reassembler.push(d.data, now, key);
    if (ev.type === 'error') options.onReject?.('segment refused', ev.error);
    if (ev.type !== 'apdu') return;
    let session = sessions.get(key);
    if (session === undefined) {
      if (sessions.size >= 1024) sessions.delete(sessions.keys().next().value!);
      session = meter.createSession('c1222');
      sessions.set(key, session);
    }
    const out = answer(responder, session, ev.apdu);
    if (out === undefined) return;
    let datagrams: Uint8Array[];
    try {
      datagrams = options.datagramSize === undefined ? [out] : segmentC1222Apdu(out, options.datagramSize);
    } catch (e) {
      if (!isMeterkitError(e)) throw e;
      options.onReject?.('answer cannot be segmented', e);
      return;
    }
    void (async () => {
      for (const g of datagrams) await endpoint.reply(d, g);
    })().catch(() => undefined);
  });
}
