/**
 * The IEEE 2030.5 test server over real mutual TLS 1.2 (ECDHE-ECDSA-AES128-CCM8, P-256 test PKI)
 * on loopback: one keep-alive connection, each operation a paged `GET /edev/1/derp/1/derc?s=..&l=10`
 * of the client's own DERProgram (assigned through its EndDevice FunctionSetAssignments) answered
 * and read back. Measures requests/s one at a time, as one client sees it; MB/s counts the
 * response bodies (the mean size of the three pages requested in turn).
 */
import {
  createSepHttpTransport,
  createTestPki,
  lfdiFromCertificate,
  type RunningSepServer,
  type SepClientTransport,
  SepTestServer,
  startSepServer,
} from '@meterkit/ieee2030-5';
import type { BenchCase } from '../case.js';

const T0 = 1_750_000_000;
const PROGRAM = '/edev/1/derp/1';
/** Start indices of the pages requested in turn (`s`), 10 DERControls each. */
const PAGES = [0, 10, 20] as const;
/** Mean body bytes of one answered page, measured in `setup`. */
let pageBytes = 0;
let running: RunningSepServer | undefined;
let client: SepClientTransport | undefined;
let bytes = 0;

async function setup(): Promise<void> {
  const pki = await createTestPki();
  const lfdi = lfdiFromCertificate(pki.device.certificatePem);
  const server = new SepTestServer(
    { endDevices: [{ lfdi, programs: [{ mRID: 'b1', primacy: 1 }] }] },
    { clock: () => T0 },
  );
  for (let i = 0; i < 30; i++) {
    server.addDERControl(PROGRAM, {
      mRID: `c${i.toString(16).padStart(3, '0')}`,
      interval: { start: T0 + 300 * i, duration: 300 },
      DERControlBase: { opModExpLimW: { multiplier: 0, value: 1000 + i } },
    });
  }
  running = await startSepServer(server, {
    tls: {
      key: pki.server.privateKeyPem,
      certificate: pki.server.certificatePem,
      chain: pki.chainPem,
      serca: pki.serca.certificatePem,
    },
  });
  client = createSepHttpTransport({
    baseUrl: running.url,
    tls: {
      key: pki.device.privateKeyPem,
      certificate: pki.device.certificatePem,
      chain: pki.chainPem,
      serca: pki.serca.certificatePem,
    },
    serverPolicy: { allowedLfdis: [lfdiFromCertificate(pki.server.certificatePem)] },
  });
  // The operations cycle through these three pages, so their mean size is the bytes per operation.
  let total = 0;
  for (const s of PAGES) {
    const r = await client.request('GET', `${PROGRAM}/derc?s=${s}&l=10`);
    if (r.status !== 200) throw new Error(`GET ${PROGRAM}/derc answered ${r.status}`);
    total += r.body.length;
  }
  pageBytes = total / PAGES.length;
  // keep the exchange record from growing without bound during the run
  setInterval(() => {
    server.exchanges.length = 0;
  }, 500).unref();
}

let page = 0;

export const cases: readonly BenchCase[] = [
  {
    name: 'ieee2030-5-tls: GET /edev/1/derp/1/derc?s&l=10 over mutual CCM-8 TLS keep-alive',
    async: true,
    get bytesPerOp() {
      return pageBytes > 0 ? pageBytes : undefined;
    },
    setup,
    teardown: async () => {
      client?.close();
      await running?.close();
    },
    run: async () => {
      const s = PAGES[page++ % PAGES.length]!;
      const r = await client!.request('GET', `${PROGRAM}/derc?s=${s}&l=10`);
      if (r.status !== 200) throw new Error(`GET ${PROGRAM}/derc answered ${r.status}`);
      bytes = r.body.length;
      return bytes;
    },
  },
];
