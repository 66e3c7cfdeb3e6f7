/**
 * Scale check of the conformance runner (run by hand, not in CI). Writes a pcapng of DLMS wrapper
 * traffic recorded from the meter simulator (see `dlms-capture.ts`) of the requested size, then
 * replays it through every rule once per worker count, each run in a fresh process, and prints
 * throughput (by wall time and by CPU time of the main thread's process) and peak RSS
 * (`process.resourceUsage().maxRSS`, which includes worker threads). PASS verdicts are counted,
 * not listed. Target: ≥ 50 MB/s and peak RSS under 200 MB whatever the size.
 *
 *   node --conditions=meterkit-source --import tsx bench/scale/replay-1gb.ts [--mb 1024] [--workers 0,1,2]
 *        [--keep FILE] [--file EXISTING.pcapng] [--json] [--no-tune] [--compiled]
 *
 * `--compiled` replays with the built packages (`npm run build` first), as a user's process would:
 * from sources every worker thread also runs tsx's loader (slower, ~60 MB more per worker).
 */
import { execFileSync } from 'node:child_process';
import { statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runConformance, tuneHeapForReplay } from '@meterkit/conformance';
import { writeDlmsCapture } from './dlms-capture.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
};

/** One replay, in this process: prints one JSON line. */
async function runOnce(path: string, workers: number): Promise<void> {
  // what `meterkit replay` does first (pass --no-tune to measure V8's defaults)
  if (!args.includes('--no-tune')) tuneHeapForReplay();
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
}

const child = opt('--run');
if (child !== undefined) {
  await runOnce(child, Number(opt('--workers') ?? '1'));
} else {
  const existing = opt('--file');
  const keep = opt('--keep');
  const path = existing ?? keep ?? join(tmpdir(), `meterkit-scale-${process.pid}.pcapng`);
  if (existing === undefined) {
    const started = Date.now();
    const written = writeDlmsCapture(path, Number(opt('--mb') ?? '1024') * 1024 * 1024);
    process.stderr.write(
      `wrote ${(written / 1e6).toFixed(0)} MB to ${path} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
  }
  const counts = (opt('--workers') ?? '0,1,2').split(',').map(Number);
  const rows: Record<string, unknown>[] = [];
  try {
    for (const workers of counts) {
      const tune = !args.includes('--no-tune');
      const out = args.includes('--compiled')
        ? execFileSync(
            process.execPath,
            [
              fileURLToPath(new URL('./replay-compiled.mjs', import.meta.url)),
              path,
              String(workers),
              tune ? 'tune' : 'no-tune',
            ],
            {
              encoding: 'utf8',
              stdio: ['ignore', 'pipe', 'inherit'],
              maxBuffer: 1 << 20,
            },
          )
        : execFileSync(
            process.execPath,
            [
              ...process.execArgv,
              fileURLToPath(import.meta.url),
              '--run',
              path,
              '--workers',
              String(workers),
              ...(tune ? [] : ['--no-tune']),
            ],
            { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 },
          );
      const row = JSON.parse(out.trim().split('\n').pop()!) as Record<string, number | string>;
      rows.push(row);
      if (!args.includes('--json'))
        process.stdout.write(
          `workers ${workers}: ${row.verdict} (${row.pass} PASS, ${row.fail} FAIL) ${Number(row.mb).toFixed(0)} MB in ${Number(
            row.seconds,
          ).toFixed(1)} s = ${Number(row.mbPerS).toFixed(1)} MB/s wall, ${Number(row.mbPerCpuS).toFixed(
            1,
          )} MB/s per CPU-second, peak RSS ${Number(row.peakRssMb).toFixed(0)} MB\n`,
        );
    }
  } finally {
    if (existing === undefined && keep === undefined) unlinkSync(path);
  }
  if (args.includes('--json')) process.stdout.write(`${JSON.stringify(rows)}\n`);
}
