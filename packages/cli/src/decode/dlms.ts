import { MeterkitError } from '@meterkit/core';
import {
  type AcseApdu,
  apduName,
  type DecodeApduOptions,
  type DecodedApdu,
  decipherApdu,
  decodeApdu,
  decodeHdlcFrame,
  decodeMbusLongFrame,
  decodeWrapperPdu,
  type HdlcFrame,
  isCipheredApduTag,
  labelNotificationBody,
  redactAcseSecrets,
  SecurityContext,
} from '@meterkit/dlms';
import type { DecodeInput } from '../input.js';
import type { DecodeContext, DecodedLayer, DecodeResult, ProtocolDecoder } from './protocol-decoder.js';

const ACSE_TYPES = new Set(['aarq', 'aare', 'rlrq', 'rlre']);
const MAX_NESTING = 3;

/** The HDLC frame as the tree shows it: header fields without the information bytes twice. */
function frameView(frame: HdlcFrame): Record<string, unknown> {
  const { raw: _raw, information, ...rest } = frame;
  return { ...rest, informationLength: information.length };
}

/**
 * Builds the decipher context from `--key`: `ek` (global unicast encryption key), `bk` (broadcast),
 * `dk` (dedicated), `ak` (authentication key), `st` (the sender's system title, for
 * service-specific glo-/ded- APDUs, which do not carry it).
 */
function securityContext(keys: ReadonlyMap<string, Uint8Array>): SecurityContext {
  return new SecurityContext({
    globalUnicastEncryptionKey: keys.get('ek'),
    globalBroadcastEncryptionKey: keys.get('bk'),
    dedicatedKey: keys.get('dk'),
    authenticationKey: keys.get('ak'),
    peerSystemTitle: keys.get('st'),
    replay: false,
  });
}

function decodeApduLayers(
  bytes: Uint8Array,
  ctx: DecodeContext,
  layers: DecodedLayer[],
  notes: string[],
  depth: number,
): void {
  const options: DecodeApduOptions = ctx.lenient
    ? { taggedNotificationDateTime: true, allowTrailingBytes: true, allowReservedInvokeIdBits: true }
    : {};
  const apdu: DecodedApdu = decodeApdu(bytes, options);
  const tolerated = (apdu as { tolerated?: readonly string[] }).tolerated ?? [];
  for (const t of tolerated) notes.push(`tolerated: ${t}`);
  if (ACSE_TYPES.has(apdu.type)) {
    layers.push({ layer: 'acse', value: redactAcseSecrets(apdu as AcseApdu) });
    return;
  }
  const name = apduName(apdu);
  const { tolerated: _t, ...shown } = apdu as DecodedApdu & { tolerated?: unknown };
  layers.push({ layer: 'apdu', value: { ...shown, type: name } });
  if (isCipheredApduTag(bytes[0]!) && depth < MAX_NESTING) {
    decipherLayers(bytes, ctx, layers, notes, depth);
    return;
  }
  if (apdu.type === 'data-notification') {
    const labeled = labelNotificationBody(apdu.notificationBody, { allowMissingObis: ctx.lenient });
    for (const t of labeled.tolerated) notes.push(`tolerated: ${t}`);
    layers.push({
      layer: 'values',
      value: labeled.items.map((i) => ({
        obis: i.obis,
        name: i.name,
        value: i.dateTime ?? i.value,
        scaled: i.scaled,
        unit: i.unit,
      })),
    });
  }
}

function decipherLayers(
  bytes: Uint8Array,
  ctx: DecodeContext,
  layers: DecodedLayer[],
  notes: string[],
  depth: number,
): void {
  const keys = ctx.keys;
  if (!keys.has('ek') && !keys.has('dk') && !keys.has('bk')) {
    if (ctx.lenient && plaintextDump(bytes, ctx, layers, notes, depth)) return;
    notes.push('could not decrypt: no encryption key given (--key ek=HEX, and ak=HEX to verify the tag)');
    return;
  }
  try {
    const d = decipherApdu(securityContext(keys), bytes, {
      allowUnverifiedTag: !keys.has('ak'),
      replayCheck: false,
    });
    layers.push({
      layer: 'security',
      value: {
        type: 'deciphered',
        protection: d.protection,
        tagVerified: d.tagVerified,
        systemTitle: d.senderSystemTitle,
        invocationCounter: d.invocationCounter,
        key: d.usedKey,
      },
    });
    if (!d.tagVerified && d.protection !== 'encrypted')
      notes.push('the authentication tag was not verified: no authentication key (--key ak=HEX)');
    decodeApduLayers(d.plaintext, ctx, layers, notes, depth + 1);
  } catch (e) {
    if (!(e instanceof MeterkitError)) throw e;
    notes.push(`could not decrypt: ${e.toOneLine()}`);
  }
}

