/**
 * IEEE 2030.5 test server request handling, without network I/O: `SepTestServer.handle` is sans-IO
 * and synchronous, so it fits the runner's synchronous `run`. Each op is one request answered
 * (routing, LFDI access check, list paging, XML encode/decode, exchange record). TLS and sockets
 * are not included; the baseline is the bare `encodeXml` of the same DERControlList page, so
 * `ratio` is the server's overhead over encoding the answer.
 */

import { type AnyDocumentResource, encodeXml, SepTestServer } from '@meterkit/ieee2030-5';
import type { BenchCase } from '../case.js';

const LFDI = '3e4f45ab31edfe5b67e343e5e4562e31984e23e5';
const T0 = 1_750_000_000;

function makeServer(): SepTestServer {
  const s = new SepTestServer(
    {
      endDevices: [{ lfdi: LFDI }],
      programs: [
        {
          mRID: 'b1',
          primacy: 1,
          defaultControl: { DERControlBase: { opModExpLimW: { multiplier: 0, value: 5000 } } },
        },
      ],
    },
    { clock: () => T0 },
  );
  for (let i = 0; i < 10; i++) {
    s.addDERControl('/derp/1', {
      mRID: `c${i.toString(16).padStart(3, '0')}`,
      interval: { start: T0 + 300 * i, duration: 300 },
      DERControlBase: { opModExpLimW: { multiplier: 0, value: 1000 + i } },
    });
  }
  return s;
}

function build(): BenchCase[] {
  const s = makeServer();
  const page = s.representation('/derp/1/derc', LFDI) as AnyDocumentResource;
  const pageBytes = encodeXml(page).length;
  const baseline = 'ieee2030-5-server: encodeXml of a 10-control DERControlList';
  const get = (path: string) => () => {
    const r = s.handle({ method: 'GET', path, lfdi: LFDI });
    if (s.exchanges.length > 10_000) s.exchanges.length = 0;
    return r.body?.length ?? 0;
  };
  const response = new TextEncoder().encode(
    encodeXml({
      type: 'DERControlResponse',
      resource: { createdDateTime: BigInt(T0), endDeviceLFDI: LFDI, status: 1, subject: 'c000' },
    }),
  );
  let poster = makeServer();
  let posted = 0;
  return [
    { name: baseline, bytesPerOp: pageBytes, run: () => encodeXml(page).length },
    {
      name: 'ieee2030-5-server: GET /derp/1/derc?l=10 (handle, no I/O)',
      bytesPerOp: pageBytes,
      baseline,
      run: get('/derp/1/derc?s=0&l=10'),
    },
    { name: 'ieee2030-5-server: GET /dcap (handle, no I/O)', run: get('/dcap') },
    { name: 'ieee2030-5-server: GET /edev/1 (handle, no I/O)', run: get('/edev/1') },
    {
      name: 'ieee2030-5-server: POST DERControlResponse (handle, no I/O)',
      run: () => {
        if (++posted % 2000 === 0) poster = makeServer();
        return poster.handle({
          method: 'POST',
          path: '/rsps/1/rsp',
          headers: { 'content-type': 'application/sep+xml' },
          body: response,
          lfdi: LFDI,
        }).status;
      },
    },
  ];
}

/** Request handling of the 2030.5 test server. */
export const cases: readonly BenchCase[] = build();
