/**
 * What the simulator offers one client SAP (IEC 62056-5-3 §9.4.2, IEC 62056-6-2 §4.4.4 Association
 * LN): the application context (ciphered or not), the authentication mechanism and its secret,
 * the security context of a ciphered association, the conformance block and PDU size the server
 * proposes, and the default access to objects that do not name this client.
 */
import type { Conformance } from '../acse/conformance.js';
import type { SecurityContext } from '../security/security-context.js';
import type { ObjectAccess } from './access-rights.js';

/** One association the simulator accepts (IEC 62056-5-3 §9.4.2). */
export interface AssociationConfig {
  /** The client SAP (HDLC client address, wrapper source wPort). */
  readonly clientSap: number;
  /** A name for logs and docs, e.g. `public`. */
  readonly name: string;
  /** This association's Association LN instance, e.g. `0-0:40.0.1.255`. */
  readonly logicalName: string;
  /** Authentication mechanism id 0–7 (IEC 62056-5-3 §9.2.2). */
  readonly mechanism: number;
  /** LLS password (mechanism 1), or HLS secret (mechanisms 2, 3, 4, 6). Never printed. */
  readonly secret?: Uint8Array | undefined;
  /** Ciphered application context (Logical_Name_Referencing_With_Ciphering). */
  readonly ciphering: boolean;
  /**
   * The server's security context (keys, system title, counters); needed for ciphering and HLS 5/7.
   * Each association works on a copy with its own replay guard unless `sharedReplayProtection`.
   */
  readonly security?: SecurityContext | undefined;
  /**
   * Check client invocation counters across associations, as a real meter does (the client must
   * then read the frame counter and continue from it). Default false: each association starts anew.
   */
  readonly sharedReplayProtection?: boolean | undefined;
  /** Conformance the server supports for this client; the AARE answers the intersection. */
  readonly conformance: Conformance;
  /** server-max-receive-pdu-size. */
  readonly maxPduSize: number;
  /** Access to objects that give this client no rights of their own. */
  readonly defaultAccess?: ObjectAccess | undefined;
  /**
   * Logical-name (default) or short-name referencing (IEC 62056-5-3 §9.3.13: READ, WRITE and
   * UNCONFIRMED-WRITE on base names, the current association as Association SN at 0xFA00).
   */
  readonly referencing?: 'logical-name' | 'short-name' | undefined;
  /**
   * Window of the server's first general-block-transfer blocks (1–63, default 1); later windows
   * follow what the client announces in its acknowledgements (IEC 62056-5-3 §9.3.10).
   */
  readonly gbtWindow?: number | undefined;
  /**
   * Send long answers with general-block-transfer whenever it is negotiated, even when the
   * service's own block transfer (get-response-with-datablock) is negotiated too. Default false.
   */
  readonly preferGeneralBlockTransfer?: boolean | undefined;
}

/** The conformance a simulator association supports unless its profile says otherwise (IEC 62056-5-3 §8.2). */
export const DEFAULT_SERVER_CONFORMANCE: Conformance = [
  'general-block-transfer',
  'block-transfer-with-get-or-read',
  'block-transfer-with-set-or-write',
  'block-transfer-with-action',
  'multiple-references',
  'data-notification',
  'get',
  'set',
  'selective-access',
  'action',
];
