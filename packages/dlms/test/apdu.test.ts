import { fromHex, isMeterkitError, type MeterkitError, toHex } from '@meterkit/core';
import t, { type Test } from 'tap';
import {
  apduName,
  type DataNotification,
  decodeApdu,
  encodeApdu,
  labelNotificationBody,
  type XdlmsApdu,
} from '../src/apdu/index.js';
import { decodeCosemDateTime, encodeCosemDateTime } from '../src/axdr/date-time.js';
import { DlmsErrorCode } from '../src/errors.js';
import { apduOf, fromJsonForm, jsonForm, loadVectors } from './apdu-helpers.js';

function thrown(fn: () => unknown): MeterkitError {
  try {
    fn();
  } catch (e) {
    if (isMeterkitError(e)) return e;
    throw e;
  }
  throw new Error('expected a MeterkitError');
}

t.test('APDU variants: parse, generate, mirror', async (t) => {
  const vectors = loadVectors('apdu-variants.json');
  t.ok(vectors.length >= 50);
  for (const v of vectors) {
    t.test(v.id, async (t) => {
      const bytes = fromHex(v.hex);
      const apdu = decodeApdu(bytes);
      t.match(jsonForm(apdu), v.expected, 'parse');
      t.equal(toHex(apdu.raw), toHex(bytes), 'raw is the whole APDU');
      t.equal(toHex(encodeApdu(apdu)), toHex(bytes), 'mirror');
      const rebuilt = fromJsonForm(jsonForm(apdu)) as XdlmsApdu;
      t.equal(toHex(encodeApdu(rebuilt)), toHex(bytes), 'generate from the JSON form');
      for (let cut = 0; cut < bytes.length; cut++) {
        const e = thrown(() => decodeApdu(bytes.subarray(0, cut)));
        if (![200, 201].includes(e.code)) t.fail(`cut ${cut}: code ${e.code} ${e.message}`);
        if (e.offset === undefined || e.offset > cut) t.fail(`cut ${cut}: offset ${e.offset}`);
      }
    });
  }
});

t.test('Green Book and jDLMS vectors', async (t) => {
  const vectors = loadVectors('greenbook.json');
  for (const v of vectors) {
    if (v.kind !== 'ciphered-apdu' && v.kind !== 'apdu') continue;
    t.test(v.id, async (t) => {
      const bytes = fromHex(v.hex);
      const apdu = decodeApdu(bytes);
      t.equal(toHex(encodeApdu(apdu)), toHex(bytes), 'mirror');
      const exp = v.expected as Record<string, string | number | null>;
      if (apdu.type === 'action-request-normal') {
        t.equal(apdu.cosemMethodDescriptor.classId, exp.class_id);
        t.equal(apdu.cosemMethodDescriptor.instanceId, exp.instance);
        t.equal(apdu.cosemMethodDescriptor.methodId, exp.method);
        t.same(apdu.invokeIdAndPriority, { invokeId: 1, serviceClass: 'confirmed', priority: 'high' });
        t.equal(apdu.methodInvocationParameters?.type, 'octet-string');
      } else if (apdu.type === 'action-response-normal') {
        t.equal(apdu.singleResponse.result, 'success');
        t.equal(apdu.singleResponse.returnParameters?.type, 'data');
      } else if (apdu.type === 'service-specific-ciphering') {
        t.equal(apdu.tag, bytes[0]);
        t.equal(apduName(apdu), (exp.apdu as string).split(' ')[0]);
        t.equal(apdu.invocationCounter, 0x01234567);
        if (typeof exp.ciphertext === 'string') t.equal(toHex(apdu.ciphertext).toUpperCase(), exp.ciphertext);
        if (typeof exp.auth_tag_12 === 'string')
          t.equal(toHex(apdu.authenticationTag!).toUpperCase(), exp.auth_tag_12);
        if (exp.auth_tag === null) t.equal(apdu.authenticationTag, undefined);
        if (v.id === 'gb-glo-get-request-auth-only') {
          // Authentication only: the information part is the plaintext get-request.
          const inner = decodeApdu(apdu.ciphertext);
          t.equal(inner.type, 'get-request-normal');
          t.equal(toHex(inner.raw).toUpperCase(), exp.plaintext_hex);
          if (inner.type === 'get-request-normal') {
            t.same(inner.cosemAttributeDescriptor, {
              classId: 8,
              instanceId: '0-0:1.0.0.255',
              attributeId: 2,
            });
          }
        }
      } else if (apdu.type === 'general-glo-ciphering') {
        t.equal(apduName(apdu), 'general-glo-ciphering');
        t.equal(apdu.systemTitle.length, 0);
        t.equal(apdu.invocationCounter, exp.invocation_counter);
      } else t.fail(`unexpected ${apdu.type}`);
    });
  }
  t.test('plaintext of the Green Book glo-get-request', async (t) => {
    const plain = decodeApdu(fromHex('C0010000080000010000FF0200'));
    t.match(jsonForm(plain), {
      type: 'get-request-normal',
      invokeIdAndPriority: { invokeId: 0, serviceClass: 'unconfirmed', priority: 'normal' },
      cosemAttributeDescriptor: { classId: 8, instanceId: '0-0:1.0.0.255', attributeId: 2 },
      accessSelection: null,
    });
  });
});

