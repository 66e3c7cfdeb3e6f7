import { ErrorCode, fromHex, isMeterkitError, toHex } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import {
  type C1222DatalinkRequest,
  type C1222DatalinkResponse,
  decodeC1222DatalinkResponse,
  encodeC1222DatalinkResponse,
} from '../src/c1218/c1222-datalink.js';

// Layouts from timyardley/c1222 (Itron's C1222.net 0.1c), stack/c1222tl.c: the link control and
// get-registration-status response builders of the comm module side. Values invented.
const LINK_CONTROL: C1222DatalinkRequest = {
  type: 'dl-link-control',
  control: {
    interfaceControl: 1,
    autoRegistrationControl: 0,
    directMessagingControl: 0,
    resetStatistics: false,
    reloadConfiguration: false,
  },
};
const REG_STATUS: C1222DatalinkRequest = { type: 'dl-get-registration-status' };

const LINK_CONTROL_HEX =
  '00' + // ok
  '01' + // INTERFACE_STATUS: enabled
  '0609607c86f75401160007'; // node AP title 2.16.124.113620.1.22.0.7

const REG_STATUS_HEX =
  '00' + // ok
  '02abcd' + // relay native address
  '0d00' + // master relay AP title: none
  '0d03837407' + // node AP title: relative .500.7
  '001e' + // REG_POWER_UP_DELAY 30 s
  '05a0' + // REG_PERIOD 1440 min
  '0123'; // REG_COUNT_DOWN 291 min

const json = (v: unknown) => JSON.stringify(v, (_, x) => (x instanceof Uint8Array ? toHex(x) : x));

t.test('link control response: hand-packed vector both ways', async (t) => {
  const resp = decodeC1222DatalinkResponse(fromHex(LINK_CONTROL_HEX), LINK_CONTROL);
  t.match(resp, {
    type: 'dl-link-control-response',
    interfaceStatus: 1,
    nodeApTitle: { form: 'absolute', oid: '2.16.124.113620.1.22.0.7' },
  });
  t.equal(toHex(encodeC1222DatalinkResponse(resp)), LINK_CONTROL_HEX);
  const none = decodeC1222DatalinkResponse(fromHex('00000d00'), LINK_CONTROL);
  t.same(none, { type: 'dl-link-control-response', interfaceStatus: 0, nodeApTitle: undefined });
  t.equal(toHex(encodeC1222DatalinkResponse(none)), '00000d00');
  t.match(
    decodeC1222DatalinkResponse(fromHex('03'), LINK_CONTROL),
    { type: 'dl-response', code: 3, name: 'isc' },
    'a refusal stays a plain response',
  );
});

t.test('registration status response: hand-packed vector both ways', async (t) => {
  const resp = decodeC1222DatalinkResponse(fromHex(REG_STATUS_HEX), REG_STATUS);
  t.match(resp, {
    type: 'dl-get-registration-status-response',
    masterRelayApTitle: undefined,
    nodeApTitle: { form: 'relative', relative: '.500.7' },
    regPowerUpDelay: 30,
    regPeriod: 1440,
    regCountDown: 291,
  });
  t.equal(resp.type === 'dl-get-registration-status-response' && toHex(resp.relayNativeAddress), 'abcd');
  t.equal(toHex(encodeC1222DatalinkResponse(resp)), REG_STATUS_HEX);
});

t.test('malformed link control and registration status bodies give typed errors', async (t) => {
  const cases: [string, C1222DatalinkRequest, number][] = [
    ['00', LINK_CONTROL, ErrorCode.Truncated],
    ['0001', LINK_CONTROL, ErrorCode.Truncated],
    ['00010500', LINK_CONTROL, ErrorCode.UnexpectedTag],
    ['00010d0001', LINK_CONTROL, ErrorCode.TrailingBytes],
    [REG_STATUS_HEX.slice(0, -2), REG_STATUS, ErrorCode.Truncated],
    [`${REG_STATUS_HEX}00`, REG_STATUS, ErrorCode.TrailingBytes],
    ['0005ab', REG_STATUS, ErrorCode.LengthOverrun],
    ['00000d000a00', REG_STATUS, ErrorCode.UnexpectedTag],
  ];
  for (const [hex, req, code] of cases)
    t.throws(() => decodeC1222DatalinkResponse(fromHex(hex), req), { code }, hex);
  t.throws(
    () =>
      encodeC1222DatalinkResponse({
        type: 'dl-get-registration-status-response',
        relayNativeAddress: new Uint8Array(0),
        masterRelayApTitle: undefined,
        nodeApTitle: undefined,
        regPowerUpDelay: 70000,
        regPeriod: 0,
        regCountDown: 0,
      }),
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
const u16 = fc.integer({ min: 0, max: 0xffff });

t.test('properties: the two bodies round trip; arbitrary bodies raise only MeterkitError', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 255 }), uid, (interfaceStatus, nodeApTitle) => {
      const r: C1222DatalinkResponse = { type: 'dl-link-control-response', interfaceStatus, nodeApTitle };
      return json(decodeC1222DatalinkResponse(encodeC1222DatalinkResponse(r), LINK_CONTROL)) === json(r);
    }),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 12 }),
      uid,
      uid,
      u16,
      u16,
      u16,
      (relayNativeAddress, masterRelayApTitle, nodeApTitle, regPowerUpDelay, regPeriod, regCountDown) => {
        const r: C1222DatalinkResponse = {
          type: 'dl-get-registration-status-response',
          relayNativeAddress,
          masterRelayApTitle,
          nodeApTitle,
          regPowerUpDelay,
          regPeriod,
          regCountDown,
        };
        return json(decodeC1222DatalinkResponse(encodeC1222DatalinkResponse(r), REG_STATUS)) === json(r);
      },
    ),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), fc.boolean(), (body, lc) => {
      try {
        decodeC1222DatalinkResponse(body, lc ? LINK_CONTROL : REG_STATUS);
        return true;
      } catch (e) {
        return isMeterkitError(e);
      }
    }),
    { numRuns: 500 },
  );
  t.pass('held');
});
