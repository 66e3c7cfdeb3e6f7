import { parseObis } from './obis.js';
import { matchesObis, type ObisPattern, parseObisPattern } from './pattern.js';

/**
 * Names of common OBIS codes (IEC 62056-6-1 §6 abstract objects, §7.5 electricity): clock,
 * identifiers, association and setup objects, profiles, push setup, and the electricity
 * registers, composed from value groups C (quantity), D (processing) and E (tariff).
 */

const FIXED: readonly (readonly [string, string])[] = [
  ['0-0:1.0.0.255', 'Clock'],
  ['0-*:1.0.1-255.255', 'Clock (further instance)'],
  ['0-0:2.0.0.255', 'Modem configuration'],
  ['0-0:10.0.0.255', 'Global meter reset script table'],
  ['0-0:10.0.1.255', 'MDI reset / end of billing period script table'],
  ['0-0:10.0.100.255', 'Tariffication script table'],
  ['0-0:10.0.106.255', 'Disconnect control script table'],
  ['0-0:10.0.107.255', 'Image activation script table'],
  ['0-0:10.0.108.255', 'Push script table'],
  ['0-0:11.0.0.255', 'Special days table'],
  ['0-0:12.0.0.255', 'Schedule'],
  ['0-0:13.0.0.255', 'Activity calendar'],
  ['0-0:14.0.0.255', 'Register activation'],
  ['0-0:15.0.0.255', 'Single action schedule (end of billing period)'],
  ['0-0:15.0.2.255', 'Single action schedule (image activation)'],
  ['0-*:15.0.0-255.255', 'Single action schedule'],
  ['0-0:16.0.0-255.255', 'Register monitor'],
  ['0-0:17.0.0-255.255', 'Limiter'],
  ['0-0:20.0.0.255', 'IEC local port setup'],
  ['0-0:22.0.0.255', 'IEC HDLC setup'],
  ['0-*:22.0.0-255.255', 'IEC HDLC setup'],
  ['0-*:23.0.0-255.255', 'IEC twisted pair (1) setup'],
  ['0-*:24.1.0.255', 'M-Bus client'],
  ['0-*:24.2.1-4.255', 'M-Bus value'],
  ['0-*:24.5.0.255', 'M-Bus profile'],
  ['0-*:24.6.0.255', 'M-Bus master port setup'],
  ['0-*:25.0.0-255.255', 'TCP-UDP setup'],
  ['0-*:25.1.0-255.255', 'IPv4 setup'],
  ['0-*:25.2.0-255.255', 'MAC address setup'],
  ['0-*:25.3.0-255.255', 'PPP setup'],
  ['0-*:25.4.0-255.255', 'GPRS modem setup'],
  ['0-*:25.5.0-255.255', 'SMTP setup'],
  ['0-*:25.7.0-255.255', 'IPv6 setup'],
  ['0-*:25.9.0-255.255', 'Push setup'],
  ['0-*:25.10.0-255.255', 'NTP setup'],
  ['0-0:40.0.0.255', 'Current association'],
  ['0-0:40.0.1-255.255', 'Association'],
  ['0-0:41.0.0.255', 'SAP assignment'],
  ['0-0:42.0.0.255', 'COSEM logical device name'],
  ['0-*:43.0.0-255.255', 'Security setup'],
  ['0-*:43.1.0-255.255', 'Invocation counter'],
  ['0-0:44.0.0-255.255', 'Image transfer'],
  ['0-*:96.1.0.255', 'Device ID 1 (manufacturing number)'],
  ['0-*:96.1.1-9.255', 'Device ID (further)'],
  ['0-*:96.1.10.255', 'Metering point ID'],
  ['0-*:96.3.10.255', 'Disconnect control'],
  ['0-*:96.7.9.255', 'Number of long power failures in any phase'],
  ['0-*:96.7.21.255', 'Number of power failures in any phase'],
  ['0-*:96.13.0.255', 'Consumer message text'],
  ['0-*:96.13.1.255', 'Consumer message code'],
  ['0-*:96.14.0.255', 'Currently active tariff'],
  ['0-*:97.97.0-255.255', 'Error register'],
  ['0-*:97.98.0-255.255', 'Alarm register'],
  ['0-*:98.1.0-255.*', 'Data of billing period (profile)'],
  ['0-*:99.98.0-255.255', 'Event log'],
  ['1-*:0.0.0-9.255', 'Complete device ID'],
  ['1-*:0.2.0.255', 'Active firmware identifier'],
  ['1-*:0.2.8.255', 'Active firmware signature'],
  ['1-*:0.2.129.255', 'OBIS list version identifier'],
  ['1-*:0.8.0.255', 'Measurement period 1 (demand)'],
  ['1-*:0.8.4.255', 'Recording interval 1 (load profile)'],
  ['1-*:0.9.1.255', 'Local time'],
  ['1-*:0.9.2.255', 'Local date'],
  ['1-*:98.1.0-255.*', 'Data of billing period (profile)'],
  ['1-*:99.1.0.255', 'Load profile 1'],
  ['1-*:99.2.0.255', 'Load profile 2'],
  ['1-*:99.97.0.255', 'Power failure event log'],
  ['1-*:99.98.0-255.255', 'Event log'],
];

