/**
 * IEC 62056-21 sign-on for optical probes, as sans-IO state machines: the client (HHU) side that
 * opens protocol mode E (HDLC binary mode, §6.4.5 / Annex E) or reads a mode C data readout
 * (§6.4.4), and the tariff device side a meter simulator answers with.
 *
 * The caller owns the port and the clock. It takes `nextAction()`s and carries them out: set the
 * line (baud, data bits, parity), write bytes, wait, and reports what arrives with `receive()` and
 * when the timer it was asked for (`timeoutMs`) runs out with `timeout()`.
 */
import { ErrorCode, MeterkitError } from '@meterkit/core';
import {
  ACK,
  BAUD_MODE_C,
  baudCharacter,
  type DataReadout,
  type DataSet,
  decodeDataReadout,
  decodeIdentification,
  decodeOptionSelect,
  decodeRequest,
  ETX,
  encodeDataReadout,
  encodeIdentification,
  encodeOptionSelect,
  encodeRequest,
  type Identification,
  type OptionSelect,
  STX,
} from './messages.js';

/** Serial line settings the caller must apply. */
export interface LineSettings {
  readonly baudRate: number;
  readonly dataBits: 7 | 8;
  readonly parity: 'even' | 'none';
  readonly stopBits: 1;
}

/** The line every IEC 62056-21 session starts on: 300 baud, 7 data bits, even parity, 1 stop bit. */
export const INITIAL_LINE: LineSettings = { baudRate: 300, dataBits: 7, parity: 'even', stopBits: 1 };

/** What the sign-on asks the caller to do, or tells it. */
export type OpticalAction =
  | { readonly type: 'set-line'; readonly line: LineSettings }
  | { readonly type: 'write'; readonly bytes: Uint8Array }
  | { readonly type: 'wait'; readonly ms: number }
  | { readonly type: 'identified'; readonly identification: Identification }
  /** Mode E is open: the line is at `line`; hand the port to the HDLC layer. */
  | { readonly type: 'ready'; readonly line: LineSettings; readonly identification: Identification }
  /** Mode C readout received. */
  | { readonly type: 'readout'; readonly identification: Identification; readonly readout: DataReadout }
  | { readonly type: 'failed'; readonly error: MeterkitError };

/** Options of the client sign-on. */
export interface OpticalSignOnOptions {
  /** `'E'` opens HDLC binary mode (DLMS); `'C'` reads the data readout. Default `'E'`. */
  readonly mode?: 'E' | 'C';
  /** Device address for the request message (bus addressing); default empty (any device). */
  readonly deviceAddress?: string;
  /** Highest baud rate to accept even if the meter offers more (default 19200). */
  readonly maxBaud?: number;
  /** How long to wait for the identification / readout (default 2000 ms; §6.3.14 allows 1500 ms reaction). */
  readonly responseTimeoutMs?: number;
  /** How often to repeat the request when nothing answers (default 2 retries). */
  readonly retries?: number;
  /**
   * Time to let the acknowledgement leave the port at 300 baud before switching the line
   * (six characters at 300 baud take 200 ms; default 300 ms).
   */
  readonly baudSwitchDelayMs?: number;
  /** Upper bound on bytes buffered while waiting for a message (default 65536). */
  readonly maxBuffer?: number;
}

type ClientState = 'idle' | 'wait-identification' | 'wait-readout' | 'done' | 'failed';

/** Client (hand-held unit) side of the IEC 62056-21 sign-on. */
export class OpticalSignOn {
  private readonly options: Required<Omit<OpticalSignOnOptions, 'deviceAddress'>> & { deviceAddress: string };
  private readonly actions: OpticalAction[] = [];
  private buf: number[] = [];
  private lastWrite: Uint8Array | undefined;
  private attempts = 0;
  private identification: Identification | undefined;
  /** Current state, for diagnostics. */
  state: ClientState = 'idle';

  constructor(options: OpticalSignOnOptions = {}) {
    this.options = {
      mode: options.mode ?? 'E',
      deviceAddress: options.deviceAddress ?? '',
      maxBaud: options.maxBaud ?? 19200,
      responseTimeoutMs: options.responseTimeoutMs ?? 2000,
      retries: options.retries ?? 2,
      baudSwitchDelayMs: options.baudSwitchDelayMs ?? 300,
      maxBuffer: options.maxBuffer ?? 65536,
    };
  }

  /** The timer the caller should be running now, or undefined when none. */
  get timeoutMs(): number | undefined {
    return this.state === 'wait-identification' || this.state === 'wait-readout'
      ? this.options.responseTimeoutMs
      : undefined;
  }

