/**
 * Sessions recorded from meterkit's own DLMS simulator through the real DLMS client and its
 * `capture` option (pcapng written by the core recorders): the corpus's simulator cases and the
 * live replay tests are made with these.
 */
import type { KeyObject } from 'node:crypto';
import { collectingSink, fromHex } from '@meterkit/core';
import {
  type ClientAuthentication,
  DEFAULT_SIMULATOR_PROFILE,
  DlmsClient,
  MeterSimulator,
  SecurityContext,
  type SimulatorProfile,
  serveHdlcTcp,
  serveWrapperTcp,
} from '@meterkit/dlms';

/** The simulator's published management keys (test keys, IEC 62056-5-3 §9.2.7; never for a real meter). */
export const SIMULATOR_KEYS = {
  ek: '000102030405060708090a0b0c0d0e0f',
  ak: 'd0d1d2d3d4d5d6d7d8d9dadbdcdddedf',
  /** The client system title the recordings use. */
  clientSystemTitle: '4d4b540000000042',
  /** The simulator's system title. */
  serverSystemTitle: '4d4b540000000001',
  /** The HLS secret of the recordings' mechanism-2 association (client SAP 2). */
  hlsSecret: '4d4b2d484c532d4d454348322d544553',
} as const;

/** A running simulator. */
export interface RunningDlmsSimulator {
  readonly simulator: MeterSimulator;
  readonly port: number;
  close(): Promise<void>;
}

/** Options of `startDlmsSimulator`. */
export interface DlmsSimulatorOptions {
  readonly framing: 'wrapper' | 'hdlc';
  readonly port?: number | undefined;
  /** Simulator clock, ms since the epoch (fixed for reproducible recordings). */
  readonly now?: (() => number) | undefined;
  /**
   * Check client invocation counters across associations, as a real meter does (IEC 62056-5-3
   * §9.2.7.2.4.1): a replayed counter is then refused.
   */
  readonly realMeterCounters?: boolean | undefined;
  /** Add an HLS mechanism-7 association (client SAP 3, suite 1, ciphered with the test EK/AK) with these PEM keys. */
  readonly ecdsa?: { readonly serverSigningKeyPem: string; readonly clientPublicKeyPem: string } | undefined;
}

/** The default profile plus an HLS mechanism-2 association (client SAP 2, AES-ECB with the test secret). */
export const RECORDING_PROFILE: SimulatorProfile = {
  ...DEFAULT_SIMULATOR_PROFILE,
  associations: [
    ...DEFAULT_SIMULATOR_PROFILE.associations,
    {
      clientSap: 2,
      name: 'hls-aes',
      logicalName: '0-0:40.0.4.255',
      mechanism: 2,
      secret: SIMULATOR_KEYS.hlsSecret,
      maxPduSize: 1024,
      defaultAccess: 'read-only',
    },
  ],
};

/** Starts the DLMS simulator (IEC 62056-47 wrapper or IEC 62056-46 HDLC over TCP) on loopback. */
export async function startDlmsSimulator(options: DlmsSimulatorOptions): Promise<RunningDlmsSimulator> {
  const associations = [...RECORDING_PROFILE.associations];
  if (options.ecdsa !== undefined)
    associations.push({
      clientSap: 3,
      name: 'hls-ecdsa',
      logicalName: '0-0:40.0.5.255',
      mechanism: 7,
      ciphering: true,
      security: {
        suite: 1,
        globalUnicastEncryptionKey: SIMULATOR_KEYS.ek,
        authenticationKey: SIMULATOR_KEYS.ak,
        signingKey: options.ecdsa.serverSigningKeyPem,
        clientSigningKey: options.ecdsa.clientPublicKeyPem,
      },
      maxPduSize: 1024,
      defaultAccess: 'read-only',
    });
  const profile: SimulatorProfile = {
    ...RECORDING_PROFILE,
    associations: associations.map((a) =>
      options.realMeterCounters === true && a.security !== undefined
        ? { ...a, security: { ...a.security, sharedReplayProtection: true } }
        : a,
    ),
  };
  const simulator = new MeterSimulator(profile, options.now === undefined ? {} : { now: options.now });
  const serve = options.framing === 'wrapper' ? serveWrapperTcp : serveHdlcTcp;
  const handle = await serve(simulator, { host: '127.0.0.1', port: options.port ?? 0 });
  return { simulator, port: handle.port, close: () => handle.close() };
}

