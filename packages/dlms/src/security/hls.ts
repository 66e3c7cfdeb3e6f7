/**
 * High level security (HLS) authentication, mechanisms 2–7 (IEC 62056-5-3 §9.2.2.2 and
 * §9.2.7.4, Table 29): challenge generation and the f(StoC) / f(CtoS) processing of passes 3 and 4.
 *
 * | mechanism | f(challenge)                                                            |
 * |-----------|-------------------------------------------------------------------------|
 * | 2         | AES-ECB of the zero-padded challenge under the HLS secret (as common meters do) |
 * | 3         | MD5(challenge ‖ HLS secret)                                             |
 * | 4         | SHA-1(challenge ‖ HLS secret)                                           |
 * | 5         | SC ‖ IC ‖ GMAC(SC ‖ AK ‖ challenge), IV = own system title ‖ IC          |
 * | 6         | SHA-256(HLS secret ‖ ST-own ‖ ST-peer ‖ challenge-to-own ‖ challenge-to-peer) |
 * | 7         | ECDSA(ST-own ‖ ST-peer ‖ challenge-to-own ‖ challenge-to-peer)           |
 *
 * The client computes f(StoC) over the server's challenge, the server f(CtoS) over the client's.
 */
import { createCipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ErrorCode, MeterkitError } from '@meterkit/core';
import { DlmsErrorCode } from '../errors.js';
import { requireCertifiedPeerKey } from './certificate-validation.js';
import { ecdsaSign, ecdsaVerify } from './ecc.js';
import { DlmsSecurityErrorCode } from './errors.js';
import { gcmEncrypt, initializationVector } from './gcm.js';
import { requireKey, type SecurityContext, securityContextInternals } from './security-context.js';
import { SecurityControlBit } from './security-control.js';

/** authentication-mechanism-name values (IEC 62056-5-3 §9.4.2.2.2, mechanism_id). */
export const AuthenticationMechanism = {
  Lowest: 0,
  Low: 1,
  High: 2,
  HighMd5: 3,
  HighSha1: 4,
  HighGmac: 5,
  HighSha256: 6,
  HighEcdsa: 7,
} as const;

/** An HLS mechanism id (2–7). */
export type HlsMechanism = 2 | 3 | 4 | 5 | 6 | 7;

/** Shortest HLS challenge (IEC 62056-5-3 §9.2.2.2). */
export const MIN_CHALLENGE_LENGTH = 8;
/** Longest HLS challenge (IEC 62056-5-3 §9.2.2.2). */
export const MAX_CHALLENGE_LENGTH = 64;

/** Throws `ChallengeInvalid` (327) unless the challenge is 8–64 octets. */
export function checkChallenge(challenge: Uint8Array, what = 'challenge'): void {
  if (challenge.length < MIN_CHALLENGE_LENGTH || challenge.length > MAX_CHALLENGE_LENGTH) {
    throw new MeterkitError(
      DlmsSecurityErrorCode.ChallengeInvalid,
      `${what} must be 8..64 octets, not ${challenge.length}`,
    );
  }
}

/**
 * A fresh random challenge (IEC 62056-5-3 §9.2.2.2: 8 to 64 octets, unpredictable), from the
 * operating system's CSPRNG. Default 16 octets, which every meter accepts.
 */
export function generateChallenge(length = 16): Uint8Array {
  if (!Number.isInteger(length))
    throw new MeterkitError(ErrorCode.InvalidArgument, `challenge length ${length} is not an integer`);
  const c = new Uint8Array(randomBytes(Math.max(0, Math.min(length, 1024))));
  checkChallenge(c);
  return c;
}

/** The two challenges and the parties of one HLS exchange. */
export interface HlsExchange {
  readonly mechanism: HlsMechanism;
  /** CtoS: the client's challenge (in the AARQ calling-authentication-value). */
  readonly clientToServerChallenge: Uint8Array;
  /** StoC: the server's challenge (in the AARE responding-authentication-value). */
  readonly serverToClientChallenge: Uint8Array;
  /** Client system title (mechanisms 5–7; default from the context). */
  readonly clientSystemTitle?: Uint8Array;
  /** Server system title (mechanisms 5–7; default from the context). */
  readonly serverSystemTitle?: Uint8Array;
}

/** The secrets of one HLS exchange. */
export interface HlsSecrets {
  /** The HLS secret of mechanisms 2, 3, 4 and 6. Never printed. */
  readonly secret?: Uint8Array;
  /**
   * Mechanism 5: the context with the global unicast encryption key, the authentication key and
   * (when computing) the invocation counter. Mechanism 7: the context with our signing key (to
   * compute) and the peer's signing key (to verify). Also supplies system titles not given in the
   * exchange.
   */
  readonly context?: SecurityContext;
  /** Mechanism 5: the IC to use when computing (default: taken from the context's unicast key counter). */
  readonly invocationCounter?: number;
}

