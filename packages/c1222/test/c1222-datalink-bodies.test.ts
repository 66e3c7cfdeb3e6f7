import { crc16x25, ErrorCode, fromHex, isMeterkitError, toHex } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import {
  type C1222DatalinkRequest,
  type C1222DatalinkResponse,
  decodeC1222DatalinkResponse,
  encodeC1222DatalinkResponse,
} from '../src/c1218/c1222-datalink.js';
import {
  applyC1222Transparency,
  C1222_DATALINK_ESC,
  C1222DatalinkAck,
  decodeC1222DatalinkControlBits,
  encodeC1222AckPacket,
  encodeC1222DatalinkControlBits,
  readC1222TransparentPacket,
} from '../src/c1218/c1222-transparency.js';
import { decodeC1218Packet, encodeC1218Packet } from '../src/c1218/packet.js';

const GET_CONFIG: C1222DatalinkRequest = { type: 'dl-get-configuration' };
const status = (statusControl: number): C1222DatalinkRequest => ({ type: 'dl-get-status', statusControl });

// Hand-packed from the get-configuration response layout (constructed, values invented).
const CONFIG_HEX =
  '00' + // ok
  '01' + // control: PASSTHROUGH_MODE
  '05' + // link control: enable interface, disable auto registration
  '20' + // node type: end device
  '4d4b534d' + // device class "MKSM"
  '0d03837407' + // ESN: relative UID .500.7
  '021234' + // native address
  '01ff' + // broadcast address
  '00' + // relay native address (none)
  '0609607c86f75401160007' + // node AP title 2.16.124.113620.1.22.0.7
  '0d00' + // master relay AP title: none
  '03003c'; // 3 retries, response timeout 60

t.test('get-configuration response: hand-packed vector decodes and re-encodes', async (t) => {
  const bytes = fromHex(CONFIG_HEX);
  const d = decodeC1222DatalinkResponse(bytes, GET_CONFIG);
  t.same(d, {
    type: 'dl-get-configuration-response',
    passthroughMode: true,
    controlReserved: 0,
    linkControl: {
      interfaceControl: 1,
      autoRegistrationControl: 1,
      directMessagingControl: 0,
      resetStatistics: false,
      reloadConfiguration: false,
    },
    nodeType: 0x20,
    deviceClass: fromHex('4d4b534d'),
    esn: { form: 'relative', relative: '.500.7', universalTag: true },
    nativeAddress: fromHex('1234'),
    broadcastAddress: fromHex('ff'),
    relayNativeAddress: new Uint8Array(0),
    nodeApTitle: { form: 'absolute', oid: '2.16.124.113620.1.22.0.7' },
    masterRelayApTitle: null,
    clientResponseControl: { numberOfRetries: 3, responseTimeout: 60 },
  });
  t.equal(toHex(encodeC1222DatalinkResponse(d)), CONFIG_HEX);
  // The optional tail: without client response control, without either title.
  const short = CONFIG_HEX.slice(0, CONFIG_HEX.length - 6);
  const s = decodeC1222DatalinkResponse(fromHex(short), GET_CONFIG);
  t.notOk('clientResponseControl' in s);
  t.equal(toHex(encodeC1222DatalinkResponse(s)), short);
  const bare = CONFIG_HEX.slice(0, CONFIG_HEX.indexOf('0609'));
  const b = decodeC1222DatalinkResponse(fromHex(bare), GET_CONFIG);
  t.notOk('nodeApTitle' in b);
  t.equal(toHex(encodeC1222DatalinkResponse(b)), bare);
  // Without the request the body stays opaque; an error code stays a plain response.
  t.match(decodeC1222DatalinkResponse(bytes), { type: 'dl-response', code: 0 });
  t.match(decodeC1222DatalinkResponse(fromHex('02'), GET_CONFIG), { type: 'dl-response', name: 'sns' });
});

