/**
 * A secure simulated meter (examples/profiles/secure-meter.json: security suite 1, HLS-ECDSA,
 * ciphered pushes) and a client that associates with HLS mechanism 7, reads the energy register
 * and all attributes of the clock (attribute 0), then deciphers a push.
 *
 *   node --conditions=meterkit-source --import tsx packages/dlms/examples/simulator-secure.ts
 *
 * The profile names a client public key; this example makes a fresh client key pair and puts its
 * public half into the profile before the simulator starts. The keys are test keys: never use
 * them in a real device.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fromHex } from '@meterkit/core';
import {
  DlmsClient,
  decipherApdu,
  decodeApdu,
  MeterSimulator,
  SecurityContext,
  type SimulatorProfile,
  serveWrapperTcp,
} from '@meterkit/dlms';

const file = new URL('./profiles/secure-meter.json', import.meta.url);
const profile = JSON.parse(readFileSync(file, 'utf8')) as SimulatorProfile;
const clientKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const management = profile.associations.find((a) => a.clientSap === 1)!;
const withClientKey: SimulatorProfile = {
  ...profile,
  associations: profile.associations.map((a) =>
    a !== management
      ? a
      : {
          ...a,
          security: {
            ...a.security,
            clientSigningKey: clientKeys.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
          },
        },
  ),
};

const sim = new MeterSimulator(withClientKey);
const server = await serveWrapperTcp(sim, { port: 0 });
const keys = {
  globalUnicastEncryptionKey: fromHex('000102030405060708090a0b0c0d0e0f'),
  authenticationKey: fromHex('d0d1d2d3d4d5d6d7d8d9dadbdcdddedf'),
};
try {
  const client = await DlmsClient.connect({
    connection: { type: 'tcp', host: '127.0.0.1', port: server.port, clientAddress: 1 },
    authentication: { mechanism: 7 },
    security: {
      context: new SecurityContext({
        suite: 1,
        systemTitle: fromHex('4d4b540000000042'),
        ...keys,
        invocationCounters: { 'global-unicast-encryption-key': 1 },
        signingKey: clientKeys.privateKey,
        peerSigningKey: sim.signingPublicKey(1),
      }),
    },
    timeoutMs: 5000,
  });
  console.log('energy', await client.get('1-0:1.8.0.255', { classId: 3 }));
  console.log('clock, all attributes', await client.get('0-0:1.0.0.255', { classId: 8, attribute: 0 }));
  await client.release();
  await client.close();

  const push = sim.push();
  const listener = new SecurityContext({ suite: 1, ...keys });
  console.log('push', decodeApdu(decipherApdu(listener, push.apdu).plaintext));
} finally {
  await server.close();
  sim.close();
}
