import { ErrorCode, MeterkitError } from '@meterkit/core';
import { type CaptureObjectDefinition, obisName, type ProfileRow } from '@meterkit/dlms';
import type { Argv, CommandModule } from 'yargs';
import { ExitCode } from '../exit-codes.js';
import { lineChart } from '../output/chart.js';
import { csvRecord } from '../output/csv.js';
import { formatDlmsData, numericValue } from '../output/dlms-data.js';
import { type OutputArgs, outputMode, withOutputOptions } from '../output/format.js';
import { jsonLine } from '../output/json-lines.js';
import { ProgressBar } from '../output/progress.js';
import { renderTable } from '../output/table.js';
import type { CommandContext } from './context.js';
import type { DlmsClient, ProfileReadResult } from './dlms-api.js';
import { obisArgument } from './dlms-objects.js';
import { type DlmsSessionArgs, withDlmsClient, withDlmsOptions } from './dlms-session.js';

interface ProfileArgs extends DlmsSessionArgs, OutputArgs {
  readonly obis: string;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly entries?: number | undefined;
  readonly chunk: number;
  readonly chart: boolean;
  readonly 'chart-column'?: string | undefined;
}

function usage(message: string): MeterkitError {
  return new MeterkitError(ErrorCode.InvalidArgument, message);
}

function parseTime(text: string, option: string): Date {
  const d = new Date(text);
  if (Number.isNaN(d.getTime()))
    throw usage(`--${option} ${text} is not a date/time (ISO 8601, e.g. 2026-11-01T00:00Z)`);
  return d;
}

/** A column's header: the OBIS code and the unit when one is known. */
function header(c: CaptureObjectDefinition, unit: string | undefined): string {
  return unit ? `${c.logicalName} [${unit}]` : c.logicalName;
}

/** The text of one cell: the time, the scaled number, or the value. */
function cellText(cell: ProfileRow['cells'][number]): string {
  if (cell.time !== undefined) return cell.time;
  if (cell.scaled !== undefined) return String(cell.scaled);
  return formatDlmsData(cell.data, true);
}

/**
 * Reads the last `count` entries in chunks, reporting progress and handing each chunk to `onChunk`
 * as it arrives (so rows already read reach the output even if the meter stops answering later).
 */
async function readLastEntries(
  client: DlmsClient,
  obis: string,
  count: number,
  chunk: number,
  progress: ProgressBar,
  onChunk: (part: ProfileReadResult) => void,
): Promise<ProfileReadResult> {
  const inUse = numericValue(await client.get(obis, { classId: 7, attribute: 7 })) ?? 0;
  const first = Math.max(1, inUse - count + 1);
  const total = inUse - first + 1;
  let result: ProfileReadResult | undefined;
  const rows: ProfileRow[] = [];
  for (let from = first; from <= inUse; from += chunk) {
    const to = Math.min(inUse, from + chunk - 1);
    const part = await client.readProfile(obis, { fromEntry: from, toEntry: to });
    result ??= part;
    rows.push(...part.rows);
    onChunk(part);
    progress.update(rows.length, total);
  }
  if (result === undefined) {
    const empty = await client.readProfile(obis, { fromEntry: 1, toEntry: 0 });
    onChunk(empty);
    return empty;
  }
  return { ...result, rows };
}

/** The units of a profile's columns, from the first row that has each. */
function columnUnits(part: ProfileReadResult): (string | undefined)[] {
  return part.columns.map((_, i) => part.rows.find((r) => r.cells[i]?.unit !== undefined)?.cells[i]?.unit);
}

/** One profile row as a JSON line: each cell with its OBIS, attribute, time or scaled value, unit. */
function rowJson(row: ProfileRow): string {
  return jsonLine({
    values: row.cells.map((cell) => ({
      obis: cell.column.logicalName,
      attribute: cell.column.attributeIndex,
      ...(cell.time !== undefined ? { time: cell.time } : {}),
      ...(cell.scaled !== undefined ? { value: cell.scaled } : { data: cell.data }),
      ...(cell.unit !== undefined ? { unit: cell.unit } : {}),
    })),
  });
}

/**
 * Writes CSV or JSON lines chunk by chunk: the CSV header with the first chunk (units from its
 * rows), then every row as soon as its chunk arrived. Returns undefined for the table, which needs
 * every row before it can be laid out.
 */
function streamingOutput(
  ctx: CommandContext,
  mode: ReturnType<typeof outputMode>,
): ((part: ProfileReadResult) => void) | undefined {
  if (mode === 'json') {
    return (part) => {
      for (const row of part.rows) ctx.io.out(rowJson(row));
    };
  }
  if (mode !== 'csv') return undefined;
  let units: (string | undefined)[] | undefined;
  return (part) => {
    if (units === undefined) {
      units = columnUnits(part);
      const u = units;
      ctx.io.out(csvRecord(part.columns.map((c, i) => header(c, u[i]))));
    }
    ctx.io.out(part.rows.map((r) => csvRecord(r.cells.map(cellText))).join(''));
  };
}

