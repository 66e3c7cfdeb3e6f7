/**
 * HLS over short-name referencing (IEC 62056-5-3 §9.2.2.2, §9.3.13): passes 3 and 4 as a READ with
 * parameterized-access of Association SN's reply_to_HLS_authentication (0xFA58), with the real
 * client against the simulator (mechanism 4, and HLS-GMAC in a ciphered SN association), plus the
 * sans-IO pieces.
 */
import { fromHex } from '@meterkit/core';
import t from 'tap';
import { ClientAssociation, DlmsClient, SN_REPLY_TO_HLS_AUTHENTICATION_NAME } from '../src/client/index.js';
import { firstMethodOffset } from '../src/cosem/short-names.js';
import { DlmsErrorCode, SecurityContext } from '../src/index.js';
import { serveHdlcTcp, serveWrapperTcp } from '../src/server/serve.js';
import { MeterSimulator } from '../src/server/simulator.js';
import { profileWith } from './simulator-helpers.js';

const SN_CONFORMANCE = [
  'read',
  'write',
  'unconfirmed-write',
  'block-transfer-with-get-or-read',
  'multiple-references',
  'parameterized-access',
] as const;
const EK = '000102030405060708090a0b0c0d0e0f';
const AK = 'd0d1d2d3d4d5d6d7d8d9dadbdcdddedf';
const SECRET = '3132333435363738';

function snProfile() {
  return profileWith(
    [
      {
        clientSap: 64,
        referencing: 'short-name',
        mechanism: 4,
        secret: SECRET,
        conformance: [...SN_CONFORMANCE],
        defaultAccess: 'read-only',
      },
      {
        clientSap: 65,
        referencing: 'short-name',
        mechanism: 5,
        ciphering: true,
        conformance: [...SN_CONFORMANCE],
        defaultAccess: 'read-and-write',
        security: { suite: 0, globalUnicastEncryptionKey: EK, authenticationKey: AK },
      },
    ],
    [],
    (o) => (o.logicalName === '1-0:1.8.0.255' ? { ...o, baseName: 0x2000 } : o),
  );
}

function gmacContext(): SecurityContext {
  return new SecurityContext({
    suite: 0,
    systemTitle: fromHex('4d4b540000000065'),
    globalUnicastEncryptionKey: fromHex(EK),
    authenticationKey: fromHex(AK),
    invocationCounters: { 'global-unicast-encryption-key': 1 },
  });
}

t.test('the short name of reply_to_HLS_authentication follows the simulator table', (t) => {
  t.equal(SN_REPLY_TO_HLS_AUTHENTICATION_NAME, 0xfa00 + firstMethodOffset(12, [1, 2]) + 8 * 7);
  t.equal(SN_REPLY_TO_HLS_AUTHENTICATION_NAME, 0xfa58);
  t.end();
});

