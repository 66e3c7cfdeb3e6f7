/**
 * Simulator profiles: the JSON file that describes a meter (IEC 62056-6-2 §4 objects with their
 * attribute values in the JSON form of `dataFromJson`, IEC 62056-5-3 §9.4 associations per client
 * SAP with authentication and security, addresses and identification). `buildSimulatorModel`
 * turns a profile into the object tree and the association table the server sessions use.
 */
import { ErrorCode, fromHex, MeterkitError } from '@meterkit/core';
import { CONFORMANCE_BITS, type Conformance, type ConformanceBit } from '../acse/conformance.js';
import type { DlmsData } from '../axdr/data.js';
import { interfaceClass } from '../cosem/interface-classes.js';
import type { CaptureObjectDefinition } from '../cosem/profile-generic.js';
import { normalizeObis } from '../obis/obis.js';
import type { SecurityContext } from '../security/security-context.js';
import { type ObjectAccess, type ObjectAccessJson, objectAccessFromJson } from './access-rights.js';
import { type AssociationConfig, DEFAULT_SERVER_CONFORMANCE } from './association-config.js';
import { ClockObject } from './clock-object.js';
import { type ServerObject, StoredObject } from './cosem-object.js';
import { dataFromJson, type JsonInput } from './data-json.js';
import { DisconnectControlObject } from './disconnect-control-object.js';
import { LoadCurve, type LoadShape } from './load-curve.js';
import { CosemObjectStore } from './object-store.js';
import { ProfileGenericObject } from './profile-generic-object.js';
import { type PushCiphering, PushSetupObject } from './push-setup-object.js';
import { EnergyRegisterObject, ProfileStatusObject } from './register-object.js';
import { type SecurityProfileJson, securityFromJson } from './security-json.js';

/** One association of a profile. IEC 62056-5-3 §9.4.2. */
export interface AssociationProfileJson {
  readonly clientSap: number;
  readonly name?: string;
  readonly logicalName?: string;
  /** Authentication mechanism 0–7. */
  readonly mechanism?: number;
  /** LLS password (mechanism 1) as text. */
  readonly password?: string;
  /** HLS secret (mechanisms 2, 3, 4, 6) as hex. */
  readonly secret?: string;
  readonly ciphering?: boolean;
  readonly security?: SecurityProfileJson;
  readonly conformance?: readonly string[];
  readonly maxPduSize?: number;
  readonly defaultAccess?: ObjectAccessJson;
  /** `logical-name` (default) or `short-name` referencing. */
  readonly referencing?: 'logical-name' | 'short-name';
  /** Window of the server's first general-block-transfer blocks (1–63, default 1). */
  readonly gbtWindow?: number;
  /** Long answers in general-block-transfer whenever it is negotiated. */
  readonly preferGeneralBlockTransfer?: boolean;
}

/** A generated load profile: capacity, capture period (s) and the captured attributes. IEC 62056-6-2 §4.3.6. */
export interface LoadProfileJson {
  readonly kind: 'load-profile';
  readonly entries?: number;
  readonly capturePeriod?: number;
  readonly captureObjects: readonly {
    readonly classId: number;
    readonly logicalName: string;
    readonly attributeIndex: number;
    readonly dataIndex?: number;
  }[];
}

/** What makes an object live (see the module comments of each live object). IEC 62056-6-2 §4. */
export type LiveJson =
  | { readonly kind: 'clock' }
  | {
      readonly kind: 'energy';
      readonly averagePower: number;
      readonly shape?: LoadShape;
      readonly seed?: number;
      readonly initialEnergy?: number;
    }
  | { readonly kind: 'profile-status' }
  | LoadProfileJson
  | { readonly kind: 'disconnect-control' }
  | {
      readonly kind: 'push-setup';
      readonly everySeconds?: number;
      /** Cipher the data-notifications with the security of an association. */
      readonly ciphering?: PushCipheringJson;
    };

/** How a Push setup ciphers its data-notifications (IEC 62056-5-3 §9.2.7.2.4). */
export interface PushCipheringJson {
  /** Client SAP of the association whose security context (keys, system title, counter) is used. */
  readonly association: number;
  /** `general-glo` (default) or `general-ciphering`. */
  readonly form?: 'general-glo' | 'general-ciphering';
  /** Default `authenticated-encrypted`. */
  readonly protection?: 'authenticated-encrypted' | 'authenticated' | 'encrypted';
  /** Use the global broadcast encryption key instead of the unicast key. */
  readonly broadcast?: boolean;
}

