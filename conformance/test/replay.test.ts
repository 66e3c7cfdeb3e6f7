import { createSocket } from 'node:dgram';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectingSink, fromHex, PcapngWriter, toHex, UdpRecorder } from '@meterkit/core';
import { listenTcp, type TcpTransport } from '@meterkit/core/transport';
import { decodeHdlcFrame, encodeHdlcFrame, encodeWrapperPdu, hdlcAddress } from '@meterkit/dlms';
import t from 'tap';
import { frameStream } from '../src/reassembly/frame-stream.js';
import { ReplayAdapter } from '../src/replay/adapt.js';
import { replayCommandMain } from '../src/replay/command.js';
import { compareStructures, structuralForm } from '../src/replay/compare.js';
import { buildReplayScript } from '../src/replay/script.js';
import { frameSession } from '../src/session/frame-session.js';
import { readSession } from '../src/session/read-session.js';

const corpus = join(dirname(fileURLToPath(import.meta.url)), '..', 'corpus');
const clean = join(corpus, 'dlms/wrapper-clean-session/capture.pcapng');

/**
 * A scripted device: answers each wrapper request with the captured answer, its invoke-id taken
 * from the request (as a real device does), optionally changing the value it returns.
 */
async function scriptedDevice(answers: readonly Uint8Array[], tamper: boolean) {
  const listener = await listenTcp({ port: 0 });
  const served = (async () => {
    const conn: TcpTransport = await listener.accept({ timeoutMs: 5000 });
    const framer = frameStream('dlms');
    let i = 0;
    try {
      for await (const chunk of conn) {
        for (const f of framer.push(chunk)) {
          if (f.type !== 'frame') continue;
          const answer = answers[i++]!.slice();
          if (answer[8] === 0xc4) {
            answer[10] = (answer[10]! & 0xf0) | (f.bytes[10]! & 0x0f);
            if (tamper) answer[answer.length - 1] = 0x99;
          }
          await conn.write(answer);
        }
      }
    } catch {
      // the client closed
    }
  })();
  return {
    url: `tcp://127.0.0.1:${listener.address().port}`,
    close: async () => {
      await listener.close();
      await served;
    },
  };
}

async function steps() {
  return buildReplayScript(frameSession(readSession(clean)));
}

t.test('the replay script is the client side with the answers that followed', async (t) => {
  const s = await steps();
  t.equal(s.length, 3);
  t.same(
    s.map((x) => x.answers.length),
    [1, 1, 1],
  );
  t.equal(toHex(s[1]!.request).slice(16), 'c001c100080000010000ff0200');
  t.same(await buildReplayScript(frameSession(readSession(clean)), { channel: 'nope' }), []);
  t.equal((await buildReplayScript(frameSession(readSession(clean)), { maxSteps: 1 })).length, 1);
});

t.test('replay over TCP against a device that renumbers invoke-ids: PASS with masks', async (t) => {
  const s = await steps();
  const device = await scriptedDevice(
    s.map((x) => x.answers[0]!),
    false,
  );
  const dir = await mkdtemp(join(tmpdir(), 'replay-'));
  const out: string[] = [];
  const code = await replayCommandMain(
    { captures: [clean], against: device.url, invokeIdShift: 3, report: join(dir, 'r.json'), progress: true },
    { stdout: (x) => out.push(x), stderr: (x) => out.push(x), progress: () => undefined },
  );
  await device.close();
  t.equal(code, 0, out.join(''));
  t.match(out.join(''), /PASS/);
  const report = JSON.parse(await readFile(join(dir, 'r.json'), 'utf8'));
  t.equal(report.verdict, 'PASS');
  t.equal(report.steps[1].sent.slice(16, 22), 'c001c4', 'invoke-id 1 sent as 4');
});

t.test(
  'replay over TCP against a device that answers a different value: FAIL naming the field',
  async (t) => {
    const s = await steps();
    const device = await scriptedDevice(
      s.map((x) => x.answers[0]!),
      true,
    );
    const out: string[] = [];
    const code = await replayCommandMain(
      { captures: [clean], against: device.url },
      { stdout: (x) => out.push(x), stderr: (x) => out.push(x) },
    );
    await device.close();
    t.equal(code, 1);
    t.match(out.join(''), /frame \d+: FAIL/);
    t.match(out.join(''), /answer 1: apdu\.result/);
  },
);

