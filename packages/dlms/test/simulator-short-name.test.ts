/** Short-name referencing: the real client against the simulator, plus hand-built APDUs for what the client does not send. */
import { fromHex } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import { DlmsClient } from '../src/client/index.js';
import { firstMethodOffset } from '../src/cosem/short-names.js';
import {
  ApplicationContextName,
  clientHlsResponse,
  decodeApdu,
  encodeApdu,
  SecurityContext,
  type ShortNameObjectListElement,
  verifyServerHlsResponse,
} from '../src/index.js';
import { serveWrapperTcp } from '../src/server/serve.js';
import { ShortNameTable, shortNameOf } from '../src/server/short-names.js';
import { MeterSimulator } from '../src/server/simulator.js';
import { aare, aarq, get, IID, T0 } from './server-helpers.js';
import { profileWith } from './simulator-helpers.js';

const SN_CONFORMANCE = [
  'read',
  'write',
  'unconfirmed-write',
  'block-transfer-with-get-or-read',
  'multiple-references',
  'parameterized-access',
] as const;

const BASE: Record<string, number> = {
  '0-0:1.0.0.255': 0x1000,
  '0-0:96.1.0.255': 0x1100,
  '1-0:1.8.0.255': 0x2000,
  '1-0:99.1.0.255': 0x3000,
  '0-0:96.3.10.255': 0x4000,
};

function snProfile() {
  return profileWith(
    [
      { clientSap: 16, referencing: 'short-name', conformance: [...SN_CONFORMANCE] },
      {
        clientSap: 48,
        referencing: 'short-name',
        mechanism: 1,
        password: 'secret-48',
        conformance: [...SN_CONFORMANCE],
        defaultAccess: 'read-and-write',
      },
      {
        clientSap: 64,
        referencing: 'short-name',
        mechanism: 4,
        secret: '3132333435363738',
        conformance: [...SN_CONFORMANCE],
        defaultAccess: 'read-only',
      },
      { clientSap: 17, mechanism: 0 },
      {
        clientSap: 80,
        referencing: 'short-name',
        ciphering: true,
        mechanism: 1,
        password: 'secret-80',
        conformance: [...SN_CONFORMANCE],
        security: {
          suite: 0,
          globalUnicastEncryptionKey: '000102030405060708090a0b0c0d0e0f',
          authenticationKey: 'd0d1d2d3d4d5d6d7d8d9dadbdcdddedf',
        },
      },
    ],
    [],
    (o) => (BASE[o.logicalName] === undefined ? o : { ...o, baseName: BASE[o.logicalName] }),
  );
}