  /** Starts the sign-on: the line goes to 300 7E1 and the request message is sent. */
  start(): void {
    if (this.state !== 'idle')
      throw new MeterkitError(ErrorCode.InvalidState, `sign-on already ${this.state}`);
    this.actions.push({ type: 'set-line', line: INITIAL_LINE });
    this.sendRequest();
  }

  private sendRequest(): void {
    this.attempts++;
    this.buf = [];
    this.write(encodeRequest(this.options.deviceAddress));
    this.state = 'wait-identification';
  }

  private write(bytes: Uint8Array): void {
    this.lastWrite = bytes;
    this.actions.push({ type: 'write', bytes });
  }

  /** The next thing to do, or undefined when the caller should wait for bytes or its timer. */
  nextAction(): OpticalAction | undefined {
    return this.actions.shift();
  }

  /** Bytes arrived from the port. */
  receive(bytes: Uint8Array): void {
    if (this.state !== 'wait-identification' && this.state !== 'wait-readout') return;
    for (const b of bytes) this.buf.push(b & 0x7f);
    if (this.buf.length > this.options.maxBuffer) {
      this.failWith(
        new MeterkitError(
          ErrorCode.FrameTooLong,
          `more than ${this.options.maxBuffer} bytes without a complete message`,
        ),
      );
      return;
    }
    if (this.state === 'wait-identification') this.tryIdentification();
    else this.tryReadout();
  }

  /** The timer asked for by `timeoutMs` ran out. */
  timeout(): void {
    if (this.state === 'wait-identification' && this.attempts <= this.options.retries) {
      this.sendRequest();
      return;
    }
    if (this.state === 'wait-identification' || this.state === 'wait-readout') {
      const what = this.state === 'wait-identification' ? 'identification' : 'data readout';
      this.failWith(
        new MeterkitError(
          ErrorCode.SessionTimeout,
          `no ${what} after ${this.attempts} request(s) at 300 baud: check the probe's position and power`,
        ),
      );
    }
  }

  private failWith(error: MeterkitError): void {
    this.state = 'failed';
    this.actions.push({ type: 'failed', error });
  }

  private stripEcho(): void {
    // optical heads echo what we sent: drop an exact copy of our last write at the front
    const echo = this.lastWrite;
    if (echo === undefined || this.buf.length < echo.length) return;
    for (let i = 0; i < echo.length; i++) if (this.buf[i] !== (echo[i]! & 0x7f)) return;
    this.buf.splice(0, echo.length);
    this.lastWrite = undefined;
  }

  private tryIdentification(): void {
    this.stripEcho();
    const slash = this.buf.indexOf(0x2f);
    if (slash < 0) {
      this.buf = [];
      return;
    }
    if (slash > 0) this.buf.splice(0, slash);
    // wait for CR LF, and for the echo of our request (which also starts with '/') to be complete
    if (this.buf[1] === 0x3f) {
      const end = this.buf.indexOf(0x0a);
      if (end < 0) return;
      this.buf.splice(0, end + 1);
      this.tryIdentification();
      return;
    }
    const lf = this.buf.indexOf(0x0a);
    if (lf < 0) return;
    const message = Uint8Array.from(this.buf.slice(0, lf + 1));
    this.buf.splice(0, lf + 1);
    let id: Identification;
    try {
      id = decodeIdentification(message);
    } catch (e) {
      this.failWith(e as MeterkitError);
      return;
    }
    this.identification = id;
    this.actions.push({ type: 'identified', identification: id });
    this.acknowledge(id);
  }

  private acknowledge(id: Identification): void {
    const reaction = id.fastReaction ? 20 : 200;
    let baud = 300;
    for (const b of Object.values(BAUD_MODE_C))
      if (b <= (id.maxBaud ?? 300) && b <= this.options.maxBaud && b > baud) baud = b;
    const z = baudCharacter(baud)!;
    const mode = this.options.mode;
    const select: OptionSelect =
      mode === 'E'
        ? { protocolControl: 'hdlc', baudCharacter: z, modeControl: 'binary' }
        : { protocolControl: 'normal', baudCharacter: z, modeControl: 'data-readout' };
    this.actions.push({ type: 'wait', ms: reaction });
    this.write(encodeOptionSelect(select));
    this.actions.push({ type: 'wait', ms: this.options.baudSwitchDelayMs });
    if (mode === 'E') {
      const line: LineSettings = { baudRate: baud, dataBits: 8, parity: 'none', stopBits: 1 };
      this.actions.push({ type: 'set-line', line }, { type: 'ready', line, identification: id });
      this.state = 'done';
    } else {
      this.actions.push({ type: 'set-line', line: { ...INITIAL_LINE, baudRate: baud } });
      this.buf = [];
      this.state = 'wait-readout';
    }
  }

