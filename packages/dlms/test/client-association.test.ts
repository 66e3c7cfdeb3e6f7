import { fromHex, isMeterkitError } from '@meterkit/core';
import t from 'tap';
import { ClientAssociation, DlmsClientErrorCode, defaultConformance } from '../src/client/index.js';
import {
  AssociationResult,
  cipherApdu,
  DlmsErrorCode,
  decodeAcseApdu,
  encodeAcseApdu,
  encodeApdu,
  encodeInitiateResponse,
  SecurityContext,
} from '../src/index.js';

const initiate = encodeInitiateResponse({
  negotiatedDlmsVersionNumber: 6,
  negotiatedConformance: ['get', 'set', 'action', 'multiple-references'],
  serverMaxReceivePduSize: 0,
  vaaName: 7,
});
const aare = (result: number, diag: number, extra: Record<string, unknown> = {}) =>
  encodeAcseApdu({
    type: 'aare',
    applicationContextName: '2.16.756.5.8.1.1',
    result,
    resultSourceDiagnostic: { type: 'acse-service-user', value: diag },
    userInformation: { type: 'other', content: initiate },
    ...extra,
  });

t.test('plain LN association: AARQ, AARE, release', (t) => {
  const a = new ClientAssociation();
  const aarq = decodeAcseApdu(a.aarq());
  t.equal(aarq.type, 'aarq');
  if (aarq.type === 'aarq') {
    t.equal(aarq.applicationContextName, '2.16.756.5.8.1.1');
    t.equal(aarq.mechanismName, undefined);
    t.same(
      aarq.userInformation?.type === 'initiate-request' && aarq.userInformation.proposedConformance,
      defaultConformance('logical-name'),
    );
  }
  a.aarq(); // an AARQ that got no answer may be sent again
  const out = a.receiveAare(aare(AssociationResult.Accepted, 0));
  t.equal(out.type, 'associated');
  t.equal(out.negotiated.serverMaxReceivePduSize, 65535, '0 means no limit');
  t.equal(a.protect(Uint8Array.of(0xc0)).length, 1);
  t.throws(() => a.aarq(), { code: 404 });
  const rlrq = decodeAcseApdu(a.rlrq());
  t.equal(rlrq.type, 'rlrq');
  t.throws(() => a.receiveRlre(aare(0, 0)), { code: DlmsClientErrorCode.UnexpectedResponse });
  t.throws(() => a.receiveRlre(encodeAcseApdu({ type: 'rlre', reason: 1 })), {
    code: DlmsClientErrorCode.ReleaseRefused,
  });
  a.rlrq();
  a.receiveRlre(encodeAcseApdu({ type: 'rlre', reason: 0 }));
  t.equal(a.state, 'released');
  t.same(JSON.parse(JSON.stringify(a)), {
    state: 'released',
    referencing: 'logical-name',
    mechanism: 0,
    ciphered: false,
  });
  t.end();
});

t.test('rejections carry the diagnostic and a hint; LLS password never shows', (t) => {
  const a = new ClientAssociation({ authentication: { mechanism: 'low', password: 'secret-pw' } });
  const aarq = decodeAcseApdu(a.aarq());
  t.equal(aarq.type === 'aarq' && aarq.mechanismName, '2.16.756.5.8.2.1');
  try {
    a.receiveAare(aare(AssociationResult.RejectedPermanent, 13));
    t.fail('accepted');
  } catch (e) {
    t.match(e, {
      code: DlmsErrorCode.AssociationRejected,
      message: /authentication-failure.*check the client address/,
    });
    t.notMatch(String((e as Error).message), /secret-pw/);
  }
  t.equal(a.state, 'failed');
  t.equal(JSON.stringify(a).includes('secret'), false);
  const sn = new ClientAssociation({ referencing: 'short-name' });
  sn.aarq();
  t.throws(() => sn.receiveAare(aare(AssociationResult.RejectedTransient, 2)), { message: /referencing/ });
  const n = new ClientAssociation();
  n.aarq();
  t.throws(() => n.receiveAare(encodeAcseApdu({ type: 'rlre' })), {
    code: DlmsClientErrorCode.UnexpectedResponse,
  });
  const n2 = new ClientAssociation();
  n2.aarq();
  try {
    n2.receiveAare(Uint8Array.of(0x61, 0x05, 0xa1));
    t.fail('accepted');
  } catch (e) {
    t.ok(isMeterkitError(e), 'malformed AARE raises MeterkitError');
  }
  t.equal(n2.state, 'failed');
  const n3 = new ClientAssociation();
  t.throws(() => n3.receiveAare(aare(0, 0)), { code: 404 });
  n3.aarq();
  t.throws(
    () =>
      n3.receiveAare(
        encodeAcseApdu({
          type: 'aare',
          applicationContextName: '2.16.756.5.8.1.1',
          result: 0,
          resultSourceDiagnostic: { type: 'acse-service-user', value: 0 },
        }),
      ),
    { code: DlmsClientErrorCode.UnexpectedResponse },
  );
  t.end();
});

t.test('invalid options', (t) => {
  t.throws(() => new ClientAssociation({ authentication: { mechanism: 5 } }), { code: 600 });
  t.throws(() => new ClientAssociation({ maxReceivePduSize: 5 }), { code: 600 });
  t.throws(() => new ClientAssociation({ security: { context: new SecurityContext() } }).aarq(), {
    code: 600,
  });
  t.end();
});

