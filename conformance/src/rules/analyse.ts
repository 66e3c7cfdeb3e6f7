import { C1222KeyStore, decodeC1218Packet, decodeC1222Message } from '@meterkit/c1222';
import { bytesEqual, concatBytes, ErrorCode, isMeterkitError, MeterkitError } from '@meterkit/core';
import {
  type DecodedApdu,
  decipherApdu,
  decodeApdu,
  decodeHdlcFrame,
  decodeMbusLongFrame,
  decodeWrapperPdu,
  type HdlcFrame,
  isCipheredApduTag,
  llcBytes,
  SecurityContext,
  type WrapperPdu,
} from '@meterkit/dlms';
import { decodeXml } from '@meterkit/ieee2030-5';
import type { Keyring } from '../keyring.js';
import type { SessionMessage } from '../session/frame-session.js';
import type { AnalysedMessage, C1218Layers, C1222Layers, DlmsLayers, Ieee20305Layers } from './rule.js';

function asError(e: unknown): MeterkitError {
  if (isMeterkitError(e)) return e;
  throw e;
}

/** Per-channel facts the analyser needs across messages (system titles from the AARQ/AARE). */
export interface AnalyserChannelState {
  clientSystemTitle?: Uint8Array | undefined;
  serverSystemTitle?: Uint8Array | undefined;
  /** Per direction: the last HDLC I-frame had the segmentation bit, so the next one ends that APDU. */
  hdlcSegmentOpen?: Record<string, boolean> | undefined;
  /** Per direction: the segments of an HDLC-segmented APDU received so far (IEC 62056-46 §6.4.2.4). */
  hdlcSegments?: Record<string, HdlcSegments> | undefined;
}

/** The parts of one segmented APDU (copies: a reader may reuse its buffers). */
interface HdlcSegments {
  readonly parts: Uint8Array[];
  size: number;
  /** N(S) and frame octets of the last segment, to skip a retransmission. */
  lastSequence: number;
  lastBytes: Uint8Array;
}

/**
 * Largest APDU reassembled from HDLC segments: the xDLMS max-receive-pdu-size is an Unsigned16
 * (IEC 62056-5-3 §9.3.2), so no conforming APDU is longer; longer runs are dropped.
 */
export const MAX_REASSEMBLED_APDU = 0xffff;

/**
 * Adds an I-frame's information field to its direction's segmented APDU and returns the whole
 * APDU at the last segment (the first I-frame without the S bit after one with it, IEC 62056-46
 * §6.4.2.4); `undefined` while more segments are due or when the APDU overran the bound.
 */
function addHdlcSegment(
  st: AnalyserChannelState,
  direction: string,
  hdlc: HdlcFrame & { type: 'i' },
  information: Uint8Array,
  frame: Uint8Array,
): { apdu?: Uint8Array; count: number; dropped?: boolean } {
  st.hdlcSegments ??= {};
  const all = st.hdlcSegments;
  let run = all[direction];
  if (run !== undefined && run.lastSequence === hdlc.sendSequence && bytesEqual(run.lastBytes, frame))
    return { count: run.parts.length };
  if (run === undefined) {
    run = { parts: [], size: 0, lastSequence: -1, lastBytes: new Uint8Array(0) };
    all[direction] = run;
  }
  run.size += information.length;
  if (run.size > MAX_REASSEMBLED_APDU) {
    delete all[direction];
    return { count: 0, dropped: true };
  }
  const copy = information.slice();
  run.parts.push(copy);
  run.lastSequence = hdlc.sendSequence;
  run.lastBytes = frame.slice();
  if (hdlc.segmented) return { count: run.parts.length };
  delete all[direction];
  return { apdu: concatBytes(...run.parts), count: run.parts.length };
}

function systemTitleOf(apdu: DecodedApdu): Uint8Array | undefined {
  if (apdu.type === 'aarq') return apdu.callingApTitle;
  if (apdu.type === 'aare') return apdu.respondingApTitle;
  return undefined;
}

