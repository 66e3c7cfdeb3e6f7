/**
 * The simulator on real transports: the TCP and UDP wrapper profile (IEC 62056-47 / IEC 62056-9-7,
 * port 4059), HDLC over TCP, and HDLC over a serial port (IEC 62056-46) with an optional
 * IEC 62056-21 mode E sign-on at 300 baud first, so a socat pty pair and the simulator make a
 * "meter on a cable". Every server returned is closable; pushes go out with `deliverPushes`.
 */
import { ErrorCode, MeterkitError } from '@meterkit/core';
import {
  bindUdp,
  listenTcp,
  type SerialPortConstructor,
  SerialTransport,
  TcpTransport,
  type Transport,
  UdpTransport,
} from '@meterkit/core/transport';
import { INITIAL_LINE, type LineSettings, OpticalDevice } from '../optical/sign-on.js';
import { encodeWrapperPdu } from '../wrapper/wrapper.js';
import { HdlcServerPort, type HdlcServerPortOptions } from './hdlc-server-port.js';
import type { MeterSimulator, PushEvent } from './simulator.js';
import { WrapperServerPort } from './wrapper-server-port.js';

/** A running server. IEC 62056-47, IEC 62056-46. */
export interface DlmsServerHandle {
  /** Where it listens: `host:port`, or the serial device path. */
  readonly address: string;
  /** The bound port (0 for serial). */
  readonly port: number;
  /** Stops listening and drops every connection. Idempotent. */
  close(): Promise<void>;
}

/** Options of the TCP and UDP servers. IEC 62056-47, IEC 62056-46. */
export interface ServeSocketOptions {
  /** Address to bind (default 127.0.0.1). */
  readonly host?: string | undefined;
  /** Port (0 picks a free one; the DLMS port is 4059). */
  readonly port: number;
}

function ignore(): void {}

function pump(t: Transport, outs: readonly Uint8Array[]): void {
  for (const o of outs) t.write(o).catch(ignore);
}

/** Wrapper over TCP (IEC 62056-47): one `WrapperServerPort` per connection. */
export async function serveWrapperTcp(
  sim: MeterSimulator,
  options: ServeSocketOptions,
): Promise<DlmsServerHandle> {
  const listener = await listenTcp({ host: options.host, port: options.port });
  listener.onConnection((conn) => {
    const port = new WrapperServerPort(sim);
    conn.onData((chunk) => pump(conn, port.receive(chunk)));
    conn.onClose(() => port.close());
  });
  const a = listener.address();
  return { address: `${a.address}:${a.port}`, port: a.port, close: () => listener.close() };
}

/** Largest number of UDP peers remembered at once; the oldest is forgotten beyond it. */
const MAX_UDP_PEERS = 256;

/** Wrapper over UDP (IEC 62056-47): one `WrapperServerPort` per peer address and port. */
export async function serveWrapperUdp(
  sim: MeterSimulator,
  options: ServeSocketOptions,
): Promise<DlmsServerHandle> {
  const endpoint = await bindUdp({ host: options.host, port: options.port });
  const peers = new Map<string, WrapperServerPort>();
  endpoint.onDatagram((d) => {
    const key = `${d.remote.address}|${d.remote.port}`;
    let port = peers.get(key);
    if (port === undefined) {
      if (peers.size >= MAX_UDP_PEERS) {
        const [oldest, p] = peers.entries().next().value as [string, WrapperServerPort];
        p.close();
        peers.delete(oldest);
      }
      port = new WrapperServerPort(sim);
      peers.set(key, port);
    }
    for (const o of port.receiveDatagram(d.data)) endpoint.reply(d, o).catch(ignore);
  });
  const a = endpoint.address();
  return {
    address: `${a.address}:${a.port}`,
    port: a.port,
    close: async () => {
      for (const p of peers.values()) p.close();
      peers.clear();
      await endpoint.close();
    },
  };
}

/** HDLC options of the profile (maximum information field, window, timeouts, receive queue). */
function hdlcOptions(sim: MeterSimulator): HdlcServerPortOptions {
  const h = sim.profile.hdlc;
  return {
    maxInfoLength: h?.maxInfoLength,
    window: h?.window,
    interOctetTimeoutMs: h?.interOctetTimeoutMs,
    receiveQueueLimit: h?.receiveQueueLimit,
  };
}

