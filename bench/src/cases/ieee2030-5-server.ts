/**
 * IEEE 2030.5 test server request handling, without network I/O: `SepTestServer.handle` is sans-IO
 * and synchronous, so it fits the runner's synchronous `run`. Each op is one request answered
 * (routing, LFDI access check, list paging, XML encode/decode, exchange record). TLS and sockets
 * are not included; the baseline is the bare `encodeXml` of the same DERControlList page, so
 * `ratio` is the server's overhead over encoding the answer.
 *
 * The server classes are looked up on the package at load time: until the package index exports
 * them, this file registers no cases (instead of breaking the whole run).
 */

import type { AnyDocumentResource } from '@meterkit/ieee2030-5';
import * as ieee20305 from '@meterkit/ieee2030-5';
import type { BenchCase } from '../case.js';

interface Answer {
  readonly status: number;
  readonly body?: Uint8Array;
}
interface Server {
  readonly exchanges: unknown[];
  readonly responses: unknown[];
  handle(req: {
    method: string;
    path: string;
    headers?: Record<string, string>;
    body?: Uint8Array;
    lfdi?: string;
  }): Answer;
  addDERControl(program: string, control: Record<string, unknown>): string;
  representation(href: string, lfdi?: string): { type: string; resource: unknown } | undefined;
}
type ServerClass = new (config: Record<string, unknown>, options: { clock: () => number }) => Server;

const LFDI = '3e4f45ab31edfe5b67e343e5e4562e31984e23e5';
const T0 = 1_750_000_000;
const Ctor = (ieee20305 as unknown as Record<string, unknown>)['SepTestServer'] as ServerClass | undefined;

function makeServer(Server: ServerClass): Server {
  const s = new Server(
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

function build(Server: ServerClass): BenchCase[] {
  const s = makeServer(Server);
  const page = s.representation('/derp/1/derc', LFDI) as AnyDocumentResource;
  const pageBytes = ieee20305.encodeXml(page).length;
  const baseline = 'ieee2030-5-server: encodeXml of a 10-control DERControlList';
  const get = (path: string) => () => {
    const r = s.handle({ method: 'GET', path, lfdi: LFDI });
    if (s.exchanges.length > 10_000) s.exchanges.length = 0;
    return r.body?.length ?? 0;
  };
  const response = new TextEncoder().encode(
    ieee20305.encodeXml({
      type: 'DERControlResponse',
      resource: { createdDateTime: BigInt(T0), endDeviceLFDI: LFDI, status: 1, subject: 'c000' },
    }),
  );
  let poster = makeServer(Server);
  let posted = 0;
  return [
    { name: baseline, bytesPerOp: pageBytes, run: () => ieee20305.encodeXml(page).length },
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
        if (++posted % 2000 === 0) poster = makeServer(Server);
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

/** Request handling of the 2030.5 test server (no cases until the package exports `SepTestServer`). */
export const cases: readonly BenchCase[] = Ctor === undefined ? [] : build(Ctor);
