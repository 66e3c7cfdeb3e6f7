import { fromHex, toHex } from '@meterkit/core';
import { TcpTransport } from '@meterkit/core/transport';
import {
  applyScaler,
  cosemDateTimeToIso,
  type DlmsData,
  dlmsUnit,
  obisName,
  SecurityContext,
  scalerUnitFromData,
} from '@meterkit/dlms';
import {
  DEFAULT_SIMULATOR_PROFILE,
  DlmsClient,
  MeterSimulator,
  serveWrapperTcp,
} from '../commands/dlms-api.js';
import { TracedTransport, type TransportTap } from '../connection/traced-transport.js';
import type { DemoProbeResult, DemoRegister, DemoSeries } from './result.js';

/** The management association of the built-in profile: client SAP 1, HLS-GMAC, suite 0. */
const MANAGEMENT_SAP = 1;
/** The Green Book example keys the built-in profile documents as its test keys (never real). */
const TEST_EK = '000102030405060708090a0b0c0d0e0f';
const TEST_AK = 'd0d1d2d3d4d5d6d7d8d9dadbdcdddedf';
/** The demo client's own system title (`MKT` + 5 octets). */
const CLIENT_SYSTEM_TITLE = '4d4b540000000042';

/** The logical device (server wPort) of the built-in profile. */
const LOGICAL_DEVICE = 1;

const REGISTERS = ['1-0:1.8.0.255', '1-0:2.8.0.255', '1-0:3.8.0.255', '1-0:4.8.0.255'] as const;
const LOAD_PROFILE = '1-0:99.1.0.255';

/** A COSEM Data value as text: printable octet-strings as ASCII, other octet-strings as hex. */
export function dlmsText(d: DlmsData): string {
  if (d.type === 'octet-string') {
    const b = d.value;
    return b.every((x) => x >= 0x20 && x < 0x7f) ? new TextDecoder().decode(b) : toHex(b);
  }
  return String(d.value);
}

function numeric(d: DlmsData): number | undefined {
  if (typeof d.value === 'number') return d.value;
  if (typeof d.value === 'bigint') return Number(d.value);
  return undefined;
}

/**
 * Starts the built-in DLMS/COSEM meter simulator (IEC 62056-47 TCP wrapper on a loopback port)
 * and probes it with `DlmsClient` as the management client: HLS-GMAC (mechanism 5, IEC 62056-5-3
 * §9.2.7.4) with suite 0 ciphering (glo- APDUs, AES-GCM-128), reading the logical device name,
 * serial number and clock, the energy registers with their scaler_unit, and the last day of the
 * 15-minute load profile (IEC 62056-6-2 §4.3.6) by range.
 */
export async function probeDlms(
  tap: (TransportTap & { close(): void }) | undefined,
): Promise<DemoProbeResult> {
  const started = Date.now();
  const sim = new MeterSimulator(DEFAULT_SIMULATOR_PROFILE);
  const server = await serveWrapperTcp(sim, { host: '127.0.0.1', port: 0 });
  try {
    const tcp = new TcpTransport({ host: '127.0.0.1', port: server.port });
    const context = new SecurityContext({
      suite: 0,
      systemTitle: fromHex(CLIENT_SYSTEM_TITLE),
      globalUnicastEncryptionKey: fromHex(TEST_EK),
      authenticationKey: fromHex(TEST_AK),
      invocationCounters: { 'global-unicast-encryption-key': 1 },
    });
    const client = await DlmsClient.connect({
      connection: {
        type: 'transport',
        framing: 'wrapper',
        transport: tap === undefined ? tcp : new TracedTransport(tcp, [tap]),
        clientAddress: MANAGEMENT_SAP,
        logicalAddress: LOGICAL_DEVICE,
      },
      authentication: { mechanism: 5 },
      security: { context },
      timeoutMs: 5000,
    });
    try {
      const name = await client.get('0-0:42.0.0.255', { classId: 1 });
      const serial = await client.get('0-0:96.1.0.255', { classId: 1 });
      const clock = await client.readClock();
      const registers: DemoRegister[] = [];
      for (const obis of REGISTERS) {
        const value = await client.get(obis, { classId: 3, attribute: 2 });
        const su = scalerUnitFromData(await client.get(obis, { classId: 3, attribute: 3 }));
        const n = numeric(value);
        if (n === undefined) continue;
        registers.push({
          name: obisName(obis) ?? obis,
          source: obis,
          value: applyScaler(n, su.scaler),
          unit: dlmsUnit(su.unit)?.symbol ?? `unit ${su.unit}`,
        });
      }
      const now = Date.now();
      const profile = await client.readProfile(LOAD_PROFILE, {
        from: new Date(now - 86_400_000 - 900_000),
        to: new Date(now),
      });
      const series = energySeries(profile.rows);
      const negotiated = client.negotiated;
      await client.release();
      const title = negotiated?.serverSystemTitle;
      const identity: Record<string, string> = {
        'logical device name': dlmsText(name),
        'serial number': dlmsText(serial),
        'system title': title === undefined ? '(not sent)' : toHex(title),
        clock: cosemDateTimeToIso(clock),
        'negotiated conformance': String(negotiated?.conformance.join(', ')),
      };
      return {
        protocol: 'dlms',
        title: 'DLMS/COSEM meter (IEC 62056)',
        session: `TCP wrapper 127.0.0.1:${server.port}, client SAP ${MANAGEMENT_SAP} → logical device ${LOGICAL_DEVICE}, HLS-GMAC (mechanism 5), security suite 0 (AES-GCM-128) ciphered APDUs`,
        identity,
        registers,
        ...(series === undefined ? {} : { loadProfile: series }),
        elapsedMs: Date.now() - started,
      };
    } finally {
      await client.close();
    }
  } finally {
    tap?.close();
    await server.close();
    sim.close();
  }
}

type Rows = Awaited<ReturnType<DlmsClient['readProfile']>>['rows'];

/**
 * Energy per interval of a load profile's 1.8.0 column (differences of the cumulative register,
 * after scaler_unit), with the interval end times of the first and last difference; `undefined`
 * when the profile has no such column or fewer than two entries.
 */
export function energySeries(rows: Rows): DemoSeries | undefined {
  const col = rows[0]?.cells.findIndex((c) => c.column.logicalName === '1-0:1.8.0.255');
  if (col === undefined || col < 0 || rows.length < 2) return undefined;
  const times: string[] = [];
  const cumulative: number[] = [];
  let unit = '';
  for (const r of rows) {
    const cell = r.cells[col];
    const v = cell?.scaled;
    if (v === undefined) continue;
    cumulative.push(v);
    times.push(String(r.cells[0]?.time).slice(0, 16).replace('T', ' '));
    unit = cell?.unit ?? unit;
  }
  if (cumulative.length < 2) return undefined;
  const values = cumulative.slice(1).map((v, i) => Math.round((v - (cumulative[i] as number)) * 1000) / 1000);
  return {
    label: '1-0:1.8.0.255 active energy import per 15-minute interval',
    unit,
    from: String(times[1]),
    to: String(times[times.length - 1]),
    intervalMinutes: 15,
    values,
  };
}