t.test('HLS mechanism 3 (MD5) pass 3 and 4', (t) => {
  const a = new ClientAssociation({ authentication: { mechanism: 3, secret: 'hls-secret' } });
  const aarq = decodeAcseApdu(a.aarq());
  const ctos =
    aarq.type === 'aarq' && aarq.callingAuthenticationValue?.type === 'charstring'
      ? aarq.callingAuthenticationValue.value
      : undefined;
  t.equal(ctos?.length, 16);
  t.throws(() => a.hlsRequest(), { code: 404 });
  const stoc = fromHex('0102030405060708');
  t.throws(
    () => {
      const b = new ClientAssociation({ authentication: { mechanism: 3, secret: 'x' } });
      b.aarq();
      b.receiveAare(aare(0, 14));
    },
    { code: DlmsErrorCode.HlsAuthenticationFailed },
  );
  const out = a.receiveAare(
    aare(0, 14, { respondingAuthenticationValue: { type: 'charstring', value: stoc } }),
  );
  t.equal(out.type, 'hls-pending');
  const m = a.hlsRequest();
  t.same([m.classId, m.instanceId, m.methodId], [15, '0-0:40.0.0.255', 1]);
  t.throws(
    () =>
      a.receiveHlsResponse({
        result: 'success',
        returnParameters: { type: 'data', data: { type: 'octet-string', value: new Uint8Array(16) } },
      }),
    {
      code: DlmsErrorCode.HlsAuthenticationFailed,
    },
  );
  t.equal(a.state, 'failed');
  const b = new ClientAssociation({ authentication: { mechanism: 3, secret: 'x' }, verifyServer: false });
  b.aarq();
  b.receiveAare(aare(0, 14, { respondingAuthenticationValue: { type: 'charstring', value: stoc } }));
  t.throws(() => b.receiveHlsResponse({ result: 'read-write-denied', returnParameters: null }), {
    message: /HLS secret/,
  });
  const c = new ClientAssociation({ authentication: { mechanism: 3, secret: 'x' }, verifyServer: false });
  c.aarq();
  c.receiveAare(aare(0, 14, { respondingAuthenticationValue: { type: 'charstring', value: stoc } }));
  c.receiveHlsResponse({ result: 'success', returnParameters: null });
  t.equal(c.state, 'associated');
  t.end();
});

t.test('ciphered association: glo-initiate, ciphered AARE, protect/unprotect policy', (t) => {
  const EK = fromHex('000102030405060708090a0b0c0d0e0f');
  const AK = fromHex('d0d1d2d3d4d5d6d7d8d9dadbdcdddedf');
  const st = fromHex('4d4d4d0000bc614e');
  const client = new SecurityContext({
    systemTitle: fromHex('4d4b540000000001'),
    globalUnicastEncryptionKey: EK,
    authenticationKey: AK,
  });
  const server = new SecurityContext({
    systemTitle: st,
    peerSystemTitle: fromHex('4d4b540000000001'),
    globalUnicastEncryptionKey: EK,
    authenticationKey: AK,
  });
  const a = new ClientAssociation({
    security: { context: client, dedicatedKey: fromHex('00112233445566778899aabbccddeeff'), form: 'ded' },
  });
  const aarq = decodeAcseApdu(a.aarq());
  t.equal(aarq.type === 'aarq' && aarq.applicationContextName, '2.16.756.5.8.1.3');
  t.equal(aarq.type === 'aarq' && aarq.userInformation?.type, 'ciphered');
  const res = a.receiveAare(
    aare(0, 0, {
      respondingApTitle: st,
      userInformation: { type: 'other', content: cipherApdu(server, initiate, { form: 'glo' }) },
    }),
  );
  t.equal(res.type, 'associated');
  t.same(client.peerSystemTitle, st);
  t.ok(client.hasKey('dedicated-key'));
  const get = encodeApdu({
    type: 'get-request-normal',
    invokeIdAndPriority: { invokeId: 1, serviceClass: 'confirmed', priority: 'high' },
    cosemAttributeDescriptor: { classId: 8, instanceId: '0-0:1.0.0.255', attributeId: 2 },
    accessSelection: null,
  });
  t.equal(a.protect(get)[0], 0xd0, 'ded-get-request');
  t.throws(() => a.unprotect(Uint8Array.of(0xc4, 0x01, 0xc1, 0x00, 0x00)), { code: 326 });
  t.same(a.unprotect(Uint8Array.of(0xd8, 0x01, 0x01)), Uint8Array.of(0xd8, 0x01, 0x01));
  const plainAssoc = new ClientAssociation();
  t.throws(() => plainAssoc.unprotect(Uint8Array.of(0xcc, 0x00)), {
    code: DlmsClientErrorCode.UnexpectedResponse,
  });
  plainAssoc.aarq();
  t.throws(
    () =>
      plainAssoc.receiveAare(
        aare(0, 0, {
          userInformation: { type: 'other', content: cipherApdu(server, initiate, { form: 'glo' }) },
        }),
      ),
    { code: DlmsClientErrorCode.UnexpectedResponse },
  );
  a.released();
  t.notOk(client.hasKey('dedicated-key'));
  t.end();
});
