import { ErrorCode, MeterkitError, toHex } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import {
  decodeDataReadout,
  decodeIdentification,
  decodeOptionSelect,
  decodeRequest,
  encodeBreak,
  encodeDataReadout,
  encodeIdentification,
  encodeOptionSelect,
  encodeRequest,
  INITIAL_LINE,
  type LineSettings,
  type OpticalAction,
  OpticalDevice,
  OpticalSignOn,
  parseDataSets,
} from '../src/optical/index.js';

const enc = (s: string) => new TextEncoder().encode(s);

t.test('request messages (IEC 62056-21 §6.3.1)', (t) => {
  t.equal(toHex(encodeRequest()), '2f3f210d0a');
  t.equal(new TextDecoder().decode(encodeRequest('12345678')), '/?12345678!\r\n');
  t.equal(decodeRequest(enc('/?12345678!\r\n')), '12345678');
  t.throws(() => encodeRequest('a!b'), { code: ErrorCode.InvalidArgument });
  t.throws(() => encodeRequest('x'.repeat(33)), { code: ErrorCode.InvalidArgument });
  t.throws(() => decodeRequest(enc('/?!')), { code: ErrorCode.ValueInvalid });
  t.end();
});

t.test('identification messages of real meters (§6.3.2)', (t) => {
  // Iskraemeco MT382 and a Landis+Gyr E350 as seen on optical probes; Kamstrup with fast reaction
  const iskra = decodeIdentification(enc('/ISk5\\2MT382-1000\r\n'));
  t.match(iskra, {
    manufacturer: 'ISK',
    fastReaction: true,
    baudCharacter: '5',
    mode: 'C',
    maxBaud: 9600,
    enhanced: ['2'],
    supportsModeE: true,
    identification: 'MT382-1000',
  });
  const lg = decodeIdentification(enc('/LGZ4ZMF100AC.M29\r\n'));
  t.match(lg, {
    manufacturer: 'LGZ',
    fastReaction: false,
    mode: 'C',
    maxBaud: 4800,
    supportsModeE: false,
    identification: 'ZMF100AC.M29',
  });
  const modeB = decodeIdentification(enc('/ABCEmeter\r\n'));
  t.match(modeB, { mode: 'B', maxBaud: 9600 });
  const modeA = decodeIdentification(enc('/ABC?meter\r\n'));
  t.match(modeA, { mode: 'A', maxBaud: undefined });
  t.throws(() => decodeIdentification(enc('/A1C5x\r\n')), {
    code: ErrorCode.ValueInvalid,
    path: 'identification.manufacturer',
  });
  t.throws(() => decodeIdentification(enc('ISK5x\r\n')), { code: ErrorCode.ValueInvalid });
  t.throws(() => decodeIdentification(enc(`/ISK5${'x'.repeat(17)}\r\n`)), { code: ErrorCode.ValueInvalid });
  const round = encodeIdentification({
    manufacturer: 'ISK',
    fastReaction: true,
    baudCharacter: '5',
    enhanced: ['2'],
    identification: 'MT382-1000',
  });
  t.equal(new TextDecoder().decode(round), '/ISk5\\2MT382-1000\r\n');
  t.throws(() => encodeIdentification({ manufacturer: 'IS', baudCharacter: '5', identification: '' }), {
    code: ErrorCode.InvalidArgument,
  });
  t.end();
});

t.test('acknowledgement / option select (§6.3.3)', (t) => {
  const modeE = encodeOptionSelect({ protocolControl: 'hdlc', baudCharacter: '5', modeControl: 'binary' });
  t.equal(toHex(modeE), '063235320d0a', 'ACK 2 5 2 CR LF');
  t.same(decodeOptionSelect(modeE), { protocolControl: 'hdlc', baudCharacter: '5', modeControl: 'binary' });
  const readout = encodeOptionSelect({
    protocolControl: 'normal',
    baudCharacter: '4',
    modeControl: 'data-readout',
  });
  t.equal(toHex(readout), '063034300d0a');
  t.throws(() => decodeOptionSelect(enc('x050\r\n')), { code: ErrorCode.ValueInvalid });
  t.throws(() => decodeOptionSelect(Uint8Array.from([6, 0x39, 0x35, 0x30, 13, 10])), {
    code: ErrorCode.ValueInvalid,
    offset: 1,
  });
  t.throws(() => decodeOptionSelect(Uint8Array.from([6, 0x30, 0x35, 0x39, 13, 10])), {
    code: ErrorCode.ValueInvalid,
    offset: 3,
  });
  t.end();
});

