/**
 * The simulator's Push setup (class 40, IEC 62056-6-2 §4.4.8): `push_object_list` (2) names the
 * attributes sent, `send_destination_and_method` (3) where they go; method 1 `push` sends a
 * data-notification at once, and a profile may add a schedule (`everySeconds`) the simulator runs.
 */
import type { DlmsData } from '../axdr/data.js';
import { type CaptureObjectDefinition, captureObjectsFromData } from '../cosem/profile-generic.js';
import type { SecurityContext } from '../security/security-context.js';
import {
  type AccessContext,
  type ActionOutcome,
  StoredObject,
  type StoredObjectOptions,
} from './cosem-object.js';

/** Class id of Push setup. IEC 62056-6-2 §4.4.8. */
export const PUSH_SETUP_CLASS_ID = 40;

/** send_destination_and_method (IEC 62056-6-2 §4.4.8). */
export interface SendDestination {
  /** transport_service: 0 TCP, 1 UDP, … */
  readonly transportService: number;
  /** destination, e.g. `127.0.0.1:4059`. */
  readonly destination: string;
  /** message: 0 A-XDR encoded xDLMS APDU. */
  readonly message: number;
}

/**
 * How the data-notifications of a Push setup are ciphered (IEC 62056-5-3 §9.2.7.2.4:
 * general-glo-ciphering or general-ciphering with the security context of an association).
 */
export interface PushCiphering {
  /** The security context (keys, system title, invocation counter) the pushes use. */
  readonly security: SecurityContext;
  readonly form: 'general-glo' | 'general-ciphering';
  readonly protection: 'authenticated-encrypted' | 'authenticated' | 'encrypted';
  /** Cipher with the global broadcast encryption key. */
  readonly broadcast: boolean;
}

/** Options of a Push setup. IEC 62056-6-2 §4.4.8. */
export interface PushSetupOptions extends Omit<StoredObjectOptions, 'classId'> {
  /** Called by method 1 (and by the schedule) to send the push. */
  readonly onPush: (push: PushSetupObject) => void;
  /** Seconds between scheduled pushes; undefined for none. */
  readonly everySeconds?: number | undefined;
  /** Cipher the pushes; undefined: plain data-notifications. */
  readonly ciphering?: PushCiphering | undefined;
}

/** The simulator's Push setup (IEC 62056-6-2 §4.4.8). */
export class PushSetupObject extends StoredObject {
  private readonly onPush: (push: PushSetupObject) => void;
  readonly everySeconds: number | undefined;
  /** How the pushes are ciphered, or undefined when they are plain. */
  readonly ciphering: PushCiphering | undefined;

  constructor(o: PushSetupOptions) {
    super({ ...o, classId: PUSH_SETUP_CLASS_ID });
    this.onPush = o.onPush;
    this.everySeconds = o.everySeconds;
    this.ciphering = o.ciphering;
    if (!this.values.has(2)) this.values.set(2, { type: 'array', value: [] });
    if (!this.values.has(3)) {
      this.values.set(3, {
        type: 'structure',
        value: [
          { type: 'enum', value: 1 },
          { type: 'octet-string', value: new TextEncoder().encode('127.0.0.1:4059') },
          { type: 'enum', value: 0 },
        ],
      });
    }
  }

  /** push_object_list as capture object definitions. */
  get pushObjects(): CaptureObjectDefinition[] {
    return captureObjectsFromData(this.values.get(2)!);
  }

  /** send_destination_and_method. */
  get sendDestination(): SendDestination {
    const v = this.values.get(3)!;
    const parts = v.type === 'structure' ? v.value : [];
    const num = (d: DlmsData | undefined): number => (typeof d?.value === 'number' ? d.value : 0);
    const dest = parts[1];
    return {
      transportService: num(parts[0]),
      destination:
        dest?.type === 'octet-string'
          ? new TextDecoder().decode(dest.value)
          : dest?.type === 'visible-string'
            ? dest.value
            : '',
      message: num(parts[2]),
    };
  }

  override methodIds(): readonly number[] {
    return [1];
  }

  override action(methodId: number, parameters: DlmsData | null, _ctx: AccessContext): ActionOutcome {
    if (methodId !== 1) return { result: 'object-undefined' };
    if (parameters !== null && parameters.type !== 'integer' && parameters.type !== 'null-data')
      return { result: 'type-unmatched' };
    this.onPush(this);
    return { result: 'success' };
  }
}
