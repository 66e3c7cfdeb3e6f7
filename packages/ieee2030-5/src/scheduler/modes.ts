/**
 * The DER control modes the scheduler arbitrates: every `opMod*` element of DERControlBase (IEEE 2030.5-2018
 * §10.10, sep.xsd `DERControlBase`) plus the CSIP-AUS extensions (SA TS 5573 / CSIP-AUS v1.3
 * `csipaus:opModImpLimW`, `opModExpLimW`, `opModGenLimW`, `opModLoadLimW`, `opModStorageTargetW`).
 *
 * Each mode is independent: events that set disjoint sets of modes may be active together, events that set a
 * common mode compete for it (IEEE 2030.5-2018 §12.1.3.2, overlapping events).
 */

/** The control modes of DERControlBase, in sep.xsd sequence order, CSIP-AUS extensions last (IEEE 2030.5-2018 §10.10). */
export const DER_CONTROL_MODES = [
  'opModConnect',
  'opModEnergize',
  'opModFixedPFAbsorbW',
  'opModFixedPFInjectW',
  'opModFixedVar',
  'opModFixedW',
  'opModFreqDroop',
  'opModFreqWatt',
  'opModHFRTMayTrip',
  'opModHFRTMustTrip',
  'opModHVRTMayTrip',
  'opModHVRTMomentaryCessation',
  'opModHVRTMustTrip',
  'opModLFRTMayTrip',
  'opModLFRTMustTrip',
  'opModLVRTMayTrip',
  'opModLVRTMomentaryCessation',
  'opModLVRTMustTrip',
  'opModMaxLimW',
  'opModTargetVar',
  'opModTargetW',
  'opModVoltVar',
  'opModVoltWatt',
  'opModWattPF',
  'opModWattVar',
  'opModImpLimW',
  'opModExpLimW',
  'opModGenLimW',
  'opModLoadLimW',
  'opModStorageTargetW',
] as const;

/** One DER control mode: the name of an `opMod*` element of DERControlBase (IEEE 2030.5-2018 §10.10). */
export type DerControlMode = (typeof DER_CONTROL_MODES)[number];

/**
 * The value of one control mode as the resource model carries it: a boolean (`opModConnect`, `opModEnergize`),
 * a number (`opModFixedW`, `opModMaxLimW`: PerCent/SignedPerCent) or a structure (ActivePower, ReactivePower,
 * PowerFactorWithExcitation, FixedVar, FreqDroopType, DERCurveLink) (IEEE 2030.5-2018 sep.xsd `DERControlBase`).
 */
export type DerControlValue = boolean | number | object;

/**
 * DERControlBase as the scheduler reads it (IEEE 2030.5-2018 sep.xsd `DERControlBase`, CSIP-AUS v1.3 extensions):
 * every control mode is optional, `rampTms` is the ramp time in hundredths of a second. The generated model's
 * `DERControlBase` is assignable to it.
 */
export type SchedulerDERControlBase = { readonly [M in DerControlMode]?: DerControlValue } & {
  readonly rampTms?: number;
};

const MODE_SET: ReadonlySet<string> = new Set(DER_CONTROL_MODES);

/** Whether `name` is one of the DERControlBase control modes (IEEE 2030.5-2018 §10.10). */
export function isDerControlMode(name: string): name is DerControlMode {
  return MODE_SET.has(name);
}

/** The modes a DERControlBase sets (present and not `undefined`), in sep.xsd order (IEEE 2030.5-2018 §12.1.3.2). */
export function modesOf(base: SchedulerDERControlBase | undefined): DerControlMode[] {
  const out: DerControlMode[] = [];
  if (base === undefined) return out;
  for (const mode of DER_CONTROL_MODES) {
    if (base[mode] !== undefined) out.push(mode);
  }
  return out;
}
