import { fromHex, isMeterkitError } from '@meterkit/core';
import fc from 'fast-check';
import t from 'tap';
import {
  AcseServiceUserDiagnostic,
  ApplicationContextName,
  cipherApdu,
  clientHlsResponse,
  decipherApdu,
  decodeAcseApdu,
  decodeAcseUserInformation,
  decodeApdu,
  decodeData,
  decodeHdlcFrame,
  encodeAcseApdu,
  encodeApdu,
  encodeData,
  encodeHdlcFrame,
  encodeInitiateRequest,
  entryDescriptorToData,
  generateChallenge,
  hdlcAddress,
  mechanismNameFor,
  objectListFromData,
  rangeDescriptorToData,
  SecurityContext,
  verifyServerHlsResponse,
} from '../src/index.js';
import { objectAccessFromJson } from '../src/server/access-rights.js';
import type { AssociationConfig } from '../src/server/association-config.js';
import { DEFAULT_SERVER_CONFORMANCE } from '../src/server/association-config.js';
import { HdlcServerPort } from '../src/server/hdlc-server-port.js';
import { DlmsServerSession } from '../src/server/server-session.js';
import { WrapperServerPort } from '../src/server/wrapper-server-port.js';
import { ALL, aare, aarq, get, IID, only, simulator, T0 } from './server-helpers.js';

type Decoded = ReturnType<typeof decodeApdu>;

function data(d: Decoded) {
  if (d.type !== 'get-response-normal' || d.result.type !== 'data')
    throw new Error(`no data: ${JSON.stringify(d.type)}`);
  return d.result.data;
}

function refusal(d: Decoded): string | number {
  if (d.type === 'get-response-normal' && d.result.type === 'data-access-result') return d.result.result;
  throw new Error(`not a refusal: ${d.type}`);
}

/** Reads a value through get-request-next until the last block; returns the joined raw data and the APDUs. */
function readBlocks(s: DlmsServerSession, first: Uint8Array[]): { raw: Uint8Array; apdus: Uint8Array[] } {
  const apdus: Uint8Array[] = [];
  const parts: Uint8Array[] = [];
  let out = first;
  for (;;) {
    apdus.push(...out);
    const d = only(out);
    if (d.type !== 'get-response-with-datablock' || d.result.result.type !== 'raw-data')
      throw new Error(`unexpected ${d.type}`);
    parts.push(d.result.result.rawData);
    if (d.result.lastBlock) break;
    out = s.handle(
      encodeApdu({ type: 'get-request-next', invokeIdAndPriority: IID, blockNumber: d.result.blockNumber }),
    );
  }
  const n = parts.reduce((a, p) => a + p.length, 0);
  const raw = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    raw.set(p, at);
    at += p.length;
  }
  return { raw, apdus };
}

t.test('AARQ/AARE for the public client', async (t) => {
  const { sim } = simulator();
  const s = sim.createSession(16, 1)!;
  t.equal(sim.createSession(16, 2), undefined, 'unknown logical device');
  t.equal(sim.createSession(99, 1), undefined, 'unknown client SAP');
  const a = aare(
    only1(
      s.handle(aarq({ pdu: 512, conformance: ['get', 'selective-access', 'attribute0-supported-with-set'] })),
    ),
  );
  t.equal(a.result, 0);
  t.same(a.resultSourceDiagnostic, { type: 'acse-service-user', value: 0 });
  const ui = a.userInformation;
  t.equal(ui?.type, 'initiate-response');
  if (ui?.type === 'initiate-response') {
    t.same(ui.negotiatedConformance, ['get', 'selective-access'], 'intersection');
    t.equal(ui.serverMaxReceivePduSize, 1024);
    t.equal(ui.vaaName, 7);
  }
  t.equal(s.state, 'associated');
  const rlre = decodeAcseApdu(only1(s.handle(encodeAcseApdu({ type: 'rlrq', reason: 0 }))));
  t.equal(rlre.type, 'rlre');
  t.equal(s.state, 'non-associated');
});

function only1(list: Uint8Array[]): Uint8Array {
  if (list.length !== 1) throw new Error(`expected one APDU, got ${list.length}`);
  return list[0]!;
}

t.test('AARQ refusals carry the diagnostic', async (t) => {
  const { sim } = simulator();
  const cases: [string, number, Uint8Array, number][] = [
    [
      'SN context',
      16,
      aarq({ context: ApplicationContextName.ShortNameNoCiphering }),
      AcseServiceUserDiagnostic.ApplicationContextNameNotSupported,
    ],
    [
      'ciphered context for a plain association',
      16,
      aarq({ context: ApplicationContextName.LogicalNameWithCiphering }),
      AcseServiceUserDiagnostic.ApplicationContextNameNotSupported,
    ],
    [
      'LLS asked of a no-auth association',
      16,
      aarq({ mechanism: 1, auth: fromHex('3030303030303031') }),
      AcseServiceUserDiagnostic.AuthenticationMechanismNameNotRecognised,
    ],
    ['no mechanism for LLS', 32, aarq(), AcseServiceUserDiagnostic.AuthenticationMechanismNameRequired],
    [
      'wrong LLS password',
      32,
      aarq({ mechanism: 1, auth: new TextEncoder().encode('00000002') }),
      AcseServiceUserDiagnostic.AuthenticationFailure,
    ],
  ];
  for (const [name, sap, bytes, diag] of cases) {
    const s = sim.createSession(sap, 1)!;
    const a = aare(only1(s.handle(bytes)));
    t.equal(a.result, 1, name);
    t.same(a.resultSourceDiagnostic, { type: 'acse-service-user', value: diag }, name);
    t.equal(s.state, 'non-associated', name);
  }
  const lls = sim.createSession(32, 1)!;
  t.equal(
    aare(only1(lls.handle(aarq({ mechanism: 1, auth: new TextEncoder().encode('00000001') })))).result,
    0,
    'LLS accepted',
  );
  for (const [name, bytes, value] of [
    ['dlms-version-too-low', aarq({ version: 5 }), 1],
    ['incompatible-conformance', aarq({ conformance: ['read', 'write'] }), 2],
    ['pdu-size-too-short', aarq({ pdu: 11 }), 3],
  ] as const) {
    const a = aare(only1(sim.createSession(16, 1)!.handle(bytes)));
    t.equal(a.result, 1, name);
    t.same(
      a.userInformation,
      {
        type: 'confirmed-service-error',
        service: 1,
        error: 6,
        value,
        raw: a.userInformation?.type === 'confirmed-service-error' ? a.userInformation.raw : undefined,
      },
      name,
    );
  }
  const none = new DlmsServerSession({
    store: sim.store,
    association: undefined,
    clientSap: 5,
    serverSap: 1,
  });
  t.equal(aare(only1(none.handle(aarq()))).result, 1, 'no association configured');
});

