/**
 * What the transport ports need from a simulator: a server session per client SAP and logical
 * device (IEC 62056-5-3 §9.4), and the addresses the logical device answers to.
 */
import type { DlmsServerSession } from './server-session.js';

/** Creates server sessions and names the logical device's addresses. IEC 62056-5-3 §9.4. */
export interface ServerSessionFactory {
  /** Server SAP (HDLC upper address, wrapper wPort) of the logical device. */
  readonly logicalDevice: number;
  /** HDLC lower (physical device) address. */
  readonly physicalAddress: number;
  /** A session for this client SAP and server SAP, or undefined when refused. */
  createSession(clientSap: number, serverSap: number): DlmsServerSession | undefined;
}
