/**
 * The simulator's Profile generic (class 7, IEC 62056-6-2 §4.3.6): a buffer captured every
 * `capture_period` seconds from its `capture_objects`, generated on demand from the live objects'
 * values at each capture instant (so a 10,000-entry history costs no memory), FIFO-limited to
 * `profile_entries`, with selective access by range (selector 1) and by entry (selector 2), and the
 * methods reset (1) and capture (2).
 */

import { isMeterkitError } from '@meterkit/core';
import type { SelectiveAccessDescriptor } from '../apdu/common.js';
import type { DlmsData } from '../axdr/data.js';
import { type CosemDateTime, decodeCosemDateTime } from '../axdr/date-time.js';
import {
  type CaptureObjectDefinition,
  captureObjectsToData,
  entryDescriptorFromData,
  rangeDescriptorFromData,
} from '../cosem/profile-generic.js';
import type { ClockObject } from './clock-object.js';
import {
  type AccessContext,
  type ActionOutcome,
  type GetOutcome,
  refused,
  type ServerObject,
  StoredObject,
  type StoredObjectOptions,
} from './cosem-object.js';

/** Class id of Profile generic. IEC 62056-6-2 §4.3.6. */
export const PROFILE_GENERIC_CLASS_ID = 7;

/** Options of a generated profile. IEC 62056-6-2 §4.3.6. */
export interface ProfileGenericOptions extends Omit<StoredObjectOptions, 'classId'> {
  readonly captureObjects: readonly CaptureObjectDefinition[];
  /** capture_period in seconds (default 900). */
  readonly capturePeriod?: number | undefined;
  /** profile_entries: the buffer's capacity (default 10,000). */
  readonly profileEntries?: number | undefined;
  /** Finds the captured objects by logical name. */
  readonly resolve: (logicalName: string) => ServerObject | undefined;
  /** The Clock that labels captures and interprets range limits. */
  readonly clock: () => ClockObject | undefined;
  /** Real time (ms) the simulator started; the history ends there and grows from it. */
  readonly start: number;
}

function u32(v: number): DlmsData {
  return { type: 'double-long-unsigned', value: v };
}

function sameColumn(a: CaptureObjectDefinition, b: CaptureObjectDefinition): boolean {
  return (
    a.classId === b.classId &&
    a.logicalName === b.logicalName &&
    a.attributeIndex === b.attributeIndex &&
    a.dataIndex === b.dataIndex
  );
}

/** A generated load profile (IEC 62056-6-2 §4.3.6). */
export class ProfileGenericObject extends StoredObject {
  readonly captureObjects: readonly CaptureObjectDefinition[];
  private readonly capturePeriodMs: number;
  readonly profileEntries: number;
  private readonly resolve: (ln: string) => ServerObject | undefined;
  private readonly clock: () => ClockObject | undefined;
  /** Periodic captures exist from this capture index on (moved by reset). */
  private firstPeriodic: number;
  /** Real times of captures made by the capture method. */
  private readonly extra: number[] = [];

  constructor(o: ProfileGenericOptions) {
    super({ ...o, classId: PROFILE_GENERIC_CLASS_ID });
    this.captureObjects = o.captureObjects;
    const period = o.capturePeriod ?? 900;
    this.capturePeriodMs = Math.max(1, period) * 1000;
    this.profileEntries = o.profileEntries ?? 10_000;
    this.resolve = o.resolve;
    this.clock = o.clock;
    this.firstPeriodic = Math.floor(o.start / this.capturePeriodMs) - this.profileEntries + 1;
    this.values.set(3, captureObjectsToData(this.captureObjects));
    this.values.set(4, u32(period));
    if (!this.values.has(5)) this.values.set(5, { type: 'enum', value: 1 });
    if (!this.values.has(6)) {
      this.values.set(6, {
        type: 'structure',
        value: [
          { type: 'long-unsigned', value: 0 },
          { type: 'octet-string', value: new Uint8Array(6) },
          { type: 'integer', value: 0 },
          { type: 'long-unsigned', value: 0 },
        ],
      });
    }
    this.values.set(8, u32(this.profileEntries));
  }

  protected override liveAttributeIds(): readonly number[] {
    return [2, 7];
  }

  override methodIds(): readonly number[] {
    return [1, 2];
  }

  override selectorsOf(attributeId: number): readonly number[] | undefined {
    return attributeId === 2 ? [1, 2] : undefined;
  }

  /** Real times of the buffer's entries at `now`, oldest first. */
  entryTimes(now: number): number[] {
    const last = Math.floor(now / this.capturePeriodMs);
    const first = Math.max(this.firstPeriodic, last - this.profileEntries + 1);
    const times: number[] = [];
    for (let k = first; k <= last; k++) times.push(k * this.capturePeriodMs);
    if (this.extra.length > 0) {
      for (const t of this.extra) if (t <= now) times.push(t);
      times.sort((a, b) => a - b);
    }
    return times.length > this.profileEntries ? times.slice(times.length - this.profileEntries) : times;
  }