  private tryReadout(): void {
    this.stripEcho();
    const stx = this.buf.indexOf(STX);
    if (stx < 0) {
      this.buf = [];
      return;
    }
    if (stx > 0) this.buf.splice(0, stx);
    const etx = this.buf.indexOf(ETX);
    if (etx < 0 || this.buf.length < etx + 2) return;
    const message = Uint8Array.from(this.buf.slice(0, etx + 2));
    try {
      const readout = decodeDataReadout(message);
      this.state = 'done';
      this.actions.push({ type: 'readout', identification: this.identification!, readout });
    } catch (e) {
      this.failWith(e as MeterkitError);
    }
  }
}

/** Options of the device (meter) side. */
export interface OpticalDeviceOptions {
  /** Three-letter manufacturer id (lower-case third letter advertises 20 ms reaction). */
  readonly manufacturer: string;
  /** Free identification text, at most 16 characters. */
  readonly identification: string;
  /** Highest baud rate offered (default 9600). */
  readonly maxBaud?: number;
  /** Offer mode E (binary HDLC) with the `\2` enhanced identification (default true). */
  readonly modeE?: boolean;
  /** Device address this meter answers to (empty requests are always answered). */
  readonly deviceAddress?: string;
  /** Data sets for a mode C readout. */
  readonly readout?: () => readonly DataSet[];
}

type DeviceState = 'wait-request' | 'wait-ack' | 'binary' | 'done';

/** Tariff-device side of the sign-on, for meter simulators on a serial port. */
export class OpticalDevice {
  private readonly options: OpticalDeviceOptions;
  private readonly actions: OpticalAction[] = [];
  private buf: number[] = [];
  /** Current state. */
  state: DeviceState = 'wait-request';

  constructor(options: OpticalDeviceOptions) {
    this.options = options;
  }

  /** The next thing to do. */
  nextAction(): OpticalAction | undefined {
    return this.actions.shift();
  }

  /** Bytes arrived from the port (at 300 baud 7E1 until the switch). */
  receive(bytes: Uint8Array): void {
    if (this.state === 'binary' || this.state === 'done') return;
    for (const b of bytes) this.buf.push(b & 0x7f);
    if (this.buf.length > 4096) this.buf.splice(0, this.buf.length - 64);
    const lf = this.buf.indexOf(0x0a);
    if (lf < 0) return;
    const message = Uint8Array.from(this.buf.slice(0, lf + 1));
    this.buf.splice(0, lf + 1);
    if (this.state === 'wait-request') this.onRequest(message);
    else this.onAck(message);
  }

  private onRequest(message: Uint8Array): void {
    const start = message.indexOf(0x2f);
    let address: string;
    try {
      address = decodeRequest(message.subarray(Math.max(0, start)));
    } catch {
      return; // not for us: stay silent, as a meter does
    }
    if (address !== '' && address !== (this.options.deviceAddress ?? '')) return;
    const maxBaud = this.options.maxBaud ?? 9600;
    const z = baudCharacter(maxBaud);
    if (z === undefined)
      throw new MeterkitError(ErrorCode.InvalidArgument, `no mode C baud character for ${maxBaud}`);
    this.actions.push({ type: 'wait', ms: 200 });
    this.actions.push({
      type: 'write',
      bytes: encodeIdentification({
        manufacturer: this.options.manufacturer,
        baudCharacter: z,
        enhanced: this.options.modeE === false ? [] : ['2'],
        identification: this.options.identification,
        fastReaction:
          this.options.manufacturer[2] !== undefined &&
          this.options.manufacturer[2] === this.options.manufacturer[2].toLowerCase(),
      }),
    });
    this.state = 'wait-ack';
  }

  private onAck(message: Uint8Array): void {
    const at = message.indexOf(ACK);
    let select: OptionSelect;
    try {
      select = decodeOptionSelect(message.subarray(Math.max(0, at)));
    } catch {
      this.state = 'wait-request';
      return;
    }
    const baud = BAUD_MODE_C[select.baudCharacter] ?? 300;
    this.actions.push({ type: 'wait', ms: 250 });
    if (select.protocolControl === 'hdlc' && select.modeControl === 'binary') {
      const line: LineSettings = { baudRate: baud, dataBits: 8, parity: 'none', stopBits: 1 };
      this.actions.push({ type: 'set-line', line });
      this.state = 'binary';
      return;
    }
    this.actions.push({ type: 'set-line', line: { ...INITIAL_LINE, baudRate: baud } });
    this.actions.push({ type: 'write', bytes: encodeDataReadout(this.options.readout?.() ?? []) });
    this.actions.push({ type: 'set-line', line: INITIAL_LINE });
    this.state = 'done';
  }
}
