/**
 * HLS mechanism 7 (ECDSA) and security suites 1 and 2 configured from the JSON profile, the
 * general-ciphering form, and ciphered pushes, with the real client and a push listener.
 */

import { generateKeyPairSync } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { fromHex, isMeterkitError } from '@meterkit/core';
import t from 'tap';
import { ClientAssociation, DlmsClient } from '../src/client/index.js';
import {
  cipherApdu,
  decipherApdu,
  decodeApdu,
  encodeApdu,
  exportEcPublicKey,
  SecurityContext,
  securitySuiteParameters,
} from '../src/index.js';
import { deliverPushes } from '../src/server/serve.js';
import { MeterSimulator } from '../src/server/simulator.js';
import { decodeWrapperPdu } from '../src/wrapper/wrapper.js';
import { get, IID, T0 } from './server-helpers.js';
import { profileWith } from './simulator-helpers.js';
import { hdlcToSimulator, serveSimulator } from './simulator-servers.js';

const KEY128 = '000102030405060708090a0b0c0d0e0f';
const AUTH128 = 'd0d1d2d3d4d5d6d7d8d9dadbdcdddedf';
const KEY256 = `${KEY128}${KEY128}`;
const AUTH256 = `${AUTH128}${AUTH128}`;
const CLIENT_TITLE = fromHex('4d4b540000000099');

const client1 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const client2 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
const server2 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });

function profile(pushPort = 4059) {
  return profileWith(
    [
      { clientSap: 16 },
      {
        clientSap: 1,
        mechanism: 7,
        ciphering: true,
        defaultAccess: 'read-and-write',
        security: {
          suite: 1,
          globalUnicastEncryptionKey: KEY128,
          authenticationKey: AUTH128,
          masterKey: KEY128,
          signingKey: 'generate',
          clientSigningKey: client1.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
        },
      },
      {
        clientSap: 2,
        mechanism: 7,
        ciphering: true,
        defaultAccess: 'read-only',
        security: {
          suite: 2,
          globalUnicastEncryptionKey: KEY256,
          authenticationKey: AUTH256,
          signingKey: server2.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
          clientSigningKey: Buffer.from(
            exportEcPublicKey(securitySuiteParameters(2), client2.publicKey),
          ).toString('hex'),
        },
      },
      {
        clientSap: 3,
        mechanism: 5,
        ciphering: true,
        security: { suite: 1, globalUnicastEncryptionKey: KEY128, authenticationKey: AUTH128 },
      },
    ],
    [],
    (o) =>
      o.logicalName !== '0-0:25.9.0.255'
        ? o
        : {
            ...o,
            live: { kind: 'push-setup', ciphering: { association: 1 } },
            attributes: {
              ...o.attributes,
              '3': {
                type: 'structure',
                value: [
                  { type: 'enum', value: 1 },
                  { type: 'octet-string', value: Buffer.from(`127.0.0.1:${pushPort}`).toString('hex') },
                  { type: 'enum', value: 0 },
                ],
              },
            },
          },
  );
}

function suite1Client(sim: MeterSimulator): SecurityContext {
  return new SecurityContext({
    suite: 1,
    systemTitle: CLIENT_TITLE,
    globalUnicastEncryptionKey: fromHex(KEY128),
    authenticationKey: fromHex(AUTH128),
    masterKey: fromHex(KEY128),
    invocationCounters: { 'global-unicast-encryption-key': 1 },
    signingKey: client1.privateKey,
    peerSigningKey: sim.signingPublicKey(1),
  });
}

