import * as c1222 from '@meterkit/c1222';
import type { BenchCase } from '../case.js';
import { C1222_AES_BASELINE } from './c1222.js';

/**
 * ANSI C12.18 / C12.22 sessions, sans-IO: the C12.18 link (ANSI C12.18-2006 §6) receiving a 1 KB
 * read response in 256-byte packets and acknowledging each, against the bare deframer; and a whole
 * C12.22 mode-2 exchange (build request → responder verifies, answers → client verifies and pairs,
 * IEEE 1703 §5.3) against the bare AES passes.
 */
function build(): BenchCase[] {
  const table = Uint8Array.from({ length: 1024 }, (_, i) => (i * 31) & 0xff);
  const packets = c1222.encodeC1218Response(
    { type: 'read-response', tableData: { data: table } },
    { packetSize: 256 },
  );
  const wire = new Uint8Array(packets.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of packets) {
    wire.set(p, o);
    o += p.length;
  }
  const key = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
  const keys = new c1222.C1222KeyStore([[0, key]]);
  const client = c1222.absoluteApTitle('2.16.124.113620.1.22.0.7');
  const meter = c1222.absoluteApTitle('2.16.124.113620.1.22.0.42');
  const association = new c1222.C1222Association({
    callingApTitle: client,
    calledApTitle: meter,
    securityMode: 2,
    keys,
  });
  const responder = new c1222.C1222Responder({ apTitle: meter, keys });
  const handler = () => ({ type: 'read-response' as const, tableData: { data: table } });
  return [
    {
      name: 'c1222-session: C12.18 link receives 1 KB read response (256-byte packets, ACKed)',
      bytesPerOp: wire.length,
      baseline: 'c1218: deframe + reassemble 1 KB read response (256-byte packets)',
      run: () => {
        const link = new c1222.C1218Link({ role: 'client', packetSize: 256 });
        for (const p of packets) link.receive(p, 0);
        let n = 0;
        while (link.nextOutput() !== undefined) n++;
        while (link.nextEvent() !== undefined) n++;
        return n;
      },
    },
    {
      name: 'c1222-session: mode-2 exchange, request to paired 1 KB response',
      bytesPerOp: table.length,
      baseline: C1222_AES_BASELINE,
      run: () => {
        const req = association.buildRequest([{ type: 'full-read', tableId: 64 }]);
        const resp = responder.handle(req.bytes, handler);
        return resp === undefined ? 0 : association.acceptResponse(resp).responses.length;
      },
    },
  ];
}

export const cases: readonly BenchCase[] = build();
