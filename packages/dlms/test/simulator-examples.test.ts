/** The example simulator profiles load and serve the real client. */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fromHex } from '@meterkit/core';
import t from 'tap';
import { DlmsClient } from '../src/client/index.js';
import { decipherApdu, decodeApdu, SecurityContext, type ShortNameObjectListElement } from '../src/index.js';
import type { SimulatorProfile } from '../src/server/profile.js';
import { serveWrapperTcp } from '../src/server/serve.js';
import { MeterSimulator } from '../src/server/simulator.js';

function load(name: string): SimulatorProfile {
  return JSON.parse(
    readFileSync(new URL(`../examples/profiles/${name}`, import.meta.url), 'utf8'),
  ) as SimulatorProfile;
}

t.test('examples/profiles/short-name-meter.json', async (t) => {
  const sim = new MeterSimulator(load('short-name-meter.json'));
  const server = await serveWrapperTcp(sim, { port: 0 });
  t.teardown(() => server.close());
  const client = await DlmsClient.connect({
    connection: { type: 'tcp', host: '127.0.0.1', port: server.port, clientAddress: 32 },
    referencing: 'short-name',
    authentication: { mechanism: 1, password: '00000002' },
    maxReceivePduSize: 512,
    timeoutMs: 5000,
  });
  t.teardown(() => client.close());
  const list = (await client.readObjectList()) as readonly ShortNameObjectListElement[];
  t.same(
    list
      .map((o) => [o.logicalName, o.baseName])
      .filter(([, b]) => (b as number) < 0xfa00 && (b as number) >= 0x1000),
    [
      ['0-0:1.0.0.255', 0x1000],
      ['0-0:96.1.0.255', 0x1100],
      ['1-0:1.8.0.255', 0x2000],
      ['1-0:99.1.0.255', 0x3000],
      ['0-0:96.3.10.255', 0x4000],
    ],
  );
  const [buffer] = await client.read([{ variableName: 0x3008 }]);
  t.equal(buffer?.type === 'data' && buffer.data.type === 'array' ? buffer.data.value.length : 0, 2880);
  await client.release();
});

t.test('examples/profiles/secure-meter.json', async (t) => {
  const profile = load('secure-meter.json');
  t.doesNotThrow(() => new MeterSimulator(profile), 'loads as it is');
  const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const sim = new MeterSimulator({
    ...profile,
    associations: profile.associations.map((a) =>
      a.clientSap !== 1
        ? a
        : {
            ...a,
            security: {
              ...a.security,
              clientSigningKey: keys.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
            },
          },
    ),
  });
  const server = await serveWrapperTcp(sim, { port: 0 });
  t.teardown(() => server.close());
  const symmetric = {
    globalUnicastEncryptionKey: fromHex('000102030405060708090a0b0c0d0e0f'),
    authenticationKey: fromHex('d0d1d2d3d4d5d6d7d8d9dadbdcdddedf'),
  };
  const client = await DlmsClient.connect({
    connection: { type: 'tcp', host: '127.0.0.1', port: server.port, clientAddress: 1 },
    authentication: { mechanism: 7 },
    security: {
      context: new SecurityContext({
        suite: 1,
        systemTitle: fromHex('4d4b540000000042'),
        ...symmetric,
        invocationCounters: { 'global-unicast-encryption-key': 1 },
        signingKey: keys.privateKey,
        peerSigningKey: sim.signingPublicKey(1),
      }),
    },
    timeoutMs: 5000,
  });
  t.teardown(() => client.close());
  const clock = await client.get('0-0:1.0.0.255', { classId: 8, attribute: 0 });
  t.equal(clock.type === 'structure' ? clock.value.length : 0, 4, 'logical_name, time, time_zone, status');
  await client.release();
  const n = decodeApdu(
    decipherApdu(new SecurityContext({ suite: 1, ...symmetric }), sim.push().apdu).plaintext,
  );
  t.equal(n.type, 'data-notification');
});