/** Deciphers a ciphered APDU with the keyring's keys for its sender, into `out`. */
function decipher(
  out: MutableDlmsLayers,
  apdu: DecodedApdu,
  bytes: Uint8Array,
  direction: SessionMessage['direction'],
  keys: Keyring,
  st: AnalyserChannelState,
): void {
  const carried = (apdu as { systemTitle?: Uint8Array }).systemTitle;
  const sender = carried ?? (direction === 'client-to-server' ? st.clientSystemTitle : st.serverSystemTitle);
  const entry = sender === undefined ? keys.onlyDlmsEntry() : keys.dlmsKeys(sender);
  if (entry === undefined || (entry.ek === undefined && entry.ak === undefined)) return;
  const ctx = new SecurityContext({
    globalUnicastEncryptionKey: entry.ek,
    globalBroadcastEncryptionKey: entry.bk,
    authenticationKey: entry.ak,
    peerSystemTitle: entry.systemTitle,
    replay: false,
  });
  try {
    const deciphered = decipherApdu(ctx, bytes, {
      allowUnverifiedTag: entry.ak === undefined,
      replayCheck: false,
      senderSystemTitle: sender ?? entry.systemTitle,
    });
    out.deciphered = deciphered;
    try {
      out.inner = decodeApdu(deciphered.plaintext);
    } catch (e) {
      asError(e);
    }
  } catch (e) {
    out.decipherError = asError(e);
  }
}

/**
 * Decodes the DLMS layers of one message: HDLC frame (IEC 62056-46 §6.4) or wrapper
 * (IEC 62056-47 §5), then the xDLMS/ACSE APDU (IEC 62056-5-3 §8), then, with keys, its ciphered
 * content (§9.2.7). Never throws for bad input: each layer's failure is kept as a diagnostic.
 */