t.test('SN: the client reads, writes and lists objects over the TCP wrapper', async (t) => {
  const sim = new MeterSimulator(snProfile());
  const server = await serveWrapperTcp(sim, { port: 0 });
  t.teardown(() => server.close());

  await t.test('public client: object list, reads, block transfer, refusals', async (t) => {
    const client = await DlmsClient.connect({
      connection: { type: 'tcp', host: '127.0.0.1', port: server.port },
      referencing: 'short-name',
      maxReceivePduSize: 256,
      timeoutMs: 5000,
    });
    t.teardown(() => client.close());
    t.equal(client.negotiated?.vaaName, 0xfa00, 'vaa-name is the Association SN base name');
    const list = (await client.readObjectList()) as readonly ShortNameObjectListElement[];
    t.same(list[0], {
      baseName: 0xfa00,
      classId: 12,
      version: 2,
      logicalName: '0-0:40.0.0.255',
      className: 'Association SN',
    });
    const energy = list.find((o) => o.logicalName === '1-0:1.8.0.255');
    t.equal(energy?.baseName, 0x2000, 'the profile base name');
    const bases = new Set(list.map((o) => o.baseName));
    t.equal(bases.size, list.length, 'every base name is unique');
    t.ok(
      list.every((o) => o.baseName % 8 === 0),
      'base names are multiples of 8',
    );
    t.notOk(
      list.some((o) => o.logicalName === '0-0:25.9.0.255'),
      'objects without access are not listed',
    );

    // value (attribute 2) and scaler_unit (attribute 3) of the register in one READ
    const [value, scaler] = await client.read([{ variableName: 0x2008 }, { variableName: 0x2010 }]);
    t.equal(value?.type === 'data' ? value.data.type : value?.type, 'double-long-unsigned');
    t.same(scaler, {
      type: 'data',
      data: {
        type: 'structure',
        value: [
          { type: 'integer', value: 0 },
          { type: 'enum', value: 30 },
        ],
      },
    });
    const ln = await client.read([{ variableName: 0x2000 }]);
    t.same(ln[0], { type: 'data', data: { type: 'octet-string', value: fromHex('0100010800ff') } });

    // unknown short names, offsets inside an attribute, and a write without the right
    const bad = await client.read([
      { variableName: 0x2003 },
      { variableName: 0x0008 },
      { variableName: 0xfa10 },
    ]);
    t.same(
      bad.map((r) => (r.type === 'data-access-result' ? r.result : 'data')),
      ['object-undefined', 'object-undefined', 'object-undefined'],
    );
    t.same(
      await client.write([
        { variable: { variableName: 0x1108 }, value: { type: 'visible-string', value: '99' } },
      ]),
      ['read-write-denied'],
    );

    // the load profile by entry: parameterized access, answered in data-block-result blocks
    const rows = await client.read([
      {
        variableName: 0x3008,
        selector: 2,
        parameter: {
          type: 'structure',
          value: [
            { type: 'double-long-unsigned', value: 1 },
            { type: 'double-long-unsigned', value: 300 },
            { type: 'long-unsigned', value: 1 },
            { type: 'long-unsigned', value: 0 },
          ],
        },
      },
    ]);
    const buffer = rows[0];
    t.equal(buffer?.type === 'data' && buffer.data.type === 'array' ? buffer.data.value.length : -1, 300);
    // an unknown selector
    const wrong = await client.read([
      { variableName: 0x3008, selector: 7, parameter: { type: 'null-data', value: null } },
    ]);
    t.same(wrong[0], { type: 'data-access-result', result: 'scope-of-access-violated' });
    await client.release();
  });

  await t.test('LLS client: writes an attribute and invokes methods through READ and WRITE', async (t) => {
    const client = await DlmsClient.connect({
      connection: { type: 'tcp', host: '127.0.0.1', port: server.port, clientAddress: 48 },
      referencing: 'short-name',
      authentication: { mechanism: 1, password: 'secret-48' },
      timeoutMs: 5000,
    });
    t.teardown(() => client.close());
    const serial = { type: 'visible-string', value: '12345' } as const;
    t.same(await client.write([{ variable: { variableName: 0x1108 }, value: serial }]), ['success']);
    t.same(await client.read([{ variableName: 0x1108 }]), [{ type: 'data', data: serial }]);
    t.same(
      await client.write([{ variable: { variableName: 0x1108 }, value: { type: 'boolean', value: true } }]),
      ['type-unmatched'],
    );
    // Disconnect control: remote_disconnect (method 1, base + 0x20) through WRITE, remote_reconnect through READ
    t.same(
      await client.write([{ variable: { variableName: 0x4020 }, value: { type: 'integer', value: 0 } }]),
      ['success'],
    );
    t.same(await client.read([{ variableName: 0x4010 }]), [
      { type: 'data', data: { type: 'enum', value: 0 } },
    ]);
    t.same(
      await client.read([{ variableName: 0x4028, selector: 0, parameter: { type: 'integer', value: 0 } }]),
      [{ type: 'data', data: { type: 'null-data', value: null } }],
    );
    t.same(await client.read([{ variableName: 0x4010 }]), [
      { type: 'data', data: { type: 'enum', value: 1 } },
    ]);
    // a method id the object does not have
    t.same(await client.read([{ variableName: 0x4040 }]), [
      { type: 'data-access-result', result: 'object-undefined' },
    ]);
    await client.release();
  });

  await t.test('ciphered SN association (glo-read-request / glo-read-response)', async (t) => {
    const context = new SecurityContext({
      suite: 0,
      systemTitle: fromHex('4d4b540000000080'),
      globalUnicastEncryptionKey: fromHex('000102030405060708090a0b0c0d0e0f'),
      authenticationKey: fromHex('d0d1d2d3d4d5d6d7d8d9dadbdcdddedf'),
      invocationCounters: { 'global-unicast-encryption-key': 1 },
    });
    const client = await DlmsClient.connect({
      connection: { type: 'tcp', host: '127.0.0.1', port: server.port, clientAddress: 80 },
      referencing: 'short-name',
      authentication: { mechanism: 1, password: 'secret-80' },
      security: { context },
      timeoutMs: 5000,
    });
    t.teardown(() => client.close());
    const [v] = await client.read([{ variableName: 0x2008 }]);
    t.equal(v?.type === 'data' ? v.data.type : v?.type, 'double-long-unsigned');
    const list = await client.readObjectList();
    t.ok(list.length > 5);
    await client.release();
  });

  await t.test('an LN client is refused by an SN association and the other way round', async (t) => {
    await t.rejects(
      DlmsClient.connect({
        connection: { type: 'tcp', host: '127.0.0.1', port: server.port },
        timeoutMs: 5000,
      }),
      { code: 424 },
    );
    await t.rejects(
      DlmsClient.connect({
        connection: { type: 'tcp', host: '127.0.0.1', port: server.port, clientAddress: 17 },
        referencing: 'short-name',
        timeoutMs: 5000,
      }),
      { code: 424 },
    );
  });
});

