/**
 * The real client against the meter simulator, as one table: every transport the issue names (TCP
 * wrapper, UDP wrapper, HDLC over TCP, HDLC over a socat pty with the IEC 62056-21 mode E sign-on
 * and its baud switch) × every security level (none, LLS, HLS-GMAC with suite 0 ciphering, suite 0
 * ciphering in the general-glo form, suite 1 ciphering with HLS-GMAC). Each cell associates, reads
 * a register, reads with a get-request-with-list, reads 200 load-profile rows (more than the
 * client's 512-octet PDU, so block transfer), releases and closes. One simulator per transport
 * serves every cell of its row. Then HLS mechanisms 2 (AES-ECB), 3 (MD5), 4 (SHA-1) and 6
 * (SHA-256, with both system titles in AARQ/AARE) through the real client over TCP.
 */
import { ErrorCode, fromHex } from '@meterkit/core';
import t, { type Test } from 'tap';
import { haveCommand, startPtyPair } from '../../core/test/helpers/transport-socat.js';
import {
  type ClientAuthentication,
  type ClientSecurity,
  DlmsClient,
  type DlmsConnection,
} from '../src/client/index.js';
import { DlmsErrorCode, SecurityContext } from '../src/index.js';
import type { AssociationProfileJson } from '../src/server/profile.js';
import {
  type DlmsServerHandle,
  serveHdlcSerial,
  serveHdlcTcp,
  serveWrapperTcp,
  serveWrapperUdp,
} from '../src/server/serve.js';
import { MeterSimulator } from '../src/server/simulator.js';
import { profileWith } from './simulator-helpers.js';

const EK = '000102030405060708090a0b0c0d0e0f';
const AK = 'd0d1d2d3d4d5d6d7d8d9dadbdcdddedf';
const CLIENT_TITLE = fromHex('4d4b543030303031');
const HLS_SECRET = '0102030405060708090a0b0c0d0e0f10';

/** The built-in associations plus one per extra security level and HLS mechanism. */
const ASSOCIATIONS: readonly AssociationProfileJson[] = [
  { clientSap: 16 },
  {
    clientSap: 1,
    mechanism: 5,
    ciphering: true,
    defaultAccess: 'read-and-write',
    security: { suite: 0, globalUnicastEncryptionKey: EK, authenticationKey: AK, masterKey: EK },
  },
  { clientSap: 32, mechanism: 1, password: '00000001', defaultAccess: 'read-only' },
  {
    clientSap: 5,
    mechanism: 1,
    password: '00000005',
    ciphering: true,
    defaultAccess: 'read-only',
    security: { suite: 0, globalUnicastEncryptionKey: EK, authenticationKey: AK },
  },
  {
    clientSap: 3,
    mechanism: 5,
    ciphering: true,
    defaultAccess: 'read-only',
    security: { suite: 1, globalUnicastEncryptionKey: EK, authenticationKey: AK },
  },
  ...[2, 3, 4, 6].map(
    (mechanism): AssociationProfileJson => ({
      clientSap: 40 + mechanism,
      mechanism,
      secret: HLS_SECRET,
      defaultAccess: 'read-only',
    }),
  ),
];

function context(suite: 0 | 1): SecurityContext {
  return new SecurityContext({
    suite,
    systemTitle: CLIENT_TITLE,
    globalUnicastEncryptionKey: fromHex(EK),
    authenticationKey: fromHex(AK),
  });
}

interface SecurityLevel {
  readonly name: string;
  readonly clientAddress: number;
  readonly authentication: ClientAuthentication;
  readonly security?: () => ClientSecurity;
}

const LEVELS: readonly SecurityLevel[] = [
  { name: 'no security', clientAddress: 16, authentication: { mechanism: 0 } },
  { name: 'LLS', clientAddress: 32, authentication: { mechanism: 'low', password: '00000001' } },
  {
    name: 'HLS-GMAC, suite 0 glo ciphering',
    clientAddress: 1,
    authentication: { mechanism: 5 },
    security: () => ({ context: context(0) }),
  },
  {
    name: 'suite 0 general-glo ciphering, LLS',
    clientAddress: 5,
    authentication: { mechanism: 1, password: '00000005' },
    security: () => ({ context: context(0), form: 'general-glo' }),
  },
  {
    name: 'suite 1 ciphering, HLS-GMAC',
    clientAddress: 3,
    authentication: { mechanism: 5 },
    security: () => ({ context: context(1) }),
  },
];

interface TransportRow {
  readonly name: string;
  readonly skip?: string | false;
  /** Starts the simulator's server; returns it and how a client of `clientAddress` reaches it. */
  readonly start: (sim: MeterSimulator) => Promise<{
    readonly server: DlmsServerHandle;
    readonly connection: (clientAddress: number) => DlmsConnection;
    readonly cleanup?: () => Promise<void>;
  }>;
}

const HOST = '127.0.0.1';
const HDLC_CAPS = { maxInfoFieldLengthReceive: 512, maxInfoFieldLengthTransmit: 512 };