t.test('real meter frames', async (t) => {
  const vectors = loadVectors('real-frames.json');
  let checked = 0;
  for (const v of vectors) {
    const kind = v.kind ?? '';
    const bytes = apduOf(kind, fromHex(v.hex));
    if (bytes === null || !/(data-notification|ciphering|block-transfer|dump)$/.test(kind)) continue;
    const research = (v.expected.decoded_by_this_research ?? {}) as Record<string, Record<string, unknown>>;
    const exp = research.apdu ?? {};
    checked++;
    t.test(v.id, async (t) => {
      const quirk = exp.date_time_quirk !== undefined;
      const inconsistent = exp.length_consistent === false;
      if (quirk || inconsistent) {
        const e = thrown(() => decodeApdu(bytes));
        t.equal(e.code, quirk ? DlmsErrorCode.DateTimeInvalid : 208, 'strict decoding refuses the quirk');
      }
      const apdu = decodeApdu(bytes, { taggedNotificationDateTime: true, allowTrailingBytes: true });
      t.equal(apdu.type, exp.apdu ?? (kind.includes('general-glo') ? 'general-glo-ciphering' : apdu.type));
      if (quirk) t.match(apdu.tolerated, [/tagged octet-string/]);
      else if (inconsistent) t.match(apdu.tolerated, [/trailing/]);
      else {
        t.equal(apdu.tolerated, undefined);
        const again = encodeApdu(apdu);
        // Some meters write non-minimal lengths (82 00 E7); re-encoding gives the minimal form.
        if (toHex(again) !== toHex(bytes))
          t.same(jsonForm(decodeApdu(again)), jsonForm(apdu), 'canonical mirror');
        else t.pass('mirror');
      }
      if (apdu.type === 'data-notification') checkNotification(t, apdu, exp, v.cross_check);
      if (apdu.type === 'general-glo-ciphering') {
        if (typeof exp.system_title === 'string')
          t.equal(toHex(apdu.systemTitle).toUpperCase(), exp.system_title);
        if (typeof exp.invocation_counter === 'string')
          t.equal(apdu.invocationCounter, Number.parseInt(exp.invocation_counter, 16));
        if (typeof exp.security_control === 'string') {
          const sc = Number.parseInt(exp.security_control, 16);
          t.equal(apdu.securityControl.suite, sc & 0x0f);
          t.equal(apdu.securityControl.authentication, (sc & 0x10) !== 0);
          t.equal(apdu.securityControl.encryption, (sc & 0x20) !== 0);
        }
        const plain = research.plaintext_after_header;
        if (plain !== undefined) {
          // Decrypted-in-place dumps: the "ciphertext" is the plain data-notification.
          const inner = decodeApdu(apdu.ciphertext, { allowTrailingBytes: true });
          t.equal(inner.type, 'data-notification');
          if (inner.type === 'data-notification') checkNotification(t, inner, plain, undefined);
        }
        const keyed = (v.expected.decoded_by_this_research as Record<string, unknown>).plaintext_hex;
        if (typeof keyed === 'string') {
          const inner = decodeApdu(fromHex(keyed));
          t.equal(inner.type, 'data-notification');
        }
      }
      if (apdu.type === 'general-block-transfer') {
        t.equal(apdu.blockNumber, exp.block_number);
        t.equal(apdu.blockControl.lastBlock, exp.last_block);
        t.equal(apdu.blockControl.streaming, exp.streaming);
        t.equal(apdu.blockControl.window, exp.window);
        t.equal(apdu.blockNumberAck, exp.block_number_ack);
        t.equal(apdu.blockData.length, exp.block_data_length);
      }
    });
  }
  t.ok(checked >= 30, `checked ${checked} APDUs`);
});