type Side = 'client' | 'server';

function needSecret(s: HlsSecrets): Uint8Array {
  if (s.secret === undefined) throw new MeterkitError(ErrorCode.KeyMissing, 'the HLS secret is not given');
  return s.secret;
}

function needContext(s: HlsSecrets, mechanism: number): SecurityContext {
  if (s.context === undefined)
    throw new MeterkitError(ErrorCode.KeyMissing, `HLS mechanism ${mechanism} needs a security context`);
  return s.context;
}

/** System titles for `side` as computer; `local` says whether the computing side is us. */
function titles(
  ex: HlsExchange,
  s: HlsSecrets,
  side: Side,
  local: boolean,
): { own: Uint8Array; peer: Uint8Array } {
  const ctx = s.context;
  const fromCtxOwn = local ? ctx?.systemTitle : ctx?.peerSystemTitle;
  const fromCtxPeer = local ? ctx?.peerSystemTitle : ctx?.systemTitle;
  const own = (side === 'client' ? ex.clientSystemTitle : ex.serverSystemTitle) ?? fromCtxOwn;
  const peer = (side === 'client' ? ex.serverSystemTitle : ex.clientSystemTitle) ?? fromCtxPeer;
  if (own === undefined || own.length !== 8 || peer === undefined || peer.length !== 8) {
    throw new MeterkitError(
      DlmsErrorCode.SystemTitleInvalid,
      'both 8-octet system titles are needed for this HLS mechanism',
    );
  }
  return { own, peer };
}

