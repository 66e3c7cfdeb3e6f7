import { ErrorCode, MeterkitError, stringifyJson } from '@meterkit/core';
import {
  attributeName,
  type DlmsData,
  dlmsUnit,
  interfaceClass,
  isObis,
  normalizeObis,
  type ObjectListElement,
  obisName,
  type ShortNameObjectListElement,
  scalerUnitFromData,
} from '@meterkit/dlms';
import type { Argv, CommandModule } from 'yargs';
import { ExitCode } from '../exit-codes.js';
import { renderCsv } from '../output/csv.js';
import { formatDlmsData, numericValue, scaleValue } from '../output/dlms-data.js';
import { type OutputArgs, outputMode, withOutputOptions } from '../output/format.js';
import { jsonLine } from '../output/json-lines.js';
import { renderFields, renderTable } from '../output/table.js';
import type { CommandContext } from './context.js';
import { type DlmsClient, dataFromJson, type JsonInput } from './dlms-api.js';
import { type DlmsSessionArgs, referencingOf, withDlmsClient, withDlmsOptions } from './dlms-session.js';

function usage(message: string): MeterkitError {
  return new MeterkitError(ErrorCode.InvalidArgument, message);
}

/** Checks and normalises an OBIS code argument (`1-0:1.8.0.255` or `1.0.1.8.0.255`). */
export function obisArgument(text: string): string {
  if (!isObis(text)) {
    throw usage(`${text} is not an OBIS code (expected A-B:C.D.E.F, e.g. 1-0:1.8.0.255)`);
  }
  return normalizeObis(text);
}

/** The logical-name object list, for class lookups. */
async function objectList(client: DlmsClient): Promise<readonly ObjectListElement[]> {
  const list = await client.readObjectList();
  return list.filter((o): o is ObjectListElement => 'attributes' in o);
}

/** The short-name object list (Association SN object_list, IEC 62056-6-2 §4.4.4). */
async function shortNameObjectList(client: DlmsClient): Promise<readonly ShortNameObjectListElement[]> {
  const list = await client.readObjectList();
  return list.filter((o): o is ShortNameObjectListElement => 'baseName' in o);
}

/** A base name argument: `0xFA00` or a decimal number (OBIS codes always have `.` or `:`). */
export function baseNameArgument(text: string): number | undefined {
  if (!/^(0x[0-9a-f]{1,4}|\d{1,5})$/i.test(text)) return undefined;
  const n = Number(text);
  if (n > 0xffff || n % 8 !== 0)
    throw usage(`${text} is not a base name (a multiple of 8 up to 0xFFF8, e.g. 0xFA00)`);
  return n;
}

/** An object addressed by short name: its base name, class and (when known) logical name. */
interface ShortNameTarget {
  readonly obis: string;
  readonly baseName: number;
  readonly classId: number;
}

/**
 * Resolves `spec` (an OBIS code or a base name) through the SN object list; `--class` may stand
 * in for a base name missing from the list (IEC 62056-5-3 §4.2.3.3, short names).
 */
async function shortNameTarget(
  client: DlmsClient,
  spec: string,
  classArg: number | undefined,
  cache: { sn?: readonly ShortNameObjectListElement[] },
): Promise<ShortNameTarget> {
  const base = baseNameArgument(spec);
  const obis = base === undefined ? obisArgument(spec) : undefined;
  if (base !== undefined && classArg !== undefined) return { obis: '', baseName: base, classId: classArg };
  cache.sn ??= await shortNameObjectList(client);
  const found = cache.sn.find((o) => (base === undefined ? o.logicalName === obis : o.baseName === base));
  if (found === undefined) {
    throw new MeterkitError(
      ErrorCode.Rejected,
      `${spec} is not in the meter's short-name object list (meterkit dlms info --referencing sn lists them${base === undefined ? '' : '; --class reads an unlisted base name'})`,
    );
  }
  return { obis: found.logicalName, baseName: found.baseName, classId: classArg ?? found.classId };
}