t.test('GET: registers, clock, access refusals, with-list', async (t) => {
  const { sim, clock } = simulator();
  const s = sim.createSession(16, 1)!;
  t.equal(only(s.handle(get(3, '1-0:1.8.0.255', 2))).type, 'exception-response', 'before association');
  s.handle(aarq());
  const e1 = data(only(s.handle(get(3, '1-0:1.8.0.255', 2))));
  t.equal(e1.type, 'double-long-unsigned');
  clock.now += 3_600_000;
  const e2 = data(only(s.handle(get(3, '1-0:1.8.0.255', 2))));
  t.ok((e2.value as number) > (e1.value as number), 'energy increases with time');
  t.same(data(only(s.handle(get(3, '1-0:1.8.0.255', 3)))), {
    type: 'structure',
    value: [
      { type: 'integer', value: 0 },
      { type: 'enum', value: 30 },
    ],
  });
  const time = data(only(s.handle(get(8, '0-0:1.0.0.255', 2))));
  t.equal(time.type, 'octet-string');
  t.same(data(only(s.handle(get(3, '1-0:1.8.0.255', 1)))), {
    type: 'octet-string',
    value: Uint8Array.of(1, 0, 1, 8, 0, 255),
  });
  t.equal(refusal(only(s.handle(get(3, '1-0:9.9.9.255', 2)))), 'object-undefined');
  t.equal(refusal(only(s.handle(get(1, '1-0:1.8.0.255', 2)))), 'object-class-inconsistent');
  t.equal(
    refusal(only(s.handle(get(40, '0-0:25.9.0.255', 2)))),
    'object-undefined',
    'invisible to the public client',
  );
  t.equal(refusal(only(s.handle(get(3, '1-0:1.8.0.255', 9)))), 'object-undefined', 'no such attribute');
  t.equal(refusal(only(s.handle(get(15, '0-0:40.0.0.255', 7)))), 'read-write-denied', 'the secret');
  t.equal(
    refusal(
      only(
        s.handle(
          get(3, '1-0:1.8.0.255', 2, {
            accessSelector: 1,
            accessParameters: { type: 'null-data', value: null },
          }),
        ),
      ),
    ),
    'scope-of-access-violated',
  );
  const list = only(
    s.handle(
      encodeApdu({
        type: 'get-request-with-list',
        invokeIdAndPriority: IID,
        attributeDescriptorList: [
          {
            cosemAttributeDescriptor: { classId: 3, instanceId: '1-0:2.8.0.255', attributeId: 2 },
            accessSelection: null,
          },
          {
            cosemAttributeDescriptor: { classId: 1, instanceId: '0-0:96.1.0.255', attributeId: 2 },
            accessSelection: null,
          },
          {
            cosemAttributeDescriptor: { classId: 40, instanceId: '0-0:25.9.0.255', attributeId: 2 },
            accessSelection: null,
          },
        ],
      }),
    ),
  );
  t.equal(list.type, 'get-response-with-list');
  if (list.type === 'get-response-with-list') {
    t.equal(list.result[0]!.type, 'data');
    t.same(list.result[1], { type: 'data', data: { type: 'visible-string', value: '00000001' } });
    t.same(list.result[2], { type: 'data-access-result', result: 'object-undefined' });
  }
  // association object
  t.same(data(only(s.handle(get(15, '0-0:40.0.0.255', 3)))), {
    type: 'structure',
    value: [
      { type: 'integer', value: 16 },
      { type: 'long-unsigned', value: 1 },
    ],
  });
  t.same(data(only(s.handle(get(15, '0-0:40.0.0.255', 8)))), { type: 'enum', value: 2 });
  t.equal(data(only(s.handle(get(15, '0-0:40.0.0.255', 5)))).type, 'structure');
  t.equal(data(only(s.handle(get(15, '0-0:40.0.0.255', 6)))).type, 'structure');
  t.equal(data(only(s.handle(get(15, '0-0:40.0.0.255', 4)))).type, 'structure');
});

t.test('object_list is filtered by the association', async (t) => {
  const { sim } = simulator();
  const pub = sim.createSession(16, 1)!;
  pub.handle(aarq({ pdu: 0 }));
  const list = objectListFromData(data(only(pub.handle(get(15, '0-0:40.0.0.255', 2)))));
  const names = list.map((o) => o.logicalName);
  t.ok(
    names.includes('1-0:99.1.0.255') && names.includes('1-0:1.8.0.255') && names.includes('0-0:40.0.0.255'),
  );
  t.notOk(names.includes('0-0:25.9.0.255'), 'push setup hidden');
  const profile = list.find((o) => o.logicalName === '1-0:99.1.0.255')!;
  t.same(
    profile.attributes.find((a) => a.id === 2),
    { id: 2, access: 'read-only', selectors: [1, 2] },
  );
  t.same(profile.methods, [
    { id: 1, access: 'no-access' },
    { id: 2, access: 'no-access' },
  ]);
  const reader = sim.createSession(32, 1)!;
  reader.handle(aarq({ mechanism: 1, auth: new TextEncoder().encode('00000001'), pdu: 0 }));
  const rlist = objectListFromData(data(only(reader.handle(get(15, '0-0:40.0.0.255', 2)))));
  t.ok(
    rlist.some((o) => o.logicalName === '0-0:25.9.0.255'),
    'the reader sees everything read-only',
  );
});

