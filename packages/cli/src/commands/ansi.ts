import { readFileSync } from 'node:fs';
import {
  type AnsiClient,
  AnsiMeter,
  type AnsiMeterProfile,
  absoluteApTitle,
  C1218Client,
  C1222Client,
  C1222KeyStore,
  DECODED_STANDARD_TABLES,
  DEFAULT_METER_AP_TITLE,
  type LogonCredentials,
  MFG_TABLE_BASE,
  parseAnsiMeterProfile,
  type SecurityMode,
  serveC1218,
  serveC1222Listener,
  serveC1222Udp,
  TableStore,
} from '@meterkit/c1222';
import { ErrorCode, fromHex, hexDump, MeterkitError, toJsonValue } from '@meterkit/core';
import { bindUdp, listenTcp, listenTls, SerialTransport, type Transport } from '@meterkit/core/transport';
import { createColors } from 'picocolors';
import type { Argv, CommandModule } from 'yargs';
import { parseHostPort } from '../connection/endpoint.js';
import { type Connection, openConnection } from '../connection/open.js';
import {
  type ConnectionArgs,
  type ConnectionDefaults,
  connectionSettings,
  withConnectionOptions,
} from '../connection/options.js';
import { type CredentialArgs, loadCredentials, withCredentialOptions } from '../credentials/options.js';
import type { Credentials } from '../credentials/resolve.js';
import { ExitCode } from '../exit-codes.js';
import { type OutputArgs, withOutputOptions } from '../output/format.js';
import { jsonLine } from '../output/json-lines.js';
import { renderFields } from '../output/table.js';
import { renderTree } from '../output/tree.js';
import type { CommandContext } from './context.js';
import { untilStopped } from './run-until.js';
import { type SimulateTlsArgs, simulatorTlsSettings, withSimulateTlsOptions } from './simulate-tls.js';

type AnsiProtocol = 'c1218' | 'c1222';

const DEFAULTS: Readonly<Record<AnsiProtocol, ConnectionDefaults>> = {
  c1218: { port: 1153, baud: 9600, transports: ['serial', 'tcp'] },
  c1222: { port: 1153, baud: 9600, transports: ['tcp', 'udp'] },
};

/** Our AP title when none is given (an arbitrary node under the C12.22 test arc). */
const DEFAULT_CALLING_AP_TITLE = '2.16.124.113620.1.22.0.99';

interface AnsiArgs extends ConnectionArgs, CredentialArgs {
  readonly user?: string | undefined;
  readonly 'user-id'?: number | undefined;
  readonly 'called-ap-title'?: string | undefined;
  readonly 'calling-ap-title'?: string | undefined;
  readonly 'security-mode'?: number | undefined;
  readonly 'key-id'?: number | undefined;
}

function usage(message: string): MeterkitError {
  return new MeterkitError(ErrorCode.InvalidArgument, message);
}

function withAnsiOptions<T>(y: Argv<T>, protocol: AnsiProtocol): Argv<T & AnsiArgs> {
  let a = withCredentialOptions(
    withConnectionOptions(y, DEFAULTS[protocol]),
    protocol === 'c1222'
      ? "password (text via METERKIT_PASSWORD), c1222:<key-id> (EAX')"
      : 'password (text via METERKIT_PASSWORD)',
  )
    .option('user', { type: 'string', describe: 'logon user name (up to 10 characters)', group: 'Session:' })
    .option('user-id', { type: 'number', describe: 'logon user id', group: 'Session:' }) as Argv<
    T & AnsiArgs
  >;
  if (protocol === 'c1222') {
    a = a
      .option('called-ap-title', {
        type: 'string',
        describe: `the meter's AP title (default ${DEFAULT_METER_AP_TITLE})`,
        group: 'Session:',
      })
      .option('calling-ap-title', {
        type: 'string',
        describe: `our AP title (default ${DEFAULT_CALLING_AP_TITLE})`,
        group: 'Session:',
      })
      .option('security-mode', {
        type: 'number',
        choices: [0, 1, 2],
        describe: '0 cleartext, 1 authenticated, 2 encrypted (default 0)',
        group: 'Session:',
      })
      .option('key-id', {
        type: 'number',
        describe: 'key id for modes 1 and 2 (default 0: key c1222:0)',
        group: 'Session:',
      }) as Argv<T & AnsiArgs>;
  }
  return a;
}

