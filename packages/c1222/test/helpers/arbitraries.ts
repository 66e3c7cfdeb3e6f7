/** fast-check arbitraries for C12.22 models (test helper). */
import fc from 'fast-check';
import type { ApTitle } from '../../src/acse/ap-title.js';
import type { SecurityMode } from '../../src/epsem/control.js';
import type { Epsem, EpsemService } from '../../src/epsem/epsem.js';
import type { C1222Request } from '../../src/epsem/request.js';
import type { C1222Response } from '../../src/epsem/response.js';

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u24 = fc.integer({ min: 0, max: 0xffffff });
const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const arc = fc.integer({ min: 0, max: 2 ** 40 });

/** An absolute or relative AP title. */
export const apTitleArb: fc.Arbitrary<ApTitle> = fc.oneof(
  fc
    .tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 39 }), fc.array(arc, { maxLength: 6 }))
    .map(([a, b, rest]): ApTitle => ({ form: 'absolute', oid: [a, b, ...rest].join('.') })),
  fc
    .array(arc, { minLength: 1, maxLength: 5 })
    .map((arcs): ApTitle => ({ form: 'relative', relative: `.${arcs.join('.')}` })),
);

const tableData = bytes(0, 40).map((data) => {
  let s = 0;
  for (const b of data) s += b;
  return { data, checksum: -s & 0xff, checksumValid: true };
});

/** Any request. */
export const requestArb: fc.Arbitrary<C1222Request> = fc.oneof(
  fc.constantFrom<C1222Request>(
    { type: 'identify' },
    { type: 'terminate' },
    { type: 'disconnect' },
    { type: 'logoff' },
    { type: 'default-read' },
  ),
  u16.map((tableId): C1222Request => ({ type: 'full-read', tableId })),
  fc
    .record({ tableId: u16, index: fc.array(u16, { minLength: 1, maxLength: 9 }), elementCount: u16 })
    .map((r): C1222Request => ({ type: 'partial-read-index', ...r })),
  fc
    .record({ tableId: u16, offset: u24, octetCount: u16 })
    .map((r): C1222Request => ({ type: 'partial-read-offset', ...r })),
  fc.record({ tableId: u16, tableData }).map((r): C1222Request => ({ type: 'full-write', ...r })),
  fc
    .record({ tableId: u16, index: fc.array(u16, { minLength: 1, maxLength: 9 }), tableData })
    .map((r): C1222Request => ({ type: 'partial-write-index', ...r })),
  fc
    .record({ tableId: u16, offset: u24, tableData })
    .map((r): C1222Request => ({ type: 'partial-write-offset', ...r })),
  fc
    .record({ userId: u16, user: bytes(10, 10), sessionIdleTimeout: fc.option(u16, { nil: undefined }) })
    .map(
      ({ sessionIdleTimeout, ...r }): C1222Request =>
        sessionIdleTimeout === undefined
          ? { type: 'logon', ...r }
          : { type: 'logon', ...r, sessionIdleTimeout },
    ),
  fc
    .record({ password: bytes(20, 20), userId: fc.option(u16, { nil: undefined }) })
    .map(
      ({ userId, password }): C1222Request =>
        userId === undefined ? { type: 'security', password } : { type: 'security', password, userId },
    ),
  bytes(0, 30).map((data): C1222Request => ({ type: 'authenticate', data })),
  fc
    .record({ packetSize: u16, numberOfPackets: u8, baudRates: fc.array(u8, { maxLength: 11 }) })
    .map((r): C1222Request => ({ type: 'negotiate', ...r })),
  u8.map((seconds): C1222Request => ({ type: 'wait', seconds })),
  fc
    .record({
      nodeType: u8,
      connectionType: u8,
      deviceClass: bytes(4, 4),
      apTitle: apTitleArb,
      electronicSerialNumber: apTitleArb,
      nativeAddress: bytes(0, 20),
      registrationPeriod: u24,
      pattern: bytes(0, 10),
    })
    .map(
      ({ pattern, ...r }): C1222Request =>
        r.nodeType & 0x80
          ? { type: 'registration', ...r, myDomainPattern: pattern }
          : { type: 'registration', ...r },
    ),
  fc.record({
    type: fc.constantFrom('deregistration' as const, 'resolve' as const, 'trace' as const),
    apTitle: apTitleArb,
  }),
);

