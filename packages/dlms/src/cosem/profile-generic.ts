/**
 * Profile generic (class 7, IEC 62056-6-2 §4.3.6): capture objects, and the buffer decoded against
 * them with scaler_unit applied, plus the selective access parameters of range and entry reads.
 */
import { MeterkitError } from '@meterkit/core';
import type { DlmsData } from '../axdr/data.js';
import { cosemDateTimeToIso, decodeCosemDateTime } from '../axdr/date-time.js';
import { obisName } from '../obis/names.js';
import { formatObis, parseObis } from '../obis/obis.js';
import { applyScaler, dlmsUnit, type ScalerUnit } from '../obis/units.js';
import { arrayOf, integerOf, invalidAttribute, octetsOf, structureOf } from './data-shape.js';
import { attributeName } from './interface-classes.js';

/** capture_object_definition (§4.3.6): which attribute (and element) a column holds. */
export interface CaptureObjectDefinition {
  readonly classId: number;
  /** OBIS code, `1-0:1.8.0.255`. */
  readonly logicalName: string;
  readonly attributeIndex: number;
  /** 0 for the whole attribute, else the element (1-based) of a structured attribute. */
  readonly dataIndex: number;
}

/** Decodes capture_objects: array of structure { class_id, logical_name, attribute_index, data_index }. */
export function captureObjectsFromData(data: DlmsData): CaptureObjectDefinition[] {
  return arrayOf(data, 'capture_objects').map((item, i) =>
    captureObjectFromData(item, `capture_objects[${i}]`),
  );
}

/** Decodes one capture_object_definition. */
export function captureObjectFromData(
  item: DlmsData,
  path = 'capture_object_definition',
): CaptureObjectDefinition {
  const [classId, ln, attr, dataIndex] = structureOf(item, 4, path);
  return {
    classId: integerOf(classId!, `${path}.class_id`),
    logicalName: formatObis(octetsOf(ln!, `${path}.logical_name`, 6)),
    attributeIndex: integerOf(attr!, `${path}.attribute_index`),
    dataIndex: integerOf(dataIndex!, `${path}.data_index`),
  };
}

/** Encodes one capture_object_definition. */
export function captureObjectToData(c: CaptureObjectDefinition): DlmsData {
  return {
    type: 'structure',
    value: [
      { type: 'long-unsigned', value: c.classId },
      { type: 'octet-string', value: parseObis(c.logicalName) },
      { type: 'integer', value: c.attributeIndex },
      { type: 'long-unsigned', value: c.dataIndex },
    ],
  };
}

/** Encodes capture_objects. */
export function captureObjectsToData(list: readonly CaptureObjectDefinition[]): DlmsData {
  return { type: 'array', value: list.map(captureObjectToData) };
}

/** One cell of a decoded buffer row. */
export interface ProfileCell {
  /** The column's capture object. */
  readonly column: CaptureObjectDefinition;
  /** The raw value as it came. */
  readonly data: DlmsData;
  /** A number after scaler_unit (value × 10^scaler), when the column is numeric and a scaler is known. */
  readonly scaled?: number | undefined;
  /** The unit symbol, when a scaler_unit is known. */
  readonly unit?: string | undefined;
  /** ISO form of a date-time column (Clock time or a 12-octet date-time). */
  readonly time?: string | undefined;
}

/** One buffer entry, its cells in capture-object order. */
export interface ProfileRow {
  readonly cells: readonly ProfileCell[];
}

/** Column heading for people: `1-0:1.8.0.255 (Active energy import +A) value`. */
export function columnLabel(c: CaptureObjectDefinition): string {
  const name = obisName(c.logicalName);
  return `${c.logicalName}${name ? ` (${name})` : ''} ${attributeName(c.classId, c.attributeIndex)}${c.dataIndex ? `[${c.dataIndex}]` : ''}`;
}

function numeric(d: DlmsData): number | undefined {
  if (typeof d.value === 'number') return d.value;
  if (typeof d.value === 'bigint') return Number(d.value);
  return undefined;
}

/**
 * Decodes a profile-generic buffer (array of structure rows) against its capture objects. `scalers`
 * maps logical names to their scaler_unit (read from the registers' attribute 3); numeric cells of
 * those columns get `scaled` and `unit`. Date-time cells (the Clock column) get `time`. Rows whose
 * width differs from the capture objects raise `AttributeValueInvalid`.
 */