function logonCredentials(
  args: AnsiArgs,
  credentials: Credentials,
  profileOptions: Readonly<Record<string, unknown>>,
): LogonCredentials {
  const password = credentials.get('password');
  const user = args.user ?? (profileOptions['user'] as string | undefined);
  const userId = args['user-id'] ?? (profileOptions['user-id'] as number | undefined);
  return {
    ...(user === undefined ? {} : { user }),
    ...(userId === undefined ? {} : { userId }),
    ...(password === undefined ? {} : { password: password.reveal() }),
  };
}

/** The C12.22 key store from `c1222:<id>` credentials. */
function keyStore(credentials: Credentials): C1222KeyStore {
  const keys: [number, Uint8Array][] = [];
  for (const [name, secret] of credentials) {
    const m = /^c1222:(\d+)$/.exec(name);
    if (m !== null) keys.push([Number(m[1]), secret.reveal()]);
  }
  return new C1222KeyStore(keys);
}

function oid(text: string, option: string) {
  if (!/^\d+(\.\d+)+$/.test(text))
    throw usage(`--${option} must be a dotted OID, e.g. ${DEFAULT_METER_AP_TITLE}`);
  return absoluteApTitle(text);
}

/** What to try for C12.18/C12.22 response codes (§5.3.2.3), and the code to exit with. */
const SERVICE_HINTS: Readonly<Record<string, [number, string]>> = {
  isc: [
    ErrorCode.AuthenticationFailed,
    'insufficient security clearance: log on with a password that has write access (METERKIT_PASSWORD, --user)',
  ],
  uat: [ErrorCode.Rejected, 'the meter does not answer to this AP title: check --called-ap-title'],
  sns: [ErrorCode.Rejected, 'the meter does not support this service'],
  onp: [ErrorCode.Rejected, 'the operation is not possible: check the table number, --offset and --count'],
  iar: [ErrorCode.Rejected, 'inappropriate action requested: check the table number and the data length'],
  bsy: [ErrorCode.Rejected, 'the meter is busy: try again'],
};