/** One object of a profile. IEC 62056-6-2 §4. */
export interface ObjectProfileJson {
  readonly classId: number;
  readonly version?: number;
  readonly logicalName: string;
  readonly live?: LiveJson;
  /** Base name for short-name referencing (a multiple of 8, number or `"0x…"` text); automatic when omitted. */
  readonly baseName?: number | string;
  /** Methods of a plain object: method id → the return data (JSON data form) or null for none. */
  readonly methods?: Readonly<Record<string, JsonInput | null>>;
  /** Attribute values by attribute id, in the JSON data form. */
  readonly attributes?: Readonly<Record<string, JsonInput>>;
  /** Access by client SAP (or `*`). */
  readonly access?: Readonly<Record<string, ObjectAccessJson>>;
}

/** A simulator profile (the JSON file). IEC 62056-6-2 §4. */
export interface SimulatorProfile {
  readonly name?: string;
  /** Server SAP / upper HDLC address of the logical device (default 1). */
  readonly logicalDevice?: number;
  /** Lower HDLC address (physical device address, default 17). */
  readonly physicalAddress?: number;
  /** Server system title, 16 hex digits. */
  readonly systemTitle?: string;
  /** IEC 62056-21 identification: three-letter manufacturer id and text. */
  readonly manufacturer?: string;
  readonly identification?: string;
  /** HDLC capabilities: largest information field and window. */
  readonly hdlc?: {
    readonly maxInfoLength?: number;
    readonly window?: number;
    /** Inter-octet timeout in ms (IEC 62056-6-2 §4.7.8 inter_octet_time_out; default 25, 0: off). */
    readonly interOctetTimeoutMs?: number;
    /**
     * APDUs that may wait for the meter's work before it answers polls with RNR (IEC 62056-46
     * §6.4.3.3); omitted: every request is answered as it arrives.
     */
    readonly receiveQueueLimit?: number;
    /** With `receiveQueueLimit`: how long the meter works on each queued APDU (default 0 ms). */
    readonly processingDelayMs?: number;
  };
  readonly associations: readonly AssociationProfileJson[];
  readonly objects: readonly ObjectProfileJson[];
}

/** What `buildSimulatorModel` returns. IEC 62056-6-2 §4. */
export interface SimulatorModel {
  readonly store: CosemObjectStore;
  readonly associations: ReadonlyMap<number, AssociationConfig>;
  readonly systemTitle: Uint8Array;
  readonly logicalDevice: number;
  readonly physicalAddress: number;
  readonly pushSetups: readonly PushSetupObject[];
}

/** Options of `buildSimulatorModel`. IEC 62056-6-2 §4. */
export interface BuildOptions {
  /** Real time (ms) the simulator starts at: the end of the generated history. */
  readonly start: number;
  /** Called when a Push setup pushes. */
  readonly onPush: (push: PushSetupObject) => void;
}

function invalid(path: string, message: string): never {
  throw new MeterkitError(ErrorCode.ValueInvalid, message, { path });
}

function hexKey(v: string | undefined, path: string): Uint8Array | undefined {
  if (v === undefined) return undefined;
  try {
    return fromHex(v);
  } catch {
    return invalid(path, 'a key must be hex');
  }
}

function referencingOf(v: unknown, path: string): 'logical-name' | 'short-name' {
  if (v === undefined || v === 'logical-name') return 'logical-name';
  if (v === 'short-name') return 'short-name';
  return invalid(path, 'referencing must be logical-name or short-name');
}

function conformanceOf(list: readonly string[] | undefined, path: string): Conformance {
  if (list === undefined) return DEFAULT_SERVER_CONFORMANCE;
  const known = new Set<string>(CONFORMANCE_BITS);
  for (const b of list) if (!known.has(b)) invalid(path, `${b} is not a conformance bit`);
  return list as ConformanceBit[];
}

