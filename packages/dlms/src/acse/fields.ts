import {
  type BerNode,
  type BerTlv,
  decodeBerInteger,
  decodeBerTlv,
  decodeBitString,
  decodeOid,
  ErrorCode,
  encodeBerInteger,
  encodeBerNode,
  encodeBitString,
  encodeOid,
  MeterkitError,
  Reader,
  readBerTlv,
} from '@meterkit/core';
import {
  type AuthenticationValue,
  authenticationValueNode,
  decodeAuthenticationValue,
} from './authentication-value.js';
import {
  type AcseUserInformationInput,
  decodeAcseUserInformation,
  encodeAcseUserInformation,
} from './user-information.js';

/**
 * How one ACSE field is encoded (IEC 62056-5-3 §8.2 ACSE ASN.1, ISO/IEC 8650-1), by its
 * context tag:
 * - `bits`: [n] IMPLICIT BIT STRING (protocol-version, ACSE requirements)
 * - `oid`: [n] EXPLICIT OBJECT IDENTIFIER (application-context-name)
 * - `oid-implicit`: [n] IMPLICIT OBJECT IDENTIFIER (mechanism-name)
 * - `octets`: [n] EXPLICIT OCTET STRING (AP-title, AE-qualifier in their DLMS form)
 * - `int`: [n] EXPLICIT INTEGER (invocation identifiers, result)
 * - `int-implicit`: [n] IMPLICIT INTEGER (release reasons)
 * - `auth`: [n] EXPLICIT Authentication-value
 * - `graphic`: [n] IMPLICIT GraphicString (implementation-information), as Latin-1 text
 * - `user-info`: [n] EXPLICIT Association-information (OCTET STRING holding an xDLMS APDU)
 * - `diagnostic`: [n] EXPLICIT Associate-source-diagnostic CHOICE
 */
export type AcseFieldKind =
  | 'bits'
  | 'oid'
  | 'oid-implicit'
  | 'octets'
  | 'int'
  | 'int-implicit'
  | 'auth'
  | 'graphic'
  | 'user-info'
  | 'diagnostic';

/** One field of an ACSE APDU: context tag, property name, ASN.1 name, encoding, mandatory or not. */
export interface AcseFieldSpec {
  readonly tag: number;
  readonly key: string;
  readonly name: string;
  readonly kind: AcseFieldKind;
  readonly mandatory?: boolean;
}

/** Associate-source-diagnostic (IEC 62056-5-3 §8.2): which ACSE side gave the diagnostic, and its value. */
export interface AcseDiagnostic {
  /** acse-service-user [1] or acse-service-provider [2]. */
  readonly type: 'acse-service-user' | 'acse-service-provider';
  /** The diagnostic value (see `acseDiagnosticName`). */
  readonly value: number;
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

function fromLatin1(text: string, path: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) {
      throw new MeterkitError(
        ErrorCode.EncodeFailed,
        `character U+${c.toString(16)} does not fit a GraphicString octet`,
        {
          path,
        },
      );
    }
    out[i] = c;
  }
  return out;
}

function innerTlv(outer: BerTlv, path: string): BerTlv {
  if (!outer.constructed) {
    throw new MeterkitError(ErrorCode.ValueInvalid, 'explicitly tagged field is not constructed', {
      offset: outer.offset,
      path,
    });
  }
  return decodeBerTlv(outer.value, path, outer.offset + outer.headerLength);
}

function expectUniversal(t: BerTlv, tag: number, what: string, path: string): void {
  if (t.tagClass !== 'universal' || t.tag !== tag || t.constructed) {
    throw new MeterkitError(ErrorCode.UnexpectedTag, `expected ${what}`, { offset: t.offset, path });
  }
}

function expectPrimitive(t: BerTlv, path: string): void {
  if (t.constructed) {
    throw new MeterkitError(ErrorCode.ValueInvalid, 'implicitly tagged field must be primitive', {
      offset: t.offset,
      path,
    });
  }
}

function decodeField(t: BerTlv, spec: AcseFieldSpec, path: string): unknown {
  const contentAt = t.offset + t.headerLength;
  switch (spec.kind) {
    case 'bits':
      expectPrimitive(t, path);
      return decodeBitString(t.value, contentAt, path);
    case 'oid-implicit':
      expectPrimitive(t, path);
      return decodeOid(t.value, contentAt, path);
    case 'int-implicit':
      expectPrimitive(t, path);
      return decodeBerInteger(t.value, contentAt, path);
    case 'graphic':
      expectPrimitive(t, path);
      return latin1(t.value);
    case 'oid': {
      const inner = innerTlv(t, path);
      expectUniversal(inner, 6, 'OBJECT IDENTIFIER', path);
      return decodeOid(inner.value, inner.offset + inner.headerLength, path);
    }
    case 'octets': {
      const inner = innerTlv(t, path);
      expectUniversal(inner, 4, 'OCTET STRING', path);
      return inner.value;
    }
    case 'int': {
      const inner = innerTlv(t, path);
      expectUniversal(inner, 2, 'INTEGER', path);
      return decodeBerInteger(inner.value, inner.offset + inner.headerLength, path);
    }
    case 'auth':
      return decodeAuthenticationValue(innerTlv(t, path), path);
    case 'user-info': {
      const inner = innerTlv(t, path);
      expectUniversal(inner, 4, 'OCTET STRING', path);
      return decodeAcseUserInformation(inner.value, inner.offset + inner.headerLength, path);
    }
    case 'diagnostic': {
      const choice = innerTlv(t, path);
      if (choice.tagClass !== 'context' || (choice.tag !== 1 && choice.tag !== 2)) {
        throw new MeterkitError(
          ErrorCode.UnexpectedTag,
          'diagnostic is neither acse-service-user [1] nor acse-service-provider [2]',
          {
            offset: choice.offset,
            path,
          },
        );
      }
      const inner = innerTlv(choice, path);
      expectUniversal(inner, 2, 'INTEGER', path);
      const value = decodeBerInteger(inner.value, inner.offset + inner.headerLength, path);
      if (typeof value !== 'number' || value < 0) {
        throw new MeterkitError(ErrorCode.ValueOutOfRange, `diagnostic value ${value} is out of range`, {
          offset: inner.offset,
          path,
        });
      }
      const diagnostic: AcseDiagnostic = {
        type: choice.tag === 1 ? 'acse-service-user' : 'acse-service-provider',
        value,
      };
      return diagnostic;
    }
  }
}

