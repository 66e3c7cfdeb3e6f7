/**
 * A per-association copy of an association's security context (IEC 62056-5-3 §9.2.3): the same
 * keys, system title, suite and policy, a fresh replay guard (so every association starts its
 * client invocation counters anew, as a simulator should allow), and the server's own invocation
 * counters carried over and written back so they never repeat across associations.
 */
import {
  type CipheringKeyName,
  SecurityContext,
  type SymmetricKeyName,
  securityContextInternals,
} from '../security/security-context.js';

const SENT: readonly CipheringKeyName[] = [
  'global-unicast-encryption-key',
  'global-broadcast-encryption-key',
];

/** A copy of `template` for one association (see the module comment). IEC 62056-5-3 §9.2.3. */
export function forkSecurityContext(template: SecurityContext): SecurityContext {
  const k = (name: SymmetricKeyName): Uint8Array | undefined =>
    securityContextInternals(template).key(name)?.raw;
  const invocationCounters: Partial<Record<CipheringKeyName, number>> = {};
  for (const name of SENT) invocationCounters[name] = template.invocationCounter(name);
  return new SecurityContext({
    suite: template.suite.id,
    systemTitle: template.systemTitle,
    globalUnicastEncryptionKey: k('global-unicast-encryption-key'),
    globalBroadcastEncryptionKey: k('global-broadcast-encryption-key'),
    authenticationKey: k('authentication-key'),
    masterKey: k('master-key'),
    invocationCounters,
    securityPolicy: template.securityPolicy,
    signingKey: template.signingKey,
    peerSigningKey: template.peerSigningKey,
    keyAgreementKey: template.keyAgreementKey,
    peerKeyAgreementKey: template.peerKeyAgreementKey,
    certificates: template.certificates,
  });
}

/** Writes the fork's sent invocation counters back to the template (never lowering them). IEC 62056-5-3 §9.2.3. */
export function syncInvocationCounters(template: SecurityContext, fork: SecurityContext): void {
  for (const name of SENT) {
    const v = fork.invocationCounter(name);
    if (v > template.invocationCounter(name)) template.setInvocationCounter(name, v);
  }
}
