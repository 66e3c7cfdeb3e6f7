import { ErrorCode, isMeterkitError, type MeterkitError } from '@meterkit/core';
import { SerialTransport, type SerialTransportOptions } from '@meterkit/core/transport';
import t from 'tap';
import { readExactly } from './helpers/transport-read.js';
import { haveCommand, type PtyPair, startPtyPair, sttySettings } from './helpers/transport-socat.js';

const enc = new TextEncoder();

async function serialportInstalled(): Promise<boolean> {
  try {
    const specifier = 'serialport';
    await import(specifier);
    return true;
  } catch {
    return false;
  }
}

/** IEC 62056-21 sign-on settings: 300 baud, 7 data bits, even parity, 1 stop bit. */
const signOn = (path: string, extra: Partial<SerialTransportOptions> = {}): SerialTransportOptions => ({
  path,
  baudRate: 300,
  dataBits: 7,
  parity: 'even',
  stopBits: 1,
  readTimeoutMs: 2000,
  ...extra,
});

if (!haveCommand('socat')) {
  t.comment('socat not installed: serial pty tests skipped; CI installs it (apt-get install socat)');
  t.pass('skipped: no socat');
} else if (!(await serialportInstalled())) {
  t.comment('the serialport package is not installed: serial pty tests skipped (npm install serialport@13)');
  t.pass('skipped: no serialport');
} else {
  t.test('IEC 62056-21 style session over a socat pty pair', async (t) => {
    const pty: PtyPair = await startPtyPair();
    t.teardown(() => pty.cleanup());
    const client = new SerialTransport(signOn(pty.a));
    const meter = new SerialTransport(signOn(pty.b));
    t.equal(client.name, `serial://${pty.a}`);
    await Promise.all([client.open(), meter.open()]);
    t.equal(client.describe(), `serial://${pty.a} (open, 300 7E1)`);
    const settings = sttySettings(pty.a);
    t.match(settings, /speed 300 baud/, 'the kernel has 300 baud');
    t.match(settings, /(^|\s)-cstopb(\s|$)/, 'one stop bit');
    // Linux pseudo-terminals force CS8 and clear PARENB whatever is asked (pty_set_termios), so
    // 7E1 cannot be observed here; a real UART keeps it.
    t.match(settings, /(^|\s)cs8(\s|$)/, 'a pty reports cs8 even when 7 data bits were set');
    t.match(settings, /(^|\s)-parenb(\s|$)/, 'and no parity');

    await client.write(enc.encode('/?!\r\n'));
    t.same(await readExactly(meter, 5, 2000), enc.encode('/?!\r\n'), 'sign-on request arrives');
    await meter.write(enc.encode('/ABC5\\2meterkit\r\n'));
    t.same(await readExactly(client, 17, 2000), enc.encode('/ABC5\\2meterkit\r\n'), 'identification arrives');

    // Option select (ACK 0 5 0: 9600 baud), then both sides switch on the open port.
    await client.write(Uint8Array.of(0x06, 0x30, 0x35, 0x30, 0x0d, 0x0a));
    t.same(await readExactly(meter, 6, 2000), Uint8Array.of(0x06, 0x30, 0x35, 0x30, 0x0d, 0x0a));
    await client.setBaudRate(9600);
    await meter.setBaudRate(9600, { drain: false });
    t.equal(client.baudRate, 9600);
    t.match(sttySettings(pty.a), /speed 9600 baud/, 'the baud change reached the kernel');
    t.equal(client.state, 'open', 'same port, still open');
    await meter.write(Uint8Array.of(0x01, 0x50, 0x30, 0x02));
    t.same(
      await readExactly(client, 4, 2000),
      Uint8Array.of(0x01, 0x50, 0x30, 0x02),
      'bytes flow after the switch',
    );

    await client.drain();
    await client.flush();
    await client.close();
    await meter.close();
  });

  t.test('setFormat reopens the port with 8N1; reads and writes continue', async (t) => {
    const pty = await startPtyPair();
    t.teardown(() => pty.cleanup());
    const client = new SerialTransport(signOn(pty.a));
    const meter = new SerialTransport(signOn(pty.b));
    await Promise.all([client.open(), meter.open()]);
    const pendingRead = client.read({ timeoutMs: 3000 });
    await client.setFormat({ dataBits: 8, parity: 'none', stopBits: 2, baudRate: 19200 });
    t.same(client.format, { dataBits: 8, parity: 'none', stopBits: 2 });
    t.equal(client.baudRate, 19200);
    const settings = sttySettings(pty.a);
    t.match(settings, /speed 19200 baud/, 'reopened at the new rate');
    t.match(settings, /(^|\s)cstopb(\s|$)/, 'with two stop bits: the new format reached the kernel');
    t.equal(client.describe(), `serial://${pty.a} (open, 19200 8N2)`);
    await meter.write(Uint8Array.of(0xaa));
    t.same(await pendingRead, Uint8Array.of(0xaa), 'a read pending across the reopen is served');
    await client.write(Uint8Array.of(0x55));
    t.same(await meter.read(), Uint8Array.of(0x55));
    await client.close();
    await meter.close();
  });

  t.test('RTS/DTR on a pseudo-terminal: the ioctls are refused, the port stays usable', async (t) => {
    const pty = await startPtyPair();
    t.teardown(() => pty.cleanup());
    const client = new SerialTransport(signOn(pty.a));
    const meter = new SerialTransport(signOn(pty.b));
    await Promise.all([client.open(), meter.open()]);
    const err = await client.setSignals({ rts: true, dtr: false }).catch((e: unknown) => e);
    t.ok(isMeterkitError(err, ErrorCode.TransportIo), 'TIOCMSET on a pty: TransportIo');
    t.match((err as MeterkitError).message, /Inappropriate ioctl/);
    t.same(client.signals, { rts: true, dtr: true, brk: false }, 'levels unchanged after a refusal');
    const err2 = await client.getModemStatus().catch((e: unknown) => e);
    t.ok(isMeterkitError(err2, ErrorCode.TransportIo), 'TIOCMGET on a pty: TransportIo');
    await client.write(Uint8Array.of(1, 2));
    t.same(await readExactly(meter, 2, 2000), Uint8Array.of(1, 2), 'still usable');
    await client.close();
    await meter.close();

    const powered = new SerialTransport(signOn(pty.a, { rts: true, dtr: false }));
    const err3 = await powered.open().catch((e: unknown) => e);
    t.ok(isMeterkitError(err3, ErrorCode.TransportOpenFailed), 'open with initial RTS/DTR fails on a pty');
    t.match((err3 as MeterkitError).message, /setting RTS\/DTR failed/);
    const again = new SerialTransport(signOn(pty.a));
    await again.open();
    t.pass('the failed open released the port (lock included)');
    await again.close();
  });

  t.test('exclusive lock, missing device, bad options', async (t) => {
    const pty = await startPtyPair();
    t.teardown(() => pty.cleanup());
    const first = new SerialTransport(signOn(pty.a));
    await first.open();
    const second = new SerialTransport(signOn(pty.a));
    const err = await second.open().catch((e: unknown) => e);
    t.ok(isMeterkitError(err, ErrorCode.TransportOpenFailed), 'a locked port cannot be opened twice');
    await first.close();
    await first.close();
    t.equal(first.closeInfo?.by, 'local');

    const missing = new SerialTransport(signOn(`${pty.a}-missing`));
    const err2 = await missing.open().catch((e: unknown) => e);
    t.ok(isMeterkitError(err2, ErrorCode.TransportOpenFailed));
    t.match((err2 as MeterkitError).message, /No such file|ENOENT/);
  });

  t.test('the peer vanishing (socat killed): typed errors, then the port closes', async (t) => {
    const pty = await startPtyPair();
    t.teardown(() => pty.cleanup());
    const client = new SerialTransport(signOn(pty.a, { readTimeoutMs: 500 }));
    await client.open();
    const reading = client.read().catch((e: unknown) => e);
    await pty.stop();
    // What really happens on Linux: serialport's poller sometimes sees the pty hang-up at once
    // (the read rejects with TransportClosed) and sometimes not (the read times out). Either way
    // the caller gets a typed error, never a hang; and the next write fails with EIO, which
    // closes the transport for good.
    const err = await reading;
    t.ok(
      isMeterkitError(err, ErrorCode.TransportClosed) || isMeterkitError(err, ErrorCode.TransportTimeout),
      `read: ${(err as MeterkitError).message}`,
    );
    const werr = await client.write(Uint8Array.of(1)).catch((e: unknown) => e);
    t.ok(
      isMeterkitError(werr, ErrorCode.TransportIo) || isMeterkitError(werr, ErrorCode.TransportClosed),
      `write: ${(werr as MeterkitError).message}`,
    );
    for (let i = 0; i < 50 && !client.closed; i++) await new Promise((r) => setTimeout(r, 10));
    t.ok(client.closed, 'closed after the failed write');
    t.equal(client.closeInfo?.by, 'error');
    await t.rejects(client.setBaudRate(9600), { code: ErrorCode.TransportClosed });
    await t.rejects(client.read(), { code: ErrorCode.TransportClosed });
    await client.close();
  });
}
