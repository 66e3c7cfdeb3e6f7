// One replay measured for replay-1gb.ts, in a fresh process: plain JavaScript, so the same file
// runs the built @meterkit/conformance (`node replay-child.mjs`, after `npm run build`) or the
// TypeScript sources (`node --conditions=meterkit-source --import tsx replay-child.mjs`). Prints
// one JSON line. Usage: node replay-child.mjs FILE WORKERS tune|no-tune
import { statSync } from 'node:fs';
import { runConformance, tuneHeapForReplay } from '@meterkit/conformance';

const [path, w, tune] = process.argv.slice(2);
const workers = Number(w);
if (tune === 'tune') tuneHeapForReplay();
const size = statSync(path).size;
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
const report = await runConformance([path], { passFindings: false, frames: 'findings', workers });
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
process.stdout.write(
  `${JSON.stringify({
    workers,
    mb: size / 1e6,
    seconds,
    mbPerS: size / 1e6 / seconds,
    cpuSeconds,
    mbPerCpuS: size / 1e6 / cpuSeconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    verdict: report.summary.verdict,
    pass: report.summary.total.PASS,
    fail: report.summary.total.FAIL,
  })}\n`,
);
