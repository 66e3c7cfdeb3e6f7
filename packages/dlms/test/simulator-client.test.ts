import { fromHex } from '@meterkit/core';
import t from 'tap';
import { DlmsClient } from '../src/client/index.js';
import { SecurityContext } from '../src/index.js';
import { DEFAULT_SIMULATOR_PROFILE } from '../src/server/default-profile.js';
import { serveHdlcTcp, serveWrapperTcp, serveWrapperUdp } from '../src/server/serve.js';
import { MeterSimulator } from '../src/server/simulator.js';

t.test('end to end: the DLMS client against the simulator', async (t) => {
  const sim = new MeterSimulator(DEFAULT_SIMULATOR_PROFILE);
  const tcp = await serveWrapperTcp(sim, { port: 0 });
  const udp = await serveWrapperUdp(sim, { port: 0 });
  const hdlc = await serveHdlcTcp(sim, { port: 0 });
  t.teardown(async () => {
    await tcp.close();
    await udp.close();
    await hdlc.close();
  });

  await t.test('public client over the TCP wrapper: registers, object list, load profile', async (t) => {
    const client = await DlmsClient.connect({
      connection: { type: 'tcp', host: '127.0.0.1', port: tcp.port },
      timeoutMs: 5000,
    });
    t.teardown(() => client.close());
    const energy = await client.get('1-0:1.8.0.255', { classId: 3 });
    t.equal(energy.type, 'double-long-unsigned');
    const list = await client.readObjectList();
    t.ok(list.some((o) => o.logicalName === '1-0:99.1.0.255'));
    const profile = await client.readProfile('1-0:99.1.0.255', { fromEntry: 1, toEntry: 96 });
    t.equal(profile.rows.length, 96);
    t.equal(profile.captureObjects.length, 4);
    const all = await client.readProfile('1-0:99.1.0.255');
    t.equal(all.rows.length, 10000, 'the whole 10,000-entry history in blocks');
    await client.release();
  });

  await t.test('public client over the UDP wrapper', async (t) => {
    const client = await DlmsClient.connect({
      connection: { type: 'udp', host: '127.0.0.1', port: udp.port },
      timeoutMs: 5000,
    });
    t.teardown(() => client.close());
    const clock = await client.readClock();
    t.equal(clock.deviation, -60);
    await client.release();
  });

  await t.test('management client over HDLC/TCP: HLS-GMAC, suite 0 ciphering, action', async (t) => {
    const context = new SecurityContext({
      suite: 0,
      systemTitle: fromHex('4d4b540000000042'),
      globalUnicastEncryptionKey: fromHex('000102030405060708090a0b0c0d0e0f'),
      authenticationKey: fromHex('d0d1d2d3d4d5d6d7d8d9dadbdcdddedf'),
      invocationCounters: { 'global-unicast-encryption-key': 1 },
    });
    const client = await DlmsClient.connect({
      connection: {
        type: 'hdlc-tcp',
        host: '127.0.0.1',
        port: hdlc.port,
        clientAddress: 1,
        logicalAddress: 1,
        physicalAddress: 17,
      },
      authentication: { mechanism: 5 },
      security: { context },
      timeoutMs: 5000,
    });
    t.teardown(() => client.close());
    const energy = await client.get('1-0:2.8.0.255', { classId: 3 });
    t.equal(energy.type, 'double-long-unsigned');
    await client.action('0-0:96.3.10.255', {
      classId: 70,
      method: 1,
      parameters: { type: 'integer', value: 0 },
    });
    t.same(await client.get('0-0:96.3.10.255', { classId: 70, attribute: 3 }), { type: 'enum', value: 0 });
    await client.action('0-0:96.3.10.255', {
      classId: 70,
      method: 2,
      parameters: { type: 'integer', value: 0 },
    });
    t.same(await client.get('0-0:96.3.10.255', { classId: 70, attribute: 2 }), {
      type: 'boolean',
      value: true,
    });
    await client.release();
  });
});