export function analyseDlms(m: SessionMessage, keys: Keyring, st: AnalyserChannelState): DlmsLayers {
  const b = m.bytes;
  let hdlc: HdlcFrame | undefined;
  let hdlcError: MeterkitError | undefined;
  let wrapper: WrapperPdu | undefined;
  let wrapperError: MeterkitError | undefined;
  let apduBytes: Uint8Array | undefined = b;
  let apduOffset = 0;
  let segmented = false;
  let reassembled: number | undefined;
  if (b[0] === 0x7e) {
    try {
      hdlc = decodeHdlcFrame(b, { llc: true });
      if ((hdlc.type === 'i' || hdlc.type === 'ui') && hdlc.information.length > 0) {
        apduBytes = hdlc.information;
        apduOffset = hdlc.information.byteOffset - b.byteOffset;
      } else apduBytes = undefined;
      segmented = hdlc.segmented;
      if (hdlc.type === 'i') {
        // the last segment of a segmented APDU has no S bit: it ends the APDU (IEC 62056-46 §6.4.2.4)
        st.hdlcSegmentOpen ??= {};
        const open = st.hdlcSegmentOpen;
        const continuing = open[m.direction] === true;
        open[m.direction] = hdlc.segmented;
        if (hdlc.segmented || continuing) {
          // only the first segment carries the LLC header: a later one starting E6 E6 00 is data
          const info =
            continuing && hdlc.llc !== undefined
              ? concatBytes(llcBytes(hdlc.llc), hdlc.information)
              : hdlc.information;
          if (!continuing) delete st.hdlcSegments?.[m.direction];
          const added = addHdlcSegment(st, m.direction, hdlc, info, b);
          if (added.dropped === true) {
            open[m.direction] = false;
            hdlcError = new MeterkitError(
              ErrorCode.LengthOverrun,
              `segmented APDU longer than ${MAX_REASSEMBLED_APDU} octets: not reassembled`,
              { offset: apduOffset, path: 'hdlc.information' },
            );
          } else if (added.apdu !== undefined) {
            apduBytes = added.apdu;
            segmented = false;
            reassembled = added.count;
          } else segmented = true;
        }
      }
    } catch (e) {
      hdlcError = asError(e);
      apduBytes = undefined;
    }
  } else if (b[0] === 0x00 && b[1] === 0x01 && b.length >= 8) {
    try {
      wrapper = decodeWrapperPdu(b);
      apduBytes = wrapper.payload;
      apduOffset = 8;
    } catch (e) {
      wrapperError = asError(e);
      apduBytes = undefined;
    }
  } else if (b[0] === 0x68 && b[3] === 0x68 && b[b.length - 1] === 0x16) {
    try {
      // DLMS over M-Bus (IEC 62056-7-6): STSAP and DTSAP before the APDU
      const mbus = decodeMbusLongFrame(b);
      apduBytes = mbus.userData.subarray(2);
      apduOffset = apduBytes.byteOffset - b.byteOffset;
    } catch (e) {
      hdlcError = asError(e);
      apduBytes = undefined;
    }
  } else if (b[0] === 0xe6 && (b[1] === 0xe6 || b[1] === 0xe7) && b[2] === 0x00) {
    apduBytes = b.subarray(3);
    apduOffset = 3;
  }
  if (apduBytes === undefined || apduBytes.length === 0 || segmented || hdlcError !== undefined)
    return layers(
      hdlc,
      hdlcError,
      wrapper,
      wrapperError,
      segmented ? apduBytes : undefined,
      apduOffset,
      segmented,
    );
  let apdu: DecodedApdu | undefined;
  let apduError: MeterkitError | undefined;
  try {
    // An AARQ/AARE is decoded from its own copy: rules keep its titles and challenges for the
    // whole association, and a view would keep the framer's shared slab alive with them.
    const tag = apduBytes[0];
    apdu = decodeApdu(tag === 0x60 || tag === 0x61 ? apduBytes.slice() : apduBytes);
  } catch (e) {
    apduError = asError(e);
    // an M-Bus frame may carry only the first part of an APDU (EN 13757-4 segmentation)
    if (
      b[0] === 0x68 &&
      (apduError.code === ErrorCode.Truncated || apduError.code === ErrorCode.LengthOverrun)
    )
      return layers(hdlc, hdlcError, wrapper, wrapperError, apduBytes, apduOffset, true);
  }
  const out = layers(hdlc, hdlcError, wrapper, wrapperError, apduBytes, apduOffset, segmented);
  out.reassembled = reassembled;
  out.apdu = apdu;
  out.apduError = apduError;
  if (apdu !== undefined) {
    const title = systemTitleOf(apdu);
    if (title !== undefined) {
      if (apdu.type === 'aarq') st.clientSystemTitle = title;
      else st.serverSystemTitle = title;
    }
    if (isCipheredApduTag(apduBytes[0]!)) decipher(out, apdu, apduBytes, m.direction, keys, st);
  }
  return out;
}

/** `DlmsLayers` as built by `analyseDlms`: every field present, so all results share one shape. */
type MutableDlmsLayers = { -readonly [K in keyof DlmsLayers]: DlmsLayers[K] };

function layers(
  hdlc: HdlcFrame | undefined,
  hdlcError: MeterkitError | undefined,
  wrapper: WrapperPdu | undefined,
  wrapperError: MeterkitError | undefined,
  apduBytes: Uint8Array | undefined,
  apduOffset: number,
  segmented: boolean,
): MutableDlmsLayers {
  return {
    hdlc,
    hdlcError,
    wrapper,
    wrapperError,
    apduBytes,
    apduOffset,
    segmented,
    reassembled: undefined,
    apdu: undefined,
    apduError: undefined,
    deciphered: undefined,
    decipherError: undefined,
    inner: undefined,
  };
}

/** Decodes a C12.18 packet, ACK or NAK (ANSI C12.18 §5.3, §5.4). */
export function analyseC1218(m: SessionMessage): C1218Layers {
  const b = m.bytes;
  if (b.length === 1 && (b[0] === 0x06 || b[0] === 0x15)) return { control: b[0] === 0x06 ? 'ack' : 'nak' };
  try {
    return { packet: decodeC1218Packet(b) };
  } catch (e) {
    return { error: asError(e) };
  }
}