t.test('get-configuration response: malformed bodies give typed errors', async (t) => {
  t.throws(() => decodeC1222DatalinkResponse(fromHex('000005204d4b'), GET_CONFIG), {
    code: ErrorCode.LengthOverrun,
  });
  const badUid = CONFIG_HEX.replace('0d03837407', '0403837407');
  t.throws(() => decodeC1222DatalinkResponse(fromHex(badUid), GET_CONFIG), { code: 204 });
  const lyingAddress = `${CONFIG_HEX.slice(0, CONFIG_HEX.indexOf('021234'))}091234`;
  t.throws(() => decodeC1222DatalinkResponse(fromHex(lyingAddress), GET_CONFIG), { code: 201 });
  t.throws(() => decodeC1222DatalinkResponse(fromHex(`${CONFIG_HEX}00`), GET_CONFIG));
  const d = decodeC1222DatalinkResponse(fromHex(CONFIG_HEX), GET_CONFIG);
  t.throws(
    () => encodeC1222DatalinkResponse({ ...d, deviceClass: new Uint8Array(3) } as C1222DatalinkResponse),
    { code: ErrorCode.ValueOutOfRange },
  );
  t.throws(
    () => encodeC1222DatalinkResponse({ ...d, nativeAddress: new Uint8Array(256) } as C1222DatalinkResponse),
    { code: ErrorCode.ValueOutOfRange },
  );
});

const STATUS_HEX =
  '00' + // ok
  '05706f727430' + // interface name "port0"
  '01' + // interface status: enabled
  '0001' +
  '00000000002a' + // statistic 1 = 42
  '0005' +
  'fffffffffffe'; // statistic 5 = -2

t.test('get-status response: interface info and statistics by STATUS_CONTROL', async (t) => {
  const d = decodeC1222DatalinkResponse(fromHex(STATUS_HEX), status(0));
  t.same(d, {
    type: 'dl-get-status-response',
    interfaceName: 'port0',
    interfaceStatus: 1,
    statistics: [
      { code: 1, value: 42 },
      { code: 5, value: -2 },
    ],
  });
  t.equal(toHex(encodeC1222DatalinkResponse(d)), STATUS_HEX);
  const onlyInfo = decodeC1222DatalinkResponse(fromHex('0005706f72743001'), status(1));
  t.same(onlyInfo, {
    type: 'dl-get-status-response',
    interfaceName: 'port0',
    interfaceStatus: 1,
    statistics: [],
  });
  const onlyStats = decodeC1222DatalinkResponse(fromHex('000001800000000000'), status(3));
  t.same(onlyStats, { type: 'dl-get-status-response', statistics: [{ code: 1, value: -(2 ** 47) }] });
  t.equal(toHex(encodeC1222DatalinkResponse(onlyStats)), '000001800000000000');
  t.throws(() => decodeC1222DatalinkResponse(fromHex('00000100'), status(2)), { code: 200 });
  t.throws(() => decodeC1222DatalinkResponse(fromHex('0009706f7274'), status(0)), { code: 201 });
  t.throws(
    () =>
      encodeC1222DatalinkResponse({
        type: 'dl-get-status-response',
        statistics: [{ code: 1, value: 2 ** 47 }],
      }),
    { code: ErrorCode.ValueOutOfRange },
  );
  t.throws(
    () => encodeC1222DatalinkResponse({ type: 'dl-get-status-response', interfaceName: 'π', statistics: [] }),
    { code: ErrorCode.ValueOutOfRange },
  );
});

const uid = fc.oneof(
  fc.constant(undefined),
  fc
    .array(fc.integer({ min: 0, max: 100000 }), { minLength: 1, maxLength: 4 })
    .map((a) => ({ form: 'relative' as const, relative: `.${a.join('.')}`, universalTag: true })),
  fc
    .array(fc.integer({ min: 0, max: 100000 }), { minLength: 1, maxLength: 4 })
    .map((a) => ({ form: 'absolute' as const, oid: `1.3.${a.join('.')}` })),
);
const bytes = (max: number) => fc.uint8Array({ maxLength: max });