/** The short name of attribute `attribute` of an object: base name + 8 × (attribute − 1). */
export function attributeShortName(baseName: number, attribute: number): number {
  const v = baseName + 8 * (attribute - 1);
  if (!(attribute >= 1 && v <= 0xffff))
    throw usage(`attribute ${attribute} has no short name from base ${baseName}`);
  return v;
}

function hex4(n: number): string {
  return `0x${n.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** READs one attribute by short name (IEC 62056-5-3 §9.3.13). */
async function readShortName(
  client: DlmsClient,
  target: ShortNameTarget,
  attribute: number,
): Promise<DlmsData> {
  const name = attributeShortName(target.baseName, attribute);
  const [r] = await client.read([{ variableName: name }]);
  if (r?.type === 'data') return r.data;
  throw new MeterkitError(
    ErrorCode.Rejected,
    `READ ${hex4(name)} (${target.obis || hex4(target.baseName)} attribute ${attribute}): ${String(r?.result ?? 'no result')}`,
  );
}

/** The class of `obis` from the object list; an unknown OBIS says how to list them. */
export async function classOf(
  client: DlmsClient,
  obis: string,
  cache: { list?: readonly ObjectListElement[] },
): Promise<number> {
  cache.list ??= await objectList(client);
  const found = cache.list.find((o) => o.logicalName === obis);
  if (found === undefined) {
    throw new MeterkitError(
      ErrorCode.Rejected,
      `${obis} is not in the meter's object list for this association (meterkit dlms info lists the objects; --class skips the lookup)`,
    );
  }
  return found.classId;
}

/** One value read by `get`. */
interface ReadValue {
  readonly obis: string;
  /** Short-name referencing: the object's base name. */
  readonly baseName?: number | undefined;
  readonly classId: number;
  readonly attribute: number;
  readonly data: DlmsData;
  readonly scaled?: number | undefined;
  readonly unit?: string | undefined;
}

/** Reads attribute `attribute`, adding scaler and unit for register values (classes 3, 4, attribute 2). */
async function readValue(
  client: DlmsClient,
  obis: string,
  classId: number,
  attribute: number,
): Promise<ReadValue> {
  const data = await client.get(obis, { classId, attribute });
  if ((classId === 3 || classId === 4) && attribute === 2) {
    const n = numericValue(data);
    if (n !== undefined) {
      try {
        const su = scalerUnitFromData(await client.get(obis, { classId, attribute: 3 }));
        return {
          obis,
          classId,
          attribute,
          data,
          scaled: scaleValue(n, su.scaler),
          unit: dlmsUnit(su.unit)?.symbol,
        };
      } catch (e) {
        if (!(e instanceof MeterkitError)) throw e;
      }
    }
  }
  return { obis, classId, attribute, data };
}

/** `readValue` by short name: READ of the attribute, and of the scaler_unit for register values. */
async function readShortNameValue(
  client: DlmsClient,
  target: ShortNameTarget,
  attribute: number,
): Promise<ReadValue> {
  const { obis, baseName, classId } = target;
  const data = await readShortName(client, target, attribute);
  if ((classId === 3 || classId === 4) && attribute === 2) {
    const n = numericValue(data);
    if (n !== undefined) {
      try {
        const su = scalerUnitFromData(await readShortName(client, target, 3));
        return {
          obis,
          baseName,
          classId,
          attribute,
          data,
          scaled: scaleValue(n, su.scaler),
          unit: dlmsUnit(su.unit)?.symbol,
        };
      } catch (e) {
        if (!(e instanceof MeterkitError)) throw e;
      }
    }
  }
  return { obis, baseName, classId, attribute, data };
}

interface GetArgs extends DlmsSessionArgs, OutputArgs {
  readonly obis: readonly string[];
  readonly class?: number | undefined;
  readonly attr: number;
}

