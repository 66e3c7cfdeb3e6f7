import { createCipheriv } from 'node:crypto';
import {
  absoluteApTitle,
  C1218Deframer,
  type C1222Acse,
  C1222KeyStore,
  type C1222Request,
  decodeC1222Message,
  type Epsem,
  encodeC1218Response,
  encodeC1222Message,
} from '@meterkit/c1222';
import type { BenchCase } from '../case.js';

/**
 * ANSI C12.22 (IEEE 1703) secured messages: a mode-2 (EAX' ciphertext + authentication) read
 * response carrying 1 KB of table data, decoded + verified + decrypted and encoded, against the
 * bare AES operations EAX' needs for the same message (CBC-MAC over the cleartext, CTR over the
 * EPSEM, CBC-MAC over the ciphertext) as the baseline.
 *
 * The baseline keys three cipher objects (CBC, CTR, CBC), as a straightforward EAX' does.
 * meterkit's EAX' needs two: both CMAC' chains run through one CBC cipher (the second chain is
 * started by XORing N' ⊕ Q into its first block), plus the CTR pass. So the baseline is the cost of
 * the AES passes, not of the least number of cipher set-ups; a two-set-up baseline would be about
 * 15–20% cheaper (one `createCipheriv` is about 1 µs of the ~5 µs here).
 */
export const C1222_AES_BASELINE = "c1222: bare AES ops of EAX' (1 KB mode-2 read response)";

const key = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
const keys = new C1222KeyStore([[0, key]]);
const table = Uint8Array.from({ length: 1024 }, (_, i) => (i * 31) & 0xff);
const request: C1222Request = { type: 'full-read', tableId: 64 };
const acse: C1222Acse = {
  type: 'c1222-acse',
  calledApTitle: absoluteApTitle('2.16.124.113620.1.22.0.1'),
  calledApInvocationId: 41,
  callingApTitle: absoluteApTitle('2.16.124.113620.1.22.0.2'),
  callingApInvocationId: 42,
  callingAuthenticationValue: { type: 'c1222', keyId: 0, iv: Uint8Array.of(1, 2, 3, 4) },
};
const epsem: Epsem = {
  type: 'epsem',
  control: { recoverySession: false, proxyServiceUsed: false, securityMode: 2, responseControl: 0 },
  services: [{ type: 'read-response', tableData: { data: table } }],
};
const message = encodeC1222Message({ acse, epsem }, { keys });
const decodeOptions = { keys, requests: [request] };

// Baseline inputs: what the three AES passes of EAX' process for this message.
const cleartextPadded = new Uint8Array(Math.ceil(100 / 16) * 16);
const epsemBody = new Uint8Array(table.length + 8);
const ciphertextPadded = new Uint8Array(Math.ceil((epsemBody.length + 1) / 16) * 16);
const iv = new Uint8Array(16);

const c1218Wire = (() => {
  const packets = encodeC1218Response(
    { type: 'read-response', tableData: { data: table } },
    { packetSize: 256 },
  );
  const out = new Uint8Array(packets.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of packets) {
    out.set(p, o);
    o += p.length;
  }
  return out;
})();

export const cases: readonly BenchCase[] = [
  {
    name: C1222_AES_BASELINE,
    bytesPerOp: message.length,
    run: () => {
      const a = createCipheriv('aes-128-cbc', key, iv).update(cleartextPadded);
      const b = createCipheriv('aes-128-ctr', key, iv).update(epsemBody);
      const c = createCipheriv('aes-128-cbc', key, iv).update(ciphertextPadded);
      return a[a.length - 1]! ^ b[0]! ^ c[c.length - 1]!;
    },
  },
  {
    name: 'c1222: decode+verify+decrypt mode-2 read response (1 KB)',
    bytesPerOp: message.length,
    baseline: C1222_AES_BASELINE,
    run: () => decodeC1222Message(message, decodeOptions).epsem?.services.length,
  },
  {
    name: 'c1222: encode mode-2 read response (1 KB)',
    bytesPerOp: message.length,
    baseline: C1222_AES_BASELINE,
    run: () => encodeC1222Message({ acse, epsem }, { keys }).length,
  },
  {
    name: 'c1218: deframe + reassemble 1 KB read response (256-byte packets)',
    bytesPerOp: c1218Wire.length,
    run: () => new C1218Deframer().push(c1218Wire).length,
  },
];