function association(j: AssociationProfileJson, i: number, systemTitle: Uint8Array): AssociationConfig {
  const path = `associations[${i}]`;
  if (!Number.isInteger(j.clientSap) || j.clientSap < 1 || j.clientSap > 0x3fff)
    invalid(`${path}.clientSap`, 'clientSap must be 1..16383');
  const mechanism = j.mechanism ?? 0;
  if (!Number.isInteger(mechanism) || mechanism < 0 || mechanism > 7)
    invalid(`${path}.mechanism`, 'mechanism must be 0..7');
  let secret: Uint8Array | undefined;
  if (j.password !== undefined) secret = new TextEncoder().encode(j.password);
  else if (j.secret !== undefined) secret = hexKey(j.secret, `${path}.secret`);
  if ((mechanism === 1 || (mechanism >= 2 && mechanism <= 4) || mechanism === 6) && secret === undefined)
    invalid(`${path}`, `mechanism ${mechanism} needs a ${mechanism === 1 ? 'password' : 'secret'}`);
  let security: SecurityContext | undefined;
  if (j.security !== undefined) security = securityFromJson(j.security, systemTitle, `${path}.security`);
  if ((j.ciphering === true || mechanism === 5 || mechanism === 7) && security === undefined)
    invalid(`${path}.security`, 'ciphering and HLS-GMAC/ECDSA need a security context');
  if (mechanism === 7 && (security?.signingKey === undefined || security.peerSigningKey === undefined))
    invalid(`${path}.security`, 'HLS-ECDSA (mechanism 7) needs signingKey and clientSigningKey');
  const gbtWindow = j.gbtWindow ?? 1;
  if (!Number.isInteger(gbtWindow) || gbtWindow < 1 || gbtWindow > 63)
    invalid(`${path}.gbtWindow`, 'gbtWindow must be 1..63');
  return {
    clientSap: j.clientSap,
    name: j.name ?? `client ${j.clientSap}`,
    logicalName: normalizeObis(j.logicalName ?? `0-0:40.0.${i + 1}.255`),
    mechanism,
    secret,
    ciphering: j.ciphering === true,
    security,
    sharedReplayProtection: j.security?.sharedReplayProtection === true,
    conformance: conformanceOf(j.conformance, `${path}.conformance`),
    maxPduSize: j.maxPduSize ?? 1024,
    defaultAccess:
      j.defaultAccess === undefined
        ? undefined
        : objectAccessFromJson(j.defaultAccess, `${path}.defaultAccess`),
    referencing: referencingOf(j.referencing, `${path}.referencing`),
    gbtWindow,
    preferGeneralBlockTransfer: j.preferGeneralBlockTransfer === true,
  };
}

function baseNameOf(v: number | string | undefined, path: string): number | undefined {
  if (v === undefined) return undefined;
  const n =
    typeof v === 'number' ? v : /^0x[0-9a-f]+$/i.test(v) ? Number.parseInt(v.slice(2), 16) : Number.NaN;
  if (!Number.isInteger(n)) invalid(path, 'baseName must be a number or "0x…" hex text');
  return n;
}

function methodMap(j: ObjectProfileJson, path: string): Map<number, DlmsData | null> {
  const m = new Map<number, DlmsData | null>();
  for (const [k, v] of Object.entries(j.methods ?? {})) {
    const id = Number(k);
    if (!Number.isInteger(id) || id < 1 || id > 127)
      invalid(`${path}.methods`, `${k} is not a method id (1..127)`);
    m.set(id, v === null ? null : dataFromJson(v, `${path}.methods.${k}`));
  }
  return m;
}

function pushCiphering(
  j: PushCipheringJson | undefined,
  associations: ReadonlyMap<number, AssociationConfig>,
  path: string,
): PushCiphering | undefined {
  if (j === undefined) return undefined;
  const a = associations.get(j.association);
  if (a?.security === undefined)
    invalid(`${path}.association`, `association ${String(j.association)} has no security context`);
  const form = j.form ?? 'general-glo';
  if (form !== 'general-glo' && form !== 'general-ciphering')
    invalid(`${path}.form`, 'form must be general-glo or general-ciphering');
  const protection = j.protection ?? 'authenticated-encrypted';
  if (
    protection !== 'authenticated-encrypted' &&
    protection !== 'authenticated' &&
    protection !== 'encrypted'
  )
    invalid(`${path}.protection`, 'protection must be authenticated-encrypted, authenticated or encrypted');
  return { security: a.security, form, protection, broadcast: j.broadcast === true };
}

function accessMap(j: ObjectProfileJson, path: string): Map<number | '*', ObjectAccess> {
  const m = new Map<number | '*', ObjectAccess>();
  for (const [k, v] of Object.entries(j.access ?? {})) {
    const key = k === '*' ? '*' : Number(k);
    if (key !== '*' && !(Number.isInteger(key) && key >= 0))
      invalid(`${path}.access`, `${k} is not a client SAP`);
    m.set(key, objectAccessFromJson(v, `${path}.access.${k}`));
  }
  return m;
}

function attributeMap(j: ObjectProfileJson, path: string): Map<number, DlmsData> {
  const m = new Map<number, DlmsData>();
  for (const [k, v] of Object.entries(j.attributes ?? {})) {
    const id = Number(k);
    if (!Number.isInteger(id) || id < 2 || id > 127)
      invalid(`${path}.attributes`, `${k} is not an attribute id (2..127)`);
    m.set(id, dataFromJson(v, `${path}.attributes.${k}`));
  }
  return m;
}

