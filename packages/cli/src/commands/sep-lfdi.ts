import { readFile } from 'node:fs/promises';
import { ErrorCode, MeterkitError } from '@meterkit/core';
import { deviceIdentity } from '@meterkit/ieee2030-5';
import type { Argv, CommandModule } from 'yargs';
import { ExitCode } from '../exit-codes.js';
import { renderCsv } from '../output/csv.js';
import { type OutputArgs, outputMode, withOutputOptions } from '../output/format.js';
import { jsonLine } from '../output/json-lines.js';
import { renderFields, renderTable } from '../output/table.js';
import type { CommandContext } from './context.js';

interface LfdiArgs extends OutputArgs {
  readonly certificates: readonly string[];
}

/** One certificate's identities. */
interface LfdiRow {
  readonly file: string;
  readonly lfdi: string;
  readonly sfdi: bigint;
}

/** Reads a certificate file (PEM or DER; `-` is standard input) and derives its LFDI and SFDI. */
export async function certificateIdentity(file: string, ctx: CommandContext): Promise<LfdiRow> {
  let raw: Uint8Array;
  try {
    raw = file === '-' || file === '@-' ? await ctx.io.readStdin() : new Uint8Array(await readFile(file));
  } catch (e) {
    throw new MeterkitError(
      ErrorCode.InputUnreadable,
      `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'} (check the path and its permissions)`,
    );
  }
  const text = new TextDecoder().decode(raw);
  const input = text.includes('-----BEGIN CERTIFICATE-----') ? text : raw;
  try {
    const id = deviceIdentity(input);
    return { file: file === '@-' ? '-' : file, lfdi: id.lfdi, sfdi: id.sfdi };
  } catch {
    throw new MeterkitError(
      ErrorCode.InvalidArgument,
      `${file} is not an X.509 certificate in PEM or DER form (a private key or a CSR has no LFDI)`,
    );
  }
}

/**
 * `meterkit sep lfdi <cert.pem|cert.der>...`: the IEEE 2030.5 LFDI (§6.3.4) and SFDI (§6.3.3)
 * of device certificates.
 */
export function sepLfdiCommand(ctx: CommandContext): CommandModule<object, LfdiArgs> {
  return {
    command: 'lfdi <certificates..>',
    describe: 'Print the LFDI and SFDI of certificates (PEM or DER)',
    builder: (y: Argv<object>) =>
      withOutputOptions(
        y.positional('certificates', {
          describe: 'certificate files, PEM or DER (- for standard input)',
          type: 'string',
          array: true,
          demandOption: true,
        }),
        { tabular: true },
      )
        .example('$0 sep lfdi device.pem', 'LFDI and SFDI of one device certificate')
        .example('$0 sep lfdi --json pki/*.pem', 'one JSON line per certificate')
        .example(
          '$0 sep lfdi --csv pki/device.pem pki/server.pem',
          'CSV for a spreadsheet',
        ) as Argv<LfdiArgs>,
    handler: async (args) => {
      const rows: LfdiRow[] = [];
      for (const file of args.certificates) rows.push(await certificateIdentity(file, ctx));
      const c = ctx.colors;
      switch (outputMode(args)) {
        case 'json':
          for (const r of rows) ctx.io.out(jsonLine({ file: r.file, lfdi: r.lfdi, sfdi: r.sfdi }));
          break;
        case 'csv':
          ctx.io.out(
            renderCsv(
              ['file', 'lfdi', 'sfdi'],
              rows.map((r) => [r.file, r.lfdi, r.sfdi]),
            ),
          );
          break;
        default:
          if (rows.length === 1) {
            const r = rows[0] as LfdiRow;
            ctx.io.out(
              `${renderFields(
                [
                  ['LFDI', r.lfdi],
                  ['SFDI', r.sfdi.toString()],
                ],
                c.cyan,
              ).join('\n')}\n`,
            );
          } else {
            ctx.io.out(
              `${renderTable(
                [{ header: 'FILE' }, { header: 'LFDI' }, { header: 'SFDI', align: 'right' }],
                rows.map((r) => [r.file, r.lfdi, r.sfdi.toString()]),
                c.bold,
              ).join('\n')}\n`,
            );
          }
      }
      ctx.exitCode = ExitCode.Ok;
    },
  };
}