t.test('properties: typed bodies round trip; arbitrary bodies raise only MeterkitError', async (t) => {
  fc.assert(
    fc.property(
      fc.record({
        passthroughMode: fc.boolean(),
        controlReserved: fc.integer({ min: 0, max: 127 }).map((x) => x << 1),
        linkControl: fc.record({
          interfaceControl: fc.integer({ min: 0, max: 3 }),
          autoRegistrationControl: fc.integer({ min: 0, max: 3 }),
          directMessagingControl: fc.integer({ min: 0, max: 3 }),
          resetStatistics: fc.boolean(),
          reloadConfiguration: fc.boolean(),
        }),
        nodeType: fc.integer({ min: 0, max: 255 }),
        deviceClass: fc.uint8Array({ minLength: 4, maxLength: 4 }),
        esn: uid,
        nativeAddress: bytes(8),
        broadcastAddress: bytes(8),
        relayNativeAddress: bytes(8),
      }),
      fc.integer({ min: 0, max: 3 }),
      uid,
      uid,
      (base, tail, node, master) => {
        const c = {
          type: 'dl-get-configuration-response' as const,
          ...base,
          ...(tail >= 1 ? { nodeApTitle: node ?? null } : {}),
          ...(tail >= 2 ? { masterRelayApTitle: master ?? null } : {}),
          ...(tail >= 3 ? { clientResponseControl: { numberOfRetries: 2, responseTimeout: 300 } } : {}),
        };
        const back = decodeC1222DatalinkResponse(encodeC1222DatalinkResponse(c), GET_CONFIG);
        return (
          JSON.stringify(back, (_, v) => (v instanceof Uint8Array ? toHex(v) : v)) ===
          JSON.stringify(c, (_, v) => (v instanceof Uint8Array ? toHex(v) : v))
        );
      },
    ),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 3 }),
      fc.string({ maxLength: 20 }).map((s) => s.replace(/[^\x20-\x7e]/g, 'x')),
      fc.array(
        fc.record({
          code: fc.integer({ min: 0, max: 0xffff }),
          value: fc.integer({ min: -(2 ** 47), max: 2 ** 47 - 1 }),
        }),
        { maxLength: 6 },
      ),
      (control, name, statistics) => {
        const s = {
          type: 'dl-get-status-response' as const,
          ...(control <= 1 ? { interfaceName: name, interfaceStatus: 1 } : {}),
          statistics: control === 1 ? [] : statistics,
        };
        t.same(decodeC1222DatalinkResponse(encodeC1222DatalinkResponse(s), status(control)), s);
      },
    ),
    { numRuns: 200 },
  );
  fc.assert(
    fc.property(bytes(48), fc.integer({ min: 0, max: 3 }), (b, control) => {
      for (const req of [GET_CONFIG, status(control)]) {
        try {
          decodeC1222DatalinkResponse(Uint8Array.of(0, ...b), req);
        } catch (e) {
          if (!isMeterkitError(e)) return false;
        }
      }
      return true;
    }),
    { numRuns: 500 },
  );
});

t.test('control bits: TRANSPARENCY, ACKNOWLEDGMENT, DATA_FORMAT', async (t) => {
  t.same(decodeC1222DatalinkControlBits(0x15), { transparency: true, acknowledgment: 1, dataFormat: 1 });
  t.same(decodeC1222DatalinkControlBits(0x0d), { transparency: false, acknowledgment: 3, dataFormat: 1 });
  t.equal(encodeC1222DatalinkControlBits({ transparency: true, acknowledgment: 2, dataFormat: 1 }), 0x19);
  t.throws(() => encodeC1222DatalinkControlBits({ transparency: false, acknowledgment: 4, dataFormat: 1 }), {
    code: ErrorCode.ValueOutOfRange,
  });
  t.throws(() => encodeC1222DatalinkControlBits({ transparency: false, acknowledgment: 0, dataFormat: 2 }), {
    code: ErrorCode.ValueOutOfRange,
  });
  t.equal(C1222DatalinkAck.unacknowledged, 3);
});

