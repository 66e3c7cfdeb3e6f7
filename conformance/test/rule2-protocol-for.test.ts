import { resolve } from 'node:path';
import { ErrorCode } from '@meterkit/core';
import t from 'tap';
import { parseProtocolFor, protocolForInput, unknownProtocolForFiles } from '../src/protocol-for.js';

t.test('--protocol-for FILE=PROTOCOL', async (t) => {
  const map = parseProtocolFor(['a.pcap=dlms', 'dir/b=c.pcapng=C1222', '/abs/x.hex=ieee2030-5'], '/work');
  t.same(
    [...map.entries()],
    [
      ['/work/a.pcap', 'dlms'],
      ['/work/dir/b=c.pcapng', 'c1222'],
      ['/abs/x.hex', 'ieee2030-5'],
    ],
  );
  t.equal(protocolForInput('a.pcap', map, undefined, '/work'), 'dlms');
  t.equal(protocolForInput('./dir/../a.pcap', map, 'c1218', '/work'), 'dlms', 'matched by resolved path');
  t.equal(
    protocolForInput('other.pcap', map, 'c1218', '/work'),
    'c1218',
    'the run-wide --protocol otherwise',
  );
  t.equal(protocolForInput('other.pcap', undefined, undefined), undefined, 'detected otherwise');
  t.same(unknownProtocolForFiles(['a.pcap', '/abs/x.hex'], map, '/work'), ['/work/dir/b=c.pcapng']);
  t.same(parseProtocolFor(['a=dlms', 'a=dlms']).size, 1, 'the same pair twice is fine');
  for (const bad of ['a.pcap', '=dlms', 'a.pcap=modbus', 'a.pcap='])
    t.throws(() => parseProtocolFor([bad]), { code: ErrorCode.ValueInvalid }, bad);
  t.throws(() => parseProtocolFor(['a=dlms', 'a=c1222']), { code: ErrorCode.ValueInvalid });
  t.equal(protocolForInput('a', parseProtocolFor(['a=c1218']), undefined), 'c1218');
  t.equal(resolve('a'), [...parseProtocolFor(['a=c1218']).keys()][0], 'keys are resolved against the cwd');
});