function checkNotification(
  t: Test,
  apdu: DataNotification,
  exp: Record<string, unknown>,
  cross: Record<string, unknown> | undefined,
): void {
  if (typeof exp.long_invoke_id_and_priority === 'string') {
    const n = Number.parseInt(exp.long_invoke_id_and_priority, 16);
    t.equal(apdu.longInvokeIdAndPriority.invokeId, n & 0xffffff);
    t.equal(apdu.longInvokeIdAndPriority.serviceClass, n & 0x40000000 ? 'confirmed' : 'unconfirmed');
  }
  if (typeof exp.date_time_raw === 'string') {
    t.not(apdu.dateTime, null);
    t.equal(toHex(encodeCosemDateTime(apdu.dateTime!)), exp.date_time_raw);
  } else if (exp.date_time === null) t.equal(apdu.dateTime, null);
  const items = exp.items as [string | null, Record<string, unknown>][] | undefined;
  if (items === undefined) return;
  const labeled = labelNotificationBody(apdu.notificationBody, { allowMissingObis: true });
  if (labeled.items[0]?.attributeIndex !== null && labeled.items[0]?.attributeIndex !== undefined) {
    // Labelled from its push_object_list; checked on its own below.
    return;
  }
  const expectedObis = items.map((x) => x[0]).filter((x): x is string => x !== null);
  t.same(
    labeled.items.map((x) => x.obis).filter((x) => x !== null),
    expectedObis,
    'OBIS codes in order',
  );
  if (cross !== undefined && typeof cross.this_research_obis_count === 'number') {
    t.equal(expectedObis.length, cross.this_research_obis_count);
  }
  const missing = labeled.items.filter((x) => x.obis === null).length;
  if (missing === 0) {
    t.same(labeled.tolerated, []);
    t.same(
      labelNotificationBody(apdu.notificationBody).items.length,
      labeled.items.length,
      'strict labelling',
    );
  } else {
    t.match(labeled.tolerated, [/without an OBIS code/]);
    t.equal(
      thrown(() => labelNotificationBody(apdu.notificationBody)).code,
      DlmsErrorCode.AttributeValueInvalid,
    );
  }
  // Every labelled value is one of the research's values for that OBIS code.
  for (const x of labeled.items) {
    if (x.obis === null) continue;
    const e: [string | null, Record<string, unknown>] | undefined = items.find((i) => i[0] === x.obis);
    t.ok(e, `${x.obis} known to the research decode`);
    if (e === undefined) continue;
    const [type, value]: [string, unknown] = Object.entries(e[1])[0]!;
    t.equal(x.value.type, type, `${x.obis} type`);
    const got = jsonForm(x.value.value);
    t.equal(
      typeof got === 'string' ? got : JSON.stringify(got),
      typeof value === 'string' ? value : JSON.stringify(value),
      `${x.obis} value`,
    );
    if (x.dateTime !== null && x.value.type === 'octet-string') {
      t.same(decodeCosemDateTime(x.value.value), x.dateTime);
    }
  }
}

