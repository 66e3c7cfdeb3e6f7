import type { DecodedApdu } from '@meterkit/dlms';
import { outcome, pass, type Rule } from '../rule.js';

const SERVICE_REQUEST = /^(get|set|action|access)-request|^(read|write|unconfirmed-write)-request$/;

function isServiceRequest(apdu: DecodedApdu): boolean {
  return SERVICE_REQUEST.test(apdu.type);
}

/** The plain APDU: the deciphered content of a ciphered one, when available. */
function plainApdu(a: {
  apdu?: DecodedApdu | undefined;
  inner?: DecodedApdu | undefined;
}): DecodedApdu | undefined {
  return a.inner ?? a.apdu;
}

interface AssociationState {
  aarq: boolean;
  aare: 'none' | 'accepted' | 'rejected';
}

/** Services are requested only in an association: an AARQ answered by an accepting AARE comes first. */
export const dlmsAssociationFirstRule: Rule<AssociationState> = {
  id: 'DLMS-SESSION-AARQ-FIRST',
  protocol: 'dlms',
  statement: 'A client requests xDLMS services only after an AARQ accepted by an AARE.',
  clause: 'IEC 62056-5-3 §7.2 (application association establishment); IEC 62056-53 §6.2',
  scope: 'session',
  createState: () => ({ aarq: false, aare: 'none' }),
  check({ analysed, state }) {
    const d = analysed.dlms;
    if (d === undefined || d.apdu === undefined) return undefined;
    const a = d.apdu;
    if (a.type === 'aarq') {
      state.aarq = true;
      state.aare = 'none';
      return undefined;
    }
    if (a.type === 'aare') {
      state.aare = Number(a.result) === 0 ? 'accepted' : 'rejected';
      return undefined;
    }
    if (a.type === 'rlrq' || a.type === 'rlre') {
      if (a.type === 'rlre') state.aarq = false;
      return undefined;
    }
    if (analysed.message.direction !== 'client-to-server') return undefined;
    const inner = plainApdu(d);
    if (inner === undefined) {
      if (!state.aarq) return undefined;
    } else if (
      !isServiceRequest(inner) &&
      !(d.apdu.type.startsWith('glo-') || d.apdu.type.startsWith('ded-'))
    )
      return undefined;
    if (!state.aarq)
      return outcome(
        'INCONCLUSIVE',
        'a service request with no AARQ in the capture (it may start mid-association)',
        d.apduOffset,
      );
    if (state.aare === 'none')
      return outcome('FAIL', 'a service request after the AARQ but before any AARE', d.apduOffset);
    if (state.aare === 'rejected')
      return outcome('FAIL', 'a service request in an association the AARE rejected', d.apduOffset);
    return pass(d.apduOffset);
  },
};

function invokeIdOf(apdu: DecodedApdu): number | undefined {
  const v = (apdu as { invokeIdAndPriority?: { invokeId: number } }).invokeIdAndPriority;
  return v?.invokeId;
}

interface InvokeKind {
  readonly kind: 'request' | 'response';
  readonly service: string;
}

/** `invokeKind` per APDU type, worked out once (`null`: not a confirmed service). */
const invokeKinds = new Map<string, InvokeKind | null>();

function invokeKind(type: string): InvokeKind | undefined {
  let k = invokeKinds.get(type);
  if (k === undefined) {
    const m = /^(get|set|action|access)-(request|response)(-|$)/.exec(type);
    k = m === null ? null : Object.freeze({ kind: m[2] as 'request' | 'response', service: m[1]! });
    invokeKinds.set(type, k);
  }
  return k ?? undefined;
}

function moreBlocksFollow(apdu: DecodedApdu): boolean {
  const o = apdu as {
    lastBlock?: boolean;
    result?: { lastBlock?: boolean };
    dataBlock?: { lastBlock?: boolean };
  };
  return o.lastBlock === false || o.result?.lastBlock === false || o.dataBlock?.lastBlock === false;
}

interface InvokeState {
  /** Outstanding requests: `service invokeId` → frame. */
  readonly open: Map<string, number>;
  seenRequest: boolean;
}

/** Every confirmed response answers an outstanding request of the same service with the same invoke-id. */
export const dlmsInvokeIdRule: Rule<InvokeState> = {
  id: 'DLMS-SESSION-INVOKE-ID',
  protocol: 'dlms',
  statement: 'Every response carries the invoke-id of an outstanding request of the same service.',
  clause: 'IEC 62056-5-3 §8.2 (Invoke-Id-And-Priority), §9.4.6.2',
  scope: 'session',
  createState: () => ({ open: new Map(), seenRequest: false }),
  check({ analysed, state }) {
    const d = analysed.dlms;
    const apdu = d === undefined ? undefined : plainApdu(d);
    if (d === undefined || apdu === undefined) return undefined;
    const k = invokeKind(apdu.type);
    const id = invokeIdOf(apdu);
    if (k === undefined || id === undefined) return undefined;
    const key = `${k.service} ${id}`;
    if (k.kind === 'request') {
      state.seenRequest = true;
      // block transfer continuation requests reuse the invoke-id of the first
      state.open.set(key, analysed.message.frame);
      return undefined;
    }
    if (state.open.has(key)) {
      // a data block that is not the last keeps the request open (block transfer, §9.4.6.6)
      if (!moreBlocksFollow(apdu)) state.open.delete(key);
      return pass(d.apduOffset);
    }
    if (!state.seenRequest)
      return outcome('INCONCLUSIVE', 'a response with no request in the capture', d.apduOffset);
    return outcome(
      'FAIL',
      `${apdu.type} with invoke-id ${id} answers no outstanding request`,
      d.apduOffset + 2,
    );
  },
};

interface PduSizeState {
  clientMax?: number | undefined;
  serverMax?: number | undefined;
}

/** No APDU is longer than the receiving side's negotiated max-receive-pdu-size. */
export const dlmsPduSizeRule: Rule<PduSizeState> = {
  id: 'DLMS-SESSION-PDU-SIZE',
  protocol: 'dlms',
  statement: "No APDU exceeds the receiver's max-receive-pdu-size from the InitiateRequest/InitiateResponse.",
  clause: 'IEC 62056-5-3 §9.1.4.1 (client-max-receive-pdu-size, server-max-receive-pdu-size)',
  scope: 'session',
  createState: () => ({}),
  check({ analysed, state }) {
    const d = analysed.dlms;
    if (d === undefined || d.apdu === undefined || d.apduBytes === undefined) return undefined;
    const a = d.apdu;
    if (a.type === 'aarq' || a.type === 'aare') {
      const ui = a.userInformation;
      if (ui?.type === 'initiate-request') state.clientMax = ui.clientMaxReceivePduSize || 65535;
      if (ui?.type === 'initiate-response') state.serverMax = ui.serverMaxReceivePduSize || 65535;
      return undefined;
    }
    const dir = analysed.message.direction;
    const limit =
      dir === 'client-to-server' ? state.serverMax : dir === 'server-to-client' ? state.clientMax : undefined;
    if (limit === undefined) return undefined;
    if (d.apduBytes.length > limit)
      return outcome(
        'FAIL',
        `APDU of ${d.apduBytes.length} octets, the receiver accepts ${limit}`,
        d.apduOffset,
      );
    return pass(d.apduOffset);
  },
};