/**
 * Decodes the elements of an ACSE APDU's SEQUENCE (`content` = the outer TLV's content octets,
 * starting at absolute offset `base`) against `specs`. Fields must appear in tag order, at most
 * once; unknown tags throw `UnexpectedTag` (204), a missing mandatory field `ValueInvalid` (207).
 * Every spec key is set on the result (undefined when absent).
 */
export function decodeAcseFields(
  content: Uint8Array,
  base: number,
  specs: readonly AcseFieldSpec[],
  apdu: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of specs) out[s.key] = undefined;
  const r = new Reader(content, 0, content.length, base);
  let next = 0;
  while (!r.atEnd) {
    const t = readBerTlv(r, apdu);
    let i = next;
    while (i < specs.length && !(t.tagClass === 'context' && specs[i]!.tag === t.tag)) i++;
    if (i >= specs.length) {
      const known = t.tagClass === 'context' && specs.some((s) => s.tag === t.tag);
      throw new MeterkitError(
        ErrorCode.UnexpectedTag,
        known
          ? `[${t.tag}] out of order or repeated`
          : `${t.tagClass} tag ${t.tag} is not a field of ${apdu.toUpperCase()}`,
        { offset: t.offset, path: apdu },
      );
    }
    const spec = specs[i]!;
    out[spec.key] = decodeField(t, spec, `${apdu}.${spec.name}`);
    next = i + 1;
  }
  for (const s of specs) {
    if (s.mandatory && out[s.key] === undefined) {
      throw new MeterkitError(ErrorCode.ValueInvalid, `mandatory field ${s.name} is missing`, {
        offset: base,
        path: `${apdu}.${s.name}`,
      });
    }
  }
  return out;
}

function prim(tag: number, value: Uint8Array): BerNode {
  return { tagClass: 'context', constructed: false, tag, value };
}

function explicit(tag: number, child: BerNode): BerNode {
  return { tagClass: 'context', constructed: true, tag, children: [child] };
}

function universal(tag: number, value: Uint8Array): BerNode {
  return { tagClass: 'universal', constructed: false, tag, value };
}

function integerOf(v: unknown, path: string): Uint8Array {
  if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) return encodeBerInteger(v);
  throw new MeterkitError(ErrorCode.EncodeFailed, `${String(v)} is not an integer`, { path });
}

function encodeField(spec: AcseFieldSpec, v: unknown, path: string): BerNode {
  switch (spec.kind) {
    case 'bits':
      return prim(spec.tag, encodeBitString(v as { unusedBits: number; bytes: Uint8Array }));
    case 'oid-implicit':
      return prim(spec.tag, encodeOid(v as string));
    case 'int-implicit':
      return prim(spec.tag, integerOf(v, path));
    case 'graphic':
      return prim(spec.tag, fromLatin1(v as string, path));
    case 'oid':
      return explicit(spec.tag, universal(6, encodeOid(v as string)));
    case 'octets':
      return explicit(spec.tag, universal(4, v as Uint8Array));
    case 'int':
      return explicit(spec.tag, universal(2, integerOf(v, path)));
    case 'auth':
      return explicit(spec.tag, authenticationValueNode(v as AuthenticationValue));
    case 'user-info':
      return explicit(spec.tag, universal(4, encodeAcseUserInformation(v as AcseUserInformationInput)));
    case 'diagnostic': {
      const d = v as AcseDiagnostic;
      if (d.type !== 'acse-service-user' && d.type !== 'acse-service-provider') {
        throw new MeterkitError(ErrorCode.EncodeFailed, `diagnostic source '${String(d.type)}' unknown`, {
          path,
        });
      }
      return explicit(
        spec.tag,
        explicit(d.type === 'acse-service-user' ? 1 : 2, universal(2, integerOf(d.value, path))),
      );
    }
  }
}

/**
 * Encodes an ACSE APDU: [APPLICATION `appTag`] IMPLICIT SEQUENCE of the fields of `value` that are
 * present, in tag order (IEC 62056-5-3 §8.2). A missing mandatory field throws `EncodeFailed` (211).
 */
export function encodeAcseFields(
  appTag: number,
  value: Readonly<Record<string, unknown>>,
  specs: readonly AcseFieldSpec[],
  apdu: string,
): Uint8Array {
  const children: BerNode[] = [];
  for (const s of specs) {
    const v = value[s.key];
    if (v === undefined) {
      if (s.mandatory) {
        throw new MeterkitError(ErrorCode.EncodeFailed, `mandatory field ${s.name} is missing`, {
          path: `${apdu}.${s.name}`,
        });
      }
      continue;
    }
    children.push(encodeField(s, v, `${apdu}.${s.name}`));
  }
  return encodeBerNode({ tagClass: 'application', constructed: true, tag: appTag, children });
}