t.test('replay over UDP; a silent device is INCONCLUSIVE', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'replay-udp-'));
  const get = 'C001C100080000010000FF0200';
  const res = 'C401C1000600001234';
  const w = (hex: string, toServer: boolean) =>
    encodeWrapperPdu({
      sourceWPort: toServer ? 16 : 1,
      destinationWPort: toServer ? 1 : 16,
      payload: fromHex(hex),
    });
  const sink = collectingSink();
  const udp = new UdpRecorder(new PcapngWriter(sink.sink));
  udp.record('client-to-server', w(get, true), 1n);
  udp.record('server-to-client', w(res, false), 2n);
  const capture = join(dir, 'udp.pcapng');
  await writeFile(capture, sink.bytes());

  const socket = createSocket('udp4');
  let answered = 0;
  socket.on('message', (_msg, rinfo) => {
    answered++;
    socket.send(w(res, false), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  const port = socket.address().port;
  const out: string[] = [];
  const io = { stdout: (x: string) => out.push(x), stderr: (x: string) => out.push(x) };
  t.equal(
    await replayCommandMain({ captures: [capture], against: `udp://127.0.0.1:${port}` }, io),
    0,
    out.join(''),
  );
  t.equal(answered, 1);
  socket.removeAllListeners('message');
  const silent = await replayCommandMain(
    { captures: [capture], against: `udp://127.0.0.1:${port}`, timeoutMs: 100, report: join(dir, 's.json') },
    io,
  );
  socket.close();
  t.equal(silent, 0);
  const report = JSON.parse(await readFile(join(dir, 's.json'), 'utf8'));
  t.equal(report.verdict, 'INCONCLUSIVE');
  t.match(report.steps[0].message, /no answer/);
});

t.test('structural comparison with masks', async (t) => {
  const a = structuralForm('dlms', fromHex('C401C1000600001234'));
  const b = structuralForm('dlms', fromHex('C401C5000600001234'));
  const c = structuralForm('dlms', fromHex('C401C1000600009999'));
  t.same(compareStructures(a, b), [], 'invoke-id masked');
  t.not(compareStructures(a, b, []).length, 0, 'unmasked it differs');
  t.match(compareStructures(a, c)[0], /^apdu\.result/);
  t.same(compareStructures({ x: [1, 2] }, { x: [1] }), ['x: expected 2 items, got 1']);
  t.same(compareStructures({ x: { y: 1 } }, { x: { y: 2 } }, ['*.y']), []);
  t.same(compareStructures({ x: [1] }, { x: { 0: 1 } }).length, 1);
  t.match(structuralForm(undefined, fromHex('0102')), { type: 'bytes', hex: '0102' });
  t.match(structuralForm('dlms', fromHex('ff')), { type: 'bytes' });
  t.match(structuralForm('c1218', fromHex('06')), { type: 'bytes' });
  t.match(structuralForm('c1218', fromHex('ee0000000001201310')), { type: 'c1218-packet' });
  t.match(structuralForm('c1222', fromHex('6003a10100')), { type: 'bytes' });
  const xml = '<EndDeviceList xmlns="urn:ieee:std:2030.5:ns" href="/edev" all="0" results="0"/>';
  t.match(structuralForm('ieee2030-5', new TextEncoder().encode(`HTTP/1.1 200 OK\r\n\r\n${xml}`)), {
    type: 'ieee2030-5',
    status: '200',
  });
  t.match(structuralForm('ieee2030-5', new TextEncoder().encode('HTTP/1.1 404 Not Found\r\n\r\n')), {
    status: '404',
  });
});

t.test(
  'the adapter renumbers invoke-ids in bare APDUs, wrappers and HDLC frames (FCS recomputed)',
  async (t) => {
    const a = new ReplayAdapter({ invokeIdShift: 2 });
    t.equal(a.invokeIdShift, 2);
    t.equal(toHex(a.adapt('dlms', fromHex('C001C100080000010000FF0200'))).slice(0, 6), 'c001c3');
    t.equal(
      toHex(a.adapt('dlms', fromHex('C001CF00080000010000FF0200'))).slice(0, 6),
      'c001c1',
      'wraps mod 16',
    );
    t.equal(toHex(a.adapt('dlms', fromHex('6200'))), '6200');
    t.equal(toHex(a.adapt('c1222', fromHex('C001C1'))), 'c001c1');
    const frame = encodeHdlcFrame({
      type: 'i',
      destination: hdlcAddress(1, 16),
      source: hdlcAddress(16),
      sendSequence: 0,
      receiveSequence: 0,
      pollFinal: true,
      segmented: false,
      information: fromHex('e6e600C001C100080000010000FF0200'),
    });
    const adapted = a.adapt('dlms', frame);
    const decoded = decodeHdlcFrame(adapted);
    t.equal(decoded.type, 'i');
    t.equal(toHex(decoded.information).slice(0, 6), 'c001c3');
    t.same(new ReplayAdapter().adapt('dlms', frame), frame);
  },
);
