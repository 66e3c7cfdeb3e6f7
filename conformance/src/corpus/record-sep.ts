/**
 * IEEE 2030.5 sessions recorded from meterkit's test server and DER client over plain HTTP on
 * loopback: a recording TCP proxy between the two writes the bytes as pcapng with the core TCP
 * recorder, timestamped with the scenario's virtual clock, so event Responses sit at the capture
 * times the schedule makes them due.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { collectingSink, PcapngWriter, TcpStreamRecorder } from '@meterkit/core';
import {
  createSepHttpTransport,
  type RunningSepServer,
  SepClient,
  SepTestServer,
  startSepServer,
  type TestServerConfig,
} from '@meterkit/ieee2030-5';
import { HttpResponseFramer } from '../replay/http-framer.js';

/** The scenario's start, TimeType seconds (2025-06-15T15:06:40Z). */
export const SEP_T0 = 1_750_000_000;
/** The recorded client's LFDI (a test identity). */
export const SEP_CLIENT_LFDI = '3e4f45ab31edfe5b67e343e5e4562e31984e23e5';
/** Another device registered before it on the device under test, so its hrefs differ. */
export const SEP_OTHER_LFDI = '0a0b0c0d0e0f101112131415161718191a1b1c1d';

/** The server configuration of the recordings: one DER program with one curtailment event. */
export function sepScenario(options: { readonly otherDevice?: boolean } = {}): TestServerConfig {
  return {
    pollRate: 60,
    responseRequired: '03',
    endDevices: options.otherDevice === true ? [{ lfdi: SEP_OTHER_LFDI, pin: 111115 }] : [],
    programs: [
      {
        mRID: 'a1000000000000000000000000000001',
        description: 'feeder curtailment',
        primacy: 1,
        defaultControl: { DERControlBase: { opModMaxLimW: 100 } },
        controls: [
          {
            mRID: 'c1000000000000000000000000000001',
            description: 'limit export',
            interval: { start: SEP_T0 + 30, duration: 60 },
            DERControlBase: { opModMaxLimW: 50 },
          },
        ],
      },
    ],
  };
}

/** A running test server with its virtual clock. */
export interface RunningSepScenario {
  readonly server: SepTestServer;
  readonly http: RunningSepServer;
  readonly port: number;
  /** Sets the virtual clock (TimeType seconds). */
  setTime(t: number): void;
  close(): Promise<void>;
}

/** Starts the 2030.5 test server over plain HTTP on loopback with a virtual clock at `SEP_T0`. */
export async function startSepScenario(
  options: { readonly otherDevice?: boolean } = {},
): Promise<RunningSepScenario> {
  let now = SEP_T0;
  const server = new SepTestServer(sepScenario(options), { clock: () => now });
  const http = await startSepServer(server, { host: '127.0.0.1', port: 0, plainLfdiHeader: 'x-sep-lfdi' });
  return {
    server,
    http,
    port: http.port,
    setTime: (t) => {
      now = t;
    },
    close: () => http.close(),
  };
}

/**
 * A TCP proxy that records both directions of one connection as pcapng (server port shown as 80).
 * Over plain HTTP the client has no certificate, so the proxy names it in the `x-sep-lfdi` header
 * the test server is told to read (what TLS would tell it); the capture holds the requests as the
 * server received them.
 */
interface RecordingProxy {
  readonly port: number;
  bytes(): Uint8Array;
  close(): Promise<void>;
}

/** One whole HTTP/1.1 request at the start of `b` (head and Content-Length body), or undefined. */
function takeRequest(b: Buffer): Buffer | undefined {
  const end = b.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(b.subarray(0, end).toString('latin1'));
  const total = end + 4 + (length === null ? 0 : Number(length[1]));
  return b.length < total ? undefined : b.subarray(0, total);
}

/**
 * The request with the plain-HTTP identity header the test server reads (`x-sep-lfdi`), and the
 * Host without the proxy's ephemeral port (so recordings are reproducible).
 */