/** Opens the link, identifies, logs on, runs `work`, then logs off and closes. */
async function withAnsiClient<T>(
  ctx: CommandContext,
  protocol: AnsiProtocol,
  args: AnsiArgs,
  work: (client: AnsiClient, identification: unknown) => Promise<T>,
): Promise<T> {
  const { profile, credentials } = loadCredentials(args, ctx.io);
  const settings = connectionSettings(args, DEFAULTS[protocol], profile);
  const options = profile?.options ?? {};
  const logon = logonCredentials(args, credentials, options);
  const conn: Connection = await openConnection(settings, {
    protocol,
    log: ctx.io.err,
    colors: createColors(ctx.io.stderrIsTTY && !ctx.io.env['NO_COLOR']),
  });
  try {
    if (protocol === 'c1218') {
      const client = new C1218Client({ port: conn.transport, retries: settings.retries });
      try {
        await client.start();
        const ident = await client.identify().catch(() => undefined);
        await client.logon(logon);
        const result = await work(client, ident);
        await client.end();
        return result;
      } finally {
        await client.dispose().catch(() => undefined);
      }
    }
    const mode = (args['security-mode'] ??
      (options['security-mode'] as number | undefined) ??
      0) as SecurityMode;
    const keyId = args['key-id'] ?? (options['key-id'] as number | undefined) ?? 0;
    const keys = keyStore(credentials);
    if (mode !== 0 && !credentials.has(`c1222:${keyId}`)) {
      throw new MeterkitError(
        ErrorCode.KeyMissing,
        `--security-mode ${mode} needs key c1222:${keyId}: pass --key c1222:${keyId}=HEX or set METERKIT_KEY_C1222_${keyId}`,
      );
    }
    const client = new C1222Client({
      transport: conn.transport,
      calledApTitle: oid(
        args['called-ap-title'] ??
          (options['called-ap-title'] as string | undefined) ??
          DEFAULT_METER_AP_TITLE,
        'called-ap-title',
      ),
      callingApTitle: oid(
        args['calling-ap-title'] ??
          (options['calling-ap-title'] as string | undefined) ??
          DEFAULT_CALLING_AP_TITLE,
        'calling-ap-title',
      ),
      securityMode: mode,
      keys,
      keyId,
      responseTimeoutMs: settings.timeoutMs,
      retries: settings.retries,
    });
    try {
      const ident = await client.identify();
      await client.logon(logon);
      const result = await work(client, ident);
      await client.logoff().catch(() => undefined);
      return result;
    } finally {
      await client.close().catch(() => undefined);
    }
  } catch (e) {
    const answered = e instanceof MeterkitError ? /answered (\w+)/.exec(e.message)?.[1] : undefined;
    if (e instanceof MeterkitError && answered !== undefined && SERVICE_HINTS[answered] !== undefined) {
      const [code, hint] = SERVICE_HINTS[answered] as [number, string];
      throw new MeterkitError(code, `${e.message} (${hint})`, { cause: e });
    }
    if (
      e instanceof MeterkitError &&
      (e.code === ErrorCode.TransportTimeout || e.code === ErrorCode.SessionTimeout)
    ) {
      throw new MeterkitError(
        ErrorCode.TransportTimeout,
        `${e.message} (no answer: check the address${protocol === 'c1222' ? ', --called-ap-title and --security-mode' : ', the probe and --baud'}, or raise --timeout)`,
        { cause: e },
      );
    }
    if (e instanceof MeterkitError && e.code === ErrorCode.TransportClosed) {
      throw new MeterkitError(
        e.code,
        `${e.message} (the meter hung up: check${protocol === 'c1222' ? ' --called-ap-title, --security-mode and the key' : ' the probe, --baud and the password'})`,
        { cause: e },
      );
    }
    throw e;
  } finally {
    await conn.close();
  }
}

/** `ST5`, `MT3` (2048 + 3) or a number → the table id. */
export function tableId(text: string): number {
  const m = /^(st|mt)?(\d+)$/i.exec(text.trim());
  if (m === null) throw usage(`${text} is not a table (expected e.g. 5, ST5 or MT3)`);
  const n = Number(m[2]);
  const id = m[1]?.toLowerCase() === 'mt' ? MFG_TABLE_BASE + n : n;
  if (id > 0xffff) throw usage(`${text} is not a table number`);
  return id;
}

function tableName(id: number): string {
  return id >= MFG_TABLE_BASE ? `MT${id - MFG_TABLE_BASE}` : `ST${id}`;
}

interface ReadArgs extends AnsiArgs, OutputArgs {
  readonly table: string;
  readonly offset?: number | undefined;
  readonly count?: number | undefined;
  readonly raw: boolean;
}

interface IdentArgs extends AnsiArgs, OutputArgs {}

interface WriteArgs extends AnsiArgs {
  readonly table: string;
  readonly data: string;
  readonly offset?: number | undefined;
}

interface ProcArgs extends AnsiArgs, OutputArgs {
  readonly procedure: number;
  readonly params?: string | undefined;
  readonly mfg: boolean;
}

