import { fileURLToPath } from 'node:url';
import {
  AnsiMeter,
  absoluteApTitle,
  C1222Client,
  C1222KeyStore,
  readAnsiMeterProfile,
  serveC1222Listener,
  TableStore,
} from '@meterkit/c1222';
import { ErrorCode, fromHex, MeterkitError } from '@meterkit/core';
import { listenTcp, TcpTransport } from '@meterkit/core/transport';
import { TracedTransport, type TransportTap } from '../connection/traced-transport.js';
import type { DemoProbeResult, DemoRegister, DemoSeries } from './result.js';

/** The simulated meter's profile: tables, passwords, AP title and (test) EAX' keys. */
const PROFILE_PATH = fileURLToPath(new URL('../../../c1222/profiles/ansi-meter.json', import.meta.url));
/** The demo head-end's AP title. */
const CALLING_AP_TITLE = '2.16.124.113620.1.22.0.99';
const KEY_ID = 0;

/** C12.19 UOM ID_CODE (ST12) → the unit of a summation of that quantity. */
const ENERGY_UNITS: Readonly<Record<number, string>> = { 0: 'Wh', 1: 'varh', 2: 'VAh' };
/** C12.19 UOM MULTIPLIER code (ST12) → power of ten. */
const MULTIPLIER_EXPONENT: Readonly<Record<number, number>> = {
  0: 0,
  1: 2,
  2: 3,
  3: 6,
  4: 9,
  5: -2,
  6: -3,
  7: -6,
};

/** The fields of a C12.19 UOM_ENTRY_RCD (ST12) the demo names registers by. */
export interface UomEntry {
  readonly idCode: number;
  readonly multiplier: number;
  readonly q1Accountability: boolean;
  readonly q2Accountability: boolean;
  readonly q3Accountability: boolean;
  readonly q4Accountability: boolean;
}

/**
 * A name for a summation of the quantity a C12.19 ST12 UOM entry describes, with its quadrants,
 * e.g. `active energy delivered (Q1+Q4)`.
 */
export function quantityName(u: UomEntry | undefined): string {
  if (u === undefined) return 'summation';
  const what =
    u.idCode === 0 ? 'active' : u.idCode === 1 ? 'reactive' : u.idCode === 2 ? 'apparent' : 'quantity';
  const q = [
    u.q1Accountability && 'Q1',
    u.q2Accountability && 'Q2',
    u.q3Accountability && 'Q3',
    u.q4Accountability && 'Q4',
  ]
    .filter((x) => x !== false)
    .join('+');
  const flow =
    u.q1Accountability && u.q4Accountability && !u.q2Accountability
      ? 'delivered'
      : u.q2Accountability && u.q3Accountability && !u.q1Accountability
        ? 'received'
        : '';
  return `${what} energy${flow ? ` ${flow}` : ''} (${q})`;
}

/** The unit of a summation of the quantity `u` names (empty when unknown). */
export function unitOf(u: UomEntry | undefined): string {
  return (u === undefined ? undefined : ENERGY_UNITS[u.idCode]) ?? '';
}

/** A raw C12.19 value scaled by its UOM entry's MULTIPLIER (ST12). */
export function scaled(v: number | bigint, u: UomEntry | undefined): number {
  const e = u === undefined ? 0 : (MULTIPLIER_EXPONENT[u.multiplier] ?? 0);
  return Number((Number(v) * 10 ** e).toPrecision(15));
}

interface StampedTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
}