t.test('data readout with BCC (§6.3.5, §6.5) and break (§6.3.13)', (t) => {
  const body = '1.8.0(001234.5*kWh)\r\n0.9.1(123456)\r\n!\r\n';
  const msg = Uint8Array.from([0x02, ...enc(body), 0x03, 0x42]); // BCC computed independently: 0x42
  const r = decodeDataReadout(msg);
  t.same(r.dataSets, [
    { address: '1.8.0', values: [{ value: '001234.5', unit: 'kWh' }] },
    { address: '0.9.1', values: [{ value: '123456' }] },
  ]);
  t.same([...encodeDataReadout(r.dataSets)], [...msg], 'encode gives the same bytes');
  const bad = Uint8Array.from(msg);
  bad[bad.length - 1] = 0x43;
  t.throws(() => decodeDataReadout(bad), { code: ErrorCode.FrameCheckFailed, offset: msg.length - 1 });
  t.throws(() => decodeDataReadout(enc('x')), { code: ErrorCode.FrameFormatInvalid });
  t.throws(() => decodeDataReadout(Uint8Array.from([2, 0x41, 3])), { code: ErrorCode.FrameFormatInvalid });
  t.same(parseDataSets('P.01(2401011200)(00)(15)(2)(1.5)(kWh)(2.5)(kWh)\r\nnoise\r\n'), [
    {
      address: 'P.01',
      values: ['2401011200', '00', '15', '2', '1.5', 'kWh', '2.5', 'kWh'].map((value) => ({ value })),
    },
  ]);
  t.equal(toHex(encodeBreak()), '0142300371', 'SOH B 0 ETX BCC 0x71');
  t.end();
});

/** Runs a client and a device against each other on a simulated line; returns the client's actions. */
function converse(
  client: OpticalSignOn,
  device: OpticalDevice,
  tamper: (bytes: Uint8Array, from: 'client' | 'device') => Uint8Array = (b) => b,
  echo = false,
): { clientActions: OpticalAction[]; deviceLine: LineSettings; clientLine: LineSettings } {
  const clientActions: OpticalAction[] = [];
  let clientLine = INITIAL_LINE;
  let deviceLine = INITIAL_LINE;
  client.start();
  for (let step = 0; step < 100; step++) {
    let progressed = false;
    for (let a = client.nextAction(); a; a = client.nextAction()) {
      progressed = true;
      clientActions.push(a);
      if (a.type === 'set-line') clientLine = a.line;
      if (a.type === 'write') {
        if (echo) client.receive(a.bytes);
        // bytes only get through when both ends agree on the line
        if (clientLine.baudRate === deviceLine.baudRate) device.receive(tamper(a.bytes, 'client'));
      }
    }
    for (let a = device.nextAction(); a; a = device.nextAction()) {
      progressed = true;
      if (a.type === 'set-line') deviceLine = a.line;
      if (a.type === 'write' && clientLine.baudRate === deviceLine.baudRate)
        client.receive(tamper(a.bytes, 'device'));
    }
    if (!progressed) {
      if (client.timeoutMs === undefined) break;
      client.timeout();
    }
  }
  return { clientActions, deviceLine, clientLine };
}

t.test('mode E sign-on: client and simulated meter switch to 9600 8N1', (t) => {
  const client = new OpticalSignOn({ mode: 'E' });
  const device = new OpticalDevice({ manufacturer: 'MKt', identification: 'SIM-1', maxBaud: 9600 });
  const { clientActions, deviceLine, clientLine } = converse(client, device, undefined, true);
  const types = clientActions.map((a) => a.type);
  t.same(types, ['set-line', 'write', 'identified', 'wait', 'write', 'wait', 'set-line', 'ready']);
  const ready = clientActions.at(-1);
  t.equal(ready?.type, 'ready');
  if (ready?.type === 'ready') {
    t.same(ready.line, { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 });
    t.equal(ready.identification.identification, 'SIM-1');
    t.ok(ready.identification.supportsModeE);
  }
  const wait = clientActions[3];
  t.same(wait, { type: 'wait', ms: 20 }, 'lower-case third letter: 20 ms reaction time');
  t.same(deviceLine, clientLine);
  t.equal(client.state, 'done');
  t.equal(device.state, 'binary');
  t.end();
});

