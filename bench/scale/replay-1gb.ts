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
 * Each replay runs `replay-child.mjs` in a fresh process, which calls `tuneHeapForReplay` first as
 * `meterkit replay` does (`--no-tune` leaves V8's defaults). `--compiled` runs it with the built
 * packages (`npm run build` first), as a user's process would; otherwise from the sources under
 * tsx, where every worker thread also runs tsx's loader (slower, ~60 MB more per worker).
 */
import { execFileSync } from 'node:child_process';
import { unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeDlmsCapture } from './dlms-capture.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
};

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
    // the child runs the built packages with --compiled, else the sources under this process's flags
    const out = execFileSync(
      process.execPath,
      [
        ...(args.includes('--compiled') ? [] : process.execArgv),
        fileURLToPath(new URL('./replay-child.mjs', import.meta.url)),
        path,
        String(workers),
        tune ? 'tune' : 'no-tune',
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
