/**
 * A noisy line between the real client and the meter simulator: HDLC over TCP through a proxy that
 * drops, duplicates and corrupts chunks at a set rate (5 %) (seeded, so every run sees the same noise).
 * Each exchange must either complete with the right answers or fail with a typed MeterkitError —
 * never hang (each seed has a hard time limit) and never throw anything else. The same runs again
 * with every request and answer in general-block-transfer windows of 3 over an HDLC window of 1,
 * so the client polls with RR between blocks and recovers lost blocks.
 */
import { createServer, type Server, Socket } from 'node:net';
import { MeterkitError } from '@meterkit/core';
import t, { type Test } from 'tap';
import { DlmsClient, type DlmsClientOptions } from '../src/client/index.js';
import { DEFAULT_SIMULATOR_PROFILE, HdlcServerPort, MeterSimulator } from '../src/server/index.js';

/** xorshift32: a small seeded random source. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

/** Mangles one chunk: drop it, flip a bit in it, send it twice, or add a stray byte, each at `rate`. */
function mangle(chunk: Buffer, rnd: () => number, rate: number): Buffer[] {
  const r = rnd();
  if (r < rate) return [];
  if (r < 2 * rate) {
    const copy = Buffer.from(chunk);
    copy[Math.floor(rnd() * copy.length)]! ^= 1 << Math.floor(rnd() * 8);
    return [copy];
  }
  if (r < 3 * rate) return [chunk, chunk];
  if (r < 4 * rate) return [Buffer.concat([chunk, Buffer.of(0x55)])];
  return [chunk];
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

const meter = new MeterSimulator(DEFAULT_SIMULATOR_PROFILE);
t.teardown(() => meter.close());

// the meter: HDLC over TCP
const sockets = new Set<Socket>();
const meterServer = createServer((socket) => {
  sockets.add(socket);
  const port = new HdlcServerPort(meter, { maxInfoLength: 256 });
  socket.on('data', (chunk) => {
    for (const out of port.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)))
      socket.write(out);
  });
  socket.on('error', () => socket.destroy());
  socket.on('close', () => sockets.delete(socket));
});
const meterPort = await listen(meterServer);

/** A proxy to the meter that mangles both directions with the seeded source. */
async function noisyProxy(seed: number, rate: number): Promise<{ port: number; close: () => Promise<void> }> {
  const rnd = rng(seed);
  const conns = new Set<Socket>();
  const proxy = createServer((client) => {
    conns.add(client);
    const upstream = new Socket();
    conns.add(upstream);
    upstream.connect(meterPort, '127.0.0.1');
    client.on('data', (c) => {
      for (const out of mangle(c, rnd, rate)) upstream.write(out);
    });
    upstream.on('data', (c) => {
      for (const out of mangle(c, rnd, rate)) client.write(out);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  const port = await listen(proxy);
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of conns) c.destroy();
        proxy.close(() => resolve());
      }),
  };
}

t.teardown(
  () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      meterServer.close(() => resolve());
    }),
);

/** Per-request timeout of the client in these runs. */
const REQUEST_TIMEOUT_MS = 3000;
/**
 * The most one exchange may take before it must have finished, completed or failed: it makes at most
 * five requests (SNRM/UA, AARQ/AARE, GET, the profile read, RLRQ/RLRE), each bounded by the
 * request timeout. The hard limit that flags a hang is twice that.
 */
const EXCHANGE_BUDGET_MS = 5 * REQUEST_TIMEOUT_MS;

async function exchange(port: number, extra: Partial<DlmsClientOptions> = {}): Promise<number> {
  const client = await DlmsClient.connect({
    connection: {
      type: 'hdlc-tcp',
      host: '127.0.0.1',
      port,
      physicalAddress: 17,
      hdlcTimeoutMs: 150,
      hdlcRetries: 6,
    },
    timeoutMs: REQUEST_TIMEOUT_MS,
    ...extra,
  });
  try {
    const energy = await client.get('1-0:1.8.0.255', { classId: 3 });
    if (energy.type !== 'double-long-unsigned') throw new Error(`wrong answer: ${energy.type}`);
    const profile = await client.readProfile('1-0:99.1.0.255', { fromEntry: 1, toEntry: 40 });
    if (profile.rows.length !== 40) throw new Error(`wrong profile: ${profile.rows.length} rows`);
    await client.release();
    return profile.rows.length;
  } finally {
    await client.close();
  }
}

interface NoisyOutcome {
  readonly completed: number;
  readonly failed: number;
  readonly hung: number;
}

/**
 * Runs `seeds` exchanges, each through its own seeded noisy proxy. Every exchange that does not
 * complete must fail with a MeterkitError within `EXCHANGE_BUDGET_MS`, never hang or throw
 * anything else; each of those is asserted here.
 */
async function noisyRuns(
  t: Test,
  seeds: number,
  extra: Partial<DlmsClientOptions> = {},
): Promise<NoisyOutcome> {
  let completed = 0;
  let failed = 0;
  let hung = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const proxy = await noisyProxy(seed * 7919 + (extra.generalBlockTransfer === undefined ? 0 : 1), 0.05);
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<'hang'>((resolve) => {
      timer = setTimeout(() => resolve('hang'), 2 * EXCHANGE_BUDGET_MS);
    });
    const started = performance.now();
    try {
      const outcome = await Promise.race([exchange(proxy.port, extra), limit]);
      if (outcome === 'hang') {
        hung++;
        t.fail(`seed ${seed}: neither completed nor failed within ${2 * EXCHANGE_BUDGET_MS} ms`);
      } else completed++;
    } catch (e) {
      const elapsed = performance.now() - started;
      failed++;
      t.ok(e instanceof MeterkitError, `seed ${seed}: failed with a typed error (${(e as Error).message})`);
      t.ok(
        elapsed <= EXCHANGE_BUDGET_MS,
        `seed ${seed}: failed within its timeouts (${Math.round(elapsed)} ms ≤ ${EXCHANGE_BUDGET_MS} ms)`,
      );
    } finally {
      clearTimeout(timer);
      await proxy.close();
    }
  }
  return { completed, failed, hung };
}

t.test('client ↔ simulator through a seeded noisy line: completes or fails typed, never hangs', async (t) => {
  const seeds = 12;
  const { completed, failed, hung } = await noisyRuns(t, seeds);
  t.equal(hung, 0, 'no exchange hung');
  t.equal(completed + failed, seeds, 'every exchange completed or failed typed');
  // retransmission and resynchronisation should carry at least three in four exchanges through a
  // 5 % noisy line (all 12 complete on an idle machine; the bound leaves room for timing under load)
  t.ok(
    completed >= Math.ceil(0.75 * seeds),
    `most exchanges complete on a 5 % noisy line (${completed} of ${seeds} completed, ${failed} failed typed)`,
  );
});

t.test('the same noisy line with every request and answer in GBT windows of 3 (RR polling)', async (t) => {
  const seeds = 4;
  const { completed, failed, hung } = await noisyRuns(t, seeds, {
    generalBlockTransfer: 'always',
    gbtWindow: 3,
    maxReceivePduSize: 128,
    gbtBlockTimeoutMs: 600,
  });
  t.equal(hung, 0, 'no exchange hung');
  t.equal(completed + failed, seeds, 'every exchange completed or failed typed');
  t.ok(
    completed >= Math.ceil(0.75 * seeds),
    `most GBT exchanges complete on a 5 % noisy line (${completed} of ${seeds} completed, ${failed} failed typed)`,
  );
});
