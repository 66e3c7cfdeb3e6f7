import {
  createTestPki,
  deviceIdentity,
  lfdiFromCertificate,
  SepClient,
  SepTestServer,
  startSepServer,
} from '@meterkit/ieee2030-5';
import { createObservedSepTransport } from '../connection/sep-transport.js';
import type { WireTap } from '../connection/wire-tap.js';
import type { DemoConnectionTap } from './capture.js';
import type { DemoActiveControl, DemoDerProgram, DemoProbeResult } from './result.js';

/** The demo's DER program and its event (mRIDs are HexBinary128, IEEE 2030.5-2018 sep.xsd). */
export const DEMO_PROGRAM_MRID = '0a5e0001';
export const DEMO_CONTROL_MRID = '0c7e0001';
/** The Registration PIN of the demo device (with its check digit, IEEE 2030.5-2018 §6.3.3). */
const PIN = 111115;

/** Response status values (IEEE 2030.5-2018 Table 27) the demo's event produces. */
const RESPONSE_STATUS: Readonly<Record<number, string>> = {
  1: 'event received',
  2: 'event started',
  3: 'event completed',
};

/** A DER control value for people (IEEE 2030.5-2018 sep.xsd DERControlBase): `1500 W`, `on`, `PF 0.95`. */
export function describeValue(mode: string, value: unknown): string {
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (value !== null && typeof value === 'object') {
    const o = value as { value?: unknown; multiplier?: unknown; displacement?: unknown };
    if (typeof o.value === 'number' && typeof o.multiplier === 'number') {
      const n = Number((o.value * 10 ** o.multiplier).toPrecision(12));
      const unit = /W$/.test(mode) ? ' W' : /Var$/.test(mode) ? ' var' : /Hz/.test(mode) ? ' Hz' : '';
      return `${n}${unit}`;
    }
    if (typeof o.displacement === 'number' && typeof o.multiplier === 'number')
      return `PF ${Number((o.displacement * 10 ** o.multiplier).toPrecision(12))}`;
  }
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/**
 * Starts the IEEE 2030.5 test server over mutual TLS 1.2 (TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,
 * IEEE 2030.5-2018 §6.11) with a freshly generated test PKI (SERCA → MCA → MICA → device, and a
 * server certificate), and runs the DER client against it: discovery, time sync, registration
 * with PIN (§6.3), one poll of the DER programs (§10.10) and one scheduler tick, which starts the
 * demo's active DERControl and POSTs its Response.
 */
export async function probeSep(tap: DemoConnectionTap | undefined): Promise<DemoProbeResult> {
  const started = Date.now();
  const pki = await createTestPki();
  const device = deviceIdentity(pki.device.certificatePem);
  const serverLfdi = lfdiFromCertificate(pki.server.certificatePem);
  const now = Math.floor(Date.now() / 1000);
  const intervalStart = now - (now % 900);
  const sep = new SepTestServer({
    pollRate: 300,
    endDevices: [{ lfdi: device.lfdi, pin: PIN }],
    programs: [
      {
        mRID: DEMO_PROGRAM_MRID,
        description: 'demo feeder export limit',
        primacy: 1,
        defaultControl: { DERControlBase: { opModExpLimW: { multiplier: 0, value: 5000 } }, setGradW: 27 },
        controls: [
          {
            mRID: DEMO_CONTROL_MRID,
            description: 'export limit 1.5 kW',
            interval: { start: intervalStart, duration: 3600 },
            DERControlBase: { opModExpLimW: { multiplier: 2, value: 15 } },
          },
        ],
      },
    ],
  });
  const running = await startSepServer(sep, {
    host: '127.0.0.1',
    port: 0,
    tls: {
      key: pki.server.privateKeyPem,
      certificate: pki.server.certificatePem,
      chain: pki.chainPem,
      serca: pki.serca.certificatePem,
    },
  });
  // every connection is recorded as it crossed the wire: TLS records, the key log ahead of them
  const taps: DemoConnectionTap[] = [];
  const wire =
    tap === undefined
      ? undefined
      : (): WireTap => {
          const last = taps[taps.length - 1];
          const next = last === undefined ? tap : last.reconnect();
          taps.push(next);
          return next;
        };
  const transport = createObservedSepTransport({
    baseUrl: running.url,
    tls: {
      key: pki.device.privateKeyPem,
      certificate: pki.device.certificatePem,
      chain: pki.chainPem,
      serca: pki.serca.certificatePem,
    },
    serverPolicy: { allowedLfdis: [serverLfdi] },
    timeoutMs: 5000,
    wire,
  });
  try {
    const client = new SepClient({ transport, lfdi: device.lfdi, pin: PIN });
    const found = await client.discover();
    await client.syncTime();
    const reg = await client.register();
    const tick = await client.tick();
    const programs: DemoDerProgram[] = client.programs.map((p) => ({
      mRID: p.mRID,
      description: p.description ?? '',
      primacy: p.primacy,
      controls: (p.DERControlList?.DERControl ?? []).map((c) => c.mRID),
    }));
    const active: DemoActiveControl[] = Object.values(tick.schedule.active)
      .filter((a) => a !== undefined)
      .map((a) => ({
        mode: a.mode,
        value: describeValue(a.mode, a.value),
        source: a.source,
        mRID: a.mRID,
        programMRID: a.programMRID,
        ...(a.startedAt === undefined ? {} : { start: a.startedAt }),
        ...(a.endsAt === undefined ? {} : { end: a.endsAt }),
      }));
    const settings = Object.values(tick.schedule.defaultSettings)
      .filter((s) => s !== undefined)
      .map((s) => `${s.name} ${s.value}`);
    return {
      protocol: 'ieee2030-5',
      title: 'IEEE 2030.5 DER server (CSIP)',
      session: `HTTPS ${running.url}, mutual TLS 1.2 ECDHE-ECDSA-AES128-CCM8, generated test PKI (SERCA → MCA → MICA → device)`,
      identity: {
        'server LFDI': serverLfdi,
        'device LFDI': device.lfdi,
        'device SFDI': String(device.sfdi),
        EndDevice: reg.endDeviceHref,
        registration: `${reg.inBand ? 'in-band' : 'out-of-band'}, PIN ${reg.registration?.['pIN'] ?? '?'}`,
        'resources discovered': String(found.resources.size),
      },
      registers: [],
      programs,
      activeControls: active,
      defaultSettings: settings,
      responses: tick.posted.map(
        (p) =>
          `${p.response.subject} status ${p.response.status} (${RESPONSE_STATUS[p.response.status] ?? 'other'}) → HTTP ${p.status}`,
      ),
      elapsedMs: Date.now() - started,
    };
  } finally {
    transport.close();
    for (const t of taps) t.close();
    tap?.close();
    await running.close();
  }
}