t.test('SN sessions with hand-built APDUs', async (t) => {
  const sim = new MeterSimulator(snProfile(), { now: () => T0 });
  const snAarq = (mechanism = 0, auth?: Uint8Array) =>
    aarq({
      context: ApplicationContextName.ShortNameNoCiphering,
      conformance: [...SN_CONFORMANCE],
      mechanism,
      auth,
    });

  await t.test('unconfirmed-write changes the value and answers nothing', async (t) => {
    const s = sim.createSession(48, 1)!;
    s.handle(snAarq(1, new TextEncoder().encode('secret-48')));
    t.ok(s.associated);
    const value = { type: 'visible-string', value: 'ABC' } as const;
    const out = s.handle(
      encodeApdu({
        type: 'unconfirmed-write-request',
        variableAccessSpecification: [{ type: 'variable-name', variableName: 0x1108 }],
        listOfData: [value],
      }),
    );
    t.same(out, []);
    const [r] = s.handle(
      encodeApdu({
        type: 'read-request',
        variableAccessSpecification: [{ type: 'variable-name', variableName: 0x1108 }],
      }),
    );
    t.same(decodeApdu(r!), { type: 'read-response', items: [{ type: 'data', data: value }], raw: r });
  });

  await t.test('GET in an SN association and READ in an LN association are exceptions', async (t) => {
    const sn = sim.createSession(16, 1)!;
    sn.handle(snAarq());
    t.equal(decodeApdu(sn.handle(get(3, '1-0:1.8.0.255', 2))[0]!).type, 'exception-response');
    const ln = sim.createSession(17, 1)!;
    ln.handle(aarq());
    t.ok(ln.associated);
    const read = encodeApdu({
      type: 'read-request',
      variableAccessSpecification: [{ type: 'variable-name', variableName: 0x2008 }],
    });
    t.equal(decodeApdu(ln.handle(read)[0]!).type, 'exception-response');
  });

  await t.test('block-number-access without a long read, and a wrong block number', async (t) => {
    const s = sim.createSession(16, 1)!;
    s.handle(snAarq());
    const next = (blockNumber: number) =>
      decodeApdu(
        s.handle(
          encodeApdu({
            type: 'read-request',
            variableAccessSpecification: [{ type: 'block-number-access', blockNumber }],
          }),
        )[0]!,
      );
    t.match(next(1), {
      type: 'read-response',
      items: [{ type: 'data-access-error', result: 'no-long-get-in-progress' }],
    });
    const first = decodeApdu(
      s.handle(
        encodeApdu({
          type: 'read-request',
          variableAccessSpecification: [{ type: 'variable-name', variableName: 0x3008 }],
        }),
      )[0]!,
    );
    t.match(first, {
      type: 'read-response',
      items: [{ type: 'data-block-result', lastBlock: false, blockNumber: 1 }],
    });
    t.match(next(5), {
      type: 'read-response',
      items: [{ type: 'data-access-error', result: 'data-block-number-invalid' }],
    });
  });

  await t.test('HLS (mechanism 4) through reply_to_HLS_authentication at 0xFA58', async (t) => {
    const s = sim.createSession(64, 1)!;
    const ctos = fromHex('000102030405060708090a0b0c0d0e0f');
    const a = aare(s.handle(snAarq(4, ctos))[0]!);
    t.equal(s.state, 'association-pending');
    const v = a.respondingAuthenticationValue;
    const stoc = v?.type === 'charstring' ? v.value : new Uint8Array(0);
    const exchange = { mechanism: 4 as const, clientToServerChallenge: ctos, serverToClientChallenge: stoc };
    const secrets = { secret: fromHex('3132333435363738') };
    // nothing but the HLS method while pending
    const early = decodeApdu(
      s.handle(
        encodeApdu({
          type: 'read-request',
          variableAccessSpecification: [{ type: 'variable-name', variableName: 0x2008 }],
        }),
      )[0]!,
    );
    t.match(early, { items: [{ type: 'data-access-error', result: 'read-write-denied' }] });
    const hls = (value: Uint8Array) =>
      decodeApdu(
        s.handle(
          encodeApdu({
            type: 'read-request',
            variableAccessSpecification: [
              {
                type: 'parameterized-access',
                variableName: 0xfa58,
                selector: 0,
                parameter: { type: 'octet-string', value },
              },
            ],
          }),
        )[0]!,
      );
    t.match(hls(new Uint8Array(20)), { items: [{ type: 'data-access-error', result: 'read-write-denied' }] });
    const answer = hls(clientHlsResponse(exchange, secrets));
    t.equal(s.state, 'associated');
    const item = answer.type === 'read-response' ? answer.items[0] : undefined;
    const fctos =
      item?.type === 'data' && item.data.type === 'octet-string' ? item.data.value : new Uint8Array(0);
    t.doesNotThrow(() => verifyServerHlsResponse(exchange, secrets, fctos), 'f(CtoS) verifies');
  });

  t.test('write refusals: no conformance, block access, parameterized writes', async (t) => {
    const s = sim.createSession(48, 1)!;
    s.handle(
      aarq({
        context: ApplicationContextName.ShortNameNoCiphering,
        conformance: ['read', 'parameterized-access'],
        mechanism: 1,
        auth: new TextEncoder().encode('secret-48'),
      }),
    );
    const w = (spec: Parameters<typeof encodeApdu>[0]) => decodeApdu(s.handle(encodeApdu(spec))[0]!);
    t.match(
      w({
        type: 'write-request',
        variableAccessSpecification: [{ type: 'variable-name', variableName: 0x1108 }],
        listOfData: [{ type: 'visible-string', value: 'x' }],
      }),
      { items: [{ type: 'data-access-error', result: 'other-reason' }] },
    );
    t.equal(
      decodeApdu(
        sim.createSession(16, 1)!.handle(
          encodeApdu({
            type: 'read-request',
            variableAccessSpecification: [{ type: 'variable-name', variableName: 8 }],
          }),
        )[0]!,
      ).type,
      'exception-response',
      'not associated',
    );
    const s2 = sim.createSession(48, 1)!;
    s2.handle(snAarq(1, new TextEncoder().encode('secret-48')));
    const r = decodeApdu(
      s2.handle(
        encodeApdu({
          type: 'write-request',
          variableAccessSpecification: [
            {
              type: 'parameterized-access',
              variableName: 0x1108,
              selector: 1,
              parameter: { type: 'null-data', value: null },
            },
            { type: 'block-number-access', blockNumber: 1 },
            { type: 'variable-name', variableName: 0x9990 },
          ],
          listOfData: [
            { type: 'null-data', value: null },
            { type: 'null-data', value: null },
            { type: 'null-data', value: null },
          ],
        }),
      )[0]!,
    );
    t.match(r, {
      items: [
        { type: 'data-access-error', result: 'scope-of-access-violated' },
        { type: 'data-access-error', result: 'other-reason' },
        { type: 'data-access-error', result: 'object-undefined' },
      ],
    });
    t.end();
  });
  void IID;
});

