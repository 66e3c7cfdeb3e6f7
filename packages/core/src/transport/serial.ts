/**
 * Serial transport over the `serialport` package (13.x): optical probes and RS-232/RS-485 links.
 * Covers what meter protocols ask of the line: IEC 62056-21 (sign-on at 300 baud 7E1, then the
 * mode C/E baud-rate changeover on the same port), and ANSI C12.18 optical probes that draw power
 * from RTS/DTR.
 */
import { ErrorCode, MeterkitError } from '../errors.js';
import { TransportBase, type TransportOptions } from './transport-base.js';
import { cancelledError, invalidArgument, ioError, openFailedError } from './transport-errors.js';

/** Parity of a character frame. */
export type SerialParity = 'none' | 'even' | 'odd';

/** Character format: data bits, parity, stop bits (IEC 62056-21 uses 7E1, most links 8N1). */
export interface SerialFormat {
  readonly dataBits: 7 | 8;
  readonly parity: SerialParity;
  readonly stopBits: 1 | 2;
}

/** Modem control outputs. `brk` holds the line in the break condition. */
export interface SerialSignals {
  readonly rts: boolean;
  readonly dtr: boolean;
  readonly brk: boolean;
}

/** Modem status inputs. */
export interface SerialModemStatus {
  readonly cts: boolean;
  readonly dsr: boolean;
  readonly dcd: boolean;
}

type Callback = (error: Error | null | undefined) => void;

/**
 * The part of `serialport`'s `SerialPort` class this transport uses, so any compatible class
 * (`SerialPort`, `SerialPortMock`, a custom binding wrapped in `SerialPortStream`) can be passed.
 */
export interface SerialPortLike {
  readonly isOpen: boolean;
  open(callback: Callback): void;
  close(callback: Callback): void;
  update(options: { baudRate: number }, callback: Callback): void;
  set(options: { rts: boolean; dtr: boolean; brk: boolean }, callback: Callback): void;
  get(callback: (error: Error | null, status?: SerialModemStatus) => void): void;
  drain(callback: Callback): void;
  flush(callback: Callback): void;
  write(data: Uint8Array, callback: Callback): boolean;
  pause(): unknown;
  resume(): unknown;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'close', listener: (error?: Error | null) => void): unknown;
  removeAllListeners(event?: string): unknown;
}

/** Options `serialport` is constructed with. */
export interface SerialPortConstructorOptions {
  readonly path: string;
  readonly baudRate: number;
  readonly dataBits: 7 | 8;
  readonly parity: SerialParity;
  readonly stopBits: 1 | 2;
  readonly rtscts: boolean;
  readonly lock: boolean;
  readonly hupcl: boolean;
  readonly autoOpen: false;
}

/** A class like `serialport`'s `SerialPort`. */
export type SerialPortConstructor = new (options: SerialPortConstructorOptions) => SerialPortLike;

/** Options of a serial transport. */
export interface SerialTransportOptions extends TransportOptions {
  /** Device path, e.g. `/dev/ttyUSB0` or `COM3`. */
  readonly path: string;
  /** Initial baud rate, e.g. 300 for an IEC 62056-21 sign-on or 9600 for C12.18. */
  readonly baudRate: number;
  /** Data bits; default 8. */
  readonly dataBits?: 7 | 8 | undefined;
  /** Parity; default `'none'`. */
  readonly parity?: SerialParity | undefined;
  /** Stop bits; default 1. */
  readonly stopBits?: 1 | 2 | undefined;
  /** RTS/CTS hardware flow control; default off (probes use RTS as a power line). */
  readonly rtscts?: boolean | undefined;
  /**
   * RTS level to set right after opening. Unset: left as the OS leaves it (usually asserted).
   * If the port refuses (e.g. a pseudo-terminal), `open()` fails with `TransportOpenFailed`.
   */
  readonly rts?: boolean | undefined;
  /** DTR level to set right after opening; as for `rts`. */
  readonly dtr?: boolean | undefined;
  /** Exclusive lock so no other process opens the port; default true. */
  readonly lock?: boolean | undefined;
  /** Drop DTR when the port closes (HUPCL); default true. */
  readonly hupcl?: boolean | undefined;
  /**
   * The `SerialPort` class to use. Default: `SerialPort` from the `serialport` package, loaded
   * when the first serial transport opens (so the rest of the transports work without it).
   * Pass `SerialPortMock` for unit tests.
   */
  readonly serialPort?: SerialPortConstructor | undefined;
}