function stamp(t: StampedTime): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${t.year}-${p(t.month)}-${p(t.day)} ${p(t.hour)}:${p(t.minute)}`;
}

/**
 * Starts the simulated ANSI C12.19 meter behind a C12.22 TCP listener on loopback and probes it
 * with `C1222Client` in security mode 2 (EAX' ciphertext with authentication, ANSI C12.22 §5.3.4.13,
 * key 0): Identify, then the C12.19 tables ST0/ST1 (identity), ST12/ST16/ST21–ST23 (summations
 * with units) and ST52 (clock), and the load profile ST61–ST64.
 */
export async function probeC1222(
  tap: (TransportTap & { close(): void }) | undefined,
): Promise<DemoProbeResult> {
  const started = Date.now();
  const profile = await readAnsiMeterProfile(PROFILE_PATH);
  const meter = new AnsiMeter(profile);
  const listener = await listenTcp({ host: '127.0.0.1', port: 0 });
  serveC1222Listener(listener, meter);
  const port = listener.address().port;
  const key = profile.keys?.[String(KEY_ID)];
  const apTitle = profile.apTitle;
  if (key === undefined || apTitle === undefined)
    throw new MeterkitError(ErrorCode.InvalidArgument, `${PROFILE_PATH} has no AP title or key ${KEY_ID}`);
  const tcp = new TcpTransport({ host: '127.0.0.1', port });
  const client = new C1222Client({
    transport: tap === undefined ? tcp : new TracedTransport(tcp, [tap]),
    callingApTitle: absoluteApTitle(CALLING_AP_TITLE),
    calledApTitle: absoluteApTitle(apTitle),
    securityMode: 2,
    keys: new C1222KeyStore([[KEY_ID, fromHex(key)]]),
    keyId: KEY_ID,
    responseTimeoutMs: 5000,
  });
  try {
    await client.open();
    const ident = await client.identify();
    const store = new TableStore();
    for (const id of [0, 1, 11, 12, 16, 21, 22, 23, 52, 61, 62, 63, 64])
      store.write(id, await client.readTable(id));
    await client.logoff();
    const st1 = store.decode(1) as unknown as Record<string, unknown>;
    const st12 = store.decode(12) as unknown as { uomEntry: readonly UomEntry[] };
    const st22 = store.decode(22) as unknown as { summationSelect: readonly number[] };
    const st23 = store.decode(23) as unknown as {
      totDataBlock: { summations: readonly (number | bigint)[] };
    };
    const st52 = store.decode(52) as unknown as { clockCalendar: StampedTime & { second: number } };
    const registers: DemoRegister[] = st23.totDataBlock.summations.map((v, i) => {
      const source = st22.summationSelect[i] ?? i;
      const uom = st12.uomEntry[source];
      return {
        name: quantityName(uom),
        source: `ST23 summation ${i} (source ${source})`,
        value: scaled(v, uom),
        unit: unitOf(uom),
      };
    });
    const identity: Record<string, string> = {
      manufacturer: String(st1['manufacturer']).trim(),
      model: String(st1['edModel']).trim(),
      'serial number': String(st1['mfgSerialNumber']).trim(),
      firmware: `${st1['fwVersionNumber']}.${st1['fwRevisionNumber']}`,
      'AP title': apTitle,
      standard: `C12.${ident.std === 3 ? '22' : ident.std === 0 ? '18' : `? (${ident.std})`} version ${ident.ver}.${ident.rev}`,
      clock: `${stamp(st52.clockCalendar)}:${String(st52.clockCalendar.second).padStart(2, '0')}`,
    };
    const series = loadProfile(store, st12.uomEntry);
    return {
      protocol: 'c1222',
      title: 'ANSI C12.22 meter (C12.19 tables)',
      session: `C12.22 over TCP 127.0.0.1:${port}, called AP title ${apTitle}, security mode 2 (EAX' ciphertext + authentication, key ${KEY_ID})`,
      identity,
      registers,
      ...(series === undefined ? {} : { loadProfile: series }),
      elapsedMs: Date.now() - started,
    };
  } finally {
    await client.close().catch(() => undefined);
    tap?.close();
    await listener.close();
  }
}

interface LpBlockView {
  readonly blkEndTime?: StampedTime;
  readonly lpInt: readonly { readonly intData: readonly (number | bigint)[] }[];
}

function utcMillis(t: StampedTime): number {
  return Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute);
}

function stampOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

/**
 * Channel 0 of load profile data set 1 (ST64): the newest block (ST63 LAST_BLOCK_ELEMENT), its
 * valid intervals (NBR_VALID_INT), oldest first, labelled with the interval end times counted
 * back from the block's end time.
 */
function loadProfile(store: TableStore, uom: readonly UomEntry[]): DemoSeries | undefined {
  const st61 = store.decode(61) as unknown as { sets: readonly ({ maxIntTime: number } | undefined)[] };
  const st62 = store.decode(62) as unknown as {
    sets: readonly ({ lpSel: readonly { lpSourceSelect: number }[] } | undefined)[];
  };
  const st63 = store.decode(63) as unknown as {
    sets: readonly ({ nbrValidInt: number; lastBlockElement: number } | undefined)[];
  };
  const st64 = store.decode(64) as unknown as { lpDataSets: readonly LpBlockView[] };
  const status = st63.sets[0];
  const block = status === undefined ? undefined : st64.lpDataSets[status.lastBlockElement];
  if (status === undefined || block?.blkEndTime === undefined) return undefined;
  const source = st62.sets[0]?.lpSel[0]?.lpSourceSelect ?? 0;
  const u = uom[source];
  const minutes = st61.sets[0]?.maxIntTime ?? 15;
  const values = block.lpInt.slice(0, status.nbrValidInt).map((i) => scaled(Number(i.intData[0]), u));
  const end = utcMillis(block.blkEndTime);
  return {
    label: `LP set 1 channel 0 (source ${source}), ${quantityName(u)} per ${minutes}-minute interval`,
    unit: unitOf(u),
    from: stampOf(end - (values.length - 1) * minutes * 60_000),
    to: stampOf(end),
    intervalMinutes: minutes,
    values,
  };
}
