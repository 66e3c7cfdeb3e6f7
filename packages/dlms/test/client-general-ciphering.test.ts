/**
 * Requests protected with general-ciphering (IEC 62056-5-3 §9.2.7.2.4): identified key, a key
 * wrapped with the master key, and keys agreed by One-Pass Diffie-Hellman and the Static Unified
 * Model (§9.2.3.4.6), with the real client against the simulator.
 */
import { generateKeyPairSync } from 'node:crypto';
import { fromHex, isMeterkitError } from '@meterkit/core';
import t from 'tap';
import { ClientAssociation, DlmsClient } from '../src/client/index.js';
import { decodeApdu, SecurityContext } from '../src/index.js';
import { MeterSimulator } from '../src/server/simulator.js';
import { profileWith } from './simulator-helpers.js';
import { hdlcToSimulator, serveSimulator } from './simulator-servers.js';

const EK = '000102030405060708090a0b0c0d0e0f';
const AK = 'd0d1d2d3d4d5d6d7d8d9dadbdcdddedf';
const CLIENT_TITLE = fromHex('4d4b5400000000c1');
const clientAgreement = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const clientSigning = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

function profile() {
  return profileWith([
    {
      clientSap: 1,
      mechanism: 5,
      ciphering: true,
      defaultAccess: 'read-and-write',
      maxPduSize: 512,
      security: {
        suite: 1,
        globalUnicastEncryptionKey: EK,
        authenticationKey: AK,
        masterKey: EK,
        keyAgreementKey: 'generate',
        clientKeyAgreementKey: clientAgreement.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
        signingKey: 'generate',
        clientSigningKey: clientSigning.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
      },
    },
    {
      clientSap: 2,
      mechanism: 5,
      ciphering: true,
      defaultAccess: 'read-only',
      security: { suite: 0, globalUnicastEncryptionKey: EK, authenticationKey: AK, masterKey: EK },
    },
  ]);
}

function context(sim: MeterSimulator, suite: 0 | 1): SecurityContext {
  return new SecurityContext({
    suite,
    systemTitle: CLIENT_TITLE,
    globalUnicastEncryptionKey: fromHex(EK),
    authenticationKey: fromHex(AK),
    masterKey: fromHex(EK),
    invocationCounters: { 'global-unicast-encryption-key': 1 },
    ...(suite === 1
      ? {
          keyAgreementKey: clientAgreement.privateKey,
          peerKeyAgreementKey: sim.keyAgreementPublicKey(1),
          signingKey: clientSigning.privateKey,
        }
      : {}),
  });
}

/** Records the first octet of every APDU the client sends (after the wrapper header). */
function tagsOf(sim: MeterSimulator): number[] {
  const tags: number[] = [];
  const create = sim.createSession.bind(sim);
  sim.createSession = (c: number, s: number) => {
    const session = create(c, s);
    if (session === undefined) return session;
    const handle = session.handle.bind(session);
    session.handle = (apdu: Uint8Array) => {
      tags.push(apdu[0]!);
      return handle(apdu);
    };
    return session;
  };
  return tags;
}

