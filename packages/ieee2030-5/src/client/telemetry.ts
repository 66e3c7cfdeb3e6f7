/**
 * Active-power telemetry resources (IEEE 2030.5-2018 Metering Mirror function set, sep.xsd
 * `MirrorUsagePoint`, `MirrorMeterReading`, `ReadingType`, `Reading`; CSIP-AUS site and DER telemetry):
 * a MirrorUsagePoint for the site (roleFlags isMirror + isPremisesAggregationPoint) or for the DER
 * (isMirror + isDER + isSubmeter) with one MirrorMeterReading of average active power in watts, and the
 * Readings posted to it.
 */

/** `RoleFlagsType` bits (sep.xsd `RoleFlagsType`). */
export const RoleFlag = {
  IsMirror: 0x01,
  IsPremisesAggregationPoint: 0x02,
  IsPEV: 0x04,
  IsDER: 0x08,
  IsRevenueQuality: 0x10,
  IsDC: 0x20,
  IsSubmeter: 0x40,
} as const;

/** Where a power MirrorUsagePoint measures (CSIP-AUS): the site's connection point, or the DER. */
export type PowerMeterRole = 'site' | 'der';

/** Options of `activePowerMirrorUsagePoint`. */
export interface ActivePowerMupOptions {
  readonly role: PowerMeterRole;
  /** mRID of the MirrorUsagePoint (HexBinary128 hex text). */
  readonly mRID: string;
  /** mRID of its MirrorMeterReading. */
  readonly readingMRID: string;
  /** ReadingType.intervalLength: seconds between readings (the postRate). */
  readonly intervalLength: number;
  readonly description?: string;
}

/**
 * A MirrorUsagePoint for average active power (sep.xsd `MirrorUsagePoint`): roleFlags `03` for the site,
 * `49` for the DER, serviceCategoryKind 0 (electricity), status 1 (on), and one MirrorMeterReading whose
 * ReadingType is average (dataQualifier 2) power (kind 37) in W (uom 38), commodity 1, flowDirection 1,
 * powerOfTenMultiplier 0. `deviceLFDI` is added by `SepClient.postMirrorUsagePoint`.
 */
export function activePowerMirrorUsagePoint(options: ActivePowerMupOptions): Record<string, unknown> {
  const flags =
    options.role === 'site'
      ? RoleFlag.IsMirror | RoleFlag.IsPremisesAggregationPoint
      : RoleFlag.IsMirror | RoleFlag.IsDER | RoleFlag.IsSubmeter;
  return {
    mRID: options.mRID,
    description: options.description ?? (options.role === 'site' ? 'site active power' : 'DER active power'),
    roleFlags: flags.toString(16).padStart(2, '0'),
    serviceCategoryKind: 0,
    status: 1,
    MirrorMeterReading: [
      {
        mRID: options.readingMRID,
        description: 'average active power (W)',
        ReadingType: {
          commodity: 1,
          dataQualifier: 2,
          flowDirection: 1,
          intervalLength: options.intervalLength,
          kind: 37,
          phase: 0,
          powerOfTenMultiplier: 0,
          uom: 38,
        },
      },
    ],
  };
}

/**
 * A MirrorMeterReading carrying one Reading (sep.xsd `MirrorMeterReading`, `Reading`): `value` watts (rounded
 * to an integer) over [start, start + duration).
 */
export function activePowerReading(
  readingMRID: string,
  watts: number,
  start: number,
  duration: number,
): Record<string, unknown> {
  return {
    mRID: readingMRID,
    Reading: {
      timePeriod: { duration: Math.round(duration), start: BigInt(Math.floor(start)) },
      value: Math.round(watts),
    },
  };
}