function challenges(ex: HlsExchange, side: Side): { toOwn: Uint8Array; toPeer: Uint8Array } {
  // the challenge a party answers is the one sent *to* it by the peer
  return side === 'client'
    ? { toOwn: ex.serverToClientChallenge, toPeer: ex.clientToServerChallenge }
    : { toOwn: ex.clientToServerChallenge, toPeer: ex.serverToClientChallenge };
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function aesEcbPadded(secret: Uint8Array, challenge: Uint8Array): Uint8Array {
  if (secret.length !== 16 && secret.length !== 32) {
    throw new MeterkitError(
      ErrorCode.KeyInvalid,
      `HLS mechanism 2 secret must be 16 or 32 octets, not ${secret.length}`,
    );
  }
  const padded = new Uint8Array(Math.ceil(challenge.length / 16) * 16);
  padded.set(challenge);
  const c = createCipheriv(secret.length === 16 ? 'aes-128-ecb' : 'aes-256-ecb', secret, null);
  c.setAutoPadding(false);
  const out = c.update(padded);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

function digest(alg: 'md5' | 'sha1' | 'sha256', ...parts: Uint8Array[]): Uint8Array {
  const h = createHash(alg);
  for (const p of parts) h.update(p);
  const d = h.digest();
  return new Uint8Array(d.buffer, d.byteOffset, d.length);
}

/** Mechanism 5: SC ‖ IC ‖ GMAC tag (IEC 62056-5-3 §9.2.7.4). */
function gmacResponse(
  ctx: SecurityContext,
  systemTitle: Uint8Array,
  sc: number,
  ic: number,
  challenge: Uint8Array,
): Uint8Array {
  const ek = requireKey(ctx, 'global-unicast-encryption-key').gcm;
  const ak = requireKey(ctx, 'authentication-key').raw;
  const scb = Uint8Array.of(sc);
  const iv = initializationVector(systemTitle, ic, securityContextInternals(ctx).ivScratch);
  const { tag } = gcmEncrypt(ek, iv, new Uint8Array(0), scb, ak, challenge);
  const out = new Uint8Array(5 + tag.length);
  out[0] = sc;
  out[1] = ic >>> 24;
  out[2] = (ic >>> 16) & 0xff;
  out[3] = (ic >>> 8) & 0xff;
  out[4] = ic & 0xff;
  out.set(tag, 5);
  return out;
}

function compute(side: Side, ex: HlsExchange, s: HlsSecrets, local = true): Uint8Array {
  const { toOwn, toPeer } = challenges(ex, side);
  checkChallenge(toOwn);
  switch (ex.mechanism) {
    case 2:
      return aesEcbPadded(needSecret(s), toOwn);
    case 3:
      return digest('md5', toOwn, needSecret(s));
    case 4:
      return digest('sha1', toOwn, needSecret(s));
    case 5: {
      const ctx = needContext(s, 5);
      const { own } = titlesFor5(ex, s, side, true);
      const ic = s.invocationCounter ?? ctx.takeInvocationCounter('global-unicast-encryption-key');
      return gmacResponse(ctx, own, SecurityControlBit.Authentication | ctx.suite.id, ic, toOwn);
    }
    case 6: {
      const { own, peer } = titles(ex, s, side, local);
      return digest('sha256', needSecret(s), own, peer, toOwn, toPeer);
    }
    case 7: {
      const ctx = needContext(s, 7);
      if (ctx.signingKey === undefined)
        throw new MeterkitError(ErrorCode.KeyMissing, 'signing key is not set in the security context');
      const { own, peer } = titles(ex, s, side, true);
      return ecdsaSign(ctx.suite, ctx.signingKey, concat(own, peer, toOwn, toPeer));
    }
    default:
      throw new MeterkitError(
        ErrorCode.InvalidArgument,
        `authentication mechanism ${String(ex.mechanism)} is not an HLS mechanism (2..7)`,
      );
  }
}

/** Mechanism 5 only needs the computing side's system title. */
function titlesFor5(ex: HlsExchange, s: HlsSecrets, side: Side, local: boolean): { own: Uint8Array } {
  const ctx = s.context;
  const own =
    (side === 'client' ? ex.clientSystemTitle : ex.serverSystemTitle) ??
    (local ? ctx?.systemTitle : ctx?.peerSystemTitle);
  if (own === undefined || own.length !== 8) {
    throw new MeterkitError(
      DlmsErrorCode.SystemTitleInvalid,
      `the ${side} system title is needed for HLS mechanism 5`,
    );
  }
  return { own };
}

function verify(side: Side, ex: HlsExchange, s: HlsSecrets, response: Uint8Array): void {
  const fail = (): never => {
    throw new MeterkitError(
      DlmsErrorCode.HlsAuthenticationFailed,
      `HLS mechanism ${ex.mechanism} response of the ${side} does not verify`,
    );
  };
  const { toOwn, toPeer } = challenges(ex, side);
  let expected: Uint8Array;
  switch (ex.mechanism) {
    case 5: {
      const ctx = needContext(s, 5);
      if (response.length !== 17 || (response[0]! & SecurityControlBit.Authentication) === 0) fail();
      const { own } = titlesFor5(ex, s, side, false);
      const ic = ((response[1]! << 24) | (response[2]! << 16) | (response[3]! << 8) | response[4]!) >>> 0;
      checkChallenge(toOwn);
      expected = gmacResponse(ctx, own, response[0]!, ic, toOwn);
      break;
    }
    case 7: {
      const ctx = needContext(s, 7);
      const { own, peer } = titles(ex, s, side, false);
      // the signer's key: set directly, or from its validated certificate (IEC 62056-5-3 §9.2.6)
      const signer =
        ctx.peerSigningKey ??
        requireCertifiedPeerKey(ctx, 'digital-signature', own, "the peer's signing public key");
      checkChallenge(toOwn);
      if (!ecdsaVerify(ctx.suite, signer, concat(own, peer, toOwn, toPeer), response)) fail();
      return;
    }
    default:
      expected = compute(side, ex, s, false);
  }
  if (expected.length !== response.length || !timingSafeEqual(expected, response)) fail();
}

/** f(StoC): the client's answer to the server's challenge (pass 3, IEC 62056-5-3 §9.2.2.2). */
export function clientHlsResponse(exchange: HlsExchange, secrets: HlsSecrets): Uint8Array {
  return compute('client', exchange, secrets);
}

/** f(CtoS): the server's answer to the client's challenge (pass 4, IEC 62056-5-3 §9.2.2.2). */
export function serverHlsResponse(exchange: HlsExchange, secrets: HlsSecrets): Uint8Array {
  return compute('server', exchange, secrets);
}

/**
 * The server's check of f(StoC) received from the client (pass 3). Constant-time comparison.
 * Throws `HlsAuthenticationFailed` (324).
 */
export function verifyClientHlsResponse(
  exchange: HlsExchange,
  secrets: HlsSecrets,
  response: Uint8Array,
): void {
  verify('client', exchange, secrets, response);
}

/**
 * The client's check of f(CtoS) received from the server (pass 4). Constant-time comparison.
 * Throws `HlsAuthenticationFailed` (324).
 */
export function verifyServerHlsResponse(
  exchange: HlsExchange,
  secrets: HlsSecrets,
  response: Uint8Array,
): void {
  verify('server', exchange, secrets, response);
}
