import { ErrorCode, isMeterkitError, type MeterkitError } from '@meterkit/core';
import { SerialTransport, serialFormatName } from '@meterkit/core/transport';
import t from 'tap';
import { fakeSerialPortClass } from './helpers/transport-fake-serial.js';

// Unit tests of SerialTransport's own logic through an injected fake SerialPort class: they run
// without the serialport package or socat (transport-serial.test.ts covers the real device path).

t.test('opens with the requested line settings and applies initial RTS/DTR', async (t) => {
  const { FakeSerialPort, log } = fakeSerialPortClass();
  const port = new SerialTransport({
    path: '/dev/ttyOPTICAL',
    baudRate: 9600,
    rts: true,
    dtr: false,
    serialPort: FakeSerialPort,
  });
  t.equal(port.name, 'serial:///dev/ttyOPTICAL');
  t.same(port.format, { dataBits: 8, parity: 'none', stopBits: 1 }, 'defaults to 8N1');
  await port.open();
  t.same(log.opened, [
    {
      path: '/dev/ttyOPTICAL',
      baudRate: 9600,
      dataBits: 8,
      parity: 'none',
      stopBits: 1,
      rtscts: false,
      lock: true,
      hupcl: true,
      autoOpen: false,
    },
  ]);
  t.same(log.calls, ['open', 'set rts=true dtr=false brk=false'], 'C12.18 probe power set right after open');
  t.same(port.signals, { rts: true, dtr: false, brk: false });
  await port.close();
});

t.test('setSignals keeps unspecified levels; modem status is read', async (t) => {
  const { FakeSerialPort, log } = fakeSerialPortClass();
  const port = new SerialTransport({ path: 'COM3', baudRate: 300, serialPort: FakeSerialPort });
  await t.rejects(port.setSignals({ rts: false }), { code: ErrorCode.InvalidState }, 'before open');
  await port.open();
  await port.setSignals({ dtr: false });
  await port.setSignals({ brk: true });
  t.same(log.calls.slice(1), ['set rts=true dtr=false brk=false', 'set rts=true dtr=false brk=true']);
  t.same(await port.getModemStatus(), { cts: true, dsr: false, dcd: true });
  await port.close();
});

t.test('setBaudRate drains first unless told not to; control steps run in order', async (t) => {
  const { FakeSerialPort, log } = fakeSerialPortClass();
  const port = new SerialTransport({
    path: '/dev/ttyS0',
    baudRate: 300,
    dataBits: 7,
    parity: 'even',
    serialPort: FakeSerialPort,
  });
  await port.open();
  await Promise.all([port.write(Uint8Array.of(6, 0x30, 0x35, 0x30, 13, 10)), port.setBaudRate(9600)]);
  await port.setBaudRate(19200, { drain: false });
  t.same(log.calls.slice(1), ['write', 'drain', 'update 9600', 'update 19200']);
  t.equal(port.baudRate, 19200);
  t.equal(port.describe(), 'serial:///dev/ttyS0 (open, 19200 7E1)');
  await t.rejects(port.setBaudRate(0), { code: ErrorCode.InvalidArgument });
  await port.drain();
  await port.flush();
  await port.close();
});

t.test('setFormat closes and reopens, restoring RTS/DTR; reads and writes wait', async (t) => {
  const { FakeSerialPort, log } = fakeSerialPortClass();
  const port = new SerialTransport({
    path: '/dev/ttyS0',
    baudRate: 300,
    dataBits: 7,
    parity: 'even',
    serialPort: FakeSerialPort,
  });
  await port.open();
  await port.setSignals({ rts: true, dtr: false });
  const reading = port.read({ timeoutMs: 1000 });
  const changing = port.setFormat({ dataBits: 8, parity: 'none', baudRate: 9600 });
  await new Promise((r) => setImmediate(r));
  const writing = port.write(Uint8Array.of(0x55));
  await changing;
  await writing;
  t.equal(log.ports.length, 2, 'a second port object was opened');
  t.same(log.opened[1], { ...log.opened[0], baudRate: 9600, dataBits: 8, parity: 'none' });
  t.same(
    log.calls.slice(2),
    ['drain', 'close', 'open', 'set rts=true dtr=false brk=false', 'write'],
    'a write issued during the reopen goes out on the new port',
  );
  t.equal(serialFormatName(port.format), '8N1');
  log.ports[0]?.emitData(Uint8Array.of(1));
  log.ports[1]?.emitData(Uint8Array.of(2));
  t.same(await reading, Uint8Array.of(2), 'only the current port feeds reads');
  t.equal(port.state, 'open');
  await t.rejects(port.setFormat({ dataBits: 6 as 7 }), { code: ErrorCode.InvalidArgument });
  await port.close();
});

