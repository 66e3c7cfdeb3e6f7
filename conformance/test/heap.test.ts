import t from 'tap';
import { defaultReplayWorkers, tuneHeapForReplay, WORKER_THRESHOLD_BYTES } from '../src/index.js';

t.test('defaultReplayWorkers: one worker for big captures on a multi-core machine, else none', async (t) => {
  t.equal(defaultReplayWorkers(WORKER_THRESHOLD_BYTES, 2), 1);
  t.equal(defaultReplayWorkers(1 << 30, 8), 1, 'one is enough: reading on the main thread is the other core');
  t.equal(defaultReplayWorkers(WORKER_THRESHOLD_BYTES - 1, 2), 0, 'a small capture is not worth a worker');
  t.equal(defaultReplayWorkers(1 << 30, 1), 0, 'one core: no worker');
  t.equal(defaultReplayWorkers(0), 0);
});

t.test('tuneHeapForReplay sets the two collector flags and can be called again', async (t) => {
  const flags = ['--no-allocation-site-pretenuring', '--heap-growing-percent=50'];
  t.same(tuneHeapForReplay(), flags);
  t.same(tuneHeapForReplay(), flags);
  // the process keeps working with them: allocate and collect a little
  const junk: number[][] = [];
  for (let i = 0; i < 20000; i++) junk.push([i, i + 1]);
  t.equal(junk.length, 20000);
});