/**
 * Captures published after decrypting in place keep the security header but carry plaintext
 * (amsreader's Kaifa and Kamstrup dumps). When the "ciphertext" decodes completely as a plain
 * xDLMS APDU, show it and say so; otherwise leave the APDU encrypted.
 */
function plaintextDump(
  bytes: Uint8Array,
  ctx: DecodeContext,
  layers: DecodedLayer[],
  notes: string[],
  depth: number,
): boolean {
  let inner: Uint8Array;
  try {
    const env = decodeApdu(bytes, { allowTrailingBytes: true });
    if (!('ciphertext' in env)) return false;
    inner = env.ciphertext as Uint8Array;
  } catch (e) {
    if (e instanceof MeterkitError) return false;
    throw e;
  }
  if (inner[0] !== 0x0f) return false;
  const sub: DecodedLayer[] = [];
  const subNotes: string[] = [];
  try {
    decodeApduLayers(inner, ctx, sub, subNotes, depth + 1);
  } catch (e) {
    if (e instanceof MeterkitError) return false;
    throw e;
  }
  notes.push(
    'the ciphertext is a plain data-notification: this capture was decrypted in place before it was published',
  );
  layers.push({ layer: 'plaintext', value: { type: 'decrypted-in-place' } }, ...sub);
  notes.push(...subNotes);
  return true;
}

/** Decodes what may be only the first part of an APDU (a segment); says so when it is. */
function decodeMaybeSegment(
  apdu: Uint8Array,
  ctx: DecodeContext,
  layers: DecodedLayer[],
  notes: string[],
): void {
  try {
    decodeApduLayers(apdu, ctx, layers, notes, 0);
  } catch (e) {
    if (!(e instanceof MeterkitError) || (e.code !== 200 && e.code !== 201) || !ctx.lenient) throw e;
    notes.push(
      `the APDU continues beyond this frame (${e.toOneLine()}): it is the first segment of a longer APDU`,
    );
    layers.push({
      layer: 'segment',
      value: { type: 'apdu-segment', firstOctet: apdu[0], length: apdu.length, bytes: apdu },
    });
  }
}

/**
 * `meterkit decode` for DLMS/COSEM: an HDLC frame (IEC 62056-46), a wrapper PDU (IEC 62056-47), an
 * LLC header plus APDU, or a bare xDLMS/ACSE APDU; ciphered APDUs are deciphered when keys are
 * given; data-notifications are labelled with their OBIS codes and scaled.
 */
export const dlmsDecoder: ProtocolDecoder = {
  protocol: 'dlms',
  decode(input: DecodeInput, ctx: DecodeContext): DecodeResult {
    const b = input.bytes;
    const layers: DecodedLayer[] = [];
    const notes: string[] = [];
    let apdu: Uint8Array | undefined = b;
    if (b[0] === 0x7e) {
      const frame = decodeHdlcFrame(b, { llc: true });
      layers.push({ layer: 'hdlc-frame', value: frameView(frame) });
      apdu = frame.type === 'i' || frame.type === 'ui' ? frame.information : undefined;
      if (frame.segmented && apdu !== undefined) {
        notes.push('this frame is one segment of a longer APDU: the rest is in the following frames');
        layers.push({ layer: 'segment', value: apdu });
        apdu = undefined;
      }
    } else if (b[0] === 0x00 && b[1] === 0x01 && b.length >= 8) {
      const w = decodeWrapperPdu(b);
      const { raw: _raw, payload, ...header } = w;
      layers.push({ layer: 'wrapper', value: { ...header, length: payload.length } });
      apdu = payload;
    } else if (b[0] === 0x68 && b[3] === 0x68 && b[b.length - 1] === 0x16) {
      const m = decodeMbusLongFrame(b);
      layers.push({
        layer: 'mbus-frame',
        value: {
          type: 'long-frame',
          control: m.control,
          address: m.address,
          ci: m.ci,
          userDataLength: m.userData.length,
        },
      });
      // DLMS over M-Bus: STSAP and DTSAP before the APDU (EN 13757-1 / IEC 62056-7-6)
      layers.push({ layer: 'transport', value: { type: 'sap', stsap: m.userData[0], dtsap: m.userData[1] } });
      decodeMaybeSegment(m.userData.subarray(2), ctx, layers, notes);
      return { protocol: 'dlms', layers, notes };
    } else if (b[0] === 0xe6 && (b[1] === 0xe6 || b[1] === 0xe7) && b[2] === 0x00) {
      layers.push({ layer: 'llc', value: { type: b[1] === 0xe6 ? 'command' : 'response' } });
      apdu = b.subarray(3);
    }
    if (apdu !== undefined && apdu.length > 0) decodeMaybeSegment(apdu, ctx, layers, notes);
    return { protocol: 'dlms', layers, notes };
  },
};