/** `meterkit dlms profile`: a load profile (Profile generic, class 7) as a table, CSV or JSON lines. */
export function dlmsProfileCommand(ctx: CommandContext): CommandModule<object, ProfileArgs> {
  return {
    command: 'profile <obis>',
    describe: 'Read a load profile by time range or by last entries, with scaled values and units',
    builder: (y: Argv<object>) =>
      withOutputOptions(
        withDlmsOptions(
          y
            .positional('obis', {
              type: 'string',
              demandOption: true,
              describe: 'Profile generic OBIS code, e.g. 1-0:99.1.0.255',
            })
            .option('from', { type: 'string', describe: 'start time (ISO 8601)' })
            .option('to', { type: 'string', describe: 'end time (ISO 8601, default now)' })
            .option('entries', { type: 'number', describe: 'the last N entries (default 96 without --from)' })
            .option('chunk', { type: 'number', default: 96, describe: 'entries per request with --entries' })
            .option('chart', {
              type: 'boolean',
              default: false,
              describe: 'draw a line chart of a column under the table',
            })
            .option('chart-column', {
              type: 'string',
              describe: 'OBIS code of the charted column (default the first numeric one)',
            }),
        ),
        { tabular: true },
      )
        .example(
          '$0 dlms profile --tcp 127.0.0.1:4059 1-0:99.1.0.255',
          'the last 96 entries (a day of 15-minute values)',
        )
        .example(
          '$0 dlms profile --tcp m:4059 --from 2026-11-01T00:00Z --to 2026-11-02T00:00Z --csv 1-0:99.1.0.255 > day.csv',
          'one day as CSV',
        )
        .example(
          '$0 dlms profile --meter lab --entries 672 --chart 1-0:99.1.0.255',
          'a week with a chart',
        ) as Argv<ProfileArgs>,
    handler: async (args) => {
      const obis = obisArgument(args.obis);
      if (args.entries !== undefined && args.from !== undefined)
        throw usage('give --entries or --from/--to, not both');
      if (args.to !== undefined && args.from === undefined) throw usage('--to needs --from');
      if (!(Number.isInteger(args.chunk) && args.chunk > 0))
        throw usage('--chunk must be a positive integer');
      const entries = args.entries ?? 96;
      if (!(Number.isInteger(entries) && entries > 0)) throw usage('--entries must be a positive integer');
      const from = args.from === undefined ? undefined : parseTime(args.from, 'from');
      const to = args.to === undefined ? new Date() : parseTime(args.to, 'to');
      const progress = new ProgressBar(ctx.io, obis);
      const mode = outputMode(args);
      // CSV and JSON lines go out chunk by chunk: when the meter stops answering mid-profile, the
      // rows read so far are already written, each complete, before the error line.
      const stream = streamingOutput(ctx, mode);
      const onChunk = stream ?? (() => {});
      let result: ProfileReadResult;
      try {
        result = await withDlmsClient(
          ctx,
          args,
          async (client) => {
            if (from !== undefined) {
              progress.update(0, undefined);
              const range = await client.readProfile(obis, { from, to });
              onChunk(range);
              return range;
            }
            return readLastEntries(client, obis, entries, args.chunk, progress, onChunk);
          },
          { logicalNames: 'profile' },
        );
      } finally {
        progress.done();
      }
      const columns = result.columns;
      const units = columnUnits(result);
      if (stream === undefined) {
        const c = ctx.colors;
        const lines = renderTable(
          columns.map((col, i) => ({
            header: header(col, units[i]),
            align: result.rows[0]?.cells[i]?.scaled !== undefined ? ('right' as const) : ('left' as const),
          })),
          result.rows.map((r) => r.cells.map(cellText)),
          c.bold,
        );
        lines.push(
          c.dim(`${result.rows.length} entries of ${obis}${obisName(obis) ? ` (${obisName(obis)})` : ''}`),
        );
        if (args.chart) {
          const wanted = args['chart-column'] === undefined ? undefined : obisArgument(args['chart-column']);
          const index = columns.findIndex((col, i) =>
            wanted === undefined
              ? result.rows[0]?.cells[i]?.scaled !== undefined
              : col.logicalName === wanted,
          );
          if (index < 0) throw usage(`no numeric column ${wanted ?? ''} to chart`.replace('  ', ' '));
          const series = result.rows.map((r) => r.cells[index]?.scaled ?? Number.NaN);
          const timeIndex = result.rows[0]?.cells.findIndex((cell) => cell.time !== undefined) ?? -1;
          const first = result.rows[0]?.cells[timeIndex]?.time;
          const last = result.rows[result.rows.length - 1]?.cells[timeIndex]?.time;
          lines.push(
            '',
            `${columns[index]?.logicalName}${units[index] ? ` [${units[index]}]` : ''}`,
            ...lineChart(series, {
              width: Math.min(72, Math.max(8, series.length)),
              height: 8,
              unit: units[index],
              ...(first === undefined ? {} : { from: first.slice(0, 16) }),
              ...(last === undefined ? {} : { to: last.slice(0, 16) }),
            }),
          );
        }
        ctx.io.out(`${lines.join('\n')}\n`);
      }
      ctx.exitCode = ExitCode.Ok;
    },
  };
}