t.test('a push labelled from its push_object_list (L&G E450)', async (t) => {
  const v = loadVectors('real-frames.json').find((x) => x.id === 'ams-landis-gyr-gh934-1')!;
  const apdu = decodeApdu(fromHex(v.hex));
  if (apdu.type !== 'data-notification') throw new Error('not a data-notification');
  const { items, tolerated } = labelNotificationBody(apdu.notificationBody);
  t.same(tolerated, []);
  t.equal(items.length, 14);
  const by = (obis: string, attr = 2) => items.find((x) => x.obis === obis && x.attributeIndex === attr)!;
  t.equal(by('0-8:25.9.0.255').value.type, 'array', 'the list itself');
  t.equal(toHex(by('0-8:25.9.0.255', 1).value.value as Uint8Array), '0008190900ff');
  t.equal(by('0-0:96.1.0.255').name, 'Device ID 1 (manufacturing number)');
  t.same(by('1-0:1.7.0.255').value, { type: 'double-long-unsigned', value: 331 });
  t.same(by('1-1:1.8.0.255').value, { type: 'double-long-unsigned', value: 4912257 });
  t.same(by('1-0:32.7.0.255').value, { type: 'long-unsigned', value: 234 });
  t.same(by('1-0:61.7.0.255').value, { type: 'double-long-unsigned', value: 28 });
});

t.test('scaler_unit found in the message is applied (Aidon)', async (t) => {
  const v = loadVectors('real-frames.json').find((x) => x.id === 'ams-aidon-gh1119-1')!;
  const apdu = decodeApdu(apduOf(v.kind!, fromHex(v.hex))!);
  if (apdu.type !== 'data-notification') throw new Error('not a data-notification');
  const { items } = labelNotificationBody(apdu.notificationBody);
  const golden = (v.expected.source_states as Record<string, Record<string, unknown>>)
    .amsreader_golden_decode!;
  const get = (obis: string) => items.find((x) => x.obis === obis)!;
  t.equal(get('1-0:1.7.0.255').scaled, golden.activeImportPower_W);
  t.equal(get('1-0:1.7.0.255').unit, 'W');
  t.same(
    ['1-0:32.7.0.255', '1-0:52.7.0.255', '1-0:72.7.0.255'].map((o) => get(o).scaled),
    golden.voltage_L1_L2_L3,
  );
  t.same(
    ['1-0:31.7.0.255', '1-0:51.7.0.255', '1-0:71.7.0.255'].map((o) => get(o).scaled),
    golden.current_L1_L2_L3,
  );
  t.ok(Math.abs(get('1-0:1.8.0.255').scaled! / 1000 - (golden.activeImportCounter_kWh as number)) < 0.01);
  t.equal(get('1-0:1.8.0.255').unit, 'Wh');
  t.equal(get('1-0:1.8.0.255').name, 'Active energy+ (QI+QIV), time integral 1, total');
  t.equal(get('0-0:96.1.0.255').value.value, golden.meterId);
  t.match(get('0-0:1.0.0.255').dateTime, { year: 2025, month: 12, dayOfMonth: 14, hour: 16 });
});

