/**
 * What a TLS handshake settled (RFC 8446 §4 / RFC 5246 §7): protocol version, cipher suite, the
 * peer's certificate chain as DER, and whether it was verified.
 */
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';

/** The negotiated parameters of an open TLS connection. */
export interface TlsSessionInfo {
  /** `'TLSv1.3'`, `'TLSv1.2'`, ... */
  readonly protocol: string | undefined;
  /** Cipher suite: OpenSSL name, IANA (RFC) name, and the protocol version it was defined for. */
  readonly cipher: { readonly name: string; readonly standardName: string; readonly version: string };
  /** The peer's end-entity certificate (DER), when it sent one. */
  readonly peerCertificate: Uint8Array | undefined;
  /** The peer's chain as sent and completed by OpenSSL, end-entity first (DER each). */
  readonly peerCertificateChain: readonly Uint8Array[];
  /** True when the peer's certificate was verified against the trusted CAs. */
  readonly authorized: boolean;
  /** Why verification failed, when it did (e.g. `UNABLE_TO_VERIFY_LEAF_SIGNATURE`). */
  readonly authorizationError: string | undefined;
  /** The ALPN protocol agreed on, if any. */
  readonly alpnProtocol: string | undefined;
}

/** Reads the session parameters of a connected `TLSSocket`. */
export function readTlsSessionInfo(socket: TLSSocket): TlsSessionInfo {
  const cipher = socket.getCipher();
  const chain: Uint8Array[] = [];
  const seen = new Set<DetailedPeerCertificate>();
  let cert: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  while (cert?.raw !== undefined && !seen.has(cert)) {
    seen.add(cert);
    chain.push(new Uint8Array(cert.raw));
    const issuer: DetailedPeerCertificate | undefined = cert.issuerCertificate;
    if (issuer === undefined || issuer === cert || issuer.raw === undefined || issuer.raw.equals(cert.raw))
      break;
    cert = issuer;
  }
  const error = socket.authorizationError as Error | string | undefined | null;
  return {
    protocol: socket.getProtocol() ?? undefined,
    cipher: { name: cipher.name, standardName: cipher.standardName, version: cipher.version },
    peerCertificate: chain[0],
    peerCertificateChain: chain,
    authorized: socket.authorized,
    authorizationError: error === undefined || error === null ? undefined : String(error),
    alpnProtocol: typeof socket.alpnProtocol === 'string' ? socket.alpnProtocol : undefined,
  };
}