t.test('block transfer with get: boundaries, next, errors', async (t) => {
  const { sim } = simulator();
  // the clock's time (octet-string of 12): get-response-normal is exactly 18 octets
  const fits = sim.createSession(16, 1)!;
  fits.handle(aarq({ pdu: 18 }));
  t.equal(only1(fits.handle(get(8, '0-0:1.0.0.255', 2))).length, 18, 'exactly the PDU size: one APDU');
  const s = sim.createSession(16, 1)!;
  s.handle(aarq({ pdu: 17 }));
  const r = s.handle(get(8, '0-0:1.0.0.255', 2));
  t.equal(only(r).type, 'get-response-with-datablock', 'one octet too long: blocks');
  const { raw, apdus } = readBlocks(s, r);
  t.ok(
    apdus.every((a) => a.length <= 17),
    'every block fits',
  );
  t.equal(apdus[0]!.length, 17, 'the first block fills the PDU');
  const tiny = sim.createSession(16, 1)!;
  tiny.handle(aarq({ pdu: 12 }));
  const tb = readBlocks(tiny, tiny.handle(get(8, '0-0:1.0.0.255', 2)));
  t.ok(
    tb.apdus.length >= 7 && tb.apdus.every((a) => a.length <= 12),
    'the smallest PDU size still carries blocks',
  );
  t.equal(decodeData(raw).type, 'octet-string');
  // object list over many blocks equals the unblocked read
  const big = sim.createSession(16, 1)!;
  big.handle(aarq({ pdu: 100 }));
  const whole = sim.createSession(16, 1)!;
  whole.handle(aarq({ pdu: 0 }));
  const expected = encodeData(data(only(whole.handle(get(15, '0-0:40.0.0.255', 2)))));
  const blocks = readBlocks(big, big.handle(get(15, '0-0:40.0.0.255', 2)));
  t.same(blocks.raw, expected);
  t.ok(blocks.apdus.length > 3 && blocks.apdus.every((a) => a.length <= 100));
  // wrong block number, and next without a long get
  big.handle(get(15, '0-0:40.0.0.255', 2));
  const bad = only(
    big.handle(encodeApdu({ type: 'get-request-next', invokeIdAndPriority: IID, blockNumber: 7 })),
  );
  t.same(bad.type === 'get-response-with-datablock' ? bad.result.result : undefined, {
    type: 'data-access-result',
    result: 'data-block-number-invalid',
  });
  const none = only(
    big.handle(encodeApdu({ type: 'get-request-next', invokeIdAndPriority: IID, blockNumber: 1 })),
  );
  t.same(none.type === 'get-response-with-datablock' ? none.result.result : undefined, {
    type: 'data-access-result',
    result: 'no-long-get-in-progress',
  });
  // without block transfer negotiated the long value is refused
  const nb = sim.createSession(16, 1)!;
  nb.handle(aarq({ pdu: 100, conformance: ['get'] }));
  t.equal(refusal(only(nb.handle(get(15, '0-0:40.0.0.255', 2)))), 'other-reason');
});

t.test('profile generic: full buffer, entry and range selection, reset and capture', async (t) => {
  const { sim, clock } = simulator();
  const reader = sim.createSession(32, 1)!;
  reader.handle(aarq({ mechanism: 1, auth: new TextEncoder().encode('00000001'), pdu: 0 }));
  t.same(data(only(reader.handle(get(7, '1-0:99.1.0.255', 7)))), {
    type: 'double-long-unsigned',
    value: 10000,
  });
  t.same(data(only(reader.handle(get(7, '1-0:99.1.0.255', 4)))), {
    type: 'double-long-unsigned',
    value: 900,
  });
  const full = decodeData(readBlocks(reader, reader.handle(get(7, '1-0:99.1.0.255', 2))).raw);
  t.equal(full.type, 'array');
  if (full.type !== 'array') return;
  t.equal(full.value.length, 10000);
  const rows = full.value;
  // energy never decreases
  let ok = true;
  for (let i = 1; i < rows.length; i++) {
    const a = (rows[i - 1]!.value as unknown as { value: number }[])[2]!.value;
    const b = (rows[i]!.value as unknown as { value: number }[])[2]!.value;
    if (b < a) ok = false;
  }
  t.ok(ok, 'import energy is monotonic');
  const entry = data(
    only(
      reader.handle(
        get(7, '1-0:99.1.0.255', 2, {
          accessSelector: 2,
          accessParameters: entryDescriptorToData({
            fromEntry: 9998,
            toEntry: 0,
            fromSelectedValue: 1,
            toSelectedValue: 2,
          }),
        }),
      ),
    ),
  );
  t.same(entry, {
    type: 'array',
    value: rows.slice(9997).map((r) => ({ type: 'structure', value: (r.value as unknown[]).slice(0, 2) })),
  });
  const clockCol = { classId: 8, logicalName: '0-0:1.0.0.255', attributeIndex: 2, dataIndex: 0 };
  const cell = (i: number) => (rows[i]!.value as { type: 'octet-string'; value: Uint8Array }[])[0]!;
  const range = data(
    only(
      reader.handle(
        get(7, '1-0:99.1.0.255', 2, {
          accessSelector: 1,
          accessParameters: rangeDescriptorToData({
            restrictingObject: clockCol,
            from: cell(100),
            to: cell(104),
            selectedValues: [
              clockCol,
              { classId: 3, logicalName: '1-0:1.8.0.255', attributeIndex: 2, dataIndex: 0 },
            ],
          }),
        }),
      ),
    ),
  );
  t.same(range, {
    type: 'array',
    value: rows
      .slice(100, 105)
      .map((r) => ({ type: 'structure', value: [(r.value as unknown[])[0], (r.value as unknown[])[2]] })),
  });
  const badRange = only(
    reader.handle(
      get(7, '1-0:99.1.0.255', 2, {
        accessSelector: 1,
        accessParameters: rangeDescriptorToData({
          restrictingObject: { ...clockCol, logicalName: '0-0:2.0.0.255' },
          from: cell(1),
          to: cell(2),
          selectedValues: [],
        }),
      }),
    ),
  );
  t.equal(refusal(badRange), 'scope-of-access-violated');
  t.equal(
    refusal(
      only(
        reader.handle(
          get(7, '1-0:99.1.0.255', 2, {
            accessSelector: 2,
            accessParameters: { type: 'null-data', value: null },
          }),
        ),
      ),
    ),
    'scope-of-access-violated',
  );
  t.equal(
    refusal(
      only(
        reader.handle(
          get(7, '1-0:99.1.0.255', 2, {
            accessSelector: 3,
            accessParameters: { type: 'null-data', value: null },
          }),
        ),
      ),
    ),
    'scope-of-access-violated',
  );
  // management: reset and capture
  const store = sim.store.get('1-0:99.1.0.255')!;
  const ctx = { clientSap: 1, authenticated: true, now: clock.now };
  t.same(store.action(1, { type: 'integer', value: 0 }, ctx), { result: 'success' });
  t.same(store.get(7, ctx, null), { type: 'double-long-unsigned', value: 0 });
  t.same(store.action(2, { type: 'integer', value: 0 }, ctx), { result: 'success' });
  t.same(store.get(7, ctx, null), { type: 'double-long-unsigned', value: 1 });
  clock.now += 900_000;
  t.same(
    store.get(7, { ...ctx, now: clock.now }, null),
    { type: 'double-long-unsigned', value: 2 },
    'a periodic capture follows',
  );
  t.same(store.action(9, null, ctx), { result: 'object-undefined' });
  t.equal(store.set(2, { type: 'array', value: [] }, ctx), 'read-write-denied');
});