t.test('SN HLS with the real client against the simulator', async (t) => {
  const sim = new MeterSimulator(snProfile());
  const tcp = await serveWrapperTcp(sim, { port: 0 });
  const hdlc = await serveHdlcTcp(sim, { port: 0 });
  t.teardown(async () => {
    await tcp.close();
    await hdlc.close();
  });

  await t.test('mechanism 4 (GMAC-less HLS with a secret) over the TCP wrapper', async (t) => {
    const client = await DlmsClient.connect({
      connection: { type: 'tcp', host: '127.0.0.1', port: tcp.port, clientAddress: 64 },
      referencing: 'short-name',
      authentication: { mechanism: 4, secret: fromHex(SECRET) },
      timeoutMs: 5000,
    });
    t.teardown(() => client.close());
    t.equal(client.association.state, 'associated');
    t.equal(client.negotiated?.vaaName, 0xfa00);
    const [v] = await client.read([{ variableName: 0x2008 }]);
    t.equal(v?.type === 'data' ? v.data.type : v?.type, 'double-long-unsigned');
    await client.release();
  });

  await t.test('mechanism 4 over HDLC on TCP', async (t) => {
    const client = await DlmsClient.connect({
      connection: {
        type: 'hdlc-tcp',
        host: '127.0.0.1',
        port: hdlc.port,
        clientAddress: 64,
        physicalAddress: 17,
      },
      referencing: 'short-name',
      authentication: { mechanism: 4, secret: fromHex(SECRET) },
      timeoutMs: 5000,
    });
    t.teardown(() => client.close());
    t.ok((await client.readObjectList()).length > 3);
    await client.release();
  });

  await t.test('HLS-GMAC (mechanism 5) in a ciphered SN association, glo and general-glo', async (t) => {
    for (const form of ['glo', 'general-glo'] as const) {
      const client = await DlmsClient.connect({
        connection: { type: 'tcp', host: '127.0.0.1', port: tcp.port, clientAddress: 65 },
        referencing: 'short-name',
        authentication: { mechanism: 5 },
        security: { context: gmacContext(), form },
        timeoutMs: 5000,
      });
      t.equal(client.association.state, 'associated', form);
      const [v] = await client.read([{ variableName: 0x2008 }]);
      t.equal(v?.type === 'data' ? v.data.type : v?.type, 'double-long-unsigned', form);
      await client.release();
      await client.close();
    }
  });

  await t.test('a wrong secret is refused with HlsAuthenticationFailed', async (t) => {
    await t.rejects(
      DlmsClient.connect({
        connection: { type: 'tcp', host: '127.0.0.1', port: tcp.port, clientAddress: 64 },
        referencing: 'short-name',
        authentication: { mechanism: 4, secret: 'wrong' },
        timeoutMs: 5000,
      }),
      { code: DlmsErrorCode.HlsAuthenticationFailed, message: /refused our HLS response/ },
    );
  });
});

t.test('sans-IO: the SN HLS request and the READ results of pass 4', (t) => {
  const sim = new MeterSimulator(snProfile());
  const stocOf = (a: ClientAssociation) => {
    const s = sim.createSession(64, 1)!;
    const out = a.receiveAare(s.handle(a.aarq())[0]!);
    t.equal(out.type, 'hls-pending');
    return s;
  };
  const a = new ClientAssociation({
    referencing: 'short-name',
    authentication: { mechanism: 4, secret: fromHex(SECRET) },
  });
  stocOf(a);
  t.throws(() => a.hlsRequest(), { code: 404, message: /hlsShortNameRequest/ });
  const rq = a.hlsServiceRequest();
  t.equal(rq.type, 'read');
  t.match(rq.items[0], { variableName: 0xfa58, selector: 0, parameter: { type: 'octet-string' } });
  // a refusal in the READ answer
  t.throws(
    () =>
      a.receiveHlsResult({
        type: 'read',
        results: [{ type: 'data-access-result', result: 'read-write-denied' }],
      }),
    {
      code: DlmsErrorCode.HlsAuthenticationFailed,
    },
  );
  t.equal(a.state, 'failed');

  // null-data from a server that does not return f(CtoS), accepted only without verifyServer
  const b = new ClientAssociation({
    referencing: 'short-name',
    authentication: { mechanism: 4, secret: fromHex(SECRET) },
    verifyServer: false,
  });
  stocOf(b);
  b.receiveHlsResult({ type: 'read', results: [{ type: 'data', data: { type: 'null-data', value: null } }] });
  t.equal(b.state, 'associated');
  const c = new ClientAssociation({
    referencing: 'short-name',
    authentication: { mechanism: 4, secret: fromHex(SECRET) },
  });
  stocOf(c);
  t.throws(
    () =>
      c.receiveHlsResult({
        type: 'read',
        results: [{ type: 'data', data: { type: 'null-data', value: null } }],
      }),
    { code: DlmsErrorCode.HlsAuthenticationFailed, message: /did not return f\(CtoS\)/ },
  );
  // an answer of another service
  const d = new ClientAssociation({
    referencing: 'short-name',
    authentication: { mechanism: 4, secret: fromHex(SECRET) },
  });
  stocOf(d);
  t.throws(() => d.receiveHlsResult({ type: 'get', results: [] }), { code: 427 });
  t.equal(d.state, 'failed');
  // LN: the ACTION form through the same entry point
  const e = new ClientAssociation({ authentication: { mechanism: 3, secret: 'x' }, verifyServer: false });
  t.throws(() => e.hlsServiceRequest(), { code: 404 });
  t.end();
});
