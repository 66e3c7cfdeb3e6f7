import { readFileSync } from 'node:fs';
import { ErrorCode, MeterkitError } from '@meterkit/core';
import { SepTestServer, startSepServer, type TestServerConfig } from '@meterkit/ieee2030-5';
import type { Argv, CommandModule } from 'yargs';
import { parseHostPort } from '../connection/endpoint.js';
import { ExitCode } from '../exit-codes.js';
import type { CommandContext } from './context.js';
import { readJsonFile, untilStopped } from './run-until.js';

interface ServeArgs {
  readonly tcp: string;
  readonly config?: string | undefined;
  readonly tls: boolean;
  readonly cert?: string | undefined;
  readonly 'key-file'?: string | undefined;
  readonly chain?: string | undefined;
  readonly ca?: string | undefined;
  readonly 'lfdi-header'?: string | undefined;
  readonly duration?: number | undefined;
}

function readPem(path: string | undefined, option: string): string {
  if (path === undefined)
    throw new MeterkitError(ErrorCode.InvalidArgument, `--tls needs --${option} (see meterkit sep pki init)`);
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new MeterkitError(
      ErrorCode.InputUnreadable,
      `--${option} ${path}: cannot read it: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
}

/** `meterkit sep serve` and `meterkit simulate sep`: the IEEE 2030.5 test server until stopped. */
export function sepServeCommand(
  ctx: CommandContext,
  command = 'serve',
  label = 'sep serve',
): CommandModule<object, ServeArgs> {
  return {
    command,
    describe: 'Run the IEEE 2030.5 test server (mutual TLS with --tls, else plain HTTP) until stopped',
    builder: (y: Argv<object>) =>
      y
        .option('tcp', {
          type: 'string',
          default: '127.0.0.1:8443',
          describe: 'listen on host:port (port 0: any free port)',
        })
        .option('config', {
          type: 'string',
          describe: 'server configuration (JSON TestServerConfig); default: built-in',
        })
        .option('tls', {
          type: 'boolean',
          default: false,
          describe: 'HTTPS with mutual TLS 1.2, ECDHE-ECDSA-AES128-CCM8',
        })
        .option('cert', { type: 'string', describe: 'server certificate (PEM)' })
        .option('key-file', { type: 'string', describe: 'server private key (PEM)' })
        .option('chain', { type: 'string', describe: 'intermediates sent after it (PEM)' })
        .option('ca', { type: 'string', describe: 'trusted SERCA (PEM): clients must chain to it' })
        .option('lfdi-header', {
          type: 'string',
          describe: 'plain HTTP only: header naming the client LFDI (e.g. x-sep-lfdi)',
        })
        .option('duration', {
          type: 'number',
          describe: 'stop after this many seconds (default: until Ctrl-C)',
        })
        .example(
          `$0 ${label} --tls --cert pki/server.pem --key-file pki/server.key --chain pki/chain.pem --ca pki/serca.pem`,
          'HTTPS on 127.0.0.1:8443 with a `sep pki init` PKI',
        )
        .example(
          `$0 ${label} --tcp 127.0.0.1:8080 --config lab.json`,
          'plain HTTP with a lab configuration',
        ) as Argv<ServeArgs>,
    handler: async (args) => {
      const hp = parseHostPort(args.tcp, 'tcp', 8443);
      const config =
        args.config === undefined ? {} : (readJsonFile(args.config, 'config') as TestServerConfig);
      let server: SepTestServer;
      try {
        server = new SepTestServer(config);
      } catch (e) {
        if (e instanceof MeterkitError)
          throw new MeterkitError(ErrorCode.InvalidArgument, `--config ${args.config}: ${e.message}`);
        throw e;
      }
      const tls = args.tls
        ? {
            certificate: readPem(args.cert, 'cert'),
            key: readPem(args['key-file'], 'key-file'),
            serca: readPem(args.ca, 'ca'),
            ...(args.chain === undefined ? {} : { chain: readPem(args.chain, 'chain') }),
          }
        : undefined;
      let running: Awaited<ReturnType<typeof startSepServer>>;
      try {
        running = await startSepServer(server, {
          host: hp.host,
          port: hp.port,
          ...(tls === undefined ? {} : { tls }),
          ...(args['lfdi-header'] === undefined || tls !== undefined
            ? {}
            : { plainLfdiHeader: args['lfdi-header'] }),
        });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new MeterkitError(
          ErrorCode.TransportOpenFailed,
          `cannot listen on ${args.tcp}: ${code ?? (e as Error).message} (is the port in use? pick another with --tcp host:port)`,
        );
      }
      ctx.io.out(`meterkit ${label}: IEEE 2030.5 test server at ${running.url}/dcap\n`);
      try {
        const why = await untilStopped(args.duration);
        ctx.io.err(`meterkit ${label}: stopped (${why})\n`);
      } finally {
        await running.close();
      }
      ctx.exitCode = ExitCode.Ok;
    },
  };
}