/** The management client's security context (the default profile's documented test keys). */
function managementClient(): SecurityContext {
  return new SecurityContext({
    suite: 0,
    systemTitle: fromHex('4d4b540000000099'),
    peerSystemTitle: fromHex('4d4b540000000001'),
    globalUnicastEncryptionKey: fromHex('000102030405060708090a0b0c0d0e0f'),
    authenticationKey: fromHex('d0d1d2d3d4d5d6d7d8d9dadbdcdddedf'),
    invocationCounters: { 'global-unicast-encryption-key': 1 },
  });
}

function managementAarq(client: SecurityContext, ctos: Uint8Array): Uint8Array {
  const initiate = encodeInitiateRequest({
    proposedDlmsVersionNumber: 6,
    proposedConformance: ALL,
    clientMaxReceivePduSize: 1024,
  });
  return encodeAcseApdu({
    type: 'aarq',
    applicationContextName: ApplicationContextName.LogicalNameWithCiphering,
    callingApTitle: client.systemTitle,
    senderAcseRequirements: { unusedBits: 7, bytes: Uint8Array.of(0x80) },
    mechanismName: mechanismNameFor(5),
    callingAuthenticationValue: { type: 'charstring', value: ctos },
    userInformation: { type: 'other', content: cipherApdu(client, initiate, { form: 'glo' }) },
  });
}

t.test('HLS-GMAC with suite 0 ciphering (management client)', async (t) => {
  const { sim } = simulator();
  const s = sim.createSession(1, 1)!;
  const client = managementClient();
  const ctos = generateChallenge(16);
  const a = aare(only1(s.handle(managementAarq(client, ctos))));
  t.equal(a.result, 0);
  t.same(a.resultSourceDiagnostic, {
    type: 'acse-service-user',
    value: AcseServiceUserDiagnostic.AuthenticationRequired,
  });
  t.same(a.respondingApTitle, fromHex('4d4b540000000001'));
  t.equal(s.state, 'association-pending');
  const stoc =
    a.respondingAuthenticationValue?.type === 'charstring'
      ? a.respondingAuthenticationValue.value
      : new Uint8Array(0);
  t.equal(stoc.length, 16);
  const ui = a.userInformation;
  t.equal(ui?.type, 'ciphered');
  if (ui?.type === 'ciphered') {
    const ir = decodeAcseUserInformation(decipherApdu(client, ui.apdu.raw).plaintext);
    t.equal(ir.type, 'initiate-response');
  }
  // a get before pass 3 is refused
  const early = decodeApdu(
    decipherApdu(client, only1(s.handle(cipherApdu(client, get(3, '1-0:1.8.0.255', 2), { form: 'glo' }))))
      .plaintext,
  );
  t.equal(refusal(early), 'read-write-denied');
  const exchange = { mechanism: 5, clientToServerChallenge: ctos, serverToClientChallenge: stoc } as const;
  const fstoc = clientHlsResponse(exchange, { context: client });
  const action = encodeApdu({
    type: 'action-request-normal',
    invokeIdAndPriority: IID,
    cosemMethodDescriptor: { classId: 15, instanceId: '0-0:40.0.0.255', methodId: 1 },
    methodInvocationParameters: { type: 'octet-string', value: fstoc },
  });
  const resp = decodeApdu(
    decipherApdu(client, only1(s.handle(cipherApdu(client, action, { form: 'glo' })))).plaintext,
  );
  t.equal(resp.type, 'action-response-normal');
  if (resp.type === 'action-response-normal') {
    t.equal(resp.singleResponse.result, 'success');
    const rp = resp.singleResponse.returnParameters;
    const fctos = rp?.type === 'data' && rp.data.type === 'octet-string' ? rp.data.value : new Uint8Array(0);
    t.doesNotThrow(() => verifyServerHlsResponse(exchange, { context: client }, fctos), 'pass 4 verifies');
  }
  t.equal(s.state, 'associated');
  // ciphered get, glo and general-glo; the answer comes back in the same form
  const g = only1(s.handle(cipherApdu(client, get(3, '1-0:1.8.0.255', 2), { form: 'glo' })));
  t.equal(g[0], 0xcc, 'glo-get-response');
  t.equal(data(decodeApdu(decipherApdu(client, g).plaintext)).type, 'double-long-unsigned');
  const gg = only1(s.handle(cipherApdu(client, get(3, '1-0:1.8.0.255', 2), { form: 'general-glo' })));
  t.equal(gg[0], 0xdb, 'general-glo-ciphering');
  t.equal(data(decodeApdu(decipherApdu(client, gg).plaintext)).type, 'double-long-unsigned');
  // management may write the clock and operate the disconnector
  const setClock = encodeApdu({
    type: 'set-request-normal',
    invokeIdAndPriority: IID,
    cosemAttributeDescriptor: { classId: 8, instanceId: '0-0:1.0.0.255', attributeId: 2 },
    accessSelection: null,
    value: { type: 'octet-string', value: fromHex('07ea0b1701030000000000c400').subarray(0, 12) },
  });
  const sr = decodeApdu(
    decipherApdu(client, only1(s.handle(cipherApdu(client, setClock, { form: 'glo' })))).plaintext,
  );
  t.same(sr.type === 'set-response-normal' ? sr.result : undefined, 'success');
  const disc = encodeApdu({
    type: 'action-request-normal',
    invokeIdAndPriority: IID,
    cosemMethodDescriptor: { classId: 70, instanceId: '0-0:96.3.10.255', methodId: 1 },
    methodInvocationParameters: { type: 'integer', value: 0 },
  });
  const dr = decodeApdu(
    decipherApdu(client, only1(s.handle(cipherApdu(client, disc, { form: 'glo' })))).plaintext,
  );
  t.same(dr.type === 'action-response-normal' ? dr.singleResponse.result : undefined, 'success');
  t.same(sim.store.get('0-0:96.3.10.255')!.get(2, { clientSap: 1, authenticated: true, now: T0 }, null), {
    type: 'boolean',
    value: false,
  });
  // a plain request in a ciphered association, and a forged one
  t.same(only(s.handle(get(3, '1-0:1.8.0.255', 2))), {
    type: 'exception-response',
    stateError: 'service-not-allowed',
    serviceError: 'operation-not-possible',
    invocationCounter: null,
    raw: fromHex('d80101'),
  });
  const forged = cipherApdu(client, get(3, '1-0:1.8.0.255', 2), { form: 'glo' });
  forged[forged.length - 1]! ^= 1;
  t.equal((only(s.handle(forged)) as { serviceError?: unknown }).serviceError, 'deciphering-error');
  // release with a ciphered user-information
  const rl = decodeAcseApdu(
    only1(
      s.handle(
        encodeAcseApdu({
          type: 'rlrq',
          reason: 0,
          userInformation: {
            type: 'other',
            content: cipherApdu(
              client,
              encodeInitiateRequest({
                proposedDlmsVersionNumber: 6,
                proposedConformance: ALL,
                clientMaxReceivePduSize: 1024,
              }),
              { form: 'glo' },
            ),
          },
        }),
      ),
    ),
  );
  t.equal(rl.type === 'rlre' ? rl.userInformation?.type : undefined, 'ciphered');
});