function withLfdiHeader(request: Buffer, lfdi: string): Buffer {
  const end = request.indexOf('\r\n\r\n');
  const line = request.indexOf('\r\n');
  const head = request
    .subarray(line, end)
    .toString('latin1')
    .replace(/\r\nhost: [^\r]*/i, '\r\nHost: 127.0.0.1');
  return Buffer.concat([
    request.subarray(0, line),
    Buffer.from(`\r\nx-sep-lfdi: ${lfdi}${head}`, 'latin1'),
    request.subarray(end),
  ]);
}

/** The response with its Date field set to the scenario's virtual time (RFC 9110 §6.6.1). */
function withVirtualDate(response: Uint8Array, seconds: bigint): Buffer {
  const b = Buffer.from(response);
  const end = b.indexOf('\r\n\r\n');
  const head = b
    .subarray(0, end)
    .toString('latin1')
    .replace(/\r\ndate: [^\r]*/i, `\r\nDate: ${new Date(Number(seconds) * 1000).toUTCString()}`);
  return Buffer.concat([Buffer.from(head, 'latin1'), b.subarray(end)]);
}

async function recordingProxy(target: number, clockNs: () => bigint, lfdi: string): Promise<RecordingProxy> {
  const sink = collectingSink();
  const recorder = new TcpStreamRecorder(new PcapngWriter(sink.sink), {
    server: { address: '127.0.0.1', port: 80 },
  });
  const sockets = new Set<Socket>();
  let used = false;
  const server: Server = createServer((down) => {
    if (used) {
      down.destroy();
      return;
    }
    used = true;
    const up = connect(target, '127.0.0.1');
    sockets.add(down).add(up);
    let pending = Buffer.alloc(0);
    down.on('data', (b: Buffer) => {
      pending = Buffer.concat([pending, b]);
      for (;;) {
        const request = takeRequest(pending);
        if (request === undefined) break;
        pending = pending.subarray(request.length);
        const named = withLfdiHeader(request, lfdi);
        recorder.record('client-to-server', new Uint8Array(named), clockNs());
        up.write(named);
      }
    });
    const responses = new HttpResponseFramer();
    up.on('data', (b: Buffer) => {
      for (const f of responses.push(new Uint8Array(b))) {
        const t = clockNs();
        const dated = withVirtualDate(f.bytes, t / 1_000_000_000n);
        recorder.record('server-to-client', new Uint8Array(dated), t);
        down.write(dated);
      }
    });
    const end = () => {
      down.destroy();
      up.destroy();
    };
    down.on('close', end).on('error', end);
    up.on('close', end).on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    bytes: () => sink.bytes(),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      recorder.close(clockNs());
    },
  };
}

/**
 * Runs the DER client against a scenario through a recording proxy and returns the pcapng:
 * discovery, time, in-band registration, program poll, then ticks at the event's start and end so
 * it POSTs Event Received, Started and Completed Responses (IEEE 2030.5-2018 §12.1.3).
 * `skipCompleted` stops before the end (a broken session: Event Completed never sent).
 */
export async function recordSepSession(
  scenario: RunningSepScenario,
  options: { readonly skipCompleted?: boolean; readonly lateStartSeconds?: number } = {},
): Promise<Uint8Array> {
  let now = SEP_T0;
  scenario.setTime(now);
  // 1 ms per request on top of the virtual time, so the capture's times increase
  let tick = 0n;
  const clockNs = () => {
    tick += 1_000_000n;
    return BigInt(now) * 1_000_000_000n + tick;
  };
  const proxy = await recordingProxy(scenario.port, clockNs, SEP_CLIENT_LFDI);
  const transport = createSepHttpTransport({ baseUrl: `http://127.0.0.1:${proxy.port}` });
  const client = new SepClient({ transport, lfdi: SEP_CLIENT_LFDI, clock: () => now, pin: 111115 });
  try {
    await client.discover();
    await client.syncTime();
    await client.register();
    await client.tick();
    const at = (t: number) => {
      now = t;
      tick = 0n;
      scenario.setTime(t);
    };
    at(SEP_T0 + 30 + (options.lateStartSeconds ?? 0));
    await client.tick();
    if (options.skipCompleted !== true) {
      at(SEP_T0 + 90);
      await client.tick();
    }
  } finally {
    transport.close();
    await proxy.close();
  }
  return proxy.bytes();
}