t.test('mode C readout, baud capped by the client', (t) => {
  const client = new OpticalSignOn({ mode: 'C', maxBaud: 2400 });
  const device = new OpticalDevice({
    manufacturer: 'MKT',
    identification: 'SIM-2',
    maxBaud: 19200,
    readout: () => [{ address: '1.8.0', values: [{ value: '000042.1', unit: 'kWh' }] }],
  });
  const { clientActions } = converse(client, device);
  const last = clientActions.at(-1);
  t.equal(last?.type, 'readout');
  if (last?.type === 'readout')
    t.same(last.readout.dataSets, [{ address: '1.8.0', values: [{ value: '000042.1', unit: 'kWh' }] }]);
  const sel = clientActions.find((a) => a.type === 'write' && a.bytes[0] === 0x06);
  t.equal(sel?.type === 'write' ? toHex(sel.bytes) : '', '063033300d0a', 'ACK 0 3 0: 2400 baud data readout');
  t.end();
});

t.test('noise before the answer, split reads and retries after silence', (t) => {
  const client = new OpticalSignOn({ retries: 2 });
  client.start();
  while (client.nextAction());
  t.equal(client.timeoutMs, 2000);
  client.timeout(); // retry 1
  const retry = client.nextAction();
  t.equal(retry?.type === 'write' ? new TextDecoder().decode(retry.bytes) : '', '/?!\r\n');
  client.receive(Uint8Array.from([0xff, 0x00, 0x13]));
  client.receive(enc('/ISK5\\2MT3'));
  t.equal(client.nextAction(), undefined, 'nothing until CR LF');
  client.receive(enc('82\r\n'));
  t.equal(client.nextAction()?.type, 'identified');
  t.end();
});

t.test('timeouts end in a typed failure with a hint', (t) => {
  const client = new OpticalSignOn({ retries: 1 });
  client.start();
  while (client.nextAction());
  client.timeout();
  while (client.nextAction());
  client.timeout();
  const failed = client.nextAction();
  t.equal(failed?.type, 'failed');
  if (failed?.type === 'failed') {
    t.equal(failed.error.code, ErrorCode.SessionTimeout);
    t.match(failed.error.message, /probe/);
  }
  t.equal(client.timeoutMs, undefined);
  t.throws(() => client.start(), { code: ErrorCode.InvalidState });
  t.end();
});

t.test('a garbled identification fails cleanly; an overflowing line fails with FrameTooLong', (t) => {
  const c1 = new OpticalSignOn();
  c1.start();
  while (c1.nextAction());
  c1.receive(enc('/1SK5x\r\n'));
  t.equal(c1.nextAction()?.type, 'failed');
  const c2 = new OpticalSignOn({ maxBuffer: 32 });
  c2.start();
  while (c2.nextAction());
  c2.receive(enc(`/${'A'.repeat(40)}`));
  const f = c2.nextAction();
  t.equal(f?.type === 'failed' ? f.error.code : 0, ErrorCode.FrameTooLong);
  t.end();
});

t.test('the device ignores requests for another address and garbage', (t) => {
  const device = new OpticalDevice({ manufacturer: 'MKT', identification: 'X', deviceAddress: '42' });
  device.receive(enc('/?17!\r\n'));
  t.equal(device.nextAction(), undefined);
  device.receive(enc('garbage\r\n'));
  t.equal(device.nextAction(), undefined);
  device.receive(enc('/?42!\r\n'));
  t.equal(device.nextAction()?.type, 'wait');
  t.equal(device.nextAction()?.type, 'write');
  t.throws(
    () =>
      new OpticalDevice({ manufacturer: 'MKT', identification: 'X', maxBaud: 1234 }).receive(enc('/?!\r\n')),
    {
      code: ErrorCode.InvalidArgument,
    },
  );
  t.end();
});

t.test('property: arbitrary bytes never make the sign-on throw', (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 6 }),
      fc.constantFrom<'E' | 'C'>('E', 'C'),
      (chunks, mode) => {
        const c = new OpticalSignOn({ mode });
        c.start();
        const d = new OpticalDevice({ manufacturer: 'ABC', identification: 'Y' });
        for (const chunk of chunks) {
          c.receive(chunk);
          d.receive(chunk);
          for (let a = c.nextAction(); a; a = c.nextAction())
            if (a.type === 'failed' && !(a.error instanceof MeterkitError)) return false;
          while (d.nextAction());
        }
        return true;
      },
    ),
    { numRuns: 500 },
  );
  t.end();
});