const PARITIES: readonly SerialParity[] = ['none', 'even', 'odd'];

function checkFormat(format: SerialFormat): void {
  if (format.dataBits !== 7 && format.dataBits !== 8) {
    throw invalidArgument(`dataBits must be 7 or 8, got ${String(format.dataBits)}`);
  }
  if (!PARITIES.includes(format.parity)) {
    throw invalidArgument(`parity must be none, even or odd, got ${String(format.parity)}`);
  }
  if (format.stopBits !== 1 && format.stopBits !== 2) {
    throw invalidArgument(`stopBits must be 1 or 2, got ${String(format.stopBits)}`);
  }
}

function checkBaudRate(baudRate: number): void {
  if (!(Number.isInteger(baudRate) && baudRate > 0)) {
    throw invalidArgument(`baudRate must be a positive integer, got ${baudRate}`);
  }
}

/** `7E1`, `8N1`, ... */
export function serialFormatName(format: SerialFormat): string {
  return `${format.dataBits}${format.parity[0]?.toUpperCase()}${format.stopBits}`;
}

let serialPortClass: Promise<SerialPortConstructor> | undefined;

/** Loads `SerialPort` from the `serialport` package once. */
function loadSerialPort(name: string): Promise<SerialPortConstructor> {
  serialPortClass ??= (async () => {
    // A variable specifier keeps `serialport` optional: only serial users need the native addon.
    const specifier = 'serialport';
    const mod: unknown = await import(specifier);
    const ctor = (mod as { SerialPort?: unknown }).SerialPort;
    if (typeof ctor !== 'function') throw new Error('the serialport module has no SerialPort export');
    return ctor as SerialPortConstructor;
  })();
  return serialPortClass.catch((e: unknown) => {
    serialPortClass = undefined;
    throw openFailedError(name, e, 'cannot load the serialport package (npm install serialport@13)');
  });
}

function call(run: (done: Callback) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    run((e) => {
      if (e === null || e === undefined) resolve();
      else reject(e);
    });
  });
}

/**
 * A serial port as a `Transport` (byte stream).
 *
 * Line control on the open port: `setBaudRate` (in place, after the output drained),
 * `setSignals` (RTS/DTR/break), `getModemStatus` (CTS/DSR/DCD). `serialport` cannot change the
 * character format of an open port, so `setFormat` closes and reopens the device with the new
 * settings: bytes arriving in that short window are lost, RTS/DTR fall back to the OS default
 * (and HUPCL drops DTR) before the levels set through this transport are applied again. The
 * transport stays open throughout; reads and writes wait for the reopen.
 *
 * Pseudo-terminals (socat, test rigs) accept baud-rate changes but refuse the modem-control
 * ioctls: there `setSignals` and `getModemStatus` reject with `TransportIo` (cause
 * `Inappropriate ioctl for device`) and the port stays usable.
 *
 * Name: `serial://<path>` (e.g. `serial:///dev/ttyUSB0`).
 */
export class SerialTransport extends TransportBase {
  readonly kind = 'stream' as const;
  private readonly options: SerialTransportOptions;
  private port: SerialPortLike | undefined;
  private portError: Error | undefined;
  private baud: number;
  private fmt: SerialFormat;
  private lines: SerialSignals = { rts: true, dtr: true, brk: false };
  private linesSet = false;
  /** Serialises line-control operations and holds writes during a reopen. */
  private control: Promise<unknown> = Promise.resolve();
  private reopening: Promise<void> | undefined;

  constructor(options: SerialTransportOptions) {
    if (typeof options.path !== 'string' || options.path === '') throw invalidArgument('path is required');
    checkBaudRate(options.baudRate);
    const format: SerialFormat = {
      dataBits: options.dataBits ?? 8,
      parity: options.parity ?? 'none',
      stopBits: options.stopBits ?? 1,
    };
    checkFormat(format);
    super(`serial://${options.path}`, options);
    this.options = options;
    this.baud = options.baudRate;
    this.fmt = format;
  }