t.test('HLS-ECDSA and suites 1 and 2 with the real client', async (t) => {
  const sim = new MeterSimulator(profile());
  const { tcp, hdlc } = await serveSimulator(t, sim);
  t.equal(sim.signingPublicKey(1)?.asymmetricKeyDetails?.namedCurve, 'prime256v1', 'a generated P-256 key');
  t.equal(sim.signingPublicKey(16), undefined);

  for (const form of ['glo', 'general-glo'] as const) {
    await t.test(`suite 1, HLS 7, ${form} ciphering over the TCP wrapper`, async (t) => {
      const client = await DlmsClient.connect({
        connection: { type: 'tcp', host: '127.0.0.1', port: tcp.port, clientAddress: 1 },
        authentication: { mechanism: 7 },
        security: { context: suite1Client(sim), form },
        timeoutMs: 5000,
      });
      t.teardown(() => client.close());
      t.equal(client.association.state, 'associated');
      const v = await client.get('1-0:1.8.0.255', { classId: 3 });
      t.equal(v.type, 'double-long-unsigned');
      await client.set('0-0:96.1.0.255', { type: 'visible-string', value: 'SUITE-1' });
      t.same(await client.get('0-0:96.1.0.255'), { type: 'visible-string', value: 'SUITE-1' });
      await client.release();
    });
  }

  await t.test('suite 1, HLS 7, dedicated key (ded ciphering) over HDLC/TCP', async (t) => {
    const client = await DlmsClient.connect({
      connection: hdlcToSimulator(hdlc.port, 1),
      authentication: { mechanism: 7 },
      security: { context: suite1Client(sim), form: 'ded', dedicatedKey: true },
      timeoutMs: 5000,
    });
    t.teardown(() => client.close());
    const p = await client.readProfile('1-0:99.1.0.255', { fromEntry: 1, toEntry: 50 });
    t.equal(p.rows.length, 50);
    const clock = await client.readClock();
    t.equal(clock.deviation, -60);
  });

  await t.test('suite 2 (AES-256, P-384), HLS 7 with PEM and X ‖ Y keys from the profile', async (t) => {
    const context = new SecurityContext({
      suite: 2,
      systemTitle: CLIENT_TITLE,
      globalUnicastEncryptionKey: fromHex(KEY256),
      authenticationKey: fromHex(AUTH256),
      invocationCounters: { 'global-unicast-encryption-key': 1 },
      signingKey: client2.privateKey,
      peerSigningKey: server2.publicKey,
    });
    const client = await DlmsClient.connect({
      connection: { type: 'tcp', host: '127.0.0.1', port: tcp.port, clientAddress: 2 },
      authentication: { mechanism: 7 },
      security: { context, form: 'general-glo' },
      timeoutMs: 5000,
    });
    t.teardown(() => client.close());
    t.equal((await client.get('1-0:2.8.0.255', { classId: 3 })).type, 'double-long-unsigned');
    await t.rejects(client.set('0-0:96.1.0.255', { type: 'visible-string', value: 'x' }), { code: 422 });
  });

  await t.test('HLS 7 with the wrong client key fails with a typed error', async (t) => {
    const stranger = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const context = suite1Client(sim);
    context.signingKey = stranger.privateKey;
    await t.rejects(
      DlmsClient.connect({
        connection: { type: 'tcp', host: '127.0.0.1', port: tcp.port, clientAddress: 1 },
        authentication: { mechanism: 7 },
        security: { context },
        timeoutMs: 5000,
      }),
      { code: 324 },
    );
  });

  await t.test('suite 1 with HLS-GMAC (mechanism 5)', async (t) => {
    const context = new SecurityContext({
      suite: 1,
      systemTitle: CLIENT_TITLE,
      globalUnicastEncryptionKey: fromHex(KEY128),
      authenticationKey: fromHex(AUTH128),
      invocationCounters: { 'global-unicast-encryption-key': 1 },
    });
    const client = await DlmsClient.connect({
      connection: { type: 'tcp', host: '127.0.0.1', port: tcp.port, clientAddress: 3 },
      authentication: { mechanism: 5 },
      security: { context },
      timeoutMs: 5000,
    });
    t.teardown(() => client.close());
    t.equal((await client.get('1-0:1.8.0.255', { classId: 3 })).type, 'double-long-unsigned');
  });
});

t.test('general-ciphering requests are answered in general-ciphering', async (t) => {
  const sim = new MeterSimulator(profile(), { now: () => T0 });
  const session = sim.createSession(1, 1)!;
  const context = suite1Client(sim);
  const a = new ClientAssociation({ authentication: { mechanism: 7 }, security: { context } });
  const outcome = a.receiveAare(session.handle(a.aarq())[0]!);
  t.equal(outcome.type, 'hls-pending');
  const hls = a.hlsRequest();
  const pass3 = encodeApdu({
    type: 'action-request-normal',
    invokeIdAndPriority: IID,
    cosemMethodDescriptor: { classId: hls.classId, instanceId: hls.instanceId, methodId: hls.methodId },
    methodInvocationParameters: hls.parameters ?? null,
  });
  const pass4 = decodeApdu(a.unprotect(session.handle(a.protect(pass3))[0]!));
  if (pass4.type !== 'action-response-normal') throw new Error(pass4.type);
  a.receiveHlsResponse(pass4.singleResponse);
  t.equal(session.state, 'associated');
  const request = cipherApdu(context, get(3, '1-0:1.8.0.255', 3), { form: 'general-ciphering' });
  t.equal(request[0], 0xdd);
  const [answer] = session.handle(request);
  t.equal(answer![0], 0xdd, 'the answer is general-ciphering too');
  const plain = decodeApdu(decipherApdu(context, answer!).plaintext);
  t.match(plain, { type: 'get-response-normal', result: { type: 'data', data: { type: 'structure' } } });
  // a key wrapped with the master key
  const wrapped = cipherApdu(context, get(3, '1-0:1.8.0.255', 2), {
    form: 'general-ciphering',
    keyInfo: 'wrapped-key',
  });
  const [answer2] = session.handle(wrapped);
  t.match(decodeApdu(decipherApdu(context, answer2!).plaintext), {
    type: 'get-response-normal',
    result: { type: 'data', data: { type: 'double-long-unsigned' } },
  });
  // a plain request in the ciphered association is refused
  t.equal(decodeApdu(session.handle(get(3, '1-0:1.8.0.255', 2))[0]!).type, 'exception-response');
});

