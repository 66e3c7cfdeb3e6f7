/**
 * The simulator's Disconnect control (class 70, IEC 62056-6-2 §4.5.8): `output_state` (2),
 * `control_state` (3: 0 disconnected, 1 connected, 2 ready_for_reconnection) and `control_mode` (4),
 * changed by remote_disconnect (method 1) and remote_reconnect (method 2). In control modes 2, 4
 * and 6 a remote reconnection only makes the supply ready for reconnection (a local action would
 * close it); in the other modes it reconnects at once.
 */
import type { DlmsData } from '../axdr/data.js';
import {
  type AccessContext,
  type ActionOutcome,
  StoredObject,
  type StoredObjectOptions,
} from './cosem-object.js';

/** Class id of Disconnect control. IEC 62056-6-2 §4.5.8. */
export const DISCONNECT_CONTROL_CLASS_ID = 70;

/** control_state values (IEC 62056-6-2 §4.5.8). */
export const ControlState = { Disconnected: 0, Connected: 1, ReadyForReconnection: 2 } as const;

/** The simulator's Disconnect control (IEC 62056-6-2 §4.5.8). */
export class DisconnectControlObject extends StoredObject {
  constructor(o: Omit<StoredObjectOptions, 'classId'>) {
    super({ ...o, classId: DISCONNECT_CONTROL_CLASS_ID });
    if (!this.values.has(2)) this.values.set(2, { type: 'boolean', value: true });
    if (!this.values.has(3)) this.values.set(3, { type: 'enum', value: ControlState.Connected });
    if (!this.values.has(4)) this.values.set(4, { type: 'enum', value: 1 });
  }

  /** control_state. */
  get controlState(): number {
    const v = this.values.get(3);
    return typeof v?.value === 'number' ? v.value : 0;
  }

  /** output_state. */
  get outputState(): boolean {
    return this.values.get(2)?.value === true;
  }

  override methodIds(): readonly number[] {
    return [1, 2];
  }

  override set(attributeId: number, value: DlmsData, ctx: AccessContext): string {
    if (attributeId === 2 || attributeId === 3) return 'read-write-denied';
    return super.set(attributeId, value, ctx);
  }

  private state(output: boolean, control: number): void {
    this.values.set(2, { type: 'boolean', value: output });
    this.values.set(3, { type: 'enum', value: control });
  }

  override action(methodId: number, parameters: DlmsData | null, _ctx: AccessContext): ActionOutcome {
    if (parameters !== null && parameters.type !== 'integer' && parameters.type !== 'null-data')
      return { result: 'type-unmatched' };
    const mode = this.values.get(4)?.value;
    if (methodId === 1) {
      if (mode === 0) return { result: 'temporary-failure' };
      this.state(false, ControlState.Disconnected);
      return { result: 'success' };
    }
    if (methodId === 2) {
      if (mode === 0) return { result: 'temporary-failure' };
      if (mode === 2 || mode === 4 || mode === 6) {
        if (this.controlState === ControlState.Disconnected)
          this.state(false, ControlState.ReadyForReconnection);
      } else this.state(true, ControlState.Connected);
      return { result: 'success' };
    }
    return { result: 'object-undefined' };
  }
}