/** Responses that decode the same without their request (errors, plain ok). */
export const untypedPairArb: fc.Arbitrary<{ request: C1222Request | undefined; response: C1222Response }> =
  fc.oneof(
    fc
      .record({
        code: fc.integer({ min: 1, max: 0x1f }),
        data: bytes(0, 8),
        size: fc.integer({ min: 0, max: 0xffffffff }),
      })
      .map(({ code, data, size }) => {
        const name =
          [
            'err',
            'sns',
            'isc',
            'onp',
            'iar',
            'bsy',
            'dnr',
            'dlk',
            'rno',
            'isss',
            'sme',
            'uat',
            'nett',
            'netr',
            'rqtl',
            'rstl',
            'sgnp',
            'sgerr',
          ][code - 1] ?? `code-0x${code.toString(16).padStart(2, '0')}`;
        const response: C1222Response =
          code === 0x0f
            ? { type: 'error-response', code, name, maxRequestSize: size, data }
            : code === 0x10
              ? { type: 'error-response', code, name, maxResponseSize: size, data }
              : { type: 'error-response', code, name, data };
        return { request: undefined, response };
      }),
    bytes(0, 10).map((data) => ({
      request: undefined,
      response: { type: 'ok-response', data } as C1222Response,
    })),
  );

/** A response together with the request it answers. */
export const pairArb: fc.Arbitrary<{ request: C1222Request | undefined; response: C1222Response }> = fc.oneof(
  untypedPairArb,
  fc
    .record({
      std: u8,
      ver: u8,
      rev: u8,
      mech: apTitleArb,
      sess: fc.integer({ min: 0, max: 127 }),
      sl: fc.boolean(),
      dc: apTitleArb,
      fmt: u8,
      ident: bytes(0, 12),
    })
    .map(({ std, ver, rev, mech, sess, sl, dc, fmt, ident }) => ({
      request: { type: 'identify' } as C1222Request,
      response: {
        type: 'identify-response',
        std,
        ver,
        rev,
        features: [
          { feature: 'security-mechanism', mechanism: mech },
          { feature: 'session-ctrl', sessionlessSupported: sl, nbrSessionsSupported: sess },
          { feature: 'device-class', deviceClass: dc },
          { feature: 'device-identity', format: fmt, identification: ident },
        ],
      } as C1222Response,
    })),
  tableData.map((td) => ({
    request: { type: 'full-read', tableId: 1 } as C1222Request,
    response: { type: 'read-response', tableData: td } as C1222Response,
  })),
  fc.option(u16, { nil: undefined }).map((t) => ({
    request: { type: 'logon', userId: 1, user: new Uint8Array(10) } as C1222Request,
    response: (t === undefined
      ? { type: 'logon-response' }
      : { type: 'logon-response', sessionIdleTimeout: t }) as C1222Response,
  })),
  fc.record({ packetSize: u16, numberOfPackets: u8, baudRate: u8 }).map((r) => ({
    request: { type: 'negotiate', packetSize: 64, numberOfPackets: 1, baudRates: [6] } as C1222Request,
    response: { type: 'negotiate-response', ...r } as C1222Response,
  })),
  bytes(0, 20).map((data) => ({
    request: { type: 'authenticate', data: new Uint8Array(1) } as C1222Request,
    response: { type: 'authenticate-response', data } as C1222Response,
  })),
  fc
    .record({ apTitle: apTitleArb, registrationDelay: u16, registrationPeriod: u24, registrationInfo: u8 })
    .map((r) => ({
      request: {
        type: 'registration',
        nodeType: 0x20,
        connectionType: 0,
        deviceClass: new Uint8Array(4),
        apTitle: { form: 'relative', relative: '.1' },
        electronicSerialNumber: { form: 'relative', relative: '.2' },
        nativeAddress: new Uint8Array(0),
        registrationPeriod: 0,
      } as C1222Request,
      response: { type: 'registration-response', ...r } as C1222Response,
    })),
  bytes(0, 20).map((localAddress) => ({
    request: { type: 'resolve', apTitle: { form: 'relative', relative: '.1' } } as C1222Request,
    response: { type: 'resolve-response', localAddress } as C1222Response,
  })),
  fc.array(apTitleArb, { maxLength: 4 }).map((apTitles) => ({
    request: { type: 'trace', apTitle: { form: 'relative', relative: '.1' } } as C1222Request,
    response: { type: 'trace-response', apTitles } as C1222Response,
  })),
);

/** An EPSEM of requests (and the control fields), optionally in a fixed security mode. */
export function epsemArb(mode?: SecurityMode): fc.Arbitrary<Epsem> {
  return fc
    .record({
      recoverySession: fc.boolean(),
      proxyServiceUsed: fc.boolean(),
      securityMode: mode === undefined ? fc.constantFrom<SecurityMode>(0, 1, 2) : fc.constant(mode),
      responseControl: fc.constantFrom<0 | 1 | 2>(0, 1, 2),
      edClass: fc.option(bytes(4, 4), { nil: undefined }),
      services: fc.array(
        fc.oneof(
          requestArb,
          untypedPairArb.map((p) => p.response as EpsemService),
        ),
        { minLength: 1, maxLength: 4 },
      ),
    })
    .map(({ edClass, services, ...control }): Epsem => {
      const e: Epsem = { type: 'epsem', control: { ...control, reserved: true }, services };
      return edClass === undefined ? e : { ...e, edClass };
    });
}