/** Feeds a byte stream to an `HdlcServerPort` and runs its timers. */
interface HdlcDriver {
  data(chunk: Uint8Array): void;
  stop(): void;
}

/**
 * Runs an `HdlcServerPort` on a byte stream: its inter-octet timer (IEC 62056-46 §6.4.4.2; a timer
 * that fires late first lets pending input in, so a busy event loop is not mistaken for a silent
 * line) and the meter's work on its receive queue, `processingDelayMs` per APDU.
 */
function driveHdlc(
  port: HdlcServerPort,
  write: (b: Uint8Array) => void,
  processingDelayMs: number,
): HdlcDriver {
  let chunks = 0;
  let stopped = false;
  let octetTimer: ReturnType<typeof setTimeout> | undefined;
  let workTimer: ReturnType<typeof setTimeout> | undefined;
  const emit = (outs: readonly Uint8Array[]): void => {
    for (const o of outs) write(o);
    arm();
  };
  const arm = (): void => {
    if (stopped) return;
    if (octetTimer !== undefined) clearTimeout(octetTimer);
    octetTimer = undefined;
    const ms = port.idleTimeoutMs;
    if (ms !== undefined) {
      const seen = chunks;
      octetTimer = setTimeout(() => {
        octetTimer = undefined;
        setImmediate(() => {
          if (!stopped && chunks === seen) emit(port.lineIdle());
        });
      }, ms);
    }
    if (port.pending > 0 && workTimer === undefined) {
      workTimer = setTimeout(() => {
        workTimer = undefined;
        if (!stopped) emit(port.process());
      }, processingDelayMs);
    }
  };
  return {
    data: (chunk) => {
      chunks++;
      emit(port.receive(chunk));
    },
    stop: () => {
      stopped = true;
      if (octetTimer !== undefined) clearTimeout(octetTimer);
      if (workTimer !== undefined) clearTimeout(workTimer);
    },
  };
}

/** HDLC over TCP (IEC 62056-46 frames on a TCP stream): one `HdlcServerPort` per connection. */
export async function serveHdlcTcp(
  sim: MeterSimulator,
  options: ServeSocketOptions,
): Promise<DlmsServerHandle> {
  const listener = await listenTcp({ host: options.host, port: options.port });
  listener.onConnection((conn) => {
    const port = new HdlcServerPort(sim, hdlcOptions(sim));
    const driver = driveHdlc(port, (b) => pump(conn, [b]), sim.profile.hdlc?.processingDelayMs ?? 0);
    conn.onData((chunk) => driver.data(chunk));
    conn.onClose(() => {
      driver.stop();
      port.close();
    });
  });
  const a = listener.address();
  return { address: `${a.address}:${a.port}`, port: a.port, close: () => listener.close() };
}

/** Options of `serveHdlcSerial`. IEC 62056-47, IEC 62056-46. */
export interface ServeSerialOptions {
  /** Device path, e.g. `/dev/ttyUSB0` or one end of a socat pty pair. */
  readonly path: string;
  /**
   * Answer an IEC 62056-21 sign-on first (300 baud 7E1, then mode E at the agreed rate, 8N1),
   * and return to it after each HDLC disconnection. Default false.
   */
  readonly optical?: boolean | undefined;
  /** Line speed without the optical sign-on (default 9600, 8N1), or the highest rate offered with it. */
  readonly baudRate?: number | undefined;
  /** The `SerialPort` class (tests pass a mock); default the `serialport` package. */
  readonly serialPort?: SerialPortConstructor | undefined;
}

/**
 * HDLC over a serial port (IEC 62056-46), optionally behind the IEC 62056-21 mode E sign-on
 * (`optical: true`): the simulator answers `/?!` with its identification (`/MKT5\2…`), switches to
 * the baud rate the client acknowledges, then runs HDLC until the client disconnects.
 */
