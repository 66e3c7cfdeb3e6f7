import { ErrorCode, MeterkitError } from '@meterkit/core';
import type { DlmsData } from '../axdr/data.js';
import { DlmsErrorCode } from '../errors.js';

/**
 * Physical units and scaler_unit (IEC 62056-6-2 §4.3.2, "Register" interface class, attribute
 * scaler_unit; unit enumeration table of IEC 62056-6-2 §4.3.2 / DLMS UA 1000-1 "Blue Book").
 */

/** One entry of the DLMS unit enumeration. IEC 62056-6-2 §4.3.2. */
export interface DlmsUnit {
  /** The enumeration value (1–255). */
  readonly value: number;
  /** The symbol, e.g. `'Wh'`; empty for count. */
  readonly symbol: string;
  /** The quantity it measures, e.g. `'active energy'`. */
  readonly quantity: string;
  /** The unit's name, e.g. `'watt-hour'`. */
  readonly name: string;
}

const TABLE: readonly (readonly [number, string, string, string])[] = [
  [1, 'a', 'time', 'year'],
  [2, 'mo', 'time', 'month'],
  [3, 'wk', 'time', 'week'],
  [4, 'd', 'time', 'day'],
  [5, 'h', 'time', 'hour'],
  [6, 'min', 'time', 'minute'],
  [7, 's', 'time', 'second'],
  [8, '°', '(phase) angle', 'degree'],
  [9, '°C', 'temperature', 'degree Celsius'],
  [10, 'currency', '(local) currency', 'currency'],
  [11, 'm', 'length', 'metre'],
  [12, 'm/s', 'speed', 'metre per second'],
  [13, 'm³', 'volume', 'cubic metre'],
  [14, 'm³', 'corrected volume', 'cubic metre (corrected)'],
  [15, 'm³/h', 'volume flux', 'cubic metre per hour'],
  [16, 'm³/h', 'corrected volume flux', 'cubic metre per hour (corrected)'],
  [17, 'm³/d', 'volume flux', 'cubic metre per day'],
  [18, 'm³/d', 'corrected volume flux', 'cubic metre per day (corrected)'],
  [19, 'l', 'volume', 'litre'],
  [20, 'kg', 'mass', 'kilogram'],
  [21, 'N', 'force', 'newton'],
  [22, 'Nm', 'energy', 'newton metre'],
  [23, 'Pa', 'pressure', 'pascal'],
  [24, 'bar', 'pressure', 'bar'],
  [25, 'J', 'energy', 'joule'],
  [26, 'J/h', 'thermal power', 'joule per hour'],
  [27, 'W', 'active power', 'watt'],
  [28, 'VA', 'apparent power', 'volt-ampere'],
  [29, 'var', 'reactive power', 'var'],
  [30, 'Wh', 'active energy', 'watt-hour'],
  [31, 'VAh', 'apparent energy', 'volt-ampere-hour'],
  [32, 'varh', 'reactive energy', 'var-hour'],
  [33, 'A', 'current', 'ampere'],
  [34, 'C', 'electrical charge', 'coulomb'],
  [35, 'V', 'voltage', 'volt'],
  [36, 'V/m', 'electric field strength', 'volt per metre'],
  [37, 'F', 'capacitance', 'farad'],
  [38, 'Ω', 'resistance', 'ohm'],
  [39, 'Ωm²/m', 'resistivity', 'ohm square metre per metre'],
  [40, 'Wb', 'magnetic flux', 'weber'],
  [41, 'T', 'magnetic flux density', 'tesla'],
  [42, 'A/m', 'magnetic field strength', 'ampere per metre'],
  [43, 'H', 'inductance', 'henry'],
  [44, 'Hz', 'frequency', 'hertz'],
  [45, '1/(Wh)', 'active energy meter constant or pulse value', 'pulses per watt-hour'],
  [46, '1/(varh)', 'reactive energy meter constant or pulse value', 'pulses per var-hour'],
  [47, '1/(VAh)', 'apparent energy meter constant or pulse value', 'pulses per volt-ampere-hour'],
  [48, 'V²h', 'volt-squared hour', 'volt-squared-hour'],
  [49, 'A²h', 'ampere-squared hour', 'ampere-squared-hour'],
  [50, 'kg/s', 'mass flux', 'kilogram per second'],
  [51, 'S', 'conductance', 'siemens'],
  [52, 'K', 'temperature', 'kelvin'],
  [53, '1/(V²h)', 'volt-squared hour meter constant or pulse value', 'pulses per volt-squared-hour'],
  [54, '1/(A²h)', 'ampere-squared hour meter constant or pulse value', 'pulses per ampere-squared-hour'],
  [55, '1/m³', 'meter constant or pulse value (volume)', 'pulses per cubic metre'],
  [56, '%', 'percentage', 'percent'],
  [57, 'Ah', 'ampere-hours', 'ampere-hour'],
  [60, 'Wh/m³', 'energy per volume', 'watt-hour per cubic metre'],
  [61, 'J/m³', 'calorific value, wobbe', 'joule per cubic metre'],
  [62, 'Mol %', 'molar fraction of gas composition', 'mole percent'],
  [63, 'g/m³', 'mass density, quantity of material', 'gram per cubic metre'],
  [64, 'Pa s', 'dynamic viscosity', 'pascal second'],
  [65, 'J/kg', 'specific energy', 'joule per kilogram'],
  [70, 'dBm', 'signal strength', 'decibel-milliwatt'],
  [71, 'dBµV', 'signal strength', 'decibel-microvolt'],
  [72, 'dB', 'logarithmic unit', 'decibel'],
  [253, '', 'reserved', 'reserved'],
  [254, 'other', 'other unit', 'other unit'],
  [255, '', 'no unit, unitless, count', 'count'],
];