const FIXED_PATTERNS: readonly (readonly [ObisPattern, string])[] = FIXED.map(([p, n]) => [
  parseObisPattern(p),
  n,
]);

/** Electricity value group C quantities (IEC 62056-6-1 §7.5.2), for Σ and per phase. */
const QUANTITY_BASE: readonly (readonly [string, string | null])[] = [
  // offset within a phase block: [power-like name, energy-like name or null]
  ['Active power+ (QI+QIV)', 'Active energy+ (QI+QIV)'],
  ['Active power- (QII+QIII)', 'Active energy- (QII+QIII)'],
  ['Reactive power+ (QI+QII)', 'Reactive energy+ (QI+QII)'],
  ['Reactive power- (QIII+QIV)', 'Reactive energy- (QIII+QIV)'],
  ['Reactive power QI', 'Reactive energy QI'],
  ['Reactive power QII', 'Reactive energy QII'],
  ['Reactive power QIII', 'Reactive energy QIII'],
  ['Reactive power QIV', 'Reactive energy QIV'],
  ['Apparent power+ (QI+QIV)', 'Apparent energy+ (QI+QIV)'],
  ['Apparent power- (QII+QIII)', 'Apparent energy- (QII+QIII)'],
  ['Current', null],
  ['Voltage', null],
  ['Power factor', null],
  ['Supply frequency', null],
  ['Active power abs(QI+QIV)+abs(QII+QIII)', 'Active energy abs(QI+QIV)+abs(QII+QIII)'],
  ['Active power abs(QI+QIV)-abs(QII+QIII)', 'Active energy abs(QI+QIV)-abs(QII+QIII)'],
  ['Active power QI', 'Active energy QI'],
  ['Active power QII', 'Active energy QII'],
  ['Active power QIII', 'Active energy QIII'],
  ['Active power QIV', 'Active energy QIV'],
];

const OTHER_C: Readonly<Record<number, string>> = {
  81: 'Angle',
  82: 'Unitless quantity',
  83: 'Transformer and line losses',
  88: 'Ampere-squared hours',
  89: 'Volt-squared hours',
  90: 'Current (sum over all phases)',
  91: 'Neutral current',
  92: 'Neutral voltage',
};

/** Electricity value group D processing (IEC 62056-6-1 §7.5.3). */
const PROCESSING: Readonly<Record<number, string>> = {
  0: 'billing period average',
  1: 'cumulative minimum 1',
  2: 'cumulative maximum 1',
  3: 'minimum 1',
  4: 'current average 1',
  5: 'last average 1',
  6: 'maximum 1',
  7: 'instantaneous value',
  8: 'time integral 1',
  9: 'time integral 2',
  10: 'time integral 3',
  11: 'cumulative minimum 2',
  12: 'cumulative maximum 2',
  13: 'minimum 2',
  14: 'current average 2',
  15: 'last average 2',
  16: 'maximum 2',
  29: 'time integral 5',
};

const ENERGY_D = new Set([8, 9, 10, 29]);

function electricity(b: Uint8Array): string | undefined {
  const c = b[2]!;
  const d = b[3]!;
  const e = b[4]!;
  let quantity: string | undefined;
  if (c >= 1 && c <= 80) {
    const phase = c <= 20 ? '' : c <= 40 ? 'L1 ' : c <= 60 ? 'L2 ' : 'L3 ';
    const q = QUANTITY_BASE[(c - 1) % 20]!;
    const base = ENERGY_D.has(d) && q[1] !== null ? q[1] : q[0];
    quantity = phase === '' ? base : `${phase}${base.charAt(0).toLowerCase()}${base.slice(1)}`;
  } else quantity = OTHER_C[c];
  const processing = PROCESSING[d];
  if (quantity === undefined || processing === undefined) return undefined;
  let name = `${quantity}, ${processing}`;
  if (d !== 7) name += e === 0 ? ', total' : `, tariff ${e}`;
  else if (e !== 0) name += `, E=${e}`;
  if (b[5] !== 255) name += `, billing period ${b[5]}`;
  return name;
}

/**
 * A human-readable name for an OBIS code, or `undefined` when it is not one of the common codes
 * this table knows (IEC 62056-6-1 §6–7). Electricity registers (A = 1) are named from their value
 * groups, e.g. `1-0:1.8.0.255` → `Active energy+ (QI+QIV), time integral 1, total`.
 */
export function obisName(code: string | Uint8Array): string | undefined {
  const b = parseObis(code);
  for (const [p, name] of FIXED_PATTERNS) if (matchesObis(p, b)) return name;
  if (b[0] === 1) return electricity(b);
  return undefined;
}