t.test('leniency is strict by default and reported when used', async (t) => {
  const kaifa = fromHex('0F40000000090C07E60102070E2512FF80000002010600001015');
  t.equal(thrown(() => decodeApdu(kaifa)).code, DlmsErrorCode.DateTimeInvalid);
  const lenient = decodeApdu(kaifa, { taggedNotificationDateTime: true });
  t.equal(lenient.type, 'data-notification');
  t.equal(lenient.tolerated?.length, 1);
  // Re-encoding gives the standard form (the tolerated quirk is not reproduced).
  t.equal(toHex(encodeApdu(lenient)), '0f400000000c07e60102070e2512ff80000002010600001015');
  const trailing = fromHex('C501C100FFFF');
  t.equal(thrown(() => decodeApdu(trailing)).code, 208);
  const ok = decodeApdu(trailing, { allowTrailingBytes: true });
  t.same(ok.tolerated, ['2 trailing octet(s) after the APDU']);
  t.equal(ok.raw.length, 4);
  const reserved = fromHex('C501F100');
  t.equal(thrown(() => decodeApdu(reserved)).code, 207);
  t.match(decodeApdu(reserved, { allowReservedInvokeIdBits: true }).tolerated, [/reserved bits/]);
  const reservedLong = fromHex('0F0100000100 00'.replace(/ /g, ''));
  t.equal(thrown(() => decodeApdu(reservedLong)).code, 207);
  t.match(decodeApdu(reservedLong, { allowReservedInvokeIdBits: true }).tolerated, [/reserved bits/]);
});

t.test('malformed APDUs raise typed errors', async (t) => {
  const cases: [string, number, number][] = [
    ['', 200, 0],
    ['FE', DlmsErrorCode.ApduTagUnknown, 0],
    ['C009C1', DlmsErrorCode.ChoiceUnknown, 1],
    ['C4C1', DlmsErrorCode.ChoiceUnknown, 1],
    ['C404C1', DlmsErrorCode.ChoiceUnknown, 1],
    ['C401C102', DlmsErrorCode.ChoiceUnknown, 3],
    ['C402C10000000001020405', DlmsErrorCode.ChoiceUnknown, 8],
    ['C501C1', 200, 3],
    ['C10AC1', DlmsErrorCode.ChoiceUnknown, 1],
    ['C309C1', DlmsErrorCode.ChoiceUnknown, 1],
    ['C709C1', DlmsErrorCode.ChoiceUnknown, 1],
    ['C001C100080000010000FF0202', 207, 12],
    ['C401C100090A01', 201, 5],
    ['C402C10200000001000000', 207, 3],
    ['0F000000010501020304050000', DlmsErrorCode.DateTimeInvalid, 5],
    ['C2010501020304050001', DlmsErrorCode.DateTimeInvalid, 2],
    ['0E010B00', 207, 2],
    ['D90000000100010900080000010000FF0200', DlmsErrorCode.ChoiceUnknown, 7],
    ['DA00000001000000010900', DlmsErrorCode.ChoiceUnknown, 9],
    ['0501030000', DlmsErrorCode.ChoiceUnknown, 2],
    ['0C010900', DlmsErrorCode.ChoiceUnknown, 2],
    ['0D0109', DlmsErrorCode.ChoiceUnknown, 2],
    ['C8840000FFFF', 201, 1],
    ['C80410000000', DlmsErrorCode.SecurityHeaderInvalid, 2],
    ['DB00021000', DlmsErrorCode.SecurityHeaderInvalid, 3],
    ['DD0000000000010300050000000001', DlmsErrorCode.ChoiceUnknown, 7],
    ['E0000000000005AA', 201, 6],
  ];
  for (const [hex, code, offset] of cases) {
    const e = thrown(() => decodeApdu(fromHex(hex)));
    t.equal(e.code, code, `${hex}: code (${e.message})`);
    t.equal(e.offset, offset, `${hex}: offset`);
  }
});

