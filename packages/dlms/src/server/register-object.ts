/**
 * The simulator's energy registers (Register, class 3, IEC 62056-6-2 §4.3.2) whose `value`
 * (attribute 2) follows a `LoadCurve`, scaled by the register's `scaler_unit` (attribute 3), and the
 * profile status object (Data, class 1, §4.3.1) whose history carries occasional power-down flags.
 */
import type { SelectiveAccessDescriptor } from '../apdu/common.js';
import type { DlmsData } from '../axdr/data.js';
import type { AccessContext, GetOutcome, StoredObjectOptions } from './cosem-object.js';
import { StoredObject } from './cosem-object.js';
import { LOAD_INTERVAL_MS, type LoadCurve } from './load-curve.js';

/** Class id of Register. IEC 62056-6-2 §4.3.2. */
export const REGISTER_CLASS_ID = 3;

/** A Register whose value is the energy of a load curve (IEC 62056-6-2 §4.3.2). */
export class EnergyRegisterObject extends StoredObject {
  readonly curve: LoadCurve;

  constructor(o: Omit<StoredObjectOptions, 'classId'>, curve: LoadCurve) {
    super({ ...o, classId: REGISTER_CLASS_ID });
    this.curve = curve;
    if (!this.values.has(3)) {
      this.values.set(3, {
        type: 'structure',
        value: [
          { type: 'integer', value: 0 },
          { type: 'enum', value: 30 },
        ],
      });
    }
  }

  /** scaler of scaler_unit. */
  get scaler(): number {
    const su = this.values.get(3);
    if (su?.type === 'structure' && su.value[0] !== undefined && typeof su.value[0].value === 'number')
      return su.value[0].value;
    return 0;
  }

  protected override liveAttributeIds(): readonly number[] {
    return [2];
  }

  /** The register value at `t`: energy (Wh) / 10^scaler, as double-long-unsigned (wrapping at 2³²). */
  registerValueAt(t: number): DlmsData {
    const v = Math.floor(this.curve.energyAt(t) / 10 ** this.scaler);
    const stored = this.values.get(2);
    if (stored?.type === 'long64-unsigned') return { type: 'long64-unsigned', value: BigInt(v) };
    return { type: 'double-long-unsigned', value: v % 0x100000000 };
  }

  override get(
    attributeId: number,
    ctx: AccessContext,
    selection: SelectiveAccessDescriptor | null,
  ): GetOutcome {
    if (attributeId === 2 && selection === null) return this.registerValueAt(ctx.now);
    return super.get(attributeId, ctx, selection);
  }

  override set(attributeId: number, value: DlmsData, ctx: AccessContext): string {
    if (attributeId === 2) return 'read-write-denied';
    return super.set(attributeId, value, ctx);
  }

  override valueAt(attributeId: number, t: number): DlmsData | undefined {
    return attributeId === 2 ? this.registerValueAt(t) : super.valueAt(attributeId, t);
  }
}

/**
 * The load profile status (Data, class 1): the stored value now; in the history, bit 7 (power
 * down) is set on about one capture in a thousand, chosen from the interval index.
 * IEC 62056-6-2 §4.3.2.
 */
export class ProfileStatusObject extends StoredObject {
  constructor(o: Omit<StoredObjectOptions, 'classId'>) {
    super({ ...o, classId: 1 });
    if (!this.values.has(2)) this.values.set(2, { type: 'unsigned', value: 0 });
  }

  override valueAt(attributeId: number, t: number): DlmsData | undefined {
    if (attributeId !== 2) return super.valueAt(attributeId, t);
    const k = Math.floor(t / LOAD_INTERVAL_MS);
    const flagged = (Math.imul(k, 0x2545f491) >>> 0) % 1000 === 7;
    return { type: 'unsigned', value: flagged ? 0x80 : 0 };
  }
}
