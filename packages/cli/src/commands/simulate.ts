import { ErrorCode, MeterkitError } from '@meterkit/core';
import type { Argv, CommandModule } from 'yargs';
import { parseHostPort } from '../connection/endpoint.js';
import { ExitCode } from '../exit-codes.js';
import { simulateAnsiCommand } from './ansi.js';
import type { CommandContext } from './context.js';
import {
  DEFAULT_SIMULATOR_PROFILE,
  type DlmsServerHandle,
  MeterSimulator,
  type SimulatorProfile,
  serveHdlcSerial,
  serveHdlcTcp,
  serveWrapperTcp,
  serveWrapperUdp,
} from './dlms-api.js';
import { readJsonFile, untilStopped } from './run-until.js';
import { sepServeCommand } from './sep-serve.js';
import {
  type SimulateTlsArgs,
  serveDlmsTls,
  simulatorTlsSettings,
  withSimulateTlsOptions,
} from './simulate-tls.js';

/** Options every simulator takes. */
interface SimulateArgs {
  readonly tcp?: string | undefined;
  readonly udp?: string | undefined;
  readonly serial?: string | undefined;
  readonly profile?: string | undefined;
  readonly duration?: number | undefined;
}

function usage(message: string): MeterkitError {
  return new MeterkitError(ErrorCode.InvalidArgument, message);
}

interface DlmsSimArgs extends SimulateArgs, SimulateTlsArgs {
  readonly hdlc: boolean;
  readonly optical: boolean;
  readonly baud?: number | undefined;
}

function simulateDlms(ctx: CommandContext): CommandModule<object, DlmsSimArgs> {
  return {
    command: 'dlms',
    describe: 'A DLMS/COSEM meter: wrapper over TCP/UDP, HDLC over TCP or a serial port (pty)',
    builder: (y: Argv<object>) =>
      withSimulateTlsOptions(y)
        .option('tcp', {
          type: 'string',
          describe: 'listen on host:port (wrapper; HDLC with --hdlc), e.g. 127.0.0.1:4059',
        })
        .option('udp', { type: 'string', describe: 'listen on host:port (UDP wrapper)' })
        .option('serial', {
          type: 'string',
          describe: 'serve HDLC on a serial port or pty, e.g. one end of a socat pair',
        })
        .option('hdlc', {
          type: 'boolean',
          default: false,
          describe: 'HDLC framing over --tcp instead of the wrapper',
        })
        .option('optical', {
          type: 'boolean',
          default: false,
          describe: 'with --serial: answer an IEC 62056-21 mode E sign-on first',
        })
        .option('baud', {
          type: 'number',
          describe: 'with --serial: line speed (or the highest offered with --optical); default 9600',
        })
        .option('profile', {
          type: 'string',
          describe: 'simulator profile (JSON); default: the built-in meter',
        })
        .option('duration', {
          type: 'number',
          describe: 'stop after this many seconds (default: until Ctrl-C)',
        })
        .example('$0 simulate dlms --tcp 127.0.0.1:4059', 'the default meter on the DLMS port')
        .example(
          '$0 simulate dlms --tcp 127.0.0.1:4059 --tls --cert meter.pem --key-file meter.key',
          'the wrapper inside TLS (clients: meterkit dlms ... --tls --ca ca.pem)',
        )
        .example(
          '$0 simulate dlms --serial /tmp/meter --optical',
          'behind an optical sign-on on a pty (socat pty,link=/tmp/meter pty,link=/tmp/probe)',
        ) as Argv<DlmsSimArgs>,
    handler: async (args) => {
      const given = [args.tcp && 'tcp', args.udp && 'udp', args.serial && 'serial'].filter(Boolean);
      if (given.length === 0)
        throw usage('say where to listen: --tcp host:port, --udp host:port or --serial PATH');
      if (args.optical && args.serial === undefined) throw usage('--optical needs --serial');
      const tls = simulatorTlsSettings(args, args.tcp);
      const profile =
        args.profile === undefined
          ? DEFAULT_SIMULATOR_PROFILE
          : (readJsonFile(args.profile, 'profile') as SimulatorProfile);
      let sim: MeterSimulator;
      try {
        sim = new MeterSimulator(profile);
      } catch (e) {
        if (e instanceof MeterkitError) throw usage(`--profile ${args.profile}: ${e.message}`);
        throw e;
      }
      const servers: DlmsServerHandle[] = [];
      const lines: string[] = [];
      try {
        if (args.tcp !== undefined) {
          const hp = parseHostPort(args.tcp, 'tcp', 4059);
          const s =
            tls === undefined
              ? await (args.hdlc ? serveHdlcTcp : serveWrapperTcp)(sim, hp)
              : await serveDlmsTls(sim, { ...hp, tls, hdlc: args.hdlc });
          servers.push(s);
          lines.push(
            `${tls === undefined ? 'tcp' : 'tls'}://${s.address} (${args.hdlc ? 'HDLC' : 'wrapper'}${tls?.requestCert === true ? ', client certificates required' : ''})`,
          );
        }
        if (args.udp !== undefined) {
          const s = await serveWrapperUdp(sim, parseHostPort(args.udp, 'udp', 4059));
          servers.push(s);
          lines.push(`udp://${s.address} (wrapper)`);
        }
        if (args.serial !== undefined) {
          const s = await serveHdlcSerial(sim, {
            path: args.serial,
            optical: args.optical,
            baudRate: args.baud,
          });
          servers.push(s);
          lines.push(`serial://${s.address} (HDLC${args.optical ? ' after an IEC 62056-21 sign-on' : ''})`);
        }
        sim.startSchedules();
        ctx.io.out(`meterkit simulate dlms: ${profile.name ?? 'meter'} listening on ${lines.join(', ')}\n`);
        ctx.io.out(
          `associations: ${profile.associations.map((a) => `SAP ${a.clientSap}${a.name ? ` ${a.name}` : ''}`).join(', ')}\n`,
        );
        const why = await untilStopped(args.duration);
        ctx.io.err(`meterkit simulate dlms: stopped (${why})\n`);
      } catch (e) {
        if (e instanceof MeterkitError && Math.floor(e.code / 100) === 5) {
          throw new MeterkitError(
            e.code,
            `${e.message} (is the port in use? pick another with --tcp host:port)`,
            { cause: e },
          );
        }
        throw e;
      } finally {
        sim.stopSchedules();
        for (const s of servers) await s.close();
        sim.close();
      }
      ctx.exitCode = ExitCode.Ok;
    },
  };
}

/** `meterkit simulate dlms|...`: simulators that run until stopped. */
export function simulateCommand(ctx: CommandContext): CommandModule<object, object> {
  return {
    command: 'simulate',
    describe: 'Run a simulated meter or server until stopped',
    builder: (y: Argv<object>) =>
      y
        .command(simulateDlms(ctx))
        .command(simulateAnsiCommand(ctx))
        .command(sepServeCommand(ctx, 'sep', 'simulate sep'))
        .demandCommand(1, 'name a simulator (see meterkit simulate --help)')
        .example('$0 simulate dlms --tcp 127.0.0.1:4059', 'a DLMS meter'),
    handler: () => {},
  };
}
