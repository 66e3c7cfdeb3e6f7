import { replayCommandMain } from '@meterkit/conformance';
import type { Argv, CommandModule } from 'yargs';
import type { CommandContext } from './context.js';

interface ReplayArgs {
  readonly captures: readonly string[];
  readonly keys?: string | undefined;
  readonly report?: string | undefined;
  readonly against?: string | undefined;
  readonly protocol?: 'dlms' | 'c1222' | 'c1218' | 'ieee2030-5' | undefined;
  readonly channel?: string | undefined;
  readonly mask?: readonly string[] | undefined;
  readonly 'invoke-id-shift'?: number | undefined;
  readonly timeout?: number | undefined;
}

/**
 * `meterkit replay <capture...> [--keys keyring] [--report out.html|.json|.xml|.tap] [--against tcp://host:port]`:
 * checks captures rule by rule (the conformance harness), or replays the client side of one against
 * a device under test and compares its answers structurally.
 */
export function replayCommand(ctx: CommandContext): CommandModule<object, ReplayArgs> {
  return {
    command: 'replay <captures..>',
    describe: 'Check captures rule by rule, or replay one against a device and compare the answers',
    builder: (y: Argv<object>) =>
      y
        .positional('captures', {
          describe: 'pcap, pcapng, hex log, JSONL or Gurux XML files',
          type: 'string',
          array: true,
          demandOption: true,
        })
        .option('keys', {
          type: 'string',
          describe: 'keyring file (keys by system title, AP title or LFDI); never printed',
        })
        .option('report', {
          type: 'string',
          describe: 'write the report: .json (master form), .xml (JUnit), .tap or .html',
        })
        .option('against', {
          type: 'string',
          describe: 'device under test: tcp://host:port, udp://host:port or serial:///dev/tty…?baud=9600',
        })
        .option('protocol', {
          choices: ['dlms', 'c1222', 'c1218', 'ieee2030-5'] as const,
          describe: 'protocol of every channel (default: detected)',
        })
        .option('channel', {
          type: 'string',
          describe: 'with --against: the capture channel to replay (default the first client channel)',
        })
        .option('mask', {
          type: 'string',
          array: true,
          describe: 'with --against: extra fields to ignore when comparing (dotted paths, * and **)',
        })
        .option('invoke-id-shift', {
          type: 'number',
          describe: 'with --against: renumber DLMS invoke-ids by this shift',
        })
        .option('timeout', {
          type: 'number',
          describe: 'with --against: ms to wait for each answer',
          default: 5000,
        })
        .example('$0 replay push.pcapng --report report.html', 'check a capture and write an HTML report')
        .example(
          '$0 replay session.pcapng --keys keys.json --against tcp://10.0.0.7:4059',
          'replay against a meter',
        ) as Argv<ReplayArgs>,
    handler: async (args) => {
      const { io } = ctx;
      const tty = io.stderrIsTTY;
      ctx.exitCode = await replayCommandMain(
        {
          captures: args.captures,
          keys: args.keys,
          report: args.report,
          against: args.against,
          protocol: args.protocol,
          channel: args.channel,
          masks: args.mask,
          invokeIdShift: args['invoke-id-shift'],
          timeoutMs: args.timeout,
          progress: tty,
        },
        {
          stdout: io.out,
          stderr: io.err,
          progress: tty
            ? (fraction, label) =>
                io.err(
                  `\r${Math.round(fraction * 100)
                    .toString()
                    .padStart(3)} % ${label}`.slice(0, 100),
                )
            : undefined,
        },
      );
    },
  };
}
