import type { Argv, CommandModule } from 'yargs';
import type { CommandContext } from './context.js';
import { dlmsClockCommand } from './dlms-clock.js';
import { dlmsDisconnectCommand } from './dlms-disconnect.js';
import { dlmsObjectCommands } from './dlms-objects.js';
import { dlmsProfileCommand } from './dlms-profile.js';
import { dlmsPushCommand } from './dlms-push.js';

/** `meterkit dlms ...`: DLMS/COSEM client commands (IEC 62056-5-3, -6-2). */
export function dlmsCommand(ctx: CommandContext): CommandModule<object, object> {
  return {
    command: 'dlms',
    describe: 'DLMS/COSEM meters: info, get, set, action, profile, clock, disconnect, push listen',
    builder: (y: Argv<object>) => {
      let a = y;
      for (const c of dlmsObjectCommands(ctx)) a = a.command(c);
      return a
        .command(dlmsProfileCommand(ctx))
        .command(dlmsClockCommand(ctx))
        .command(dlmsDisconnectCommand(ctx))
        .command(dlmsPushCommand(ctx))
        .demandCommand(1, 'name a dlms command (see meterkit dlms --help)')
        .example('$0 dlms info --tcp 127.0.0.1:4059', 'association and object list')
        .example('$0 dlms get --tcp 127.0.0.1:4059 1-0:1.8.0.255', 'energy import')
        .example('$0 dlms profile --tcp 127.0.0.1:4059 1-0:99.1.0.255', 'the load profile');
    },
    handler: () => {},
  };
}
