import type { Argv, CommandModule } from 'yargs';
import type { CommandContext } from './context.js';
import { sepHttpCommands } from './sep-http.js';
import { sepLfdiCommand } from './sep-lfdi.js';
import { sepPkiCommand } from './sep-pki.js';
import { sepServeCommand } from './sep-serve.js';

/** `meterkit sep ...`: IEEE 2030.5 tools. */
export function sepCommand(ctx: CommandContext): CommandModule<object, object> {
  return {
    command: 'sep',
    describe: 'IEEE 2030.5 (SEP 2): walk, get/post/put/delete, lfdi, pki, serve',
    builder: (y: Argv<object>) => {
      let a = y;
      for (const c of sepHttpCommands(ctx)) a = a.command(c);
      return a
        .command(sepLfdiCommand(ctx))
        .command(sepPkiCommand(ctx))
        .command(sepServeCommand(ctx))
        .demandCommand(1, 'name a sep command (see meterkit sep --help)')
        .example('$0 sep lfdi device.pem', 'LFDI and SFDI of a certificate')
        .example('$0 sep pki init ./pki', 'a test PKI')
        .example('$0 sep walk http://127.0.0.1:8443/dcap', 'the resource tree of a server');
    },
    handler: () => {},
  };
}
