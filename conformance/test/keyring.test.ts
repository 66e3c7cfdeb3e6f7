import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { fromHex, isMeterkitError } from '@meterkit/core';
import t from 'tap';
import { Keyring } from '../src/keyring.js';

const EK = '000102030405060708090a0b0c0d0e0f';
const AK = 'd0d1d2d3d4d5d6d7d8d9dadbdcdddedf';
const DOC = {
  dlms: [{ systemTitle: '4D4D4D0000BC614E', ek: EK, ak: AK }],
  c1222: [
    { apTitle: '1.3.6.1.4.1.33507', keyId: 2, key: '01020304050607080102030405060708' },
    { keyId: 0, key: EK },
  ],
  'ieee2030-5': [{ lfdi: '3E4F45AB31EDFE5B67E343E5E4562E31984E23E5', sfdi: '167261211391' }],
};

t.test('keys are found by system title, AP title and LFDI', async (t) => {
  const k = Keyring.parse(JSON.stringify(DOC));
  const e = k.dlmsKeys(fromHex('4d4d4d0000bc614e'));
  t.same(e?.ek, fromHex(EK));
  t.same(e?.ak, fromHex(AK));
  t.equal(k.dlmsKeys(fromHex('0000000000000000')), undefined);
  t.equal(k.onlyDlmsEntry(), e);
  t.ok(k.hasDlmsKeys);
  t.equal(k.c1222Keys(['1.3.6.1.4.1.33507']).length, 2);
  t.same(
    k.c1222Keys(['1.2.3']).map((x) => x.keyId),
    [0],
  );
  t.ok(k.hasC1222Keys);
  t.equal(k.ieee20305Identity('3e4f45ab31edfe5b67e343e5e4562e31984e23e5')?.sfdi, '167261211391');
  t.equal(Keyring.empty().hasDlmsKeys, false);
  t.equal(Keyring.empty().onlyDlmsEntry(), undefined);
});

t.test('keys never appear in toString, toJSON or inspect', async (t) => {
  const k = Keyring.parse(JSON.stringify(DOC));
  for (const text of [String(k), JSON.stringify(k), inspect(k, { depth: 9 })]) {
    t.notMatch(text.toLowerCase(), EK);
    t.notMatch(text.toLowerCase(), AK);
    t.notMatch(text.toLowerCase(), '01020304050607080102030405060708');
  }
  t.match(JSON.stringify(k), /4d4d4d0000bc614e/);
  t.match(String(k), /1 DLMS, 2 C12.22, 1 IEEE 2030.5/);
});

t.test('bad keyrings fail with InvalidArgument and never echo a key', async (t) => {
  const bad: unknown[] = [
    'not json',
    '[]',
    { dlms: {} },
    { dlms: [{ systemTitle: '00' }] },
    { dlms: [{ systemTitle: '4D4D4D0000BC614E', ek: 'zz' }] },
    { dlms: [{ systemTitle: '4D4D4D0000BC614E', ek: '0011' }] },
    { c1222: [{ keyId: 300, key: EK }] },
    { c1222: [{ apTitle: 'x.y', key: EK }] },
    { c1222: [{ key: '00' }] },
    { 'ieee2030-5': [{ lfdi: '00' }] },
  ];
  for (const b of bad) {
    const text = typeof b === 'string' ? b : JSON.stringify(b);
    try {
      Keyring.parse(text);
      t.fail(`accepted ${text}`);
    } catch (e) {
      t.ok(isMeterkitError(e, 600), text);
      t.notMatch((e as Error).message, EK);
    }
  }
});

t.test('load reads a file and reports an unreadable one', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'keyring-'));
  const path = join(dir, 'keys.json');
  await writeFile(path, JSON.stringify(DOC));
  t.ok((await Keyring.load(path)).hasDlmsKeys);
  await t.rejects(Keyring.load(join(dir, 'missing.json')), { code: 602 });
});
