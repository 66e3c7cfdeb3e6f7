import { ErrorCode, MeterkitError, stringifyJson, toJsonValue } from '@meterkit/core';
import type { Argv, CommandModule } from 'yargs';
import { type C12DecodeContext, readC12TableOptions } from '../decode/c1222.js';
import { detectProtocol } from '../decode/detect.js';
import { PROTOCOLS, type ProtocolName } from '../decode/protocol-decoder.js';
import { decoderFor } from '../decode/registry.js';
import { ExitCode } from '../exit-codes.js';
import { parseKeys, readDecodeInput } from '../input.js';
import { renderTree } from '../output/tree.js';
import type { CommandContext } from './context.js';

interface DecodeArgs {
  readonly input: string;
  readonly protocol: 'auto' | ProtocolName;
  readonly key?: string | readonly string[] | undefined;
  readonly 'base-oid'?: string | undefined;
  readonly strict: boolean;
  readonly json: boolean;
  readonly table?: string | undefined;
  readonly st0?: string | undefined;
}

/**
 * `meterkit decode [--protocol auto|dlms|c1222|c1218|ieee2030-5] [--key NAME=HEX]... [--json] <hex | @file | ->`
 * (DESIGN.md, "The CLI decode contract").
 */
export function decodeCommand(ctx: CommandContext): CommandModule<object, DecodeArgs> {
  return {
    command: 'decode <input>',
    describe: 'Decode a frame, APDU or document of any supported protocol, every layer',
    builder: (y: Argv<object>) =>
      y
        .positional('input', {
          describe: 'hex (spaces/colons/0x allowed), @file (bytes, hex or XML) or - for stdin',
          type: 'string',
          demandOption: true,
        })
        .option('protocol', {
          alias: 'p',
          choices: ['auto', ...PROTOCOLS] as const,
          default: 'auto' as const,
          describe: 'protocol of the input; auto recognises HDLC, wrapper, APDUs, C12.22, C12.18 and XML',
        })
        .option('key', {
          alias: 'k',
          type: 'string',
          describe:
            'a key as NAME=HEX (repeat the option for more keys): ek, ak, st (DLMS), c1222:<key-id> (C12.22); never printed',
        })
        .option('base-oid', { type: 'string', describe: 'base OID for relative C12.22 AP titles' })
        .option('table', {
          type: 'string',
          describe:
            'C12.19 table a C12.22/C12.18 read response carries (23, ST23, MT5), decoded with the table engine',
        })
        .option('st0', {
          type: 'string',
          describe: 'ST0 (GEN_CONFIG_TBL) for --table: hex, @file or a file name',
        })
        .option('strict', {
          type: 'boolean',
          default: false,
          describe: 'reject real-meter deviations instead of decoding them leniently',
        })
        .option('json', { type: 'boolean', default: false, describe: 'print the JSON form' })
        .example('$0 decode 7ea0070321930f017e', 'an HDLC SNRM frame')
        .example('$0 decode --json @push.bin', 'a captured frame from a file, as JSON')
        .example(
          '$0 decode --key ek=000102030405060708090a0b0c0d0e0f -',
          'a ciphered APDU from stdin',
        ) as Argv<DecodeArgs>,
    handler: async (args) => {
      ctx.exitCode = await runDecode(ctx, args);
    },
  };
}

async function runDecode(ctx: CommandContext, args: DecodeArgs): Promise<number> {
  const { io } = ctx;
  const keys = parseKeys(args.key === undefined ? [] : typeof args.key === 'string' ? [args.key] : args.key);
  const input = await readDecodeInput(args.input, io);
  const protocol = args.protocol === 'auto' ? detectProtocol(input) : args.protocol;
  if (protocol === undefined) {
    throw new MeterkitError(
      ErrorCode.UnknownProtocol,
      'cannot tell the protocol of this input: pass --protocol dlms|c1222|c1218|ieee2030-5',
      { offset: 0 },
    );
  }
  const decodeContext: C12DecodeContext = {
    keys,
    baseOid: args['base-oid'],
    lenient: !args.strict,
    ...(await readC12TableOptions(args, io)),
  };
  const result = decoderFor(protocol).decode(input, decodeContext);
  if (args.json) {
    io.out(`${stringifyJson({ protocol: result.protocol, layers: result.layers, notes: result.notes })}\n`);
  } else {
    const c = ctx.colors;
    const lines: string[] = [c.bold(`${result.protocol}`)];
    for (const layer of result.layers) {
      const tree = toJsonValue(layer.value);
      const sub = renderTree(tree, { key: c.cyan, value: (s) => s, dim: c.dim }, 4);
      lines.push(`  ${c.bold(layer.layer)}`, ...sub);
    }
    for (const note of result.notes) lines.push(c.yellow(`note: ${note}`));
    io.out(`${lines.join('\n')}\n`);
  }
  return ExitCode.Ok;
}
