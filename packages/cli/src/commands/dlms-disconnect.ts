import type { Argv, CommandModule } from 'yargs';
import { ExitCode } from '../exit-codes.js';
import { numericValue } from '../output/dlms-data.js';
import { type OutputArgs, withOutputOptions } from '../output/format.js';
import { jsonLine } from '../output/json-lines.js';
import { renderFields } from '../output/table.js';
import type { CommandContext } from './context.js';
import { obisArgument } from './dlms-objects.js';
import { type DlmsSessionArgs, withDlmsClient, withDlmsOptions } from './dlms-session.js';

/** control_state values (IEC 62056-6-2 §4.5.8, Disconnect control). */
const CONTROL_STATES = ['disconnected', 'connected', 'ready-for-reconnection'] as const;

interface DisconnectArgs extends DlmsSessionArgs, OutputArgs {
  readonly operation: 'status' | 'disconnect' | 'reconnect';
  readonly obis: string;
}

/** `meterkit dlms disconnect [status|disconnect|reconnect]`: Disconnect control (class 70). */
export function dlmsDisconnectCommand(ctx: CommandContext): CommandModule<object, DisconnectArgs> {
  return {
    command: 'disconnect [operation]',
    describe: 'Show or change the supply disconnector (Disconnect control, class 70)',
    builder: (y: Argv<object>) =>
      withOutputOptions(
        withDlmsOptions(
          y
            .positional('operation', {
              choices: ['status', 'disconnect', 'reconnect'] as const,
              default: 'status' as const,
              describe: 'status (default), disconnect (remote_disconnect) or reconnect (remote_reconnect)',
            })
            .option('obis', {
              type: 'string',
              default: '0-0:96.3.10.255',
              describe: 'Disconnect control object',
            }),
        ),
        { tabular: false },
      )
        .example('$0 dlms disconnect --tcp 127.0.0.1:4059', 'output and control state')
        .example(
          '$0 dlms disconnect disconnect --meter lab',
          'open the breaker (needs the management client)',
        ) as Argv<DisconnectArgs>,
    handler: async (args) => {
      const obis = obisArgument(args.obis);
      const state = await withDlmsClient(
        ctx,
        args,
        async (client) => {
          if (args.operation !== 'status') {
            await client.action(obis, {
              classId: 70,
              method: args.operation === 'disconnect' ? 1 : 2,
              parameters: { type: 'integer', value: 0 },
            });
          }
          const output = await client.get(obis, { classId: 70, attribute: 2 });
          const control = await client.get(obis, { classId: 70, attribute: 3 });
          return { output: output.type === 'boolean' ? output.value : null, control: numericValue(control) };
        },
        { logicalNames: 'disconnect' },
      );
      const controlName =
        state.control === undefined ? 'unknown' : (CONTROL_STATES[state.control] ?? `state ${state.control}`);
      if (args.json) {
        ctx.io.out(
          jsonLine({
            obis,
            outputState: state.output,
            controlState: { value: state.control ?? null, name: controlName },
          }),
        );
      } else {
        ctx.io.out(
          `${renderFields(
            [
              [
                'output',
                state.output === null
                  ? 'unknown'
                  : state.output
                    ? 'connected (supply on)'
                    : 'disconnected (supply off)',
              ],
              ['control', controlName],
            ],
            ctx.colors.cyan,
          ).join('\n')}\n`,
        );
      }
      ctx.exitCode = ExitCode.Ok;
    },
  };
}
