import { crc16x25, fromHex } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import { detectByContent, detectByPort, detectProtocol } from '../src/detect.js';

function c1218(hex: string, goodCrc: boolean): Uint8Array {
  const body = fromHex(hex);
  const crc = goodCrc ? crc16x25(body) : 0;
  return Uint8Array.from([...body, crc & 0xff, crc >> 8]);
}

const AARQ_DLMS = '601da109060760857405080101be10040e01000000065f1f040000181dffff';
const AARQ_C1222 = '600ca1090607607c86f754011600';

const content: Array<[string, Uint8Array, string | undefined, number]> = [
  ['whole HDLC frame', fromHex('7ea0070321930f017e'), 'dlms', 0.9],
  ['HDLC start', fromHex('7ea0ff03'), 'dlms', 0.6],
  ['whole wrapper', fromHex('0001001000010002c001'), 'dlms', 0.9],
  ['wrapper start', fromHex('0001001000010099c001'), 'dlms', 0.4],
  ['DLMS AARQ', fromHex(AARQ_DLMS), 'dlms', 0.9],
  ['C12.22 AARQ', fromHex(AARQ_C1222), 'c1222', 0.95],
  ['ACSE with a matching length', fromHex('6003a10100'), 'c1222', 0.6],
  ['ACSE long length', fromHex(`6081${'80'}${'00'.repeat(128)}`), 'c1222', 0.6],
  ['C12.18 with CRC', c1218('ee0020000001' + '20', true), 'c1218', 0.95],
  ['C12.18 bad CRC', c1218('ee0020000001' + '20', false), 'c1218', 0.7],
  ['LLC header', fromHex('e6e600c001'), 'dlms', 0.5],
  ['TLS', fromHex('160301020001'), 'ieee2030-5', 0.3],
  [
    '2030.5 XML',
    new TextEncoder().encode('<DeviceCapability xmlns="urn:ieee:std:2030.5:ns" href="/dcap"/>'),
    'ieee2030-5',
    0.95,
  ],
  ['HTTP', new TextEncoder().encode('GET /dcap HTTP/1.1\r\n'), 'ieee2030-5', 0.5],
  ['nothing', fromHex('0102'), undefined, 0],
  ['empty', new Uint8Array(0), undefined, 0],
  ['0x60 without a fitting length', fromHex('6005a1'), undefined, 0],
];

t.test('detection by content', async (t) => {
  for (const [name, bytes, protocol, confidence] of content) {
    const d = detectByContent(bytes);
    t.equal(d?.protocol, protocol, name);
    if (d !== undefined) t.equal(d.confidence, confidence, `${name} confidence`);
  }
});

t.test('detection by port, combined, overridden', async (t) => {
  t.same(detectByPort([50000, 4059])?.protocol, 'dlms');
  t.same(detectByPort([1153])?.protocol, 'c1222');
  t.same(detectByPort([8443])?.protocol, 'ieee2030-5');
  t.equal(detectByPort([1, 2]), undefined);
  const agree = detectProtocol({ ports: [4059], bytes: fromHex('0001001000010002c001') });
  t.equal(agree?.by, 'port+content');
  t.ok(agree !== undefined && agree.confidence > 0.9);
  const strong = detectProtocol({ ports: [4059], bytes: fromHex(AARQ_C1222) });
  t.same([strong?.protocol, strong?.by], ['c1222', 'content'], 'strong content beats a port');
  const weak = detectProtocol({ ports: [1153], bytes: fromHex('e6e600') });
  t.same([weak?.protocol, weak?.by], ['c1222', 'port'], 'a port beats weak content');
  t.same(detectProtocol({ ports: [4059] })?.by, 'port');
  t.same(detectProtocol({ bytes: fromHex('7ea0070321930f017e') })?.by, 'content');
  t.same(detectProtocol({ ports: [4059], override: 'c1218' }), {
    protocol: 'c1218',
    confidence: 1,
    by: 'override',
    reason: 'set for this input',
  });
  t.equal(detectProtocol({}), undefined);
});

t.test('property: arbitrary bytes never throw, confidence stays in (0, 1]', async (t) => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 64 }),
      fc.array(fc.integer({ min: 0, max: 65535 }), { maxLength: 2 }),
      (b, ports) => {
        const d = detectProtocol({ bytes: b, ports });
        return d === undefined || (d.confidence > 0 && d.confidence <= 1);
      },
    ),
    { numRuns: 500 },
  );
  t.pass('held for 500 runs');
});