t.test('HLS-GMAC failure keeps the association pending', async (t) => {
  const { sim } = simulator();
  const s = sim.createSession(1, 1)!;
  const client = managementClient();
  const ctos = generateChallenge(16);
  const a = aare(only1(s.handle(managementAarq(client, ctos))));
  const stoc =
    a.respondingAuthenticationValue?.type === 'charstring'
      ? a.respondingAuthenticationValue.value
      : new Uint8Array(0);
  const wrong = clientHlsResponse(
    { mechanism: 5, clientToServerChallenge: ctos, serverToClientChallenge: ctos },
    { context: client },
  );
  const action = encodeApdu({
    type: 'action-request-normal',
    invokeIdAndPriority: IID,
    cosemMethodDescriptor: { classId: 15, instanceId: '0-0:40.0.0.255', methodId: 1 },
    methodInvocationParameters: { type: 'octet-string', value: wrong },
  });
  const r = decodeApdu(
    decipherApdu(client, only1(s.handle(cipherApdu(client, action, { form: 'glo' })))).plaintext,
  );
  t.same(r.type === 'action-response-normal' ? r.singleResponse : undefined, {
    result: 'read-write-denied',
    returnParameters: null,
  });
  t.equal(s.state, 'association-pending');
  t.not(stoc.length, 0);
  // management without a calling AP title
  const s2 = sim.createSession(1, 1)!;
  const noTitle = encodeAcseApdu({
    type: 'aarq',
    applicationContextName: ApplicationContextName.LogicalNameWithCiphering,
    mechanismName: mechanismNameFor(5),
    callingAuthenticationValue: { type: 'charstring', value: ctos },
  });
  t.same(aare(only1(s2.handle(noTitle))).resultSourceDiagnostic, {
    type: 'acse-service-user',
    value: AcseServiceUserDiagnostic.CallingApTitleNotRecognized,
  });
});

t.test('each association starts its client invocation counters anew, unless replay is shared', async (t) => {
  const { sim } = simulator();
  for (let i = 0; i < 2; i++) {
    const client = managementClient();
    const s = sim.createSession(1, 1)!;
    t.equal(
      aare(only1(s.handle(managementAarq(client, generateChallenge(16))))).result,
      0,
      `association ${i + 1} with IC 1`,
    );
  }
  const cfg = sim.associations.get(1)!;
  const strict = new DlmsServerSession({
    store: sim.store,
    association: { ...cfg, sharedReplayProtection: true },
    clientSap: 1,
    serverSap: 1,
    systemTitle: sim.systemTitle,
  });
  t.equal(aare(only1(strict.handle(managementAarq(managementClient(), generateChallenge(16))))).result, 0);
  const again = new DlmsServerSession({
    store: sim.store,
    association: { ...cfg, sharedReplayProtection: true },
    clientSap: 1,
    serverSap: 1,
    systemTitle: sim.systemTitle,
  });
  t.same(
    aare(only1(again.handle(managementAarq(managementClient(), generateChallenge(16)))))
      .resultSourceDiagnostic,
    { type: 'acse-service-user', value: AcseServiceUserDiagnostic.AuthenticationFailure },
    'a replayed counter',
  );
  t.ok(
    cfg.security!.invocationCounter('global-unicast-encryption-key') > 1,
    'the server never reuses its own counter',
  );
});

function hlsAssociation(mechanism: 2 | 3 | 4 | 6, secret: Uint8Array): AssociationConfig {
  return {
    clientSap: 48,
    name: `hls-${mechanism}`,
    logicalName: '0-0:40.0.4.255',
    mechanism,
    secret,
    ciphering: false,
    conformance: DEFAULT_SERVER_CONFORMANCE,
    maxPduSize: 512,
    defaultAccess: objectAccessFromJson('read-only'),
  };
}

t.test(
  'HLS mechanisms 2, 3 (MD5), 4 (SHA-1) and 6 (SHA-256): pass 3 and 4, success and failure',
  async (t) => {
    const { sim } = simulator();
    const clientTitle = fromHex('4d4b540000000077');
    for (const mechanism of [2, 3, 4, 6] as const) {
      const secret =
        mechanism === 2
          ? fromHex('00112233445566778899aabbccddeeff')
          : new TextEncoder().encode('hls-secret-1234');
      for (const good of [true, false]) {
        const s = new DlmsServerSession({
          store: sim.store,
          association: hlsAssociation(mechanism, secret),
          clientSap: 48,
          serverSap: 1,
          systemTitle: sim.systemTitle,
          now: () => T0,
        });
        const ctos = generateChallenge(8);
        const a = aare(only1(s.handle(aarq({ mechanism, auth: ctos, callingApTitle: clientTitle }))));
        t.equal(a.result, 0);
        const stoc =
          a.respondingAuthenticationValue?.type === 'charstring'
            ? a.respondingAuthenticationValue.value
            : new Uint8Array(0);
        const exchange = {
          mechanism,
          clientToServerChallenge: ctos,
          serverToClientChallenge: stoc,
          clientSystemTitle: clientTitle,
          serverSystemTitle: sim.systemTitle,
        } as const;
        const wrongSecret =
          mechanism === 2 ? fromHex('ffeeddccbbaa99887766554433221100') : new TextEncoder().encode('wrong');
        const f = clientHlsResponse(exchange, { secret: good ? secret : wrongSecret });
        const r = only(
          s.handle(
            encodeApdu({
              type: 'action-request-normal',
              invokeIdAndPriority: IID,
              cosemMethodDescriptor: { classId: 15, instanceId: '0-0:40.0.0.255', methodId: 1 },
              methodInvocationParameters: { type: 'octet-string', value: f },
            }),
          ),
        );
        if (r.type !== 'action-response-normal') throw new Error('no action response');
        if (good) {
          t.equal(r.singleResponse.result, 'success', `mechanism ${mechanism}`);
          const rp = r.singleResponse.returnParameters;
          const fctos =
            rp?.type === 'data' && rp.data.type === 'octet-string' ? rp.data.value : new Uint8Array(0);
          t.doesNotThrow(
            () => verifyServerHlsResponse(exchange, { secret }, fctos),
            `mechanism ${mechanism} pass 4`,
          );
          t.equal(s.state, 'associated');
        } else {
          t.equal(r.singleResponse.result, 'read-write-denied', `mechanism ${mechanism} wrong secret`);
          t.equal(s.state, 'association-pending');
        }
      }
    }
    const secret = new TextEncoder().encode('hls-secret-1234');
    const s = new DlmsServerSession({
      store: sim.store,
      association: hlsAssociation(3, secret),
      clientSap: 48,
      serverSap: 1,
    });
    t.equal(
      aare(only1(s.handle(aarq({ mechanism: 3, auth: fromHex('0102') })))).result,
      1,
      'a challenge shorter than 8 octets',
    );
  },
);

