import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromHex } from '@meterkit/core';
import { SerialTransport } from '@meterkit/core/transport';
import t, { type Test } from 'tap';
import { DlmsClient, type DlmsClientOptions, type DlmsConnection } from '../src/client/index.js';
import { OpticalDevice, SecurityContext } from '../src/index.js';

// The meter simulator is built alongside the client (src/server/); these tests run against it when
// it is there and say so when it is not.
interface SimulatorModule {
  MeterSimulator: new (profile: unknown) => { createSession(c: number, s: number): unknown; close(): void };
}
interface PortModule {
  WrapperServerPort: new (
    factory: unknown,
  ) => { receive(b: Uint8Array): Uint8Array[]; receiveDatagram(b: Uint8Array): Uint8Array[]; close(): void };
}
interface HdlcPortModule {
  HdlcServerPort: new (factory: unknown, o: object) => { receive(b: Uint8Array): Uint8Array[] };
}
let sim: SimulatorModule | undefined;
let wrapperPort: PortModule | undefined;
let hdlcPort: HdlcPortModule | undefined;
let profile: unknown;
try {
  sim = (await import('../src/server/simulator.js')) as unknown as SimulatorModule;
  wrapperPort = (await import('../src/server/wrapper-server-port.js')) as unknown as PortModule;
  hdlcPort = (await import('../src/server/hdlc-server-port.js')) as unknown as HdlcPortModule;
  profile = ((await import('../src/server/default-profile.js')) as { DEFAULT_SIMULATOR_PROFILE: unknown })
    .DEFAULT_SIMULATOR_PROFILE;
} catch {
  sim = undefined;
}

const EK = fromHex('000102030405060708090a0b0c0d0e0f');
const AK = fromHex('d0d1d2d3d4d5d6d7d8d9dadbdcdddedf');

async function tcpServer(
  onChunk: (write: (b: Uint8Array) => void) => (chunk: Uint8Array) => void,
): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    const handle = onChunk((b) => socket.write(b));
    socket.on('data', (d) => handle(new Uint8Array(d.buffer, d.byteOffset, d.length)));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port };
}

async function exercise(
  t: Test,
  connection: DlmsConnection,
  extra: Partial<DlmsClientOptions> = {},
): Promise<void> {
  const client = await DlmsClient.connect({ connection, timeoutMs: 3000, ...extra });
  const energy = await client.get('1-0:1.8.0.255', { classId: 3 });
  t.equal(energy.type, 'double-long-unsigned', 'energy register');
  const list = await client.getWithList([
    { classId: 3, instanceId: '1-0:1.8.0.255', attributeId: 3 },
    { classId: 8, instanceId: '0-0:1.0.0.255', attributeId: 2 },
  ]);
  t.equal(list.length, 2, 'with-list');
  const p = await client.readProfile('1-0:99.1.0.255', { fromEntry: 1, toEntry: 200 });
  t.equal(p.rows.length, 200, 'profile rows over block transfer');
  await client.release();
  await client.close();
}

t.test(
  'against the meter simulator',
  { skip: sim === undefined ? 'the simulator (src/server/) is not available' : false },
  async (t) => {
    const meter = new sim!.MeterSimulator(profile);
    t.teardown(() => meter.close());

    t.test('TCP wrapper: public client, LLS reader, HLS-GMAC with suite 0', async (t) => {
      const { server, port } = await tcpServer((write) => {
        const p = new wrapperPort!.WrapperServerPort(meter);
        return (chunk) => {
          for (const out of p.receive(chunk)) write(out);
        };
      });
      t.teardown(() => new Promise<void>((r) => server.close(() => r())));
      await exercise(t, { type: 'tcp', host: '127.0.0.1', port });
      await exercise(
        t,
        { type: 'tcp', host: '127.0.0.1', port, clientAddress: 32 },
        { authentication: { mechanism: 'low', password: '00000001' } },
      );
      const context = new SecurityContext({
        systemTitle: fromHex('4d4b543030303031'),
        globalUnicastEncryptionKey: EK,
        authenticationKey: AK,
      });
      await exercise(
        t,
        { type: 'tcp', host: '127.0.0.1', port, clientAddress: 1 },
        { authentication: { mechanism: 5 }, security: { context } },
      );
    });

    t.test('UDP wrapper', async (t) => {
      const sock = createSocket('udp4');
      const ports = new Map<string, InstanceType<PortModule['WrapperServerPort']>>();
      sock.on('message', (msg, rinfo) => {
        const k = `${rinfo.address}:${rinfo.port}`;
        let p = ports.get(k);
        if (p === undefined) {
          p = new wrapperPort!.WrapperServerPort(meter);
          ports.set(k, p);
        }
        for (const out of p.receiveDatagram(new Uint8Array(msg.buffer, msg.byteOffset, msg.length)))
          sock.send(out, rinfo.port, rinfo.address);
      });
      await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
      t.teardown(() => sock.close());
      await exercise(t, { type: 'udp', host: '127.0.0.1', port: sock.address().port });
    });

    t.test('HDLC over TCP', async (t) => {
      const { server, port } = await tcpServer((write) => {
        const p = new hdlcPort!.HdlcServerPort(meter, { maxInfoLength: 512 });
        return (chunk) => {
          for (const out of p.receive(chunk)) write(out);
        };
      });
      t.teardown(() => new Promise<void>((r) => server.close(() => r())));
      await exercise(t, {
        type: 'hdlc-tcp',
        host: '127.0.0.1',
        port,
        physicalAddress: 17,
        hdlcCapabilities: { maxInfoFieldLengthReceive: 512, maxInfoFieldLengthTransmit: 512 },
      });
    });

    const socat = existsSync('/usr/bin/socat') || existsSync('/usr/local/bin/socat');
    t.test(
      'serial pty (socat) with IEC 62056-21 mode E sign-on, HDLC',
      {
        skip: socat
          ? false
          : 'socat is not installed (apt-get install socat): serial end-to-end test skipped',
      },
      async (t) => {
        const dir = mkdtempSync(join(tmpdir(), 'mk-sim-'));
        const a = join(dir, 'a');
        const b = join(dir, 'b');
        const socat = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
          stdio: 'ignore',
        });
        t.teardown(() => {
          socat.kill();
        });
        for (let i = 0; i < 150 && !(existsSync(a) && existsSync(b)); i++)
          await new Promise((r) => setTimeout(r, 20));
        const line = new SerialTransport({
          path: b,
          baudRate: 300,
          dataBits: 7,
          parity: 'even',
          lock: false,
        });
        await line.open();
        t.teardown(() => line.close());
        const device = new OpticalDevice({
          manufacturer: 'MKT',
          identification: 'meterkit-sim',
          maxBaud: 9600,
        });
        const port = new hdlcPort!.HdlcServerPort(meter, { maxInfoLength: 512 });
        line.onData((chunk) => {
          if (device.state === 'binary') {
            for (const out of port.receive(chunk)) void line.write(out);
            return;
          }
          device.receive(chunk);
          for (let x = device.nextAction(); x !== undefined; x = device.nextAction()) {
            if (x.type === 'write') void line.write(x.bytes);
            else if (x.type === 'set-line')
              void line.setFormat({
                baudRate: x.line.baudRate,
                dataBits: x.line.dataBits,
                parity: x.line.parity,
              });
          }
        });
        await exercise(t, {
          type: 'serial',
          path: a,
          modeE: { baudSwitchDelayMs: 20 },
          physicalAddress: 17,
          hdlcTimeoutMs: 1000,
        });
      },
    );
  },
);
