/**
 * The association object list (Association LN `object_list`, IEC 62056-6-2 §4.4.4; Association SN
 * `object_list`, §4.4.3) as typed objects, both directions.
 */
import type { DlmsData } from '../axdr/data.js';
import { formatObis, parseObis } from '../obis/obis.js';
import { arrayOf, integerOf, octetsOf, structureOf } from './data-shape.js';
import { interfaceClass } from './interface-classes.js';

/** attribute_access_mode (Association LN v1–v3). */
export type AttributeAccessMode =
  | 'no-access'
  | 'read-only'
  | 'write-only'
  | 'read-and-write'
  | 'authenticated-read-only'
  | 'authenticated-write-only'
  | 'authenticated-read-and-write'
  | number;

/** method_access_mode (Association LN v1–v3). */
export type MethodAccessMode = 'no-access' | 'access' | 'authenticated-access' | number;

const ATTRIBUTE_MODES: readonly AttributeAccessMode[] = [
  'no-access',
  'read-only',
  'write-only',
  'read-and-write',
  'authenticated-read-only',
  'authenticated-write-only',
  'authenticated-read-and-write',
];
const METHOD_MODES: readonly MethodAccessMode[] = ['no-access', 'access', 'authenticated-access'];

/** Access to one attribute, with the selective access selectors it supports. */
export interface AttributeAccessItem {
  readonly id: number;
  readonly access: AttributeAccessMode;
  /** Supported access selectors (e.g. 1 range, 2 entry); undefined when null-data. */
  readonly selectors?: readonly number[] | undefined;
}

/** Access to one method. */
export interface MethodAccessItem {
  readonly id: number;
  readonly access: MethodAccessMode;
}

/** One element of an Association LN object list. */
export interface ObjectListElement {
  readonly classId: number;
  readonly version: number;
  /** The logical name as an OBIS code, `1-0:1.8.0.255`. */
  readonly logicalName: string;
  /** The class's name when meterkit knows it, e.g. `Register`. */
  readonly className?: string | undefined;
  readonly attributes: readonly AttributeAccessItem[];
  readonly methods: readonly MethodAccessItem[];
}

/** One element of an Association SN object list (short-name referencing). */
export interface ShortNameObjectListElement {
  readonly baseName: number;
  readonly classId: number;
  readonly version: number;
  readonly logicalName: string;
  readonly className?: string | undefined;
}

function attributeMode(v: number): AttributeAccessMode {
  return ATTRIBUTE_MODES[v] ?? v;
}

function methodMode(d: DlmsData, path: string): MethodAccessMode {
  // version 0 used a boolean, later versions the enum
  if (d.type === 'boolean') return d.value ? 'access' : 'no-access';
  const v = integerOf(d, path);
  return METHOD_MODES[v] ?? v;
}

/**
 * Decodes an Association LN object_list: array of structure { class_id, version, logical_name,
 * access_rights: structure { attribute_access array, method_access array } }.
 */
export function objectListFromData(data: DlmsData): ObjectListElement[] {
  return arrayOf(data, 'object_list').map((item, i) => {
    const p = `object_list[${i}]`;
    const [classId, version, ln, rights] = structureOf(item, 4, p);
    const cid = integerOf(classId!, `${p}.class_id`);
    const [attrAccess, methodAccess] = structureOf(rights!, 2, `${p}.access_rights`);
    const attributes = arrayOf(attrAccess!, `${p}.access_rights.attribute_access`).map((a, j) => {
      const ap = `${p}.access_rights.attribute_access[${j}]`;
      const [id, mode, selectors] = structureOf(a, 3, ap);
      return {
        id: integerOf(id!, `${ap}.attribute_id`),
        access: attributeMode(integerOf(mode!, `${ap}.access_mode`)),
        selectors:
          selectors!.type === 'null-data'
            ? undefined
            : arrayOf(selectors!, `${ap}.access_selectors`).map((s, k) =>
                integerOf(s, `${ap}.access_selectors[${k}]`),
              ),
      };
    });
    const methods = arrayOf(methodAccess!, `${p}.access_rights.method_access`).map((m, j) => {
      const mp = `${p}.access_rights.method_access[${j}]`;
      const [id, mode] = structureOf(m, 2, mp);
      return { id: integerOf(id!, `${mp}.method_id`), access: methodMode(mode!, `${mp}.access_mode`) };
    });
    return {
      classId: cid,
      version: integerOf(version!, `${p}.version`),
      logicalName: formatObis(octetsOf(ln!, `${p}.logical_name`, 6)),
      className: interfaceClass(cid)?.name,
      attributes,
      methods,
    };
  });
}

/** Encodes an Association LN object_list (the simulator's side). */
export function objectListToData(list: readonly ObjectListElement[]): DlmsData {
  return {
    type: 'array',
    value: list.map((o) => ({
      type: 'structure',
      value: [
        { type: 'long-unsigned', value: o.classId },
        { type: 'unsigned', value: o.version },
        { type: 'octet-string', value: parseObis(o.logicalName) },
        {
          type: 'structure',
          value: [
            {
              type: 'array',
              value: o.attributes.map((a) => ({
                type: 'structure',
                value: [
                  { type: 'integer', value: a.id },
                  {
                    type: 'enum',
                    value: typeof a.access === 'number' ? a.access : ATTRIBUTE_MODES.indexOf(a.access),
                  },
                  a.selectors === undefined
                    ? { type: 'null-data', value: null }
                    : { type: 'array', value: a.selectors.map((s) => ({ type: 'integer', value: s })) },
                ],
              })),
            },
            {
              type: 'array',
              value: o.methods.map((m) => ({
                type: 'structure',
                value: [
                  { type: 'integer', value: m.id },
                  {
                    type: 'enum',
                    value: typeof m.access === 'number' ? m.access : METHOD_MODES.indexOf(m.access),
                  },
                ],
              })),
            },
          ],
        },
      ],
    })),
  };
}

/** Decodes an Association SN object_list: array of structure { base_name, class_id, version, logical_name }. */
export function shortNameObjectListFromData(data: DlmsData): ShortNameObjectListElement[] {
  return arrayOf(data, 'object_list').map((item, i) => {
    const p = `object_list[${i}]`;
    const [base, classId, version, ln] = structureOf(item, 4, p);
    const cid = integerOf(classId!, `${p}.class_id`);
    return {
      baseName: integerOf(base!, `${p}.base_name`) & 0xffff,
      classId: cid,
      version: integerOf(version!, `${p}.version`),
      logicalName: formatObis(octetsOf(ln!, `${p}.logical_name`, 6)),
      className: interfaceClass(cid)?.name,
    };
  });
}

/** Encodes an Association SN object_list. */
export function shortNameObjectListToData(list: readonly ShortNameObjectListElement[]): DlmsData {
  return {
    type: 'array',
    value: list.map((o) => ({
      type: 'structure',
      value: [
        { type: 'long', value: o.baseName > 0x7fff ? o.baseName - 0x10000 : o.baseName },
        { type: 'long-unsigned', value: o.classId },
        { type: 'unsigned', value: o.version },
        { type: 'octet-string', value: parseObis(o.logicalName) },
      ],
    })),
  };
}