t.test('ciphered pushes: a listener with the key reads them, one without gets a typed error', async (t) => {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  t.teardown(() => socket.close());
  const received = new Promise<Uint8Array>((resolve) =>
    socket.once('message', (m) => resolve(new Uint8Array(m.buffer, m.byteOffset, m.length))),
  );
  const sim = new MeterSimulator(profile(socket.address().port), { now: () => T0 });
  t.teardown(deliverPushes(sim));
  const e = sim.push();
  t.equal(e.ciphered, true);
  t.equal(e.apdu[0], 0xdb, 'general-glo-ciphering');
  const wrapped = decodeWrapperPdu(await received);
  t.same(wrapped.payload, e.apdu, 'delivered as a wrapper PDU over UDP');

  const listener = new SecurityContext({
    suite: 1,
    globalUnicastEncryptionKey: fromHex(KEY128),
    authenticationKey: fromHex(AUTH128),
  });
  const d = decipherApdu(listener, wrapped.payload);
  t.equal(d.tagVerified, true);
  t.same(d.senderSystemTitle, sim.systemTitle);
  const n = decodeApdu(d.plaintext);
  t.match(n, { type: 'data-notification', notificationBody: { type: 'structure' } });
  t.equal(
    n.type === 'data-notification' && n.notificationBody.type === 'structure'
      ? n.notificationBody.value.length
      : 0,
    4,
  );

  const keyless = new SecurityContext({ suite: 1 });
  t.throws(() => decipherApdu(keyless, wrapped.payload), { code: 302 }, 'KeyMissing without the key');
  const wrongKey = new SecurityContext({
    suite: 1,
    globalUnicastEncryptionKey: fromHex(AUTH128),
    authenticationKey: fromHex(AUTH128),
  });
  let error: unknown;
  try {
    decipherApdu(wrongKey, wrapped.payload);
  } catch (x) {
    error = x;
  }
  t.ok(isMeterkitError(error, 300), 'AuthenticationFailed with a wrong key');
  // the server's invocation counter moves on from push to push
  const second = decipherApdu(listener, sim.push().apdu);
  t.ok(second.invocationCounter > d.invocationCounter);
});

t.test('general-ciphering pushes and profile errors', async (t) => {
  const base = profile();
  const withPush = (ciphering: Record<string, unknown>) =>
    new MeterSimulator(
      {
        ...base,
        objects: base.objects.map((o) =>
          o.logicalName === '0-0:25.9.0.255' ? { ...o, live: { kind: 'push-setup', ciphering } as never } : o,
        ),
      },
      { now: () => T0 },
    );
  const sim = withPush({ association: 3, form: 'general-ciphering', protection: 'authenticated' });
  const e = sim.push();
  t.equal(e.apdu[0], 0xdd);
  const listener = new SecurityContext({
    suite: 1,
    globalUnicastEncryptionKey: fromHex(KEY128),
    authenticationKey: fromHex(AUTH128),
  });
  const d = decipherApdu(listener, e.apdu);
  t.equal(d.protection, 'authenticated');
  t.equal(decodeApdu(d.plaintext).type, 'data-notification');
  t.throws(() => withPush({ association: 16 }), { code: 207 }, 'an association without security');
  t.throws(() => withPush({ association: 1, form: 'glo' }), { code: 207 });
  t.throws(() => withPush({ association: 1, protection: 'none' }), { code: 207 });

  const assoc = (security: Record<string, unknown>, mechanism = 7) =>
    new MeterSimulator(profileWith([{ clientSap: 1, mechanism, ciphering: true, security }]));
  const sec1 = { suite: 1, globalUnicastEncryptionKey: KEY128, authenticationKey: AUTH128 };
  t.throws(() => assoc(sec1), { code: 207, message: /signingKey/ }, 'mechanism 7 without keys');
  t.throws(() => assoc({ ...sec1, signingKey: 'not a key', clientSigningKey: '00' }), {
    code: 207,
    message: /PEM private key/,
  });
  t.throws(() => assoc({ ...sec1, signingKey: 'generate', clientSigningKey: 'zz' }), { code: 207 });
  t.throws(
    () =>
      assoc({
        ...sec1,
        signingKey: server2.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
        clientSigningKey: client1.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
      }),
    { code: 207, message: /curve/ },
    'a P-384 key for suite 1',
  );
  t.throws(() => assoc({ suite: 0, globalUnicastEncryptionKey: KEY128, signingKey: 'generate' }, 5), {
    code: 207,
    message: /no ECDSA/,
  });
  t.throws(() => assoc({ suite: 3 }, 5), { code: 207 });
  t.throws(() => assoc({ suite: 1, globalUnicastEncryptionKey: KEY256 }, 5), { code: 207 }, 'key length');
  try {
    assoc({ ...sec1, signingKey: '-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----' });
  } catch (x) {
    t.notMatch(String((x as Error).message), /c2VjcmV0/, 'the key is not in the message');
  }
});
