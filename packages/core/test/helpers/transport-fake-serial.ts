import { EventEmitter } from 'node:events';
import type {
  SerialModemStatus,
  SerialPortConstructorOptions,
  SerialPortLike,
} from '@meterkit/core/transport';

type Callback = (error: Error | null | undefined) => void;

/** What the fake ports did, shared by every instance of one fake class. */
export interface FakeSerialLog {
  readonly opened: SerialPortConstructorOptions[];
  readonly written: Uint8Array[];
  readonly calls: string[];
  readonly ports: FakeSerialPortBase[];
}

/** Base of the fake `SerialPort` classes made by `fakeSerialPortClass`. */
export abstract class FakeSerialPortBase extends EventEmitter implements SerialPortLike {
  isOpen = false;
  abstract readonly log: FakeSerialLog;
  abstract readonly failures: Set<string>;
  constructor(readonly options: SerialPortConstructorOptions) {
    super();
  }
  private step(name: string, callback: Callback, then?: () => void): void {
    this.log.calls.push(name);
    setImmediate(() => {
      if (this.failures.has(name)) callback(new Error(`fake ${name} failure`));
      else {
        then?.();
        callback(null);
      }
    });
  }
  open(callback: Callback): void {
    this.log.opened.push(this.options);
    this.log.ports.push(this);
    this.step('open', callback, () => {
      this.isOpen = true;
    });
  }
  close(callback: Callback): void {
    this.step('close', callback, () => {
      this.isOpen = false;
      this.emit('close', null);
    });
  }
  update(options: { baudRate: number }, callback: Callback): void {
    this.step(`update ${options.baudRate}`, callback);
  }
  set(options: { rts: boolean; dtr: boolean; brk: boolean }, callback: Callback): void {
    this.step(`set rts=${options.rts} dtr=${options.dtr} brk=${options.brk}`, callback);
  }
  get(callback: (error: Error | null, status?: SerialModemStatus) => void): void {
    this.log.calls.push('get');
    setImmediate(() => callback(null, { cts: true, dsr: false, dcd: true }));
  }
  drain(callback: Callback): void {
    this.step('drain', callback);
  }
  flush(callback: Callback): void {
    this.step('flush', callback);
  }
  write(data: Uint8Array, callback: Callback): boolean {
    this.log.written.push(Uint8Array.from(data));
    this.step('write', callback);
    return true;
  }
  pause(): this {
    this.log.calls.push('pause');
    return this;
  }
  resume(): this {
    this.log.calls.push('resume');
    return this;
  }
  /** The device sends bytes. */
  emitData(bytes: Uint8Array): void {
    this.emit('data', Buffer.from(bytes));
  }
  /** The device goes away (USB probe unplugged). */
  disconnect(): void {
    this.isOpen = false;
    this.emit('close', new Error('fake device unplugged'));
  }
}

/** A fresh fake `SerialPort` class with its own log and set of failing operations. */
export function fakeSerialPortClass(): {
  FakeSerialPort: new (options: SerialPortConstructorOptions) => FakeSerialPortBase;
  log: FakeSerialLog;
  failures: Set<string>;
} {
  const log: FakeSerialLog = { opened: [], written: [], calls: [], ports: [] };
  const failures = new Set<string>();
  class FakeSerialPort extends FakeSerialPortBase {
    readonly log = log;
    readonly failures = failures;
  }
  return { FakeSerialPort, log, failures };
}