t.test('short-name table: explicit and automatic base names', async (t) => {
  const sim = new MeterSimulator(snProfile(), { now: () => T0 });
  const table = sim.store.shortNames;
  const clock = sim.store.get('0-0:1.0.0.255')!;
  t.equal(table.baseNameOf(clock), 0x1000);
  const auto = sim.store.get('0-0:42.0.0.255')!;
  const b = table.baseNameOf(auto)!;
  t.ok(b % 0x100 === 0 && !Object.values(BASE).includes(b), 'automatic names avoid the explicit ones');
  const register = sim.store.get('1-0:1.8.0.255')!;
  t.equal(shortNameOf(0x2000, register, { attributeId: 2 }), 0x2008);
  t.equal(shortNameOf(0x2000, register, { methodId: 1 }), 0x2028, 'Register reset');
  t.equal(firstMethodOffset(1, [1, 2]), 16, 'Data: after its attributes');
  t.equal(firstMethodOffset(9999, [1, 2, 5]), 40, 'an unknown class: after its highest attribute');
  const x = new ShortNameTable();
  x.assign(clock, 0x10);
  t.throws(() => x.assign(auto, 0x10), { code: 207 }, 'twice');
  t.throws(() => x.assign(auto, 0x11), { code: 207 }, 'not a multiple of 8');
  t.throws(() => x.assign(auto, 0xfa00), { code: 207 }, 'reserved for the association');
  t.throws(
    () => new MeterSimulator(profileWith([{ clientSap: 16 }], [], (o) => ({ ...o, baseName: 'zz' }))),
    { code: 207 },
  );
  t.throws(() => new MeterSimulator(profileWith([{ clientSap: 16, referencing: 'sn' as 'short-name' }])), {
    code: 207,
  });
  const hex = new MeterSimulator(
    profileWith([{ clientSap: 16 }], [], (o) => ({
      ...o,
      baseName: o.logicalName === '0-0:1.0.0.255' ? '0x0a08' : undefined,
    })),
  );
  t.equal(hex.store.shortNames.baseNameOf(hex.store.get('0-0:1.0.0.255')!), 0x0a08);
});