/**
 * Builds the object tree and the association table of a profile. Throws `ValueInvalid` (207) with
 * the JSON path of whatever is wrong.
 * IEC 62056-6-2 §4.
 */
export function buildSimulatorModel(profile: SimulatorProfile, options: BuildOptions): SimulatorModel {
  const systemTitle = hexKey(profile.systemTitle ?? '4d4b540000000001', 'systemTitle')!;
  if (systemTitle.length !== 8) invalid('systemTitle', 'the system title must be 8 octets');
  if (!Array.isArray(profile.associations)) invalid('associations', 'associations must be a list');
  if (!Array.isArray(profile.objects)) invalid('objects', 'objects must be a list');
  const associations = new Map<number, AssociationConfig>();
  profile.associations.forEach((a, i) => {
    const c = association(a, i, systemTitle);
    if (associations.has(c.clientSap)) invalid(`associations[${i}]`, `client SAP ${c.clientSap} twice`);
    associations.set(c.clientSap, c);
  });
  const store = new CosemObjectStore();
  const pushSetups: PushSetupObject[] = [];
  const resolve = (ln: string): ServerObject | undefined => store.get(ln);
  const clock = (): ClockObject | undefined => store.clock();
  for (const [i, j] of profile.objects.entries()) {
    const path = `objects[${i}]`;
    if (!Number.isInteger(j.classId) || j.classId < 0 || j.classId > 0xffff)
      invalid(`${path}.classId`, 'classId must be 0..65535');
    let logicalName: string;
    try {
      logicalName = normalizeObis(j.logicalName);
    } catch {
      return invalid(`${path}.logicalName`, `${String(j.logicalName)} is not an OBIS code`);
    }
    const base = {
      version: j.version ?? interfaceClass(j.classId)?.version,
      logicalName,
      attributes: attributeMap(j, path),
      access: accessMap(j, path),
    };
    const baseName = baseNameOf(j.baseName, `${path}.baseName`);
    const live = j.live;
    const expect = (classId: number): void => {
      if (j.classId !== classId) invalid(`${path}.live`, `${live?.kind} needs class ${classId}`);
    };
    let o: ServerObject;
    switch (live?.kind) {
      case undefined:
        o = new StoredObject({ ...base, classId: j.classId, methods: methodMap(j, path) });
        break;
      case 'clock':
        expect(8);
        o = new ClockObject(base);
        break;
      case 'energy': {
        expect(3);
        if (!(typeof live.averagePower === 'number' && live.averagePower >= 0))
          invalid(`${path}.live.averagePower`, 'averagePower must be ≥ 0 W');
        const tz = store.clock()?.deviation;
        o = new EnergyRegisterObject(
          base,
          new LoadCurve({
            averagePower: live.averagePower,
            shape: live.shape,
            seed: live.seed ?? i + 1,
            initialEnergy: live.initialEnergy ?? 0,
            origin: options.start - 400 * 86_400_000,
            deviation: tz,
          }),
        );
        break;
      }
      case 'profile-status':
        expect(1);
        o = new ProfileStatusObject(base);
        break;
      case 'load-profile': {
        expect(7);
        const list: LoadProfileJson['captureObjects'] = live.captureObjects;
        if (!Array.isArray(list as unknown))
          invalid(`${path}.live.captureObjects`, 'captureObjects must be a list');
        const captureObjects: CaptureObjectDefinition[] = list.map((c) => ({
          classId: c.classId,
          logicalName: normalizeObis(c.logicalName),
          attributeIndex: c.attributeIndex,
          dataIndex: c.dataIndex ?? 0,
        }));
        o = new ProfileGenericObject({
          ...base,
          captureObjects,
          capturePeriod: live.capturePeriod,
          profileEntries: live.entries,
          resolve,
          clock,
          start: options.start,
        });
        break;
      }
      case 'disconnect-control':
        expect(70);
        o = new DisconnectControlObject(base);
        break;
      case 'push-setup': {
        expect(40);
        const p = new PushSetupObject({
          ...base,
          onPush: options.onPush,
          everySeconds: live.everySeconds,
          ciphering: pushCiphering(live.ciphering, associations, `${path}.live.ciphering`),
        });
        pushSetups.push(p);
        o = p;
        break;
      }
      default:
        return invalid(
          `${path}.live.kind`,
          `unknown live kind ${JSON.stringify((live as { kind: unknown }).kind)}`,
        );
    }
    store.add(o, baseName, path);
  }
  return {
    store,
    associations,
    systemTitle,
    logicalDevice: profile.logicalDevice ?? 1,
    physicalAddress: profile.physicalAddress ?? 17,
    pushSetups,
  };
}