const TRANSPORTS: readonly TransportRow[] = [
  {
    name: 'TCP wrapper',
    start: async (sim) => {
      const server = await serveWrapperTcp(sim, { host: HOST, port: 0 });
      return {
        server,
        connection: (c) => ({ type: 'tcp', host: HOST, port: server.port, clientAddress: c }),
      };
    },
  },
  {
    name: 'UDP wrapper',
    start: async (sim) => {
      const server = await serveWrapperUdp(sim, { host: HOST, port: 0 });
      return {
        server,
        connection: (c) => ({ type: 'udp', host: HOST, port: server.port, clientAddress: c }),
      };
    },
  },
  {
    name: 'HDLC over TCP',
    start: async (sim) => {
      const server = await serveHdlcTcp(sim, { host: HOST, port: 0 });
      return {
        server,
        connection: (c) => ({
          type: 'hdlc-tcp',
          host: HOST,
          port: server.port,
          clientAddress: c,
          physicalAddress: 17,
          hdlcCapabilities: HDLC_CAPS,
        }),
      };
    },
  },
  {
    name: 'serial (socat pty), mode E sign-on and baud switch to 9600',
    skip: haveCommand('socat')
      ? false
      : 'socat is not installed (apt-get install socat): the serial row of the matrix is skipped',
    start: async (sim) => {
      const pty = await startPtyPair();
      const server = await serveHdlcSerial(sim, { path: pty.a, optical: true, baudRate: 9600 });
      return {
        server,
        cleanup: () => pty.cleanup(),
        connection: (c) => ({
          type: 'serial',
          path: pty.b,
          modeE: { baudSwitchDelayMs: 20, maxBaud: 9600 },
          clientAddress: c,
          physicalAddress: 17,
          hdlcTimeoutMs: 1000,
          hdlcCapabilities: HDLC_CAPS,
        }),
      };
    },
  },
];

async function exercise(t: Test, connection: DlmsConnection, level: SecurityLevel): Promise<void> {
  const client = await DlmsClient.connect({
    connection,
    timeoutMs: 5000,
    maxReceivePduSize: 512,
    authentication: level.authentication,
    ...(level.security === undefined ? {} : { security: level.security() }),
  });
  try {
    t.equal(client.association.state, 'associated', 'associated');
    t.equal(client.association.ciphered, level.security !== undefined, 'ciphered as configured');
    const energy = await client.get('1-0:1.8.0.255', { classId: 3 });
    t.equal(energy.type, 'double-long-unsigned', 'energy register');
    const list = await client.getWithList([
      { classId: 3, instanceId: '1-0:1.8.0.255', attributeId: 3 },
      { classId: 8, instanceId: '0-0:1.0.0.255', attributeId: 2 },
    ]);
    t.equal(list.length, 2, 'get-request-with-list: two results');
    t.same(
      list.map((r) => (r.type === 'data' ? r.data.type : r.result)),
      ['structure', 'octet-string'],
      'get-request-with-list: the scaler_unit and the clock time',
    );
    const p = await client.readProfile('1-0:99.1.0.255', { fromEntry: 1, toEntry: 200 });
    t.equal(p.rows.length, 200, 'profile rows over block transfer (answer > 512-octet PDU)');
    await client.release();
    t.equal(client.association.state, 'released', 'released');
  } finally {
    await client.close();
  }
}

for (const row of TRANSPORTS) {
  t.test(`matrix: ${row.name}`, { skip: row.skip ?? false }, async (t) => {
    // one simulator per transport serves every security level of the row
    const sim = new MeterSimulator(profileWith(ASSOCIATIONS));
    const { server, connection, cleanup } = await row.start(sim);
    t.teardown(async () => {
      await server.close();
      sim.close();
      await cleanup?.();
    });
    for (const level of LEVELS) {
      await t.test(level.name, (t) => exercise(t, connection(level.clientAddress), level));
    }
  });
}

t.test('HLS mechanisms 2, 3, 4 and 6 through the real client over the TCP wrapper', async (t) => {
  const sim = new MeterSimulator(profileWith(ASSOCIATIONS));
  const server = await serveWrapperTcp(sim, { host: HOST, port: 0 });
  t.teardown(async () => {
    await server.close();
    sim.close();
  });
  for (const mechanism of [2, 3, 4, 6] as const) {
    await t.test(`mechanism ${mechanism}`, async (t) => {
      const connection: DlmsConnection = {
        type: 'tcp',
        host: HOST,
        port: server.port,
        clientAddress: 40 + mechanism,
      };
      const client = await DlmsClient.connect({
        connection,
        timeoutMs: 5000,
        authentication: { mechanism, secret: fromHex(HLS_SECRET) },
        // mechanism 6 hashes both system titles: ours goes in the AARQ, the meter's comes in the AARE
        ...(mechanism === 6 ? { systemTitle: CLIENT_TITLE } : {}),
      });
      try {
        t.equal(client.association.state, 'associated', 'HLS passes 3 and 4 done');
        const v = await client.get('1-0:1.8.0.255', { classId: 3 });
        t.equal(v.type, 'double-long-unsigned');
        await client.release();
      } finally {
        await client.close();
      }
      // the wrong secret: the meter refuses pass 3 and the client reports it typed
      await t.rejects(
        DlmsClient.connect({
          connection,
          timeoutMs: 5000,
          authentication: { mechanism, secret: fromHex('ffffffffffffffffffffffffffffffff') },
          ...(mechanism === 6 ? { systemTitle: CLIENT_TITLE } : {}),
        }),
        { code: DlmsErrorCode.HlsAuthenticationFailed },
        'a wrong secret: HlsAuthenticationFailed (the meter denies pass 3)',
      );
    });
  }
  await t.test('mechanism 6 without a client system title is refused before anything is sent', async (t) => {
    await t.rejects(
      DlmsClient.connect({
        connection: { type: 'tcp', host: HOST, port: server.port, clientAddress: 46 },
        timeoutMs: 5000,
        authentication: { mechanism: 6, secret: fromHex(HLS_SECRET) },
      }),
      { code: ErrorCode.InvalidArgument },
    );
  });
});