t.test('SET normal, with list, with datablocks; ACTION with list and pblocks', async (t) => {
  const { sim } = simulator();
  const s = sim.createSession(32, 1)!;
  s.handle(aarq({ mechanism: 1, auth: new TextEncoder().encode('00000001') }));
  const set = (attributeId: number, value: Parameters<typeof encodeData>[0]) =>
    only(
      s.handle(
        encodeApdu({
          type: 'set-request-normal',
          invokeIdAndPriority: IID,
          cosemAttributeDescriptor: { classId: 8, instanceId: '0-0:1.0.0.255', attributeId },
          accessSelection: null,
          value,
        }),
      ),
    );
  t.same(
    (set(3, { type: 'long', value: 0 }) as { result?: unknown }).result,
    'read-write-denied',
    'the reader is read-only',
  );
  // a read-and-write association for the rest
  const rw: AssociationConfig = {
    ...hlsAssociation(3, new Uint8Array(8)),
    mechanism: 0,
    secret: undefined,
    defaultAccess: objectAccessFromJson('read-and-write'),
  };
  const w = new DlmsServerSession({
    store: sim.store,
    association: rw,
    clientSap: 48,
    serverSap: 1,
    now: () => T0,
  });
  w.handle(aarq());
  const desc = { classId: 8, instanceId: '0-0:1.0.0.255', attributeId: 3 };
  t.same(
    only(
      w.handle(
        encodeApdu({
          type: 'set-request-normal',
          invokeIdAndPriority: IID,
          cosemAttributeDescriptor: desc,
          accessSelection: null,
          value: { type: 'long', value: -120 },
        }),
      ),
    ).type,
    'set-response-normal',
  );
  t.same(data(only(w.handle(get(8, '0-0:1.0.0.255', 3)))), { type: 'long', value: -120 });
  const typeBad = only(
    w.handle(
      encodeApdu({
        type: 'set-request-normal',
        invokeIdAndPriority: IID,
        cosemAttributeDescriptor: desc,
        accessSelection: null,
        value: { type: 'boolean', value: true },
      }),
    ),
  );
  t.equal(typeBad.type === 'set-response-normal' ? typeBad.result : undefined, 'type-unmatched');
  const list = only(
    w.handle(
      encodeApdu({
        type: 'set-request-with-list',
        invokeIdAndPriority: IID,
        attributeDescriptorList: [
          { cosemAttributeDescriptor: desc, accessSelection: null },
          {
            cosemAttributeDescriptor: { classId: 3, instanceId: '1-0:1.8.0.255', attributeId: 2 },
            accessSelection: null,
          },
        ],
        valueList: [
          { type: 'long', value: -60 },
          { type: 'double-long-unsigned', value: 1 },
        ],
      }),
    ),
  );
  t.same(list.type === 'set-response-with-list' ? list.result : undefined, ['success', 'read-write-denied']);
  // set with datablocks: the value split in three
  const value = encodeData({ type: 'long', value: 30 });
  const b1 = only(
    w.handle(
      encodeApdu({
        type: 'set-request-with-first-datablock',
        invokeIdAndPriority: IID,
        cosemAttributeDescriptor: desc,
        accessSelection: null,
        datablock: { lastBlock: false, blockNumber: 1, rawData: value.subarray(0, 1) },
      }),
    ),
  );
  t.same(b1.type === 'set-response-datablock' ? b1.blockNumber : undefined, 1);
  const b2 = only(
    w.handle(
      encodeApdu({
        type: 'set-request-with-datablock',
        invokeIdAndPriority: IID,
        datablock: { lastBlock: false, blockNumber: 2, rawData: value.subarray(1, 2) },
      }),
    ),
  );
  t.same(b2.type === 'set-response-datablock' ? b2.blockNumber : undefined, 2);
  const b3 = only(
    w.handle(
      encodeApdu({
        type: 'set-request-with-datablock',
        invokeIdAndPriority: IID,
        datablock: { lastBlock: true, blockNumber: 3, rawData: value.subarray(2) },
      }),
    ),
  );
  t.same(b3.type === 'set-response-last-datablock' ? [b3.result, b3.blockNumber] : undefined, ['success', 3]);
  t.same(data(only(w.handle(get(8, '0-0:1.0.0.255', 3)))), { type: 'long', value: 30 });
  const stray = only(
    w.handle(
      encodeApdu({
        type: 'set-request-with-datablock',
        invokeIdAndPriority: IID,
        datablock: { lastBlock: true, blockNumber: 9, rawData: value },
      }),
    ),
  );
  t.same(stray.type === 'set-response-last-datablock' ? stray.result : undefined, 'no-long-set-in-progress');
  // set-with-list and first datablock
  const values = new Uint8Array([1, ...encodeData({ type: 'long', value: 15 })]);
  const lb = only(
    w.handle(
      encodeApdu({
        type: 'set-request-with-list-and-first-datablock',
        invokeIdAndPriority: IID,
        attributeDescriptorList: [{ cosemAttributeDescriptor: desc, accessSelection: null }],
        datablock: { lastBlock: true, blockNumber: 1, rawData: values },
      }),
    ),
  );
  t.same(lb.type === 'set-response-last-datablock-with-list' ? lb.result : undefined, ['success']);
  // actions: with list, and with pblocks
  const m = { classId: 70, instanceId: '0-0:96.3.10.255', methodId: 2 };
  const al = only(
    w.handle(
      encodeApdu({
        type: 'action-request-with-list',
        invokeIdAndPriority: IID,
        cosemMethodDescriptorList: [{ ...m, methodId: 1 }, m],
        methodInvocationParameters: [
          { type: 'integer', value: 0 },
          { type: 'integer', value: 0 },
        ],
      }),
    ),
  );
  t.same(al.type === 'action-response-with-list' ? al.listOfResponses.map((x) => x.result) : undefined, [
    'success',
    'success',
  ]);
  const p = encodeData({ type: 'integer', value: 0 });
  const p1 = only(
    w.handle(
      encodeApdu({
        type: 'action-request-with-first-pblock',
        invokeIdAndPriority: IID,
        cosemMethodDescriptor: { ...m, methodId: 1 },
        pblock: { lastBlock: false, blockNumber: 1, rawData: p.subarray(0, 1) },
      }),
    ),
  );
  t.same(p1.type === 'action-response-next-pblock' ? p1.blockNumber : undefined, 1);
  const p2 = only(
    w.handle(
      encodeApdu({
        type: 'action-request-with-pblock',
        invokeIdAndPriority: IID,
        pblock: { lastBlock: true, blockNumber: 2, rawData: p.subarray(1) },
      }),
    ),
  );
  t.same(p2.type === 'action-response-normal' ? p2.singleResponse.result : undefined, 'success');
  t.same(
    sim.store.get('0-0:96.3.10.255')!.get(3, { clientSap: 48, authenticated: false, now: T0 }, null),
    { type: 'enum', value: 0 },
    'disconnected',
  );
  const nx = only(
    w.handle(encodeApdu({ type: 'action-request-next-pblock', invokeIdAndPriority: IID, blockNumber: 1 })),
  );
  t.same(
    nx.type === 'action-response-normal' ? nx.singleResponse.result : undefined,
    'no-long-action-in-progress',
  );
  const um = only(
    w.handle(
      encodeApdu({
        type: 'action-request-normal',
        invokeIdAndPriority: IID,
        cosemMethodDescriptor: { classId: 3, instanceId: '1-0:1.8.0.255', methodId: 1 },
        methodInvocationParameters: null,
      }),
    ),
  );
  t.same(um.type === 'action-response-normal' ? um.singleResponse.result : undefined, 'object-undefined');
  // the public client may not operate the disconnector
  const pub = sim.createSession(16, 1)!;
  pub.handle(aarq());
  const denied = only(
    pub.handle(
      encodeApdu({
        type: 'action-request-normal',
        invokeIdAndPriority: IID,
        cosemMethodDescriptor: m,
        methodInvocationParameters: { type: 'integer', value: 0 },
      }),
    ),
  );
  t.same(
    denied.type === 'action-response-normal' ? denied.singleResponse.result : undefined,
    'read-write-denied',
  );
});

