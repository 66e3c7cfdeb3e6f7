import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  collectingSink,
  PcapngWriter,
  SerialRecorder,
  TcpStreamRecorder,
  toHex,
  UdpRecorder,
} from '@meterkit/core';
import t from 'tap';
import { type CapturePacket, CaptureReader } from '../src/input/index.js';

/** tshark (Wireshark) is the outside oracle for the writer and the readers; CI installs Debian's `tshark`. */
function has(tool: string): boolean {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const tshark = has('tshark');
const editcap = has('editcap');
const SKIP_TSHARK = tshark
  ? false
  : 'tshark is not installed: skipping the Wireshark oracle checks (apt-get install tshark)';
if (!tshark) t.comment(`SKIP ${SKIP_TSHARK}`);

function run(tool: string, args: string[]): string {
  return execFileSync(tool, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

function readFile(bytes: Uint8Array): CapturePacket[] {
  const r = new CaptureReader();
  return [...r.push(bytes), ...r.end()];
}

/** The bytes of each direction from `tshark -z follow,tcp,raw,0` (node 1's lines are tab-indented). */
function follow(file: string): { toServer: string; toClient: string } {
  const out = run('tshark', ['-r', file, '-q', '-z', 'follow,tcp,raw,0']);
  const lines = out.split('\n');
  const start = lines.findIndex((l) => l.startsWith('Node 1:')) + 1;
  let toServer = '';
  let toClient = '';
  for (const line of lines.slice(start)) {
    if (line.startsWith('=')) break;
    if (line.startsWith('\t')) toClient += line.trim();
    else toServer += line.trim();
  }
  return { toServer, toClient };
}

const session: Array<['client-to-server' | 'server-to-client', string]> = [
  [
    'client-to-server',
    '000100100001001f601d a109060760857405080101 be10040e01000000065f1f040000181dffff'.replace(/ /g, ''),
  ],
  [
    'server-to-client',
    '0001000100100037612b a109060760857405080101 a203020100a305a103020100 be10040e0800065f1f040000101d04000007'.replace(
      / /g,
      '',
    ),
  ],
  ['client-to-server', `00010010000100${'0d'}c001c1000801000063 0100ff0200`.replace(/ /g, '')],
  ['server-to-client', 'ab'.repeat(300)],
  ['client-to-server', '0001001000010005620380 0100'.replace(/ /g, '')],
];

t.test('tshark follows the recorded TCP stream byte for byte', { skip: SKIP_TSHARK }, async (t) => {
  const dir = t.testdir({});
  const c = collectingSink();
  const w = new PcapngWriter(c.sink);
  const tcp = new TcpStreamRecorder(w, { maxSegmentSize: 64 });
  session.forEach(([d, hex], i) => {
    tcp.record(
      d,
      Uint8Array.from(Buffer.from(hex, 'hex')),
      1_700_000_000_000_000_000n + BigInt(i) * 1_000_000n,
    );
  });
  tcp.close(1_700_000_001_000_000_000n);
  const file = join(dir, 'session.pcapng');
  writeFileSync(file, c.bytes());
  const got = follow(file);
  t.equal(
    got.toServer,
    session
      .filter(([d]) => d === 'client-to-server')
      .map(([, h]) => h)
      .join(''),
    'client → meter',
  );
  t.equal(
    got.toClient,
    session
      .filter(([d]) => d === 'server-to-client')
      .map(([, h]) => h)
      .join(''),
    'meter → client',
  );
  const status = run('tshark', [
    '-r',
    file,
    '-o',
    'ip.check_checksum:TRUE',
    '-o',
    'tcp.check_checksum:TRUE',
    '-T',
    'fields',
    '-e',
    'ip.checksum.status',
    '-e',
    'tcp.checksum.status',
  ]);
  const rows = status.trim().split('\n');
  t.equal(rows.length, readFile(c.bytes()).length);
  t.ok(
    rows.every((r) => r === '1\t1'),
    'every IPv4 and TCP checksum is good (status 1)',
  );
  const analysis = run('tshark', [
    '-r',
    file,
    '-Y',
    'tcp.analysis.flags && !tcp.analysis.window_update',
    '-T',
    'fields',
    '-e',
    'frame.number',
  ]);
  t.equal(analysis.trim(), '', 'no TCP analysis warnings (lost segments, retransmissions, unseen ACKs)');
});

t.test(
  'tshark and the reader agree on frame lengths, times and UDP/serial packets',
  { skip: SKIP_TSHARK },
  async (t) => {
    const dir = t.testdir({});
    const c = collectingSink();
    const w = new PcapngWriter(c.sink);
    const tcp = new TcpStreamRecorder(w);
    const udp = new UdpRecorder(w, { server: { address: '10.9.8.7', port: 1153 } });
    const serial = new SerialRecorder(w);
    tcp.record('client-to-server', Uint8Array.of(0, 1, 0, 0x10, 0, 1, 0, 1, 0xc0), 1_000_000_123_000n, {
      comment: 'get',
    });
    udp.record(
      'client-to-server',
      Uint8Array.of(0x60, 0x05, 0xa1, 0x03, 0x80, 0x01, 0x00),
      1_000_000_124_000n,
    );
    serial.record('server-to-client', Uint8Array.of(0x7e, 0xa0, 0x07, 0x7e), 1_000_000_124_567n);
    udp.record('server-to-client', new Uint8Array(1000).fill(7), 1_000_000_125_000n);
    tcp.close(1_000_000_126_000n);
    const file = join(dir, 'mixed.pcapng');
    writeFileSync(file, c.bytes());
    const ours = readFile(c.bytes());
    const theirs = run('tshark', [
      '-r',
      file,
      '-o',
      'udp.check_checksum:TRUE',
      '-T',
      'fields',
      '-E',
      'separator=,',
      '-e',
      'frame.len',
      '-e',
      'frame.cap_len',
      '-e',
      'frame.time_epoch',
      '-e',
      'udp.checksum.status',
      '-e',
      'frame.comment',
    ])
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    t.equal(theirs.length, ours.length, 'same number of frames');
    ours.forEach((p, i) => {
      const [len, capLen, epoch, udpStatus, comment] = theirs[i]!;
      t.equal(Number(len), p.originalLength, `frame ${p.frameNumber} frame.len`);
      t.equal(Number(capLen), p.data.length, `frame ${p.frameNumber} frame.cap_len`);
      const [s, frac = ''] = epoch!.split('.');
      t.equal(
        BigInt(s!) * 1_000_000_000n + BigInt(frac.padEnd(9, '0').slice(0, 9)),
        p.timestamp,
        `frame ${p.frameNumber} time`,
      );
      if (p.udp !== undefined) t.equal(udpStatus, '1', `frame ${p.frameNumber} UDP checksum good`);
      t.equal(comment ?? '', p.comments.join(','), `frame ${p.frameNumber} comment`);
    });
  },
);

t.test(
  'editcap conversions to pcap read the same as the pcapng',
  { skip: SKIP_TSHARK || (editcap ? false : 'editcap is not installed') },
  async (t) => {
    const dir = t.testdir({});
    const c = collectingSink();
    const tcp = new TcpStreamRecorder(new PcapngWriter(c.sink), { maxSegmentSize: 10 });
    tcp.record(
      'client-to-server',
      Uint8Array.from({ length: 33 }, (_, i) => i),
      1_600_000_000_123_456_789n,
    );
    tcp.record('server-to-client', Uint8Array.of(9, 9, 9), 1_600_000_000_223_456_789n);
    tcp.close(1_600_000_001_000_000_000n);
    const src = join(dir, 'a.pcapng');
    writeFileSync(src, c.bytes());
    const original = readFile(c.bytes());
    for (const format of ['pcap', 'nsecpcap']) {
      const out = join(dir, `a.${format}`);
      execFileSync('editcap', ['-F', format, src, out], { stdio: 'ignore' });
      const { readFileSync } = await import('node:fs');
      const converted = readFile(new Uint8Array(readFileSync(out)));
      t.equal(converted.length, original.length, `${format}: packet count`);
      t.same(
        converted.map((p) => [p.timestamp, toHex(p.data), p.tcp?.seq]),
        original.map((p) => [p.timestamp, toHex(p.data), p.tcp?.seq]),
        `${format}: timestamps, bytes and sequence numbers`,
      );
    }
  },
);