t.test('transparency: EE and 1B after the control byte are escaped, CRC over the plain bytes', async (t) => {
  const plain = encodeC1218Packet({
    type: 'c1218-packet',
    identity: 0,
    control: { multiPacket: false, firstPacket: false, toggle: false, low: 0x11 },
    sequenceNumber: 0,
    data: Uint8Array.of(0xee, 0x1b, 0x05),
  });
  const wire = applyC1222Transparency(plain);
  t.equal(toHex(wire.subarray(0, 11)), 'ee0011000003' + '1bce' + '1b3b' + '05', 'escaped header and data');
  t.equal(wire.filter((b) => b === 0xee).length, 1, 'EE appears only as the start byte');
  const read = readC1222TransparentPacket(Uint8Array.of(...wire, 0xee, 0x00), 0, 100);
  t.equal(read?.wireLength, wire.length);
  t.equal(toHex(read!.packet), toHex(plain));
  t.same(decodeC1218Packet(read!.packet).data, Uint8Array.of(0xee, 0x1b, 0x05));
  // Without TRANSPARENCY nothing is escaped, in either direction.
  const opaque = encodeC1218Packet({
    type: 'c1218-packet',
    identity: 0,
    control: { multiPacket: false, firstPacket: false, toggle: true, low: 0x01 },
    sequenceNumber: 0,
    data: Uint8Array.of(0x1b, 0xee),
  });
  t.equal(applyC1222Transparency(opaque), opaque);
  t.equal(toHex(readC1222TransparentPacket(opaque)!.packet), toHex(opaque));
  // Incomplete input waits; a bad start or a lying length fails.
  for (let n = 0; n < wire.length; n++)
    t.equal(readC1222TransparentPacket(wire.subarray(0, n)), undefined, `prefix ${n}`);
  t.equal(readC1222TransparentPacket(Uint8Array.of(0xee, 0, 0x11, C1222_DATALINK_ESC)), undefined);
  t.throws(() => readC1222TransparentPacket(Uint8Array.of(0x06, 0, 0x11)), { code: 104 });
  t.throws(() => readC1222TransparentPacket(fromHex('ee001100ffff')), { code: 201, offset: 4 });
});

t.test('acknowledgment packets: empty, sequence 0, ACK or NAK in the control byte', async (t) => {
  const ack = encodeC1222AckPacket({ positive: true, toggle: false });
  const p = decodeC1218Packet(readC1222TransparentPacket(ack)!.packet);
  t.equal(p.data.length, 0);
  t.equal(p.sequenceNumber, 0);
  t.same(decodeC1222DatalinkControlBits(p.control.low ?? 0), {
    transparency: true,
    acknowledgment: C1222DatalinkAck.positive,
    dataFormat: 1,
  });
  const nak = encodeC1222AckPacket({ positive: false, toggle: true, identity: 0x08, transparency: false });
  t.equal(toHex(nak.subarray(0, 6)), 'ee0829000000');
  const crc = crc16x25(nak, 0, 6);
  t.equal(nak[6]! | (nak[7]! << 8), crc, 'CRC low byte first');
});

t.test('property: transparency round trips any packet and never puts EE after the start', async () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 300, size: 'max' }),
      fc.boolean(),
      fc.integer({ min: 0, max: 255 }),
      (data, toggle, seq) => {
        const plain = encodeC1218Packet({
          type: 'c1218-packet',
          identity: 0,
          control: { multiPacket: false, firstPacket: false, toggle, low: 0x11 },
          sequenceNumber: seq,
          data,
        });
        const wire = applyC1222Transparency(plain);
        if (wire.subarray(1).includes(0xee)) return false;
        const back = readC1222TransparentPacket(wire);
        return back !== undefined && back.wireLength === wire.length && toHex(back.packet) === toHex(plain);
      },
    ),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(bytes(64), (b) => {
      try {
        readC1222TransparentPacket(Uint8Array.of(0xee, ...b));
      } catch (e) {
        if (!isMeterkitError(e)) return false;
      }
      return true;
    }),
    { numRuns: 500 },
  );
});