t.test('general-block-transfer: request in blocks, answer in windows', async (t) => {
  const { sim } = simulator();
  const s = sim.createSession(16, 1)!;
  s.handle(aarq({ pdu: 128 }));
  const req = get(15, '0-0:40.0.0.255', 2);
  const first = s.handle(
    encodeApdu({
      type: 'general-block-transfer',
      blockControl: { lastBlock: false, streaming: false, window: 1 },
      blockNumber: 1,
      blockNumberAck: 0,
      blockData: req.subarray(0, 5),
    }),
  );
  const ack = only(first);
  t.same(
    ack.type === 'general-block-transfer' ? [ack.blockNumberAck, ack.blockData.length] : undefined,
    [1, 0],
    'the server acknowledges block 1',
  );
  let out = s.handle(
    encodeApdu({
      type: 'general-block-transfer',
      blockControl: { lastBlock: true, streaming: false, window: 3 },
      blockNumber: 2,
      blockNumberAck: 1,
      blockData: req.subarray(5),
    }),
  );
  const parts: Uint8Array[] = [];
  let rounds = 0;
  for (;;) {
    t.ok(out.length >= 1 && out.length <= 3, 'at most a window of blocks');
    let last = false;
    let n = 0;
    for (const b of out) {
      const g = decodeApdu(b);
      if (g.type !== 'general-block-transfer') throw new Error('not GBT');
      t.ok(b.length <= 128);
      parts.push(g.blockData);
      last = g.blockControl.lastBlock;
      n = g.blockNumber;
    }
    if (last) break;
    rounds++;
    out = s.handle(
      encodeApdu({
        type: 'general-block-transfer',
        blockControl: { lastBlock: false, streaming: false, window: 3 },
        blockNumber: 3 + rounds,
        blockNumberAck: n,
        blockData: new Uint8Array(0),
      }),
    );
  }
  t.ok(rounds >= 1, 'more than one window');
  const whole = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    whole.set(p, at);
    at += p.length;
  }
  const resp = decodeApdu(whole);
  t.equal(resp.type, 'get-response-normal');
  t.ok(objectListFromData(data(resp)).length > 5);
  // the final block sent again (its answer was lost): the last window of the answer comes again
  const again = s.handle(
    encodeApdu({
      type: 'general-block-transfer',
      blockControl: { lastBlock: true, streaming: false, window: 3 },
      blockNumber: 2,
      blockNumberAck: 1,
      blockData: req.subarray(5),
    }),
  );
  t.ok(again.length >= 1, 'the answer is kept until the next request');
  const lastAgain = decodeApdu(again[again.length - 1]!);
  t.equal(lastAgain.type === 'general-block-transfer' && lastAgain.blockControl.lastBlock, true);
  // a new request: its first block is acknowledged, announcing the server's window
  const other = get(3, '1-0:1.8.0.255', 2);
  const ack1 = only(
    s.handle(
      encodeApdu({
        type: 'general-block-transfer',
        blockControl: { lastBlock: false, streaming: false, window: 1 },
        blockNumber: 1,
        blockNumberAck: 0,
        blockData: other.subarray(0, 5),
      }),
    ),
  );
  t.match(ack1, { type: 'general-block-transfer', blockNumberAck: 1, blockControl: { window: 1 } });
  // a block after a lost one is not kept: the acknowledgement names the last block held
  t.match(
    only(
      s.handle(
        encodeApdu({
          type: 'general-block-transfer',
          blockControl: { lastBlock: true, streaming: false, window: 1 },
          blockNumber: 3,
          blockNumberAck: 0,
          blockData: other.subarray(6),
        }),
      ),
    ),
    { type: 'general-block-transfer', blockNumberAck: 1, blockData: new Uint8Array(0) },
  );
  // a block already held, sent again in a window, is dropped (no answer while streaming)
  t.same(
    s.handle(
      encodeApdu({
        type: 'general-block-transfer',
        blockControl: { lastBlock: false, streaming: true, window: 1 },
        blockNumber: 1,
        blockNumberAck: 0,
        blockData: other.subarray(0, 5),
      }),
    ),
    [],
  );
  // the request completes with the right block
  const done = s.handle(
    encodeApdu({
      type: 'general-block-transfer',
      blockControl: { lastBlock: true, streaming: false, window: 1 },
      blockNumber: 2,
      blockNumberAck: 0,
      blockData: other.subarray(5),
    }),
  );
  const answer = decodeApdu(done[0]!);
  t.equal(answer.type, 'general-block-transfer');
  // a block number far outside any window is an exception
  t.equal(
    only(
      s.handle(
        encodeApdu({
          type: 'general-block-transfer',
          blockControl: { lastBlock: false, streaming: false, window: 1 },
          blockNumber: 1,
          blockNumberAck: 0,
          blockData: req.subarray(0, 5),
        }),
      ),
    ).type,
    'general-block-transfer',
  );
  t.equal(
    only(
      s.handle(
        encodeApdu({
          type: 'general-block-transfer',
          blockControl: { lastBlock: true, streaming: false, window: 1 },
          blockNumber: 500,
          blockNumberAck: 0,
          blockData: req.subarray(5),
        }),
      ),
    ).type,
    'exception-response',
  );
});

