/** DLMS/COSEM security (IEC 62056-5-3 §9.2): suites, ciphering, signing, HLS/LLS, key transfer and agreement. */
export * from './certificate-validation.js';
export * from './ciphered-apdu.js';
export * from './ciphered-tags.js';
export * from './ciphering.js';
export * from './ecc.js';
export * from './errors.js';
export * from './gcm.js';
export * from './general-signing.js';
export * from './hls.js';
export * from './hls-action.js';
export * from './kdf.js';
export * from './key-agreement.js';
export * from './key-wrap.js';
export * from './lls.js';
export * from './replay.js';
export {
  type CertificateEntity,
  type CertificateEntry,
  type CertificateUse,
  type CipheringKeyName,
  GlobalKeyId,
  type GlobalKeyIdValue,
  globalKeyName,
  SecurityContext,
  type SecurityContextOptions,
  type SymmetricKeyName,
} from './security-context.js';
export * from './security-control.js';
export * from './security-policy.js';
export * from './security-setup.js';
export * from './security-suite.js';
