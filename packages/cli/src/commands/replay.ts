import { replayCommandMain, tuneHeapForReplay } from '@meterkit/conformance';
import type { Argv, CommandModule } from 'yargs';
import type { CommandContext } from './context.js';

interface ReplayArgs {
  readonly captures: readonly string[];
  readonly keys?: string | undefined;
  readonly keylog?: string | undefined;
  readonly report?: string | undefined;
  readonly against?: string | undefined;
  readonly protocol?: 'dlms' | 'c1222' | 'c1218' | 'ieee2030-5' | undefined;
  readonly channel?: string | undefined;
  readonly mask?: readonly string[] | undefined;
  readonly 'invoke-id-shift'?: number | undefined;
  readonly timeout?: number | undefined;
  readonly workers?: number | undefined;
  readonly 'protocol-for'?: readonly string[] | undefined;
  readonly schema?: readonly string[] | undefined;
  readonly 'response-tolerance'?: number | undefined;
  readonly 'invocation-counter'?: number | undefined;
  readonly adapt?: boolean | undefined;
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
        .option('keylog', {
          type: 'string',
          describe: 'TLS key log (SSLKEYLOGFILE) to decrypt TLS 1.2 captures; never printed',
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
        .option('protocol-for', {
          type: 'string',
          array: true,
          describe: 'FILE=PROTOCOL: protocol of every channel of one capture (repeatable; beats --protocol)',
        })
        .option('schema', {
          type: 'string',
          array: true,
          describe:
            'sep.xsd (and the CSIP-AUS schemas) for the SEP-XSD-VALID rule; without it the rule is inconclusive',
        })
        .option('response-tolerance', {
          type: 'number',
          describe: 'seconds a 2030.5 event Response may come late (SEP-EVENT-RESPONSE; default 5)',
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
        .option('invocation-counter', {
          type: 'number',
          describe:
            'with --against: first DLMS invocation counter of re-ciphered requests (default: captured + 1)',
        })
        .option('adapt', {
          type: 'boolean',
          default: true,
          describe:
            'with --against: re-cipher, answer fresh HLS challenges, renew C12.22 IVs and rewrite 2030.5 hrefs (--no-adapt: only renumber invoke-ids)',
        })
        .option('timeout', {
          type: 'number',
          describe: 'with --against: ms to wait for each answer',
          default: 5000,
        })
        .option('workers', {
          type: 'number',
          describe:
            'worker threads for pcap/pcapng inputs: reading stays on the main thread, the channels are sharded over the workers for the rules (same report). Default 1 for 16 MiB of captures or more on a multi-core machine, else 0',
        })
        .example('$0 replay push.pcapng --report report.html', 'check a capture and write an HTML report')
        .example(
          '$0 replay session.pcapng --keys keys.json --against tcp://10.0.0.7:4059',
          'replay against a meter',
        ) as Argv<ReplayArgs>,
    handler: async (args) => {
      // a process running `replay` is dedicated to it: bounded heap growth (see tuneHeapForReplay)
      tuneHeapForReplay();
      const { io } = ctx;
      const tty = io.stderrIsTTY;
      const runArgs: Parameters<typeof replayCommandMain>[0] = {
        captures: args.captures,
        keys: args.keys,
        keylog: args.keylog,
        report: args.report,
        against: args.against,
        protocol: args.protocol,
        protocolFor: args['protocol-for'],
        schema: args.schema,
        responseTolerance: args['response-tolerance'],
        invocationCounter: args['invocation-counter'],
        noAdapt: args.adapt === false,
        channel: args.channel,
        masks: args.mask,
        invokeIdShift: args['invoke-id-shift'],
        timeoutMs: args.timeout,
        progress: tty,
        workers: args.workers,
      };
      ctx.exitCode = await replayCommandMain(runArgs, {
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
      });
    },
  };
}
