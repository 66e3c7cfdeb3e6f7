/**
 * The EPSEM control byte, IEEE 1703-2012 §5.3.3 `<epsem-control>`:
 * bit 7 reserved (set), bit 6 recovery-session, bit 5 proxy-service-used, bit 4 ed-class-included,
 * bits 3–2 security-mode, bits 1–0 response-control.
 */

/** Security mode (bits 3–2): 0 cleartext, 1 cleartext + authentication, 2 ciphertext + authentication. */
export type SecurityMode = 0 | 1 | 2 | 3;

/** Names of the security modes. */
export const SecurityModeName: Readonly<Record<SecurityMode, string>> = {
  0: 'cleartext',
  1: 'cleartext-with-authentication',
  2: 'ciphertext-with-authentication',
  3: 'reserved',
};

/** Response control (bits 1–0): 0 always respond, 1 respond on exception, 2 never respond. */
export type ResponseControl = 0 | 1 | 2 | 3;

/** Names of the response-control values. */
export const ResponseControlName: Readonly<Record<ResponseControl, string>> = {
  0: 'always',
  1: 'on-exception',
  2: 'never',
  3: 'reserved',
};

/** The decoded EPSEM control byte (without the ed-class flag, which follows from `edClass`). */
export interface EpsemControl {
  readonly recoverySession: boolean;
  readonly proxyServiceUsed: boolean;
  readonly securityMode: SecurityMode;
  readonly responseControl: ResponseControl;
  /** Bit 7; set in every known message. Omitted when encoding means set. */
  readonly reserved?: boolean;
}

/** Bit masks of the control byte. */
export const EpsemControlBit = {
  reserved: 0x80,
  recoverySession: 0x40,
  proxyServiceUsed: 0x20,
  edClassIncluded: 0x10,
  securityMode: 0x0c,
  responseControl: 0x03,
} as const;

/** Decodes a control byte. */
export function decodeEpsemControl(b: number): EpsemControl {
  return {
    recoverySession: (b & EpsemControlBit.recoverySession) !== 0,
    proxyServiceUsed: (b & EpsemControlBit.proxyServiceUsed) !== 0,
    securityMode: ((b & EpsemControlBit.securityMode) >> 2) as SecurityMode,
    responseControl: (b & EpsemControlBit.responseControl) as ResponseControl,
    reserved: (b & EpsemControlBit.reserved) !== 0,
  };
}

/** Encodes a control byte; `edClassIncluded` sets bit 4. */
export function encodeEpsemControl(c: EpsemControl, edClassIncluded: boolean): number {
  return (
    (c.reserved === false ? 0 : EpsemControlBit.reserved) |
    (c.recoverySession ? EpsemControlBit.recoverySession : 0) |
    (c.proxyServiceUsed ? EpsemControlBit.proxyServiceUsed : 0) |
    (edClassIncluded ? EpsemControlBit.edClassIncluded : 0) |
    ((c.securityMode & 3) << 2) |
    (c.responseControl & 3)
  );
}