t.test('SN sessions never throw on arbitrary READ / WRITE requests or bytes', async (t) => {
  const sim = new MeterSimulator(snProfile(), { now: () => T0 });
  const s = sim.createSession(48, 1)!;
  s.handle(
    aarq({
      context: ApplicationContextName.ShortNameNoCiphering,
      conformance: [...SN_CONFORMANCE],
      mechanism: 1,
      auth: new TextEncoder().encode('secret-48'),
    }),
  );
  const spec = fc.oneof(
    fc.record({
      type: fc.constant('variable-name' as const),
      variableName: fc.integer({ min: 0, max: 0xffff }),
    }),
    fc.record({
      type: fc.constant('parameterized-access' as const),
      variableName: fc.integer({ min: 0, max: 0xffff }),
      selector: fc.integer({ min: 0, max: 255 }),
      parameter: fc.constant({ type: 'null-data' as const, value: null }),
    }),
    fc.record({
      type: fc.constant('block-number-access' as const),
      blockNumber: fc.integer({ min: 0, max: 0xffff }),
    }),
  );
  fc.assert(
    fc.property(fc.array(spec, { minLength: 1, maxLength: 4 }), fc.boolean(), (specs, write) => {
      const apdu = write
        ? encodeApdu({
            type: 'write-request',
            variableAccessSpecification: specs,
            listOfData: specs.map(() => ({ type: 'unsigned' as const, value: 1 })),
          })
        : encodeApdu({ type: 'read-request', variableAccessSpecification: specs });
      const out = s.handle(apdu);
      const r = decodeApdu(out[0]!);
      return r.type === (write ? 'write-response' : 'read-response') || r.type === 'exception-response';
    }),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(fc.constantFrom(0x05, 0x06, 0x16), fc.uint8Array({ maxLength: 40 }), (tag, body) => {
      const out = s.handle(Uint8Array.of(tag, ...body));
      return out.every((o) => o.length > 0);
    }),
    { numRuns: 300 },
  );
  t.ok(s.associated, 'the session stays usable');
});