function ansiCommands(ctx: CommandContext, protocol: AnsiProtocol): CommandModule<object, never>[] {
  const where = protocol === 'c1218' ? '--serial /dev/ttyUSB0 --optical' : '--tcp 127.0.0.1:1153';
  const ident: CommandModule<object, IdentArgs> = {
    command: 'ident',
    describe: 'Identify the device (standard, version, features) and read ST1 (manufacturer)',
    builder: (y: Argv<object>) =>
      withOutputOptions(withAnsiOptions(y, protocol), { tabular: false })
        .example(`$0 ${protocol} ident ${where}`, 'who is there')
        .example(`$0 ${protocol} ident ${where} --json`, 'as JSON') as Argv<IdentArgs>,
    handler: async (args) => {
      const { identification, st1 } = await withAnsiClient(
        ctx,
        protocol,
        args,
        async (client, identification) => {
          const store = new TableStore([[0, await client.readTable(0)]]);
          store.write(1, await client.readTable(1));
          return { identification, st1: store.decode(1) };
        },
      );
      if (args.json) ctx.io.out(jsonLine({ identification: identification ?? null, st1 }));
      else {
        const c = ctx.colors;
        ctx.io.out(
          `${[
            ...renderTree(toJsonValue({ identification: identification ?? null }), {
              key: c.cyan,
              value: (s) => s,
              dim: c.dim,
            }),
            ...renderTree(toJsonValue({ ST1: st1 }), { key: c.cyan, value: (s) => s, dim: c.dim }),
          ].join('\n')}\n`,
        );
      }
      ctx.exitCode = ExitCode.Ok;
    },
  };
  const read: CommandModule<object, ReadArgs> = {
    command: 'read <table>',
    describe:
      'Read a table, decoded with the ST0 context (raw with --raw or for tables meterkit does not decode)',
    builder: (y: Argv<object>) =>
      withOutputOptions(
        withAnsiOptions(
          y
            .positional('table', { type: 'string', demandOption: true, describe: 'table: 5, ST5, MT3' })
            .option('offset', { type: 'number', describe: 'partial read from this octet (raw)' })
            .option('count', { type: 'number', describe: 'octets to read with --offset' })
            .option('raw', {
              type: 'boolean',
              default: false,
              describe: 'print the bytes, not the decoded table',
            }),
          protocol,
        ),
        { tabular: false },
      )
        .example(`$0 ${protocol} read ${where} ST23`, 'current register data, decoded')
        .example(`$0 ${protocol} read ${where} --raw ST1`, 'hex dump') as Argv<ReadArgs>,
    handler: async (args) => {
      const id = tableId(args.table);
      if ((args.offset === undefined) !== (args.count === undefined))
        throw usage('--offset and --count go together');
      const out = await withAnsiClient(ctx, protocol, args, async (client) => {
        if (args.offset !== undefined)
          return {
            bytes: await client.readTable(id, { offset: args.offset, count: args.count as number }),
            decoded: undefined,
          };
        const bytes = await client.readTable(id);
        if (args.raw || !DECODED_STANDARD_TABLES.has(id)) return { bytes, decoded: undefined };
        const store = new TableStore([[0, id === 0 ? bytes : await client.readTable(0)]]);
        const dependency = DECODED_STANDARD_TABLES.get(id);
        if (dependency) {
          const depId = Number(dependency.slice(2));
          if (depId !== 0) store.write(depId, await client.readTable(depId));
        }
        store.write(id, bytes);
        return { bytes, decoded: store.decode(id) };
      });
      if (args.json)
        ctx.io.out(
          jsonLine({
            table: tableName(id),
            bytes: out.bytes,
            ...(out.decoded === undefined ? {} : { decoded: out.decoded }),
          }),
        );
      else if (out.decoded === undefined)
        ctx.io.out(
          `${ctx.colors.bold(`${tableName(id)}`)} ${out.bytes.length} octets\n${hexDump(out.bytes)}\n`,
        );
      else {
        const c = ctx.colors;
        ctx.io.out(
          `${[c.bold(tableName(id)), ...renderTree(toJsonValue(out.decoded, { raw: false }), { key: c.cyan, value: (s) => s, dim: c.dim }, 2)].join('\n')}\n`,
        );
      }
      ctx.exitCode = ExitCode.Ok;
    },
  };
  const write: CommandModule<object, WriteArgs> = {
    command: 'write <table> <data>',
    describe: 'Write a table (or part of it from --offset) with raw bytes',
    builder: (y: Argv<object>) =>
      withAnsiOptions(
        y
          .positional('table', { type: 'string', demandOption: true, describe: 'table: 5, ST5, MT3' })
          .positional('data', { type: 'string', demandOption: true, describe: 'hex, or @file of bytes' })
          .option('offset', { type: 'number', describe: 'partial write from this octet' }),
        protocol,
      )
        .example(`$0 ${protocol} write ${where} ST6 --offset 0 4d4b54`, 'three octets at the start of ST6')
        .example(
          `METERKIT_PASSWORD=secret $0 ${protocol} write ${where} MT0 @table.bin`,
          'a whole table from a file',
        ) as Argv<WriteArgs>,
    handler: async (args) => {
      const id = tableId(args.table);
      let data: Uint8Array;
      if (args.data.startsWith('@')) {
        try {
          data = new Uint8Array(readFileSync(args.data.slice(1)));
        } catch (e) {
          throw new MeterkitError(
            ErrorCode.InputUnreadable,
            `cannot read ${args.data.slice(1)}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
          );
        }
      } else data = fromHex(args.data);
      await withAnsiClient(ctx, protocol, args, (client) =>
        client.writeTable(id, data, args.offset === undefined ? undefined : { offset: args.offset }),
      );
      ctx.io.err(`meterkit: ${tableName(id)}: ${data.length} octets written\n`);
      ctx.exitCode = ExitCode.Ok;
    },
  };
  const proc: CommandModule<object, ProcArgs> = {
    command: 'proc <procedure>',
    describe: 'Run a procedure through ST7/ST8 (standard, or manufacturer with --mfg)',
    builder: (y: Argv<object>) =>
      withOutputOptions(
        withAnsiOptions(
          y
            .positional('procedure', {
              type: 'number',
              demandOption: true,
              describe: 'procedure number, e.g. 9 (remote reset)',
            })
            .option('params', { type: 'string', describe: 'parameters as hex' })
            .option('mfg', { type: 'boolean', default: false, describe: 'a manufacturer procedure' }),
          protocol,
        ),
        { tabular: false },
      )
        .example(`$0 ${protocol} proc ${where} 9 --params 01`, 'SP9 remote reset (demand reset)')
        .example(`$0 ${protocol} proc ${where} --mfg 3`, 'manufacturer procedure 3') as Argv<ProcArgs>,
    handler: async (args) => {
      const parameters = args.params === undefined ? new Uint8Array(0) : fromHex(args.params);
      const result = await withAnsiClient(ctx, protocol, args, (client) =>
        client.runProcedure({ type: 'raw', number: args.procedure, manufacturer: args.mfg, parameters }),
      );
      if (args.json) ctx.io.out(jsonLine(result));
      else
        ctx.io.out(
          `${renderFields(
            [
              ['procedure', `${args.mfg ? 'MP' : 'SP'}${result.procedure}`],
              ['result', `${result.resultCode} ${result.resultName}`],
              ['response', result.responseData.length === 0 ? '(none)' : hexDump(result.responseData)],
            ],
            ctx.colors.cyan,
          ).join('\n')}\n`,
        );
      ctx.exitCode = ExitCode.Ok;
    },
  };
  return [ident, read, write, proc] as unknown as CommandModule<object, never>[];
}

/** `meterkit c1218 ...` (optical probe) and `meterkit c1222 ...` (TCP/UDP). */
export function ansiCommand(ctx: CommandContext, protocol: AnsiProtocol): CommandModule<object, object> {
  return {
    command: protocol,
    describe:
      protocol === 'c1218'
        ? 'ANSI C12.18 over an optical probe (or a serial line): ident, read, write, proc'
        : 'ANSI C12.22 over TCP/UDP with security modes 0-2: ident, read, write, proc',
    builder: (y: Argv<object>) => {
      let a = y;
      for (const c of ansiCommands(ctx, protocol)) a = a.command(c);
      const where = protocol === 'c1218' ? '--serial /dev/ttyUSB0 --optical' : '--tcp 127.0.0.1:1153';
      return a
        .demandCommand(1, `name a ${protocol} command (see meterkit ${protocol} --help)`)
        .example(`$0 ${protocol} ident ${where}`, 'identify the meter')
        .example(`$0 ${protocol} read ${where} ST23`, 'current register data');
    },
    handler: () => {},
  };
}

interface SimulateAnsiArgs extends SimulateTlsArgs {
  readonly tcp?: string | undefined;
  readonly udp?: string | undefined;
  readonly serial?: string | undefined;
  readonly profile?: string | undefined;
  readonly duration?: number | undefined;
}

/** `meterkit simulate ansi`: a simulated C12.19 meter on C12.22 TCP/UDP and C12.18 serial. */
export function simulateAnsiCommand(ctx: CommandContext): CommandModule<object, SimulateAnsiArgs> {
  return {
    command: 'ansi',
    describe:
      'An ANSI C12.19 meter: C12.22 on --tcp/--udp (TLS with --tls), C12.18 on --serial (a pty works)',
    builder: (y: Argv<object>) =>
      withSimulateTlsOptions(y)
        .option('tcp', { type: 'string', describe: 'C12.22 over TCP on host:port (e.g. 127.0.0.1:1153)' })
        .option('udp', { type: 'string', describe: 'C12.22 over UDP on host:port' })
        .option('serial', { type: 'string', describe: 'C12.18 on a serial port or pty' })
        .option('profile', { type: 'string', describe: 'meter profile (JSON); default: the built-in meter' })
        .option('duration', {
          type: 'number',
          describe: 'stop after this many seconds (default: until Ctrl-C)',
        })
        .example('$0 simulate ansi --tcp 127.0.0.1:1153', 'a C12.22 meter')
        .example(
          '$0 simulate ansi --tcp 127.0.0.1:1153 --tls --cert meter.pem --key-file meter.key --ca ca.pem',
          'C12.22 inside mutual TLS',
        )
        .example(
          '$0 simulate ansi --serial /tmp/meter',
          'a C12.18 meter on one end of a socat pty pair',
        ) as Argv<SimulateAnsiArgs>,
    handler: async (args) => {
      if (args.tcp === undefined && args.udp === undefined && args.serial === undefined) {
        throw usage('say where to listen: --tcp host:port, --udp host:port or --serial PATH');
      }
      const tls = simulatorTlsSettings(args, args.tcp);
      let profile: AnsiMeterProfile = {};
      if (args.profile !== undefined) {
        let text: string;
        try {
          text = readFileSync(args.profile, 'utf8');
        } catch (e) {
          throw new MeterkitError(
            ErrorCode.InputUnreadable,
            `--profile ${args.profile}: cannot read it: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
          );
        }
        try {
          profile = parseAnsiMeterProfile(text);
        } catch (e) {
          throw usage(`--profile ${args.profile}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      const meter = new AnsiMeter(profile);
      const closers: (() => Promise<void>)[] = [];
      const where: string[] = [];
      try {
        if (args.tcp !== undefined) {
          const hp = parseHostPort(args.tcp, 'tcp', 1153);
          const listener = tls === undefined ? await listenTcp(hp) : await listenTls({ ...hp, tls });
          serveC1222Listener(listener, meter);
          closers.push(() => listener.close());
          const a = listener.address();
          where.push(
            `${tls === undefined ? 'tcp' : 'tls'}://${a.address}:${a.port} (C12.22${tls?.requestCert === true ? ', client certificates required' : ''})`,
          );
        }
        if (args.udp !== undefined) {
          const endpoint = await bindUdp(parseHostPort(args.udp, 'udp', 1153));
          serveC1222Udp(endpoint, meter);
          closers.push(() => endpoint.close());
          const a = endpoint.address();
          where.push(`udp://${a.address}:${a.port} (C12.22)`);
        }
        if (args.serial !== undefined) {
          const port: Transport & { setBaudRate(b: number): Promise<void> } = new SerialTransport({
            path: args.serial,
            baudRate: 9600,
            lock: false,
          });
          await port.open();
          serveC1218(port, meter);
          closers.push(() => port.close());
          where.push(`serial://${args.serial} (C12.18)`);
        }
        ctx.io.out(
          `meterkit simulate ansi: ${profile.name ?? 'meter'} (AP title ${profile.apTitle ?? DEFAULT_METER_AP_TITLE}) on ${where.join(', ')}\n`,
        );
        const why = await untilStopped(args.duration);
        ctx.io.err(`meterkit simulate ansi: stopped (${why})\n`);
      } catch (e) {
        if (e instanceof MeterkitError && Math.floor(e.code / 100) === 5) {
          throw new MeterkitError(e.code, `${e.message} (is the port in use? pick another address)`, {
            cause: e,
          });
        }
        throw e;
      } finally {
        for (const close of closers) await close().catch(() => undefined);
      }
      ctx.exitCode = ExitCode.Ok;
    },
  };
}
