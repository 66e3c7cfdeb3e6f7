import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import t from 'tap';
import { writeDlmsCapture } from '../../bench/scale/dlms-capture.js';
import { DEFAULT_CLOSED_FLOWS_KEPT } from '../src/reassembly/tcp.js';
import { runConformance } from '../src/runner/run.js';
import { readCaptureMessages } from '../src/session/capture-messages.js';
import { frameSession, RETIRE_AFTER } from '../src/session/frame-session.js';
import { readSession } from '../src/session/read-session.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

t.test(
  'channels are retired as connections close: what is held does not grow with the capture',
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'meterkit-scale-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'short.pcapng');
    writeDlmsCapture(path, 2_500_000);
    const open = new Set<string>();
    let seen = 0;
    let finished = 0;
    let most = 0;
    const messages: string[] = [];
    await readCaptureMessages(path, {
      message: (m) => {
        if (!open.has(m.channel)) seen++;
        open.add(m.channel);
        most = Math.max(most, open.size);
        if (messages.length < 5000) messages.push(`${m.frame} ${m.type} ${m.channel} ${m.bytes.length}`);
      },
      finished: (channel) => {
        open.delete(channel);
        finished++;
      },
    });
    t.ok(seen > RETIRE_AFTER + DEFAULT_CLOSED_FLOWS_KEPT, `${seen} connections`);
    t.ok(finished >= seen - RETIRE_AFTER - DEFAULT_CLOSED_FLOWS_KEPT - 1, `${finished} retired`);
    t.ok(most <= RETIRE_AFTER + DEFAULT_CLOSED_FLOWS_KEPT + 2, `at most ${most} channels open at once`);
    // the same messages as the streaming generators give
    const again: string[] = [];
    for await (const m of frameSession(readSession(path))) {
      if (again.length < 5000) again.push(`${m.frame} ${m.type} ${m.channel} ${m.bytes.length}`);
    }
    t.same(messages, again);
  },
);

/** Largest live heap (after a full GC) seen while the run reads `path`. */
async function liveHeapOf(path: string): Promise<{ heap: number; pass: number }> {
  let calls = 0;
  let most = 0;
  const report = await runConformance([path], {
    onProgress: () => {
      if (calls++ % 4 !== 0) return;
      gc();
      most = Math.max(most, process.memoryUsage().heapUsed);
    },
  });
  return { heap: most, pass: report.summary.total.PASS };
}

t.test('memory does not grow with the size of the capture', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'meterkit-scale-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const small = join(dir, 'small.pcapng');
  const large = join(dir, 'large.pcapng');
  // few long connections: every message, finding and frame of the run would pile up if kept
  writeDlmsCapture(small, 2_000_000, { connections: 16 });
  writeDlmsCapture(large, 8_000_000, { connections: 16 });
  await liveHeapOf(small); // warm up: compiled code and caches are not the run's data
  const a = await liveHeapOf(small);
  const b = await liveHeapOf(large);
  t.ok(b.pass > 3 * a.pass, `${a.pass} then ${b.pass} PASS verdicts`);
  const mb = (n: number) => (n / 1e6).toFixed(1);
  t.ok(b.heap < a.heap * 1.25 + 4e6, `live heap ${mb(a.heap)} MB for 2 MB, ${mb(b.heap)} MB for 8 MB`);
});
