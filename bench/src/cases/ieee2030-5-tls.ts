/**
 * The IEEE 2030.5 test server over real mutual TLS 1.2 (ECDHE-ECDSA-AES128-CCM8, P-256 test PKI)
 * on loopback: one keep-alive connection, each operation a paged `GET` of a DERProgram's
 * DERControlList answered and read back. Measures requests/s one at a time, as one client sees it.
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
let running: RunningSepServer | undefined;
let client: SepClientTransport | undefined;
let bytes = 0;

async function setup(): Promise<void> {
  const pki = await createTestPki();
  const lfdi = lfdiFromCertificate(pki.device.certificatePem);
  const server = new SepTestServer(
    { endDevices: [{ lfdi }], programs: [{ mRID: 'b1', primacy: 1 }] },
    { clock: () => T0 },
  );
  for (let i = 0; i < 25; i++) {
    server.addDERControl('/derp/1', {
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
  // keep the exchange record from growing without bound during the run
  setInterval(() => {
    server.exchanges.length = 0;
  }, 500).unref();
}

let page = 0;

export const cases: readonly BenchCase[] = [
  {
    name: 'ieee2030-5-tls: GET /derp/1/derc?s&l=10 over mutual CCM-8 TLS keep-alive',
    async: true,
    setup,
    teardown: async () => {
      client?.close();
      await running?.close();
    },
    run: async () => {
      const s = (page++ % 3) * 10;
      const r = await client!.request('GET', `/derp/1/derc?s=${s}&l=10`);
      bytes = r.body.length;
      return bytes;
    },
  },
];