const UNITS: (DlmsUnit | undefined)[] = new Array(256).fill(undefined);
for (const [value, symbol, quantity, name] of TABLE) UNITS[value] = { value, symbol, quantity, name };

/** Every unit of the enumeration, in value order. IEC 62056-6-2 §4.3.2. */
export const DLMS_UNITS: readonly DlmsUnit[] = UNITS.filter((u): u is DlmsUnit => u !== undefined);

/** The unit with this enumeration value, or `undefined` when the value is not assigned. IEC 62056-6-2 §4.3.2. */
export function dlmsUnit(value: number): DlmsUnit | undefined {
  return UNITS[value];
}

/** scaler_unit of a Register (IEC 62056-6-2 §4.3.2): value × 10^scaler in `unit`. */
export interface ScalerUnit {
  /** Power-of-ten scaler, −128…127. */
  readonly scaler: number;
  /** Unit enumeration value. */
  readonly unit: number;
}

/**
 * Reads a scaler_unit from its data form, `structure { integer scaler, enum unit }`
 * (IEC 62056-6-2 §4.3.2). Other shapes raise `AttributeValueInvalid`.
 */
export function scalerUnitFromData(data: DlmsData): ScalerUnit {
  if (data.type === 'structure' && data.value.length === 2) {
    const s = data.value[0]!;
    const u = data.value[1]!;
    if (s.type === 'integer' && u.type === 'enum') return { scaler: s.value, unit: u.value };
  }
  throw new MeterkitError(
    DlmsErrorCode.AttributeValueInvalid,
    'scaler_unit must be structure { integer, enum }',
    { path: 'scaler_unit' },
  );
}

/** The data form of a scaler_unit, `structure { integer, enum }`. IEC 62056-6-2 §4.3.2. */
export function scalerUnitToData(su: ScalerUnit): DlmsData {
  return {
    type: 'structure',
    value: [
      { type: 'integer', value: su.scaler },
      { type: 'enum', value: su.unit },
    ],
  };
}

/** True when `data` has the shape of a scaler_unit (structure { integer, enum }). IEC 62056-6-2 §4.3.2. */
export function isScalerUnitData(data: DlmsData): boolean {
  return (
    data.type === 'structure' &&
    data.value.length === 2 &&
    data.value[0]!.type === 'integer' &&
    data.value[1]!.type === 'enum'
  );
}

/**
 * Applies a scaler: `value × 10^scaler`, as a JS number. Negative scalers divide (so −1 gives the
 * correctly rounded decimal, e.g. 2334 → 233.4). bigint values are converted to number first and
 * raise `ValueOutOfRange` when above 2^53. IEC 62056-6-2 §4.3.2.
 */
export function applyScaler(value: number | bigint, scaler: number): number {
  let v: number;
  if (typeof value === 'bigint') {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new MeterkitError(ErrorCode.ValueOutOfRange, `${value} is too large to scale as a number`);
    }
    v = Number(value);
  } else v = value;
  if (scaler === 0) return v;
  if (scaler > 0) return v * 10 ** scaler;
  return v / 10 ** -scaler;
}

/** Formats a scaled quantity with its unit symbol, e.g. `233.4 V`. IEC 62056-6-2 §4.3.2. */
export function formatScaled(value: number | bigint, su: ScalerUnit): string {
  const scaled = applyScaler(value, su.scaler);
  const symbol = dlmsUnit(su.unit)?.symbol ?? '';
  return symbol === '' ? String(scaled) : `${scaled} ${symbol}`;
}
