// The `--compiled` child of replay-1gb.ts: the same measurement as its `runOnce`, in plain
// JavaScript importing the built @meterkit/conformance (run `npm run build` first), as a user's
// process would. Prints one JSON line. Usage: node replay-compiled.mjs FILE WORKERS tune|no-tune
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