t.test('a failed reopen closes the transport with TransportIo', async (t) => {
  const { FakeSerialPort, failures } = fakeSerialPortClass();
  const port = new SerialTransport({ path: '/dev/ttyS0', baudRate: 300, serialPort: FakeSerialPort });
  await port.open();
  failures.add('open');
  const err = await port.setFormat({ stopBits: 2 }).catch((e: unknown) => e);
  t.ok(isMeterkitError(err, ErrorCode.TransportIo));
  t.match((err as MeterkitError).message, /reopen with the new format failed/);
  t.equal(port.closeInfo?.by, 'error');
  await t.rejects(port.write(Uint8Array.of(1)), { code: ErrorCode.TransportClosed });
  await port.close();
});

t.test('device errors: failed open, refused control, unplugged device', async (t) => {
  const { FakeSerialPort, failures, log } = fakeSerialPortClass();
  failures.add('open');
  const a = new SerialTransport({ path: '/dev/ttyUSB9', baudRate: 300, serialPort: FakeSerialPort });
  const err = await a.open().catch((e: unknown) => e);
  t.ok(isMeterkitError(err, ErrorCode.TransportOpenFailed));
  t.match((err as MeterkitError).message, /fake open failure/);
  failures.clear();

  failures.add('set rts=false dtr=true brk=false');
  const b = new SerialTransport({
    path: '/dev/ttyUSB9',
    baudRate: 300,
    rts: false,
    serialPort: FakeSerialPort,
  });
  await t.rejects(b.open(), { code: ErrorCode.TransportOpenFailed }, 'initial RTS refused');
  t.equal(log.ports.at(-1)?.isOpen, false, 'and the port was closed again');
  failures.clear();

  const c = new SerialTransport({ path: '/dev/ttyUSB9', baudRate: 300, serialPort: FakeSerialPort });
  await c.open();
  failures.add('update 9600');
  failures.add('write');
  await t.rejects(c.setBaudRate(9600, { drain: false }), { code: ErrorCode.TransportIo });
  t.equal(c.baudRate, 300, 'rate unchanged after a refusal');
  await t.rejects(c.write(Uint8Array.of(1)), { code: ErrorCode.TransportIo });
  failures.clear();
  const pending = c.read({ timeoutMs: 1000 }).catch((e: unknown) => e);
  log.ports.at(-1)?.disconnect();
  const closed = await pending;
  t.ok(isMeterkitError(closed, ErrorCode.TransportClosed), 'unplugged: TransportClosed');
  t.equal(c.closeInfo?.by, 'error');
  t.match(c.closeInfo?.error.message ?? '', /fake device unplugged/);
  await c.close();
});

t.test('open can be aborted; the late-opened port is closed again', async (t) => {
  const { FakeSerialPort, log } = fakeSerialPortClass();
  const port = new SerialTransport({ path: '/dev/ttyS1', baudRate: 300, serialPort: FakeSerialPort });
  const ac = new AbortController();
  const opening = port.open({ signal: ac.signal });
  ac.abort();
  await t.rejects(opening, { code: ErrorCode.Cancelled });
  await new Promise((r) => setTimeout(r, 20));
  t.equal(log.ports[0]?.isOpen, false);
});

t.test('read-side backpressure pauses and resumes the port', async (t) => {
  const { FakeSerialPort, log } = fakeSerialPortClass();
  const port = new SerialTransport({
    path: '/dev/ttyS1',
    baudRate: 300,
    highWaterMark: 4,
    serialPort: FakeSerialPort,
  });
  await port.open();
  log.ports[0]?.emitData(Uint8Array.of(1, 2, 3, 4, 5));
  t.ok(log.calls.includes('pause'));
  await port.read();
  t.ok(log.calls.includes('resume'));
  await port.close();
});

t.test('bad options are InvalidArgument', async (t) => {
  const { FakeSerialPort } = fakeSerialPortClass();
  const bad = (o: object): void => {
    t.throws(
      () => new SerialTransport({ path: '/dev/x', baudRate: 300, serialPort: FakeSerialPort, ...o }),
      { code: ErrorCode.InvalidArgument },
      JSON.stringify(o),
    );
  };
  bad({ path: '' });
  bad({ baudRate: 0 });
  bad({ baudRate: 9600.5 });
  bad({ dataBits: 5 });
  bad({ parity: 'mark' });
  bad({ stopBits: 1.5 });
});