t.test('exception-response for what the server cannot take', async (t) => {
  const { sim } = simulator();
  const s = sim.createSession(16, 1)!;
  const ex = only(s.handle(get(3, '1-0:1.8.0.255', 2).subarray(0, 3)));
  t.same(ex.type === 'exception-response' ? [ex.stateError, ex.serviceError] : undefined, [
    'service-not-allowed',
    'operation-not-possible',
  ]);
  t.equal(only(s.handle(new Uint8Array(0))).type, 'exception-response');
  s.handle(aarq());
  t.same(
    (only(s.handle(Uint8Array.of(0xc0, 0x09))) as { stateError?: unknown }).stateError,
    'service-unknown',
  );
  t.equal(
    only(
      s.handle(
        encodeApdu({
          type: 'data-notification',
          longInvokeIdAndPriority: {
            invokeId: 1,
            selfDescriptive: false,
            processingOption: 'continue-on-error',
            serviceClass: 'unconfirmed',
            priority: 'normal',
          },
          dateTime: null,
          notificationBody: { type: 'null-data', value: null },
        }),
      ),
    ).type,
    'exception-response',
  );
  t.equal(only(s.handle(encodeAcseApdu({ type: 'rlre', reason: 0 }))).type, 'exception-response');
  t.equal(
    only(s.handle(cipherApdu(managementClient(), get(3, '1-0:1.8.0.255', 2), { form: 'glo' }))).type,
    'exception-response',
    'ciphered APDU in a plain association',
  );
  const long = encodeApdu({
    type: 'set-request-normal',
    invokeIdAndPriority: IID,
    cosemAttributeDescriptor: { classId: 1, instanceId: '0-0:96.1.0.255', attributeId: 2 },
    accessSelection: null,
    value: { type: 'octet-string', value: new Uint8Array(1100) },
  });
  t.same(
    (only(s.handle(long)) as { serviceError?: unknown }).serviceError,
    'pdu-too-long',
    'longer than the server PDU size',
  );
  t.equal(s.state, 'associated', 'the association survives');
});

t.test('property: arbitrary bytes never throw and never kill the session', async (t) => {
  const { sim } = simulator();
  const fresh = sim.createSession(16, 1)!;
  const assoc = sim.createSession(16, 1)!;
  assoc.handle(aarq({ pdu: 64 }));
  const prefixes = [0x60, 0x62, 0xc0, 0xc1, 0xc3, 0xe0, 0xc8, 0xdb, 0x01];
  fc.assert(
    fc.property(fc.constantFrom(...prefixes, -1), fc.uint8Array({ maxLength: 80 }), (tag, rest) => {
      const bytes = tag < 0 ? rest : Uint8Array.of(tag, ...rest);
      for (const s of [fresh, assoc]) {
        let out: Uint8Array[] = [];
        try {
          out = s.handle(bytes);
        } catch (e) {
          return isMeterkitError(e);
        }
        for (const o of out) if (o.length === 0) return false;
      }
      return true;
    }),
    { numRuns: 600 },
  );
  // still serving afterwards
  const s = sim.createSession(16, 1)!;
  s.handle(aarq());
  t.equal(data(only(s.handle(get(3, '1-0:1.8.0.255', 2)))).type, 'double-long-unsigned');
});

t.test('property: the transport ports take arbitrary bytes without throwing', async (t) => {
  const { sim } = simulator();
  const hdlc = new HdlcServerPort(sim, { maxInfoLength: 128 });
  const wrapper = new WrapperServerPort(sim);
  const snrm = encodeHdlcFrame({
    type: 'snrm',
    destination: hdlcAddress(1, 17),
    source: hdlcAddress(16),
    pollFinal: true,
  });
  const ua = hdlc.receive(snrm);
  t.equal(ua.length, 1, 'UA to SNRM');
  t.ok(hdlc.connected);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), fc.boolean(), (bytes, flag) => {
      const input = flag
        ? Uint8Array.of(0x7e, 0xa0, ...bytes)
        : Uint8Array.of(0x00, 0x01, 0x00, 0x10, 0x00, 0x01, ...bytes);
      hdlc.receive(input);
      wrapper.receive(input);
      wrapper.receiveDatagram(input);
      return true;
    }),
    { numRuns: 500 },
  );
  hdlc.close();
  wrapper.close();
  // a DISC-less new SNRM from another client replaces the link
  const other = new HdlcServerPort(sim);
  other.receive(snrm);
  const dm = other.receive(
    encodeHdlcFrame({
      type: 'snrm',
      destination: hdlcAddress(1, 17),
      source: hdlcAddress(99),
      pollFinal: true,
    }),
  );
  t.equal(decodeHdlcFrame(dm[0]!).type, 'dm', 'a client SAP without an association gets DM');
  t.notOk(other.connected);
  const rr = other.receive(
    encodeHdlcFrame({
      type: 'rr',
      destination: hdlcAddress(1, 17),
      source: hdlcAddress(16),
      pollFinal: true,
      receiveSequence: 0,
    }),
  );
  t.equal(decodeHdlcFrame(rr[0]!).type, 'dm', 'a poll without a link gets DM');
});
