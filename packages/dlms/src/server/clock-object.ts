/**
 * The simulator's Clock (class 8, IEC 62056-6-2 §4.5.1): attribute 2 `time` follows the real clock
 * plus an offset a client may set, in local time at the `time_zone` deviation with the clock
 * `status`; the other attributes are stored.
 */

import type { SelectiveAccessDescriptor } from '../apdu/common.js';
import type { DlmsData } from '../axdr/data.js';
import {
  type CosemDateTime,
  cosemDateTimeFromDate,
  cosemDateTimeToDate,
  decodeCosemDateTime,
  encodeCosemDateTime,
} from '../axdr/date-time.js';
import type { AccessContext, GetOutcome, StoredObjectOptions } from './cosem-object.js';
import { StoredObject } from './cosem-object.js';

/** Class id of Clock. IEC 62056-6-2 §4.5.1. */
export const CLOCK_CLASS_ID = 8;

/** The simulator's Clock object (IEC 62056-6-2 §4.5.1). */
export class ClockObject extends StoredObject {
  /** Offset of the meter's time from the real time (ms), changed by writing `time`. */
  offsetMs = 0;

  constructor(o: Omit<StoredObjectOptions, 'classId'>) {
    super({ ...o, classId: CLOCK_CLASS_ID });
    if (!this.values.has(3)) this.values.set(3, { type: 'long', value: 0 });
    if (!this.values.has(4)) this.values.set(4, { type: 'unsigned', value: 0 });
  }

  /** time_zone (attribute 3): the deviation in minutes written into every date-time. */
  get deviation(): number {
    const tz = this.values.get(3);
    return tz !== undefined && typeof tz.value === 'number' && Math.abs(tz.value) <= 720 ? tz.value : 0;
  }

  /** status (attribute 4). */
  get status(): number {
    const s = this.values.get(4);
    return s !== undefined && typeof s.value === 'number' ? s.value & 0xff : 0;
  }

  /** The meter's date-time at real time `t`. */
  dateTimeAt(t: number): CosemDateTime {
    return cosemDateTimeFromDate(new Date(t + this.offsetMs), {
      deviation: this.deviation,
      clockStatus: this.status,
    });
  }

  /** The meter's time at real time `t`, as the 12-octet octet-string of attribute 2. */
  timeAt(t: number): DlmsData {
    return { type: 'octet-string', value: encodeCosemDateTime(this.dateTimeAt(t)) };
  }

  /** The real time (ms) of a date-time as this meter writes it (deviation and hundredths filled when not specified). */
  realTimeOf(dt: CosemDateTime): number {
    return (
      cosemDateTimeToDate(dt, {
        notSpecified: { deviation: this.deviation, hundredths: 0, second: 0 },
      }).getTime() - this.offsetMs
    );
  }

  protected override liveAttributeIds(): readonly number[] {
    return [2];
  }

  override get(
    attributeId: number,
    ctx: AccessContext,
    selection: SelectiveAccessDescriptor | null,
  ): GetOutcome {
    if (attributeId === 2 && selection === null) return this.timeAt(ctx.now);
    return super.get(attributeId, ctx, selection);
  }

  override set(attributeId: number, value: DlmsData, ctx: AccessContext): string {
    if (attributeId !== 2) return super.set(attributeId, value, ctx);
    let dt: CosemDateTime;
    if (value.type === 'octet-string' && value.value.length === 12) dt = decodeCosemDateTime(value.value);
    else if (value.type === 'date-time') dt = value.value;
    else return 'type-unmatched';
    const target = cosemDateTimeToDate(dt, {
      notSpecified: { deviation: this.deviation, hundredths: 0, second: 0 },
    }).getTime();
    this.offsetMs = target - ctx.now;
    return 'success';
  }

  override valueAt(attributeId: number, t: number): DlmsData | undefined {
    return attributeId === 2 ? this.timeAt(t) : super.valueAt(attributeId, t);
  }
}