/** Decodes a C12.22 message (IEEE 1703 §5.3) with the keyring's EAX' keys for its AP titles. */
export function analyseC1222(m: SessionMessage, keys: Keyring): C1222Layers {
  let store: C1222KeyStore | undefined;
  if (keys.hasC1222Keys) {
    let titles: (string | undefined)[] = [];
    try {
      const probe = decodeC1222Message(m.bytes);
      const t = (a: typeof probe.acse.callingApTitle) => (a === undefined ? undefined : a.oid);
      titles = [t(probe.acse.callingApTitle), t(probe.acse.calledApTitle)];
    } catch (e) {
      asError(e);
    }
    store = new C1222KeyStore(keys.c1222Keys(titles).map((k) => [k.keyId, k.key] as const));
  }
  try {
    return { message: decodeC1222Message(m.bytes, store === undefined ? {} : { keys: store }) };
  } catch (e) {
    return { error: asError(e) };
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** The data of a chunked body (RFC 9112 §7.1); what cannot be parsed is kept as it is. */
function dechunk(body: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    if (eol < 0) return body;
    const size = Number.parseInt(body.slice(at, eol).split(';')[0]!.trim(), 16);
    if (!Number.isFinite(size) || size < 0) return body;
    if (size === 0) return out;
    out += body.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}

/** Finds the XML body of an HTTP message (RFC 9112 §6) or takes the message as bare XML, and decodes it (IEEE 2030.5 §B). */
export function analyseIeee20305(m: SessionMessage): Ieee20305Layers {
  const text = m.xml ?? utf8.decode(m.bytes);
  let body = text;
  let bodyOffset = 0;
  let startLine: string | undefined;
  if (/^(HTTP\/1\.[01] \d{3}|[A-Z]+ \S+ HTTP\/1\.[01])/.test(text)) {
    startLine = text.slice(0, text.indexOf('\r\n') >= 0 ? text.indexOf('\r\n') : text.indexOf('\n'));
    const sep = text.indexOf('\r\n\r\n');
    const at = sep >= 0 ? sep + 4 : text.indexOf('\n\n') >= 0 ? text.indexOf('\n\n') + 2 : text.length;
    body = text.slice(at);
    bodyOffset = Buffer.byteLength(text.slice(0, at));
    if (/\r?\ntransfer-encoding:[^\r\n]*chunked/i.test(text.slice(0, at))) body = dechunk(body);
  }
  if (body.trim() === '') return { startLine, body: '', bodyOffset };
  try {
    return { startLine, body, bodyOffset, document: decodeXml(body) };
  } catch (e) {
    return { startLine, body, bodyOffset, error: asError(e) };
  }
}

/** Keeps the analyser's per-channel state and decodes each message for its protocol. */
export class MessageAnalyser {
  readonly #keys: Keyring;
  readonly #channels = new Map<string, AnalyserChannelState>();
  #index = 0;

  constructor(keys: Keyring) {
    this.#keys = keys;
  }

  /** Decodes `m`'s layers for its protocol. */
  analyse(m: SessionMessage): AnalysedMessage {
    const index = this.#index++;
    if (m.type !== 'message') return { message: m, index };
    switch (m.protocol) {
      case 'dlms': {
        let st = this.#channels.get(m.channel);
        if (st === undefined) {
          if (this.#channels.size > 10_000) this.#channels.clear();
          st = {};
          this.#channels.set(m.channel, st);
        }
        return { message: m, index, dlms: analyseDlms(m, this.#keys, st) };
      }
      case 'c1218':
        return { message: m, index, c1218: analyseC1218(m) };
      case 'c1222':
        return { message: m, index, c1222: analyseC1222(m, this.#keys) };
      case 'ieee2030-5':
        return { message: m, index, ieee20305: analyseIeee20305(m) };
      default:
        return { message: m, index };
    }
  }
}