t.test('general-ciphering requests against the simulator', async (t) => {
  const sim = new MeterSimulator(profile());
  const tags = tagsOf(sim);
  const { tcp, hdlc } = await serveSimulator(t, sim);
  t.ok(sim.keyAgreementPublicKey(1), 'the generated key-agreement key has a public half');
  t.equal(sim.keyAgreementPublicKey(2), undefined);

  const cases = [
    { suite: 0, clientSap: 2, keyInfo: 'identified-key' },
    { suite: 0, clientSap: 2, keyInfo: 'wrapped-key' },
    { suite: 1, clientSap: 1, keyInfo: 'identified-key' },
    { suite: 1, clientSap: 1, keyInfo: 'wrapped-key' },
    { suite: 1, clientSap: 1, keyInfo: 'one-pass-diffie-hellman' },
    { suite: 1, clientSap: 1, keyInfo: 'static-unified-model' },
  ] as const;
  for (const c of cases) {
    await t.test(`suite ${c.suite}, ${c.keyInfo}, HLS-GMAC, over the TCP wrapper`, async (t) => {
      tags.length = 0;
      const client = await DlmsClient.connect({
        connection: { type: 'tcp', host: '127.0.0.1', port: tcp.port, clientAddress: c.clientSap },
        authentication: { mechanism: 5 },
        security: { context: context(sim, c.suite), form: 'general-ciphering', keyInfo: c.keyInfo },
        timeoutMs: 5000,
      });
      t.teardown(() => client.close());
      t.equal(client.association.state, 'associated', 'HLS pass 3 went in general-ciphering too');
      const v = await client.get('1-0:1.8.0.255', { classId: 3 });
      t.equal(v.type, 'double-long-unsigned');
      t.same(
        tags.filter((x) => x !== 0x60 && x !== 0x62),
        [0xdd, 0xdd],
        'every xDLMS request was general-ciphering',
      );
      await client.release();
    });
  }

  await t.test('suite 1, one-pass DH: SET with a long value over HDLC on TCP (blocks)', async (t) => {
    const client = await DlmsClient.connect({
      connection: hdlcToSimulator(hdlc.port),
      authentication: { mechanism: 5 },
      security: { context: context(sim, 1), form: 'general-ciphering', keyInfo: 'one-pass-diffie-hellman' },
      generalBlockTransfer: 'never',
      timeoutMs: 5000,
    });
    t.teardown(() => client.close());
    const long = 'G'.repeat(400);
    await client.set('0-0:96.1.0.255', { type: 'visible-string', value: long });
    t.same(await client.get('0-0:96.1.0.255'), { type: 'visible-string', value: long });
    await client.release();
  });

  await t.test('the server does not know the agreed key: typed failure, no hang', async (t) => {
    // the client agrees a key with a key pair the server does not hold
    const stranger = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const ctx = new SecurityContext({
      suite: 1,
      systemTitle: CLIENT_TITLE,
      globalUnicastEncryptionKey: fromHex(EK),
      authenticationKey: fromHex(AK),
      invocationCounters: { 'global-unicast-encryption-key': 1 },
      peerKeyAgreementKey: stranger.publicKey,
    });
    const e = await DlmsClient.connect({
      connection: { type: 'tcp', host: '127.0.0.1', port: tcp.port, clientAddress: 1 },
      authentication: { mechanism: 5 },
      security: { context: ctx, form: 'general-ciphering', keyInfo: 'one-pass-diffie-hellman' },
      timeoutMs: 5000,
    }).catch((x: unknown) => x);
    t.ok(isMeterkitError(e, 421), 'the simulator answers exception-response (deciphering-error)');
  });
});

t.test('sans-IO: protect() builds general-ciphering with the asked key-info', (t) => {
  const sim = new MeterSimulator(profile());
  const plain = Uint8Array.of(0xc0, 0x01, 0xc1, 0x00, 0x03, 1, 0, 1, 8, 0, 255, 2, 0);
  for (const keyInfo of [
    undefined,
    'wrapped-key',
    'one-pass-diffie-hellman',
    'static-unified-model',
  ] as const) {
    const ctx = context(sim, 1);
    ctx.peerSystemTitle = fromHex('4d4b540000000001');
    const a = new ClientAssociation({
      authentication: { mechanism: 5 },
      security: { context: ctx, form: 'general-ciphering', ...(keyInfo ? { keyInfo } : {}) },
    });
    const out = a.protect(plain);
    t.equal(out[0], 0xdd, String(keyInfo));
    t.ok(out.length - plain.length <= a.protectionOverhead, `${String(keyInfo)}: overhead within the bound`);
  }
  const glo = new ClientAssociation({ security: { context: context(sim, 0) } });
  t.ok(glo.protect(plain).length - plain.length <= glo.protectionOverhead);
  t.equal(new ClientAssociation().protectionOverhead, 0);
  t.equal(decodeApdu(new ClientAssociation().protect(plain)).type, 'get-request-normal');
  t.end();
});