/** Options of `recordDlmsSession`. */
export interface DlmsRecordOptions {
  readonly framing: 'wrapper' | 'hdlc';
  readonly port: number;
  /**
   * `public` (SAP 16, no security), `management` (SAP 1, HLS-GMAC, suite 0 ciphering), `hls-aes`
   * (SAP 2, HLS mechanism 2), `hls-ecdsa` (SAP 3, HLS mechanism 7, needs `ecdsa`).
   */
  readonly client: 'public' | 'management' | 'hls-aes' | 'hls-ecdsa';
  /** `hls-ecdsa`: the client's private key and the server's public key. */
  readonly ecdsa?: { readonly clientSigningKey: KeyObject; readonly serverPublicKey: KeyObject } | undefined;
  /** First invocation counter of the management client (default 1). */
  readonly invocationCounter?: number | undefined;
  /** Management client: how APDUs are ciphered (default `glo`; `ded` sends a dedicated key). */
  readonly form?: 'glo' | 'ded' | 'general-glo' | 'general-ded' | undefined;
  /** Read the clock (a value that changes between runs; default true). */
  readonly clock?: boolean | undefined;
  /** Read the load profile too (96 entries, answered in blocks; default false). */
  readonly profile?: boolean | undefined;
}

const SAP = { public: 16, management: 1, 'hls-aes': 2, 'hls-ecdsa': 3 } as const;

/**
 * Runs the DLMS client against a simulator and returns the pcapng its `capture` option wrote:
 * association, reads of the energy registers and the clock (and optionally a load profile in
 * blocks), release.
 */
export async function recordDlmsSession(o: DlmsRecordOptions): Promise<Uint8Array> {
  const sink = collectingSink();
  const sap = SAP[o.client];
  const connection =
    o.framing === 'wrapper'
      ? ({ type: 'tcp', host: '127.0.0.1', port: o.port, clientAddress: sap, logicalAddress: 1 } as const)
      : ({
          type: 'hdlc-tcp',
          host: '127.0.0.1',
          port: o.port,
          clientAddress: sap,
          logicalAddress: 1,
          physicalAddress: 17,
        } as const);
  const authentication: ClientAuthentication =
    o.client === 'management'
      ? { mechanism: 5 }
      : o.client === 'hls-ecdsa'
        ? { mechanism: 7 }
        : o.client === 'hls-aes'
          ? { mechanism: 2, secret: fromHex(SIMULATOR_KEYS.hlsSecret) }
          : { mechanism: 0 };
  const security =
    o.client === 'hls-ecdsa'
      ? {
          context: new SecurityContext({
            suite: 1,
            systemTitle: fromHex(SIMULATOR_KEYS.clientSystemTitle),
            globalUnicastEncryptionKey: fromHex(SIMULATOR_KEYS.ek),
            authenticationKey: fromHex(SIMULATOR_KEYS.ak),
            signingKey: o.ecdsa?.clientSigningKey,
            peerSigningKey: o.ecdsa?.serverPublicKey,
          }),
        }
      : o.client === 'management'
        ? {
            context: new SecurityContext({
              suite: 0,
              systemTitle: fromHex(SIMULATOR_KEYS.clientSystemTitle),
              globalUnicastEncryptionKey: fromHex(SIMULATOR_KEYS.ek),
              authenticationKey: fromHex(SIMULATOR_KEYS.ak),
              invocationCounters: { 'global-unicast-encryption-key': o.invocationCounter ?? 1 },
            }),
            ...(o.form === undefined ? {} : { form: o.form }),
            ...(o.form === 'ded' || o.form === 'general-ded' ? { dedicatedKey: true as const } : {}),
          }
        : undefined;
  const client = await DlmsClient.connect({
    connection,
    authentication,
    ...(security === undefined ? {} : { security }),
    capture: sink.sink,
    timeoutMs: 5000,
    // a small client-max-receive-pdu-size makes the load profile come in blocks
    ...(o.profile === true ? { maxReceivePduSize: 512 } : {}),
  });
  try {
    await client.get('1-0:1.8.0.255', { classId: 3 });
    await client.get('1-0:2.8.0.255', { classId: 3 });
    if (o.clock !== false) await client.get('0-0:1.0.0.255', { classId: 8, attribute: 2 });
    if (o.profile === true) await client.readProfile('1-0:99.1.0.255', { fromEntry: 1, toEntry: 96 });
    await client.release();
  } finally {
    await client.close();
  }
  return sink.bytes();
}