  /** One cell: the column's value at `t`. */
  private cell(c: CaptureObjectDefinition, t: number): DlmsData {
    const v = this.resolve(c.logicalName)?.valueAt(c.attributeIndex, t);
    if (v === undefined) return { type: 'null-data', value: null };
    if (c.dataIndex > 0 && (v.type === 'structure' || v.type === 'array'))
      return v.value[c.dataIndex - 1] ?? { type: 'null-data', value: null };
    return v;
  }

  /** The entries at `times` with columns `columns`. */
  rows(times: readonly number[], columns: readonly CaptureObjectDefinition[]): DlmsData {
    const value: DlmsData[] = new Array(times.length);
    for (let i = 0; i < times.length; i++) {
      const t = times[i]!;
      value[i] = { type: 'structure', value: columns.map((c) => this.cell(c, t)) };
    }
    return { type: 'array', value };
  }

  override get(
    attributeId: number,
    ctx: AccessContext,
    selection: SelectiveAccessDescriptor | null,
  ): GetOutcome {
    if (attributeId === 7 && selection === null) return u32(this.entryTimes(ctx.now).length);
    if (attributeId !== 2) return super.get(attributeId, ctx, selection);
    const times = this.entryTimes(ctx.now);
    if (selection === null) return this.rows(times, this.captureObjects);
    try {
      if (selection.accessSelector === 1) return this.byRange(times, selection.accessParameters);
      if (selection.accessSelector === 2) return this.byEntry(times, selection.accessParameters);
    } catch (e) {
      if (isMeterkitError(e)) return refused('scope-of-access-violated');
      throw e;
    }
    return refused('scope-of-access-violated');
  }

  private byRange(times: readonly number[], parameters: DlmsData): GetOutcome {
    const r = rangeDescriptorFromData(parameters);
    const clock = this.clock();
    const col = this.captureObjects.findIndex((c) => sameColumn(c, r.restrictingObject));
    if (clock === undefined || col < 0 || r.restrictingObject.classId !== 8)
      return refused('scope-of-access-violated');
    const from = clock.realTimeOf(limit(r.from));
    const to = clock.realTimeOf(limit(r.to));
    const columns = this.selectColumns(r.selectedValues);
    if (columns === undefined) return refused('scope-of-access-violated');
    return this.rows(
      times.filter((t) => t >= from && t <= to),
      columns,
    );
  }

  private byEntry(times: readonly number[], parameters: DlmsData): GetOutcome {
    const e = entryDescriptorFromData(parameters);
    const n = this.captureObjects.length;
    const fromCol = Math.max(1, e.fromSelectedValue);
    const toCol = e.toSelectedValue === 0 ? n : e.toSelectedValue;
    if (fromCol > n || toCol > n || toCol < fromCol) return refused('scope-of-access-violated');
    const fromEntry = Math.max(1, e.fromEntry);
    const toEntry = e.toEntry === 0 ? times.length : Math.min(e.toEntry, times.length);
    if (e.toEntry !== 0 && e.toEntry < fromEntry) return refused('scope-of-access-violated');
    return this.rows(times.slice(fromEntry - 1, toEntry), this.captureObjects.slice(fromCol - 1, toCol));
  }

  private selectColumns(selected: readonly CaptureObjectDefinition[]): CaptureObjectDefinition[] | undefined {
    if (selected.length === 0) return [...this.captureObjects];
    const out: CaptureObjectDefinition[] = [];
    for (const s of selected) {
      const c = this.captureObjects.find((x) => sameColumn(x, s));
      if (c === undefined) return undefined;
      out.push(c);
    }
    return out;
  }

  override set(attributeId: number, value: DlmsData, ctx: AccessContext): string {
    if (attributeId === 2 || attributeId === 3 || attributeId === 7 || attributeId === 8)
      return 'read-write-denied';
    return super.set(attributeId, value, ctx);
  }

  override action(methodId: number, _parameters: DlmsData | null, ctx: AccessContext): ActionOutcome {
    if (methodId === 1) {
      // reset: the buffer empties; periodic captures resume at the next boundary
      this.firstPeriodic = Math.floor(ctx.now / this.capturePeriodMs) + 1;
      this.extra.length = 0;
      return { result: 'success' };
    }
    if (methodId === 2) {
      this.extra.push(ctx.now);
      if (this.extra.length > this.profileEntries) this.extra.shift();
      return { result: 'success' };
    }
    return { result: 'object-undefined' };
  }
}

/** A range limit: a date-time, or the 12-octet octet-string form. */
function limit(d: DlmsData): CosemDateTime {
  if (d.type === 'date-time') return d.value;
  if (d.type === 'octet-string') return decodeCosemDateTime(d.value);
  return decodeCosemDateTime(new Uint8Array(0));
}
