/**
 * DLMS-SESSION-BLOCK-NUMBER (IEC 62056-5-3 §9.3.5–§9.3.7, §9.3.10): service-specific data blocks and
 * General-Block-Transfer numbered 1, 2, 3 …, ended by the last-block flag, acknowledgements naming
 * the last block received. Passing and failing sequences, bare APDUs as a probe would log them.
 */
import { fromHex } from '@meterkit/core';
import t from 'tap';
import { Keyring } from '../src/keyring.js';
import { ALL_RULES, dlmsBlockNumberRule, MessageAnalyser, type RuleOutcome } from '../src/rules/index.js';
import { dlmsMessage } from './helpers/dlms-message.js';

function run(list: readonly (readonly ['c' | 's', string])[]): RuleOutcome[] {
  const keys = Keyring.empty();
  const analyser = new MessageAnalyser(keys);
  const state = dlmsBlockNumberRule.createState!();
  const out: RuleOutcome[] = [];
  list.forEach(([d, hex], i) => {
    const m = dlmsMessage(i, d, fromHex(hex));
    const a = analyser.analyse(m);
    if (a.dlms?.apduError !== undefined)
      throw new Error(`test APDU ${hex} does not decode: ${a.dlms.apduError.message}`);
    const o = dlmsBlockNumberRule.check({ analysed: a, state, keys });
    if (o !== undefined) out.push(o);
  });
  return out;
}
const v = (o: readonly RuleOutcome[]) => o.map((x) => x.verdict);

const GET = 'C001C100070100630100FF0200';
const getBlock = (n: number, last: boolean) =>
  `C402C1${last ? '01' : '00'}${n.toString(16).padStart(8, '0')}0003AABBCC`;
const next = (n: number) => `C002C1${n.toString(16).padStart(8, '0')}`;

t.test('the rule is registered with a stable id and a clause', async (t) => {
  t.ok(ALL_RULES.includes(dlmsBlockNumberRule as never));
  t.equal(dlmsBlockNumberRule.id, 'DLMS-SESSION-BLOCK-NUMBER');
  t.match(dlmsBlockNumberRule.clause, /§9\.3/);
});

t.test('GET with datablock: 1, 2, 3 (last), each acknowledged', async (t) => {
  const out = run([
    ['c', GET],
    ['s', getBlock(1, false)],
    ['c', next(1)],
    ['s', getBlock(2, false)],
    ['c', next(2)],
    ['s', getBlock(3, true)],
  ]);
  t.same(v(out), ['PASS', 'PASS', 'PASS', 'PASS', 'PASS']);
});

t.test(
  'GET with datablock: a skipped number, a wrong start and a block after the last one fail',
  async (t) => {
    const skip = run([
      ['c', GET],
      ['s', getBlock(1, false)],
      ['c', next(1)],
      ['s', getBlock(3, true)],
    ]);
    t.same(v(skip), ['PASS', 'PASS', 'FAIL']);
    t.match(skip[2]!.message, /block 3 follows block 1, expected 2/);
    const start = run([
      ['c', GET],
      ['s', getBlock(2, false)],
    ]);
    t.same(v(start), ['FAIL']);
    t.match(start[0]!.message, /starts with block 2, not 1/);
    const after = run([
      ['c', GET],
      ['s', getBlock(1, true)],
      ['s', getBlock(2, true)],
    ]);
    t.same(v(after), ['PASS', 'FAIL']);
    t.match(after[1]!.message, /after the block with the last-block flag/);
    const ack = run([
      ['c', GET],
      ['s', getBlock(1, false)],
      ['c', next(2)],
    ]);
    t.same(v(ack), ['PASS', 'FAIL']);
    t.match(ack[1]!.message, /acknowledges block 2, the last block sent was 1/);
  },
);

t.test('GET with datablock whose request is not in the capture: INCONCLUSIVE; a repeat too', async (t) => {
  t.same(v(run([['s', getBlock(4, false)]])), ['INCONCLUSIVE']);
  t.same(v(run([['c', next(4)]])), ['INCONCLUSIVE']);
  t.same(
    v(
      run([
        ['c', GET],
        ['s', getBlock(1, false)],
        ['s', getBlock(1, false)],
      ]),
    ),
    ['PASS', 'INCONCLUSIVE'],
  );
});

const setFirst = (n: number, last: boolean) =>
  `C102C100010000600100FF0200${last ? '01' : '00'}${n.toString(16).padStart(8, '0')}020102`;
const setBlock = (n: number, last: boolean) =>
  `C103C1${last ? '01' : '00'}${n.toString(16).padStart(8, '0')}020304`;
const setAck = (n: number) => `C502C1${n.toString(16).padStart(8, '0')}`;
const setLastAck = (n: number) => `C503C100${n.toString(16).padStart(8, '0')}`;

t.test('SET with datablock: numbered from the first datablock, acknowledged by the server', async (t) => {
  t.same(
    v(
      run([
        ['c', setFirst(1, false)],
        ['s', setAck(1)],
        ['c', setBlock(2, true)],
        ['s', setLastAck(2)],
      ]),
    ),
    ['PASS', 'PASS', 'PASS', 'PASS'],
  );
  const bad = run([
    ['c', setFirst(1, false)],
    ['s', setAck(1)],
    ['c', setBlock(1, true)],
    ['s', setLastAck(3)],
  ]);
  t.same(v(bad), ['PASS', 'PASS', 'INCONCLUSIVE', 'FAIL']);
  t.same(v(run([['c', setFirst(5, true)]])), ['FAIL']);
});

const gbt = (n: number, ack: number, last: boolean, data = 'C001C100070100630100FF0200') =>
  `E0${last ? '80' : '00'}${n.toString(16).padStart(4, '0')}${ack.toString(16).padStart(4, '0')}${(data.length / 2).toString(16).padStart(2, '0')}${data}`;

t.test('General-Block-Transfer: numbers per sender, acknowledgements no further than received', async (t) => {
  t.same(
    v(
      run([
        ['c', gbt(1, 0, true)],
        ['s', gbt(1, 1, false, 'C401C100')],
        ['s', gbt(2, 1, true, '0600001234')],
        ['c', gbt(1, 2, true)],
      ]),
    ),
    ['PASS', 'PASS', 'PASS', 'PASS'],
  );
  const skip = run([
    ['c', gbt(1, 0, true)],
    ['s', gbt(1, 1, false, 'C401C100')],
    ['s', gbt(3, 1, true, '0600001234')],
  ]);
  t.same(v(skip), ['PASS', 'PASS', 'FAIL']);
  t.match(skip[2]!.message, /GBT block 3 follows block 1/);
  const ack = run([
    ['c', gbt(1, 0, true)],
    ['s', gbt(1, 4, true, 'C401C100')],
  ]);
  t.same(v(ack), ['PASS', 'FAIL']);
  t.match(ack[1]!.message, /block-number-ack 4/);
  t.same(v(run([['s', gbt(7, 0, false, 'C401C100')]])), ['INCONCLUSIVE']);
});
