/**
 * Scale check of the conformance runner (not run in CI): writes a pcapng of DLMS wrapper traffic
 * (many TCP associations of AARQ, AARE, GET and response, then release) of the requested size,
 * runs every rule over it with PASS verdicts counted rather than listed, and prints the
 * throughput and the peak RSS. Target: ≥ 50 MB/s and peak RSS under 200 MB for 1 GB.
 *
 *   node --conditions=meterkit-source --import tsx bench/scale/replay-1gb.ts [--mb 1024] [--keep FILE]
 */
import { closeSync, openSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConformance } from '@meterkit/conformance';
import { fromHex, PcapngWriter, TcpStreamRecorder } from '@meterkit/core';
import { encodeWrapperPdu } from '@meterkit/dlms';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
};
const targetBytes = Number(opt('--mb') ?? '1024') * 1024 * 1024;
const keep = opt('--keep');
const path = keep ?? join(tmpdir(), `meterkit-scale-${process.pid}.pcapng`);

const w = (hex: string, toServer: boolean): Uint8Array =>
  encodeWrapperPdu({
    sourceWPort: toServer ? 16 : 1,
    destinationWPort: toServer ? 1 : 16,
    payload: fromHex(hex),
  });
const exchange: [Uint8Array, boolean][] = [
  [w('601DA109060760857405080101BE10040E01000000065F1F0400007E1F04B0', true), true],
  [w('6129A109060760857405080101A203020100A305A103020100BE10040E0800065F1F040000501F01F40007', false), false],
];
// a profile read: GET and a long response (an array of 60 double-long-unsigned values)
const values = Array.from({ length: 60 }, (_, i) => `06${(i * 7919).toString(16).padStart(8, '0')}`).join('');
for (let i = 0; i < 20; i++) {
  exchange.push([w(`C001C100070100630100FF0200`, true), true]);
  exchange.push([w(`C401C10001${'3c'}${values}`, false), false]);
}
exchange.push([w('6200', true), true], [w('6300', false), false]);

const fd = openSync(path, 'w');
let written = 0;
const writer = new PcapngWriter((b) => {
  writeSync(fd, b);
  written += b.length;
});
let t = 1_795_424_400_000_000_000n;
let port = 1024;
const started = Date.now();
while (written < targetBytes) {
  const tcp = new TcpStreamRecorder(writer, {
    client: { address: '10.0.0.1', port: port++ },
    server: { address: '10.0.0.2', port: 4059 },
  });
  if (port > 65000) port = 1024;
  for (const [bytes, toServer] of exchange) {
    t += 1_000_000n;
    tcp.record(toServer ? 'client-to-server' : 'server-to-client', bytes, t);
  }
  tcp.close(t);
}
closeSync(fd);
const size = statSync(path).size;
process.stdout.write(
  `wrote ${(size / 1e6).toFixed(0)} MB in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
);

const t0 = process.hrtime.bigint();
const report = await runConformance([path], { passFindings: false, frames: 'findings' });
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const rssMb = process.resourceUsage().maxRSS / 1024;
process.stdout.write(
  `${report.summary.verdict}: ${report.summary.total.PASS} PASS, ${report.summary.total.FAIL} FAIL in ${seconds.toFixed(1)} s: ` +
    `${(size / 1e6 / seconds).toFixed(1)} MB/s, peak RSS ${rssMb.toFixed(0)} MB\n`,
);
if (keep === undefined) unlinkSync(path);
