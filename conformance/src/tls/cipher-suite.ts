/** The AEAD cipher a TLS 1.2 suite protects records with (RFC 5246 §6.2.3.3; RFC 6655, RFC 5288). */
export type TlsAeadCipher = 'aes-128-ccm' | 'aes-256-ccm' | 'aes-128-gcm';

/** What record decryption needs to know about a negotiated TLS 1.2 AEAD cipher suite (RFC 5246 §6.2.3.3, §6.3). */
export interface TlsCipherSuite {
  readonly id: number;
  /** IANA name. */
  readonly name: string;
  readonly cipher: TlsAeadCipher;
  /** enc_key_length (RFC 5246 §6.3). */
  readonly keyLength: number;
  /** fixed_iv_length: the implicit nonce part (4 for every suite here). */
  readonly fixedIvLength: number;
  /** Bytes of explicit nonce carried in each record (8). */
  readonly explicitNonceLength: number;
  /** Length of the authentication tag. */
  readonly tagLength: number;
}

function suite(id: number, name: string, cipher: TlsAeadCipher, keyLength: number, tagLength: number) {
  return { id, name, cipher, keyLength, fixedIvLength: 4, explicitNonceLength: 8, tagLength } as const;
}

/**
 * The TLS 1.2 AEAD suites the harness decrypts, all with the SHA-256 PRF: the IEEE 2030.5 suite
 * TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 (IEEE 2030.5-2018 §6.11.1.1, RFC 7251) and its relatives of
 * RFC 6655, and the AES-128-GCM suites of RFC 5288 / RFC 5289 (same record shape: 4-byte salt,
 * 8-byte explicit nonce, RFC 5246 §6.2.3.3).
 */
export const TLS_CIPHER_SUITES: ReadonlyMap<number, TlsCipherSuite> = new Map(
  [
    suite(0xc0ae, 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8', 'aes-128-ccm', 16, 8),
    suite(0xc0ac, 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM', 'aes-128-ccm', 16, 16),
    suite(0xc0af, 'TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8', 'aes-256-ccm', 32, 8),
    suite(0xc0a0, 'TLS_RSA_WITH_AES_128_CCM_8', 'aes-128-ccm', 16, 8),
    suite(0xc09c, 'TLS_RSA_WITH_AES_128_CCM', 'aes-128-ccm', 16, 16),
    suite(0xc0a8, 'TLS_PSK_WITH_AES_128_CCM_8', 'aes-128-ccm', 16, 8),
    suite(0xc02b, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'aes-128-gcm', 16, 16),
    suite(0xc02f, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'aes-128-gcm', 16, 16),
    suite(0x009c, 'TLS_RSA_WITH_AES_128_GCM_SHA256', 'aes-128-gcm', 16, 16),
    suite(0x009e, 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', 'aes-128-gcm', 16, 16),
  ].map((s) => [s.id, s] as const),
);

/** The name of a cipher suite (RFC 5246 §A.5) for messages: its IANA name when known here, else its code point. */
export function cipherSuiteName(id: number): string {
  return TLS_CIPHER_SUITES.get(id)?.name ?? `0x${id.toString(16).padStart(4, '0')}`;
}