export function decodeProfileBuffer(
  buffer: DlmsData,
  captureObjects: readonly CaptureObjectDefinition[],
  scalers: ReadonlyMap<string, ScalerUnit> = new Map(),
): ProfileRow[] {
  return arrayOf(buffer, 'buffer').map((row, i) => {
    const values = structureOf(row, captureObjects.length, `buffer[${i}]`);
    return {
      cells: values.map((data, j) => {
        const column = captureObjects[j]!;
        const su = scalers.get(column.logicalName);
        const n = numeric(data);
        const time =
          data.type === 'date-time'
            ? isoOrUndefined(() => cosemDateTimeToIso(data.value))
            : data.type === 'octet-string' && data.value.length === 12 && column.classId === 8
              ? isoOrUndefined(() => cosemDateTimeToIso(decodeCosemDateTime(data.value)))
              : undefined;
        return {
          column,
          data,
          scaled: su !== undefined && n !== undefined ? applyScaler(n, su.scaler) : undefined,
          unit: su !== undefined ? dlmsUnit(su.unit)?.symbol : undefined,
          time,
        };
      }),
    };
  });
}

/** A date-time's ISO form, or undefined when its fields are not specified or invalid. */
function isoOrUndefined(f: () => string): string | undefined {
  try {
    return f();
  } catch (e) {
    if (e instanceof MeterkitError) return undefined;
    throw e;
  }
}

/**
 * Selective access by range (access selector 1, §4.3.6): restricting object (usually the Clock
 * column), from and to values, and the columns to return (empty = all).
 */
export interface RangeDescriptor {
  readonly restrictingObject: CaptureObjectDefinition;
  readonly from: DlmsData;
  readonly to: DlmsData;
  readonly selectedValues: readonly CaptureObjectDefinition[];
}

/** Selective access by entry (access selector 2, §4.3.6): 1-based entries and columns (0 = last). */
export interface EntryDescriptor {
  readonly fromEntry: number;
  readonly toEntry: number;
  readonly fromSelectedValue: number;
  readonly toSelectedValue: number;
}

/** Encodes range_descriptor as its access parameters. */
export function rangeDescriptorToData(r: RangeDescriptor): DlmsData {
  return {
    type: 'structure',
    value: [captureObjectToData(r.restrictingObject), r.from, r.to, captureObjectsToData(r.selectedValues)],
  };
}

/** Decodes range_descriptor access parameters. */
export function rangeDescriptorFromData(d: DlmsData): RangeDescriptor {
  const [restricting, from, to, selected] = structureOf(d, 4, 'range_descriptor');
  return {
    restrictingObject: captureObjectFromData(restricting!, 'range_descriptor.restricting_object'),
    from: from!,
    to: to!,
    selectedValues: arrayOf(selected!, 'range_descriptor.selected_values').map((c, i) =>
      captureObjectFromData(c, `range_descriptor.selected_values[${i}]`),
    ),
  };
}

/** Encodes entry_descriptor as its access parameters. */
export function entryDescriptorToData(e: EntryDescriptor): DlmsData {
  return {
    type: 'structure',
    value: [
      { type: 'double-long-unsigned', value: e.fromEntry },
      { type: 'double-long-unsigned', value: e.toEntry },
      { type: 'long-unsigned', value: e.fromSelectedValue },
      { type: 'long-unsigned', value: e.toSelectedValue },
    ],
  };
}

/** Decodes entry_descriptor access parameters. */
export function entryDescriptorFromData(d: DlmsData): EntryDescriptor {
  const [fe, te, fs, ts] = structureOf(d, 4, 'entry_descriptor');
  const e = {
    fromEntry: integerOf(fe!, 'entry_descriptor.from_entry'),
    toEntry: integerOf(te!, 'entry_descriptor.to_entry'),
    fromSelectedValue: integerOf(fs!, 'entry_descriptor.from_selected_value'),
    toSelectedValue: integerOf(ts!, 'entry_descriptor.to_selected_value'),
  };
  if (e.fromEntry < 1 && e.fromEntry !== 0)
    invalidAttribute('entry_descriptor.from_entry', 'from_entry must be ≥ 1');
  return e;
}
