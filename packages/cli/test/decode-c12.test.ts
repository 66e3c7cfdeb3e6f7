import { readFileSync } from 'node:fs';
import t from 'tap';
import { runCli } from '../src/index.js';
import { captureIo } from './helpers.js';

interface Entry {
  readonly id: string;
  readonly kind: string;
  readonly protocol: string;
  readonly hex: string;
  readonly keys: Record<string, string>;
}
const { entries } = JSON.parse(
  readFileSync(new URL('./vectors/c12-vectors.json', import.meta.url), 'utf8'),
) as { entries: Entry[] };

interface Output {
  protocol: string;
  layers: { layer: string; value: Record<string, unknown> }[];
  notes: string[];
}

async function decode(args: string[]): Promise<{ code: number; out?: Output; err: string }> {
  const io = captureIo();
  const code = await runCli(['decode', '--json', ...args], io);
  return { code, out: code === 0 ? (JSON.parse(io.stdout()) as Output) : undefined, err: io.stderr() };
}

t.test('every C12.22 APDU and C12.18 packet in the vectors decodes', async (t) => {
  for (const e of entries.filter((x) => x.protocol !== 'other')) {
    const keyArgs = Object.entries(e.keys).flatMap(([k, v]) => ['--key', `${k}=${v}`]);
    const r = await decode([...keyArgs, e.hex]);
    t.equal(r.code, 0, `${e.id} ${r.err}`);
    t.equal(r.out?.protocol, e.protocol, `${e.id} detected as ${e.protocol}`);
    if (e.protocol === 'c1222') {
      const sec = r.out?.layers.find((l) => l.layer === 'security')?.value;
      if (Object.keys(e.keys).length > 0) {
        t.equal(sec?.['status'], 'authenticated', `${e.id}: EAX' verified with its key`);
        t.ok(
          r.out?.layers.some((l) => l.layer === 'epsem'),
          `${e.id}: EPSEM shown`,
        );
      } else if (e.kind.includes('mode2')) {
        t.equal(sec?.['status'], 'no-key', `${e.id}: left encrypted`);
        t.match(r.out?.notes.join('\n'), /could not decrypt: no key for key id/);
      }
    }
  }
});

t.test('a wrong C12.22 key fails the MAC with exit 4 and never echoes the key', async (t) => {
  const v1 = entries.find((e) => e.id === 'c1222-from-eaxprime-vector-1')!;
  const io = captureIo();
  const code = await runCli(['decode', '--key', 'c1222:2=ffeeddccbbaa99887766554433221100', v1.hex], io);
  t.equal(code, 4);
  t.match(io.stderr(), /^meterkit: E300 authentication-failed/);
  t.notMatch(io.stderr(), /ffeeddcc/);
});

t.test('C12.18: ACK, NAK and a CRC error', async (t) => {
  t.same((await decode(['06'])).out?.layers[0]?.value, { type: 'ack' });
  t.same((await decode(['15'])).out?.layers[0]?.value, { type: 'nak' });
  const bad = await decode(['ee0000000001201311']);
  t.equal(bad.code, 1);
  t.match(bad.err, /^meterkit: E101 frame-check-failed/);
});