function getCommand(ctx: CommandContext): CommandModule<object, GetArgs> {
  return {
    command: 'get <obis..>',
    describe: 'Read attributes by OBIS code (class from the object list; scaled register values)',
    builder: (y: Argv<object>) =>
      withOutputOptions(
        withDlmsOptions(
          y
            .positional('obis', {
              type: 'string',
              array: true,
              demandOption: true,
              describe: 'OBIS codes, e.g. 1-0:1.8.0.255 (with --referencing sn also base names, e.g. 0x2000)',
            })
            .option('class', { type: 'number', describe: 'interface class (skips the object list lookup)' })
            .option('attr', { type: 'number', default: 2, describe: 'attribute index' }),
        ),
        { tabular: true },
      )
        .example(
          '$0 dlms get --tcp 127.0.0.1:4059 1-0:1.8.0.255',
          'active energy import, scaled, with its unit',
        )
        .example(
          '$0 dlms get --tcp meter:4059 --json 1-0:1.8.0.255 1-0:2.8.0.255',
          'two registers as JSON lines',
        )
        .example(
          '$0 dlms get --meter kitchen-a1800 --class 8 --attr 2 0-0:1.0.0.255',
          'the clock, from a keyring profile',
        )
        .example(
          '$0 dlms get --tcp 127.0.0.1:4059 --referencing sn 1-0:1.8.0.255 0x2008',
          'short names: READ by the base name from the SN object list, or a base name itself',
        )
        .example(
          '$0 dlms get --tcp m:4059 --client-sap 2 --auth hls-ecdsa --sign-key client.key --server-cert meter.pem -k ek=… -k ak=… 1-0:1.8.0.255',
          'HLS-ECDSA (mechanism 7), security suite 1',
        )
        .example(
          '$0 dlms get --tcp m:4059 --client-sap 1 --auth hls-gmac --suite 2 -k ek=@ek32.hex -k ak=@ak32.hex 0-0:1.0.0.255',
          'security suite 2: 32-octet keys',
        ) as Argv<GetArgs>,
    handler: async (args) => {
      const specs = [...args.obis];
      const sn = referencingOf(args, undefined) === 'short-name' || args.meter !== undefined;
      if (!sn) specs.forEach(obisArgument);
      const values = await withDlmsClient(ctx, args, async (client, _conn, session) => {
        const cache: { list?: readonly ObjectListElement[]; sn?: readonly ShortNameObjectListElement[] } = {};
        const out: ReadValue[] = [];
        for (const spec of specs) {
          if (session.referencing === 'short-name') {
            out.push(
              await readShortNameValue(
                client,
                await shortNameTarget(client, spec, args.class, cache),
                args.attr,
              ),
            );
            continue;
          }
          const obis = obisArgument(spec);
          const classId = args.class ?? (await classOf(client, obis, cache));
          out.push(await readValue(client, obis, classId, args.attr));
        }
        return out;
      });
      const mode = outputMode(args);
      if (mode === 'json') {
        for (const v of values) ctx.io.out(jsonLine({ ...v }));
      } else if (mode === 'csv') {
        ctx.io.out(
          renderCsv(
            ['obis', 'class', 'attribute', 'value', 'unit'],
            values.map((v) => [
              v.obis || hex4(v.baseName ?? 0),
              v.classId,
              v.attribute,
              v.scaled ?? formatDlmsData(v.data),
              v.unit ?? '',
            ]),
          ),
        );
      } else {
        ctx.io.out(
          `${renderTable(
            [
              { header: 'OBIS' },
              { header: 'NAME' },
              { header: 'ATTRIBUTE' },
              { header: 'VALUE', align: 'right' },
              { header: 'UNIT' },
            ],
            values.map((v) => [
              v.baseName === undefined ? v.obis : `${v.obis}${v.obis ? ' ' : ''}${hex4(v.baseName)}`,
              v.obis === '' ? '' : (obisName(v.obis) ?? ''),
              `${v.attribute} ${attributeName(v.classId, v.attribute)}`,
              v.scaled !== undefined ? String(v.scaled) : formatDlmsData(v.data, true),
              v.unit ?? '',
            ]),
            ctx.colors.bold,
          ).join('\n')}\n`,
        );
      }
      ctx.exitCode = ExitCode.Ok;
    },
  };
}