export async function serveHdlcSerial(
  sim: MeterSimulator,
  options: ServeSerialOptions,
): Promise<DlmsServerHandle> {
  const optical = options.optical === true;
  const baud = options.baudRate ?? 9600;
  const start: LineSettings = optical
    ? INITIAL_LINE
    : { baudRate: baud, dataBits: 8, parity: 'none', stopBits: 1 };
  const t = new SerialTransport({
    path: options.path,
    baudRate: start.baudRate,
    dataBits: start.dataBits,
    parity: start.parity,
    stopBits: start.stopBits,
    lock: false,
    serialPort: options.serialPort,
  });
  await t.open();
  const hdlc = new HdlcServerPort(sim, hdlcOptions(sim));
  const newDevice = (): OpticalDevice =>
    new OpticalDevice({
      manufacturer: sim.profile.manufacturer ?? 'MKT',
      identification: sim.profile.identification ?? 'meterkit-sim',
      maxBaud: baud,
      readout: () => sim.readoutDataSets(),
    });
  let device: OpticalDevice | undefined = optical ? newDevice() : undefined;
  let wasConnected = false;
  // every line operation runs in order: writes, waits and baud switches
  let queue: Promise<unknown> = Promise.resolve();
  const enqueue = (f: () => Promise<unknown>): void => {
    queue = queue.then(f).catch(ignore);
  };
  const driver = driveHdlc(hdlc, (o) => enqueue(() => t.write(o)), sim.profile.hdlc?.processingDelayMs ?? 0);
  const runDevice = (d: OpticalDevice): void => {
    for (let a = d.nextAction(); a !== undefined; a = d.nextAction()) {
      const action = a;
      if (action.type === 'write') enqueue(() => t.write(action.bytes));
      else if (action.type === 'wait') enqueue(() => new Promise((r) => setTimeout(r, action.ms)));
      else if (action.type === 'set-line')
        enqueue(async () => {
          // what was written must leave the line before its settings change
          await t.drain();
          await new Promise((r) => setTimeout(r, 100));
          await t.setFormat({ ...action.line });
        });
    }
  };
  t.onData((chunk) => {
    if (device !== undefined && device.state !== 'binary') {
      device.receive(chunk);
      runDevice(device);
      if (device.state === 'done') {
        // a mode C readout was sent: wait for the next sign-on
        device = newDevice();
      }
      return;
    }
    driver.data(chunk);
    if (hdlc.connected) wasConnected = true;
    else if (wasConnected && optical) {
      wasConnected = false;
      device = newDevice();
      enqueue(async () => {
        // let the last answer (UA to DISC) leave the line before it goes back to 300 baud
        await t.drain();
        await new Promise((r) => setTimeout(r, 100));
        await t.setFormat({ ...INITIAL_LINE });
      });
    }
  });
  t.onClose(() => {
    driver.stop();
    hdlc.close();
  });
  return {
    address: options.path,
    port: 0,
    close: async () => {
      driver.stop();
      hdlc.close();
      await t.close();
    },
  };
}

/** Options of `deliverPushes`. IEC 62056-47, IEC 62056-46. */
export interface DeliverPushOptions {
  /** Destination wPort of pushed wrapper PDUs (default 102, the push client SAP). */
  readonly destinationWPort?: number | undefined;
  /** Called when a push could not be delivered. */
  readonly onError?: ((error: MeterkitError, push: PushEvent) => void) | undefined;
}

/** host:port of a send destination; `ValueInvalid` when it is not one. */
function hostPort(destination: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(destination);
  const port = m === null ? Number.NaN : Number(m[2]);
  if (m === null || !(port > 0 && port < 65536))
    throw new MeterkitError(
      ErrorCode.ValueInvalid,
      `push destination ${JSON.stringify(destination)} is not host:port`,
      { path: 'send_destination' },
    );
  return { host: m[1]!, port };
}

/**
 * Sends every push of the simulator to its Push setup's destination (IEC 62056-6-2 §4.4.8
 * send_destination_and_method): transport_service 0 over TCP, 1 over UDP, each as a wrapper PDU
 * from the logical device's wPort. Returns the function that stops delivering.
 */
export function deliverPushes(sim: MeterSimulator, options: DeliverPushOptions = {}): () => void {
  const wport = options.destinationWPort ?? 102;
  return sim.onPush((e) => {
    const fail = (err: unknown): void => {
      if (err instanceof MeterkitError) options.onError?.(err, e);
    };
    let target: { host: string; port: number };
    try {
      target = hostPort(e.destination.destination);
    } catch (err) {
      fail(err);
      return;
    }
    const pdu = encodeWrapperPdu({
      sourceWPort: sim.logicalDevice,
      destinationWPort: wport,
      payload: e.apdu,
    });
    const t: Transport =
      e.destination.transportService === 0 ? new TcpTransport(target) : new UdpTransport(target);
    t.open()
      .then(() => t.write(pdu))
      .then(
        () => t.close(),
        async (err: unknown) => {
          fail(err);
          await t.close();
        },
      )
      .catch(fail);
  });
}