t.test('encoder rejects what it cannot encode', async (t) => {
  const iip = { invokeId: 1, serviceClass: 'confirmed', priority: 'normal' } as const;
  const bad: unknown[] = [
    { type: 'nope' },
    { type: 'get-request-next', invokeIdAndPriority: { ...iip, invokeId: 16 }, blockNumber: 1 },
    { type: 'set-response-normal', invokeIdAndPriority: iip, result: 'no-such-result' },
    { type: 'set-response-normal', invokeIdAndPriority: iip, result: 0 },
    { type: 'set-response-normal', invokeIdAndPriority: iip, result: 300 },
    {
      type: 'general-block-transfer',
      blockControl: { lastBlock: true, streaming: false, window: 64 },
      blockNumber: 1,
      blockNumberAck: 0,
      blockData: new Uint8Array(0),
    },
    { type: 'confirmed-service-error', service: 256, error: 0, value: 0 },
    {
      type: 'get-request-normal',
      invokeIdAndPriority: iip,
      cosemAttributeDescriptor: { classId: 8, instanceId: 'not-obis', attributeId: 2 },
      accessSelection: null,
    },
  ];
  for (const b of bad) {
    const e = thrown(() => encodeApdu(b as XdlmsApdu));
    t.ok(
      [206, 211, 223, DlmsErrorCode.EnumValueUnknown].includes(e.code),
      `${JSON.stringify(b)} → ${e.code}`,
    );
  }
  t.equal(
    toHex(encodeApdu({ type: 'set-response-normal', invokeIdAndPriority: iip, result: 200 })),
    'c50141c8',
    'an undefined enumeration value encodes as its number',
  );
});

t.test('labelling shapes: structures with scaler_unit, flat lists, nested containers', async (t) => {
  const obis = (hex: string) => ({ type: 'octet-string', value: fromHex(hex) }) as const;
  const su = {
    type: 'structure',
    value: [
      { type: 'integer', value: -2 },
      { type: 'enum', value: 33 },
    ],
  } as const;
  const body = {
    type: 'structure',
    value: [
      { type: 'structure', value: [obis('01001f0700ff'), { type: 'long-unsigned', value: 123 }, su] },
      obis('0100200700ff'),
      { type: 'long-unsigned', value: 2301 },
      { type: 'structure', value: [obis('0100340700ff'), { type: 'long64', value: 5n }] },
      {
        type: 'array',
        value: [
          obis('0000010000ff'),
          {
            type: 'date-time',
            value: {
              year: 2025,
              month: 1,
              dayOfMonth: 1,
              dayOfWeek: 3,
              hour: 0,
              minute: 0,
              second: 0,
              hundredths: 0,
              deviation: 0,
              clockStatus: 0,
            },
          },
        ],
      },
      {
        type: 'structure',
        value: [obis('0100480700ff'), { type: 'unsigned', value: 1 }, { type: 'unsigned', value: 2 }],
      },
    ],
  } as const;
  const { items, tolerated } = labelNotificationBody(body, { allowMissingObis: true });
  t.equal(items[0]!.obis, '1-0:31.7.0.255');
  t.equal(items[0]!.scaled, 1.23);
  t.equal(items[0]!.unit, 'A');
  t.equal(items[1]!.obis, '1-0:32.7.0.255');
  t.equal(items[1]!.scaled, null);
  t.equal(items[2]!.obis, '1-0:52.7.0.255');
  t.equal(items[3]!.dateTime?.year, 2025);
  t.equal(items[4]!.obis, '1-0:72.7.0.255', 'flat pairing inside a 3-element structure without scaler_unit');
  t.equal(items[5]!.obis, null);
  t.same(tolerated, ['1 value(s) without an OBIS code']);
  t.equal(labelNotificationBody({ type: 'unsigned', value: 1 }, { allowMissingObis: true }).items.length, 1);
});

t.test('ACSE APDUs go through the ACSE module', async (t) => {
  const v = loadVectors('real-frames.json').find((x) => x.id === 'issue-dlmscosem-95-aarq-lls')!;
  const frame = fromHex(v.hex);
  const aarq = decodeApdu(apduOf(v.kind!, frame)!);
  t.equal(aarq.type, 'aarq');
  t.equal(aarq.raw.length, frame.length - 17);
  const again = decodeApdu(encodeApdu(aarq));
  t.equal(again.type, 'aarq');
  const trailing = new Uint8Array(aarq.raw.length + 2);
  trailing.set(aarq.raw);
  t.equal(thrown(() => decodeApdu(trailing)).code, 208);
  t.same(decodeApdu(trailing, { allowTrailingBytes: true }).tolerated, [
    '2 trailing octet(s) after the APDU',
  ]);
});