  /** Current baud rate. */
  get baudRate(): number {
    return this.baud;
  }

  /** Current character format. */
  get format(): SerialFormat {
    return this.fmt;
  }

  /**
   * The RTS/DTR/break levels last set through this transport (before any: what the OS usually
   * sets on open, RTS and DTR asserted).
   */
  get signals(): SerialSignals {
    return this.lines;
  }

  protected async doOpen(signal: AbortSignal | undefined): Promise<void> {
    const ctor = this.options.serialPort ?? (await loadSerialPort(this.name));
    const port = await this.openPort(ctor, signal);
    this.port = port;
    if (this.options.rts !== undefined || this.options.dtr !== undefined) {
      const lines: SerialSignals = {
        rts: this.options.rts ?? this.lines.rts,
        dtr: this.options.dtr ?? this.lines.dtr,
        brk: false,
      };
      try {
        await call((done) => port.set(lines, done));
      } catch (e) {
        throw openFailedError(this.name, e, 'setting RTS/DTR failed');
      }
      this.lines = lines;
      this.linesSet = true;
    }
  }

  private openPort(ctor: SerialPortConstructor, signal: AbortSignal | undefined): Promise<SerialPortLike> {
    const o = this.options;
    let port: SerialPortLike;
    try {
      port = new ctor({
        path: o.path,
        baudRate: this.baud,
        dataBits: this.fmt.dataBits,
        parity: this.fmt.parity,
        stopBits: this.fmt.stopBits,
        rtscts: o.rtscts ?? false,
        lock: o.lock ?? true,
        hupcl: o.hupcl ?? true,
        autoOpen: false,
      });
    } catch (e) {
      return Promise.reject(openFailedError(this.name, e));
    }
    port.on('error', (e: Error) => {
      if (port === this.port) this.portError ??= e;
    });
    return new Promise<SerialPortLike>((resolve, reject) => {
      let aborted = false;
      const onAbort = (): void => {
        aborted = true;
        reject(cancelledError(this.name, 'open', signal as AbortSignal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      port.open((e) => {
        signal?.removeEventListener('abort', onAbort);
        if (aborted) {
          if (e === null || e === undefined) port.close(() => {});
          return;
        }
        if (e !== null && e !== undefined) {
          reject(openFailedError(this.name, e));
          return;
        }
        this.attach(port);
        resolve(port);
      });
    });
  }

  private attach(port: SerialPortLike): void {
    port.on('data', (b: Buffer) => {
      if (port === this.port) this.received(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
    });
    port.on('close', (e?: Error | null) => {
      if (port !== this.port) return;
      const cause = e ?? this.portError;
      if (cause === undefined || cause === null) this.ended('peer');
      else this.ended('error', cause);
    });
  }

  protected async doWrite(bytes: Uint8Array): Promise<void> {
    if (this.reopening !== undefined) await this.reopening;
    const port = this.requirePort();
    await call((done) => {
      port.write(bytes, done);
    });
  }

  protected async doClose(): Promise<void> {
    const port = this.port;
    if (port === undefined || !port.isOpen) return;
    await call((done) => port.close(done));
  }

  protected override pauseSource(): void {
    this.port?.pause();
  }

  protected override resumeSource(): void {
    this.port?.resume();
  }

  protected override describeDetails(): string {
    return `${this.baud} ${serialFormatName(this.fmt)}`;
  }

  /**
   * Changes the baud rate of the open port in place (IEC 62056-21 mode C/E changeover). Waits
   * first until written bytes left the UART (`drain: false` skips that), so an acknowledgement
   * sent at the old rate is not garbled. Rejects with `TransportIo` when the port refuses.
   */
  setBaudRate(baudRate: number, options: { readonly drain?: boolean } = {}): Promise<void> {
    return this.controlStep('set baud rate', async (port) => {
      checkBaudRate(baudRate);
      if (options.drain ?? true) await call((done) => port.drain(done));
      await call((done) => port.update({ baudRate }, done));
      this.baud = baudRate;
    });
  }

  /**
   * Sets RTS, DTR and break; levels not given keep their last value. Rejects with `TransportIo`
   * when the device refuses (pseudo-terminals do).
   */
  setSignals(signals: Partial<SerialSignals>): Promise<void> {
    return this.controlStep('set RTS/DTR', async (port) => {
      const lines: SerialSignals = {
        rts: signals.rts ?? this.lines.rts,
        dtr: signals.dtr ?? this.lines.dtr,
        brk: signals.brk ?? this.lines.brk,
      };
      await call((done) => port.set(lines, done));
      this.lines = lines;
      this.linesSet = true;
    });
  }

  /** Reads CTS, DSR and DCD. Rejects with `TransportIo` when the device refuses. */
  getModemStatus(): Promise<SerialModemStatus> {
    return this.controlStep('read CTS/DSR/DCD', (port) => {
      return new Promise<SerialModemStatus>((resolve, reject) => {
        port.get((e, status) => {
          if (e !== null && e !== undefined) reject(e);
          else if (status === undefined) reject(new Error('no modem status returned'));
          else resolve({ cts: status.cts, dsr: status.dsr, dcd: status.dcd });
        });
      });
    });
  }

  /** Waits until every written byte was transmitted by the UART (tcdrain). */
  drain(): Promise<void> {
    return this.controlStep('drain', (port) => call((done) => port.drain(done)));
  }

  /** Discards bytes received but not yet read by the OS, and written but not yet sent (tcflush). */
  flush(): Promise<void> {
    return this.controlStep('flush', (port) => call((done) => port.flush(done)));
  }

  /**
   * Changes the character format (and optionally the baud rate) by closing and reopening the
   * device, because `serialport` can only change the baud rate of an open port. See the class
   * comment for what the reopen costs. If the reopen fails the transport closes (by `error`) and
   * this rejects with `TransportIo`.
   */
  setFormat(format: Partial<SerialFormat> & { readonly baudRate?: number }): Promise<void> {
    return this.controlStep('change format', async (port) => {
      const next: SerialFormat = {
        dataBits: format.dataBits ?? this.fmt.dataBits,
        parity: format.parity ?? this.fmt.parity,
        stopBits: format.stopBits ?? this.fmt.stopBits,
      };
      checkFormat(next);
      const baudRate = format.baudRate ?? this.baud;
      checkBaudRate(baudRate);
      let release: () => void = () => {};
      this.reopening = new Promise<void>((resolve) => {
        release = resolve;
      });
      try {
        await call((done) => port.drain(done));
        this.port = undefined;
        port.removeAllListeners('data');
        await call((done) => port.close(done));
        this.fmt = next;
        this.baud = baudRate;
        const ctor = this.options.serialPort ?? (await loadSerialPort(this.name));
        const reopened = await this.openPort(ctor, undefined);
        this.port = reopened;
        if (this.closed) {
          await call((done) => reopened.close(done));
          return;
        }
        if (this.linesSet) await call((done) => reopened.set(this.lines, done));
      } catch (e) {
        const error = ioError(this.name, 'reopen with the new format', e);
        this.ended('error', error);
        throw error;
      } finally {
        this.reopening = undefined;
        release();
      }
    });
  }

  private requirePort(): SerialPortLike {
    const port = this.port;
    if (this.closeInfo !== undefined) throw this.closeInfo.error;
    if (port === undefined) throw ioError(this.name, 'access', new Error('port not open'));
    return port;
  }

  private controlStep<T>(what: string, run: (port: SerialPortLike) => Promise<T>): Promise<T> {
    const step = this.control.then(async () => {
      if (this.state !== 'open') {
        if (this.closeInfo !== undefined) throw this.closeInfo.error;
        throw new MeterkitError(ErrorCode.InvalidState, `${this.name}: ${what} before open`);
      }
      try {
        return await run(this.requirePort());
      } catch (e) {
        if (e instanceof MeterkitError) throw e;
        if (this.closeInfo !== undefined) throw this.closeInfo.error;
        throw ioError(this.name, what, e);
      }
    });
    this.control = step.catch(() => {});
    return step;
  }
}
