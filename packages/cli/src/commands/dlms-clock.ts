import { ErrorCode, MeterkitError } from '@meterkit/core';
import {
  type CosemDateTime,
  cosemDateTimeFromDate,
  cosemDateTimeToDate,
  decodeClockStatus,
} from '@meterkit/dlms';
import type { Argv, CommandModule } from 'yargs';
import { ExitCode } from '../exit-codes.js';
import { dateTimeText } from '../output/dlms-data.js';
import { type OutputArgs, withOutputOptions } from '../output/format.js';
import { jsonLine } from '../output/json-lines.js';
import { renderFields } from '../output/table.js';
import type { CommandContext } from './context.js';
import { obisArgument } from './dlms-objects.js';
import { type DlmsSessionArgs, withDlmsClient, withDlmsOptions } from './dlms-session.js';

interface ClockArgs extends DlmsSessionArgs, OutputArgs {
  readonly set?: string | undefined;
  readonly sync: boolean;
  readonly obis: string;
}

function drift(dt: CosemDateTime, now: number): number | undefined {
  try {
    return cosemDateTimeToDate(dt).getTime() - now;
  } catch {
    return undefined;
  }
}

/** `meterkit dlms clock`: read, set or synchronise the Clock (class 8, IEC 62056-6-2 §4.5.1). */
export function dlmsClockCommand(ctx: CommandContext): CommandModule<object, ClockArgs> {
  return {
    command: 'clock',
    describe: "Read the meter's clock and its drift; --set TIME or --sync to write it",
    builder: (y: Argv<object>) =>
      withOutputOptions(
        withDlmsOptions(
          y
            .option('set', { type: 'string', describe: 'set the clock to this time (ISO 8601)' })
            .option('sync', {
              type: 'boolean',
              default: false,
              describe: 'set the clock to this computer’s time (UTC)',
            })
            .option('obis', { type: 'string', default: '0-0:1.0.0.255', describe: 'Clock object' }),
        ),
        { tabular: false },
      )
        .example('$0 dlms clock --tcp 127.0.0.1:4059', 'the time and how far it is off')
        .example(
          '$0 dlms clock --meter lab --sync',
          'set it to now (needs write access: e.g. --client-sap 1 --auth hls-gmac)',
        ) as Argv<ClockArgs>,
    handler: async (args) => {
      const obis = obisArgument(args.obis);
      if (args.set !== undefined && args.sync)
        throw new MeterkitError(ErrorCode.InvalidArgument, 'give --set or --sync, not both');
      let target: Date | undefined;
      if (args.set !== undefined) {
        target = new Date(args.set);
        if (Number.isNaN(target.getTime()))
          throw new MeterkitError(
            ErrorCode.InvalidArgument,
            `--set ${args.set} is not a date/time (ISO 8601)`,
          );
      }
      const { before, after, now } = await withDlmsClient(
        ctx,
        args,
        async (client) => {
          const b = await client.readClock(obis);
          const when = args.sync ? new Date() : target;
          if (when === undefined) return { before: b, after: undefined, now: Date.now() };
          await client.setClock(cosemDateTimeFromDate(when), obis);
          return { before: b, after: await client.readClock(obis), now: Date.now() };
        },
        { logicalNames: 'clock' },
      );
      const shown = after ?? before;
      const offset = drift(shown, now);
      if (args.json) {
        ctx.io.out(
          jsonLine({
            obis,
            time: dateTimeText(shown) ?? null,
            dateTime: shown,
            driftMs: offset ?? null,
            ...(after === undefined ? {} : { previous: dateTimeText(before) ?? null }),
          }),
        );
      } else {
        const fields: [string, string][] = [];
        if (after !== undefined) fields.push(['was', dateTimeText(before) ?? JSON.stringify(before)]);
        fields.push([after === undefined ? 'time' : 'now', dateTimeText(shown) ?? JSON.stringify(shown)]);
        if (offset !== undefined)
          fields.push([
            'drift',
            `${(offset / 1000).toFixed(1)} s ${offset >= 0 ? 'ahead of' : 'behind'} this computer`,
          ]);
        const status = Object.entries(
          decodeClockStatus(typeof shown.clockStatus === 'number' ? shown.clockStatus : 0),
        )
          .filter(([, v]) => v === true)
          .map(([k]) => k);
        fields.push(['status', status.length === 0 ? 'ok' : status.join(', ')]);
        ctx.io.out(`${renderFields(fields, ctx.colors.cyan).join('\n')}\n`);
      }
      ctx.exitCode = ExitCode.Ok;
    },
  };
}