/** Parses a typed value: JSON data form (`{"long-unsigned":5}`) or `--type T` with a plain value. */
export function typedValue(value: string, type: string | undefined): DlmsData {
  let json: JsonInput;
  if (type === undefined) {
    const hint = usage(
      `give the value's type: --type long-unsigned ${value}, or the JSON form {"long-unsigned": ${value}}`,
    );
    try {
      json = JSON.parse(value) as JsonInput;
    } catch {
      throw hint;
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw hint;
  } else {
    let v: JsonInput = value;
    if (/^-?\d+$/.test(value) && !/long64/.test(type)) v = Number(value);
    else if (/^-?\d+(\.\d+)?(e-?\d+)?$/i.test(value) && type.startsWith('float')) v = Number(value);
    else if (type === 'boolean') v = value === 'true' || value === '1';
    json = { [type]: v };
  }
  try {
    return dataFromJson(json, 'value');
  } catch (e) {
    if (e instanceof MeterkitError) throw usage(`the value does not fit: ${e.message}`);
    throw e;
  }
}

interface SetArgs extends DlmsSessionArgs {
  readonly obis: string;
  readonly value: string;
  readonly type?: string | undefined;
  readonly class?: number | undefined;
  readonly attr: number;
}

function setCommand(ctx: CommandContext): CommandModule<object, SetArgs> {
  return {
    command: 'set <obis> <value>',
    describe: 'Write an attribute with a typed value',
    builder: (y: Argv<object>) =>
      withDlmsOptions(
        y
          .positional('obis', { type: 'string', demandOption: true, describe: 'OBIS code' })
          .positional('value', {
            type: 'string',
            demandOption: true,
            describe: 'the value, with --type, or in the JSON data form',
          })
          .option('type', {
            type: 'string',
            describe: 'data type, e.g. long-unsigned, octet-string (hex), visible-string, enum',
          })
          .option('class', { type: 'number', describe: 'interface class (skips the object list lookup)' })
          .option('attr', { type: 'number', default: 2, describe: 'attribute index' }),
      )
        .example(
          '$0 dlms set --tcp m:4059 --client-sap 1 --auth hls-gmac -k ek=… -k ak=… 0-0:96.1.1.255 --type octet-string 4d4b54',
          'write an octet-string',
        )
        .example(`$0 dlms set --meter lab 1-0:0.8.0.255 '{"double-long-unsigned": 900}'`, 'JSON data form')
        .example(
          '$0 dlms set --tcp m:4059 --referencing sn --client-sap 1 … 0x2000 --attr 2 --type double-long-unsigned 0',
          'WRITE by short name',
        ) as Argv<SetArgs>,
    handler: async (args) => {
      const sn = referencingOf(args, undefined) === 'short-name' || args.meter !== undefined;
      const obis = sn ? args.obis : obisArgument(args.obis);
      const value = typedValue(args.value, args.type);
      await withDlmsClient(ctx, args, async (client, _conn, session) => {
        if (session.referencing === 'short-name') {
          const target = await shortNameTarget(client, obis, args.class, {});
          const name = attributeShortName(target.baseName, args.attr);
          const [r] = await client.write([{ variable: { variableName: name }, value }]);
          if (r !== 'success')
            throw new MeterkitError(
              ErrorCode.Rejected,
              `WRITE ${hex4(name)} (${obis} attribute ${args.attr}): ${String(r)}`,
            );
          return;
        }
        const ln = obisArgument(obis);
        const classId = args.class ?? (await classOf(client, ln, {}));
        await client.set(ln, value, { classId, attribute: args.attr });
      });
      ctx.io.err(`meterkit: ${obis} attribute ${args.attr} set\n`);
      ctx.exitCode = ExitCode.Ok;
    },
  };
}

interface ActionArgs extends DlmsSessionArgs, OutputArgs {
  readonly obis: string;
  readonly method: number;
  readonly param?: string | undefined;
  readonly type?: string | undefined;
  readonly class?: number | undefined;
}

function actionCommand(ctx: CommandContext): CommandModule<object, ActionArgs> {
  return {
    command: 'action <obis> <method>',
    describe: 'Invoke a method, with an optional typed parameter',
    builder: (y: Argv<object>) =>
      withOutputOptions(
        withDlmsOptions(
          y
            .positional('obis', { type: 'string', demandOption: true, describe: 'OBIS code' })
            .positional('method', { type: 'number', demandOption: true, describe: 'method index' })
            .option('param', { type: 'string', describe: 'parameter, with --type or in the JSON data form' })
            .option('type', { type: 'string', describe: 'data type of --param' })
            .option('class', { type: 'number', describe: 'interface class (skips the object list lookup)' }),
        ),
        { tabular: false },
      )
        .example('$0 dlms action --meter lab 0-0:96.3.10.255 1 --param 0 --type integer', 'remote_disconnect')
        .example(
          '$0 dlms action --meter lab 0-0:25.9.0.255 1 --param 1 --type unsigned',
          'push now',
        ) as Argv<ActionArgs>,
    handler: async (args) => {
      const obis = obisArgument(args.obis);
      const parameters = args.param === undefined ? null : typedValue(args.param, args.type);
      const result = await withDlmsClient(
        ctx,
        args,
        async (client) => {
          const classId = args.class ?? (await classOf(client, obis, {}));
          return client.action(obis, { classId, method: args.method, parameters });
        },
        { logicalNames: 'action' },
      );
      if (args.json) ctx.io.out(jsonLine({ obis, method: args.method, result: result ?? null }));
      else
        ctx.io.out(
          `${obis} method ${args.method}: ok${result === undefined ? '' : ` → ${formatDlmsData(result)}`}\n`,
        );
      ctx.exitCode = ExitCode.Ok;
    },
  };
}

interface InfoArgs extends DlmsSessionArgs, OutputArgs {}

function accessSummary(o: ObjectListElement): string {
  const short = (a: string): string =>
    a === 'no-access'
      ? '-'
      : a === 'read-only'
        ? 'r'
        : a === 'write-only'
          ? 'w'
          : a === 'read-and-write'
            ? 'rw'
            : a.replace(/authenticated-/, 'a');
  return o.attributes.map((a) => `${a.id}:${short(String(a.access))}`).join(' ');
}

function infoCommand(ctx: CommandContext): CommandModule<object, InfoArgs> {
  return {
    command: 'info',
    describe: 'Associate and show the association, the conformance and the object list',
    builder: (y: Argv<object>) =>
      withOutputOptions(withDlmsOptions(y), { tabular: true })
        .example('$0 dlms info --tcp 127.0.0.1:4059', 'the public client view of a meter')
        .example('$0 dlms info --tcp 127.0.0.1:4059 --referencing sn', 'a short-name meter: base names')
        .example(
          '$0 dlms info --tcp meter:4059 --tls --ca ca.pem --cert client.pem --key-file client.key',
          'over mutual TLS',
        )
        .example(
          '$0 dlms info --serial /dev/ttyUSB0 --optical --csv',
          'over an optical probe, the object list as CSV',
        ) as Argv<InfoArgs>,
    handler: async (args) => {
      const { negotiated, objects, shortNameObjects, identification } = await withDlmsClient(
        ctx,
        args,
        async (client, conn, session) => {
          const sn = session.referencing === 'short-name';
          return {
            negotiated: client.negotiated,
            objects: sn ? [] : await objectList(client),
            shortNameObjects: sn ? await shortNameObjectList(client) : undefined,
            identification: conn.optical?.identification,
          };
        },
      );
      const mode = outputMode(args);
      if (shortNameObjects !== undefined) {
        infoShortNames(ctx, mode, negotiated, identification, shortNameObjects);
        ctx.exitCode = ExitCode.Ok;
        return;
      }
      if (mode === 'json') {
        ctx.io.out(
          jsonLine({ association: negotiated ?? null, identification: identification ?? null, objects }),
        );
      } else if (mode === 'csv') {
        ctx.io.out(
          renderCsv(
            ['obis', 'class', 'version', 'class_name', 'name', 'attributes'],
            objects.map((o) => [
              o.logicalName,
              o.classId,
              o.version,
              o.className ?? interfaceClass(o.classId)?.name ?? '',
              obisName(o.logicalName) ?? '',
              accessSummary(o),
            ]),
          ),
        );
      } else {
        const c = ctx.colors;
        const fields: [string, string][] = [];
        if (identification !== undefined) fields.push(['identification', stringifyJson(identification, 0)]);
        if (negotiated !== undefined) {
          fields.push(
            ['dlms version', String(negotiated.dlmsVersion)],
            ['max PDU size', String(negotiated.serverMaxReceivePduSize)],
            ['conformance', negotiated.conformance.join(', ')],
          );
        }
        fields.push(['objects', String(objects.length)]);
        ctx.io.out(
          `${renderFields(fields, c.cyan).join('\n')}\n\n${renderTable(
            [{ header: 'OBIS' }, { header: 'CLASS' }, { header: 'NAME' }, { header: 'ATTRIBUTES' }],
            objects.map((o) => [
              o.logicalName,
              `${o.classId} ${o.className ?? interfaceClass(o.classId)?.name ?? ''}`.trim(),
              obisName(o.logicalName) ?? '',
              accessSummary(o),
            ]),
            c.bold,
          ).join('\n')}\n`,
        );
      }
      ctx.exitCode = ExitCode.Ok;
    },
  };
}

/** `dlms info` of a short-name association: base names instead of attribute access rights. */
function infoShortNames(
  ctx: CommandContext,
  mode: ReturnType<typeof outputMode>,
  negotiated: DlmsClient['negotiated'],
  identification: unknown,
  objects: readonly ShortNameObjectListElement[],
): void {
  if (mode === 'json') {
    ctx.io.out(
      jsonLine({
        association: negotiated ?? null,
        referencing: 'short-name',
        identification: identification ?? null,
        objects,
      }),
    );
    return;
  }
  const className = (o: ShortNameObjectListElement): string =>
    o.className ?? interfaceClass(o.classId)?.name ?? '';
  if (mode === 'csv') {
    ctx.io.out(
      renderCsv(
        ['base_name', 'obis', 'class', 'version', 'class_name', 'name'],
        objects.map((o) => [
          hex4(o.baseName),
          o.logicalName,
          o.classId,
          o.version,
          className(o),
          obisName(o.logicalName) ?? '',
        ]),
      ),
    );
    return;
  }
  const fields: [string, string][] = [['referencing', 'short names (SN)']];
  if (identification !== undefined)
    fields.push(['identification', stringifyJson(identification as never, 0)]);
  if (negotiated !== undefined)
    fields.push(
      ['dlms version', String(negotiated.dlmsVersion)],
      ['max PDU size', String(negotiated.serverMaxReceivePduSize)],
      ['conformance', negotiated.conformance.join(', ')],
    );
  fields.push(['objects', String(objects.length)]);
  ctx.io.out(
    `${renderFields(fields, ctx.colors.cyan).join('\n')}\n\n${renderTable(
      [{ header: 'BASE NAME' }, { header: 'OBIS' }, { header: 'CLASS' }, { header: 'NAME' }],
      objects.map((o) => [
        hex4(o.baseName),
        o.logicalName,
        `${o.classId} ${className(o)}`.trim(),
        obisName(o.logicalName) ?? '',
      ]),
      ctx.colors.bold,
    ).join('\n')}\n`,
  );
}

/** `dlms info`, `get`, `set`, `action`. */
export function dlmsObjectCommands(ctx: CommandContext): CommandModule<object, never>[] {
  return [infoCommand(ctx), getCommand(ctx), setCommand(ctx), actionCommand(ctx)] as unknown as CommandModule<
    object,
    never
  >[];
}
