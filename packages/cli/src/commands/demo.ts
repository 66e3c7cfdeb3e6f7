import { fromHex, isMeterkitError, stringifyJson, toJsonValue } from '@meterkit/core';
import type { Argv, CommandModule } from 'yargs';
import { availableProtocols, decoderFor } from '../decode/registry.js';
import { DEMO_SAMPLES } from '../demo/samples.js';
import { runDemoTour } from '../demo/tour.js';
import { ExitCode } from '../exit-codes.js';
import type { DecodeInput } from '../input.js';
import { renderTree } from '../output/tree.js';
import type { CommandContext } from './context.js';

interface DemoArgs {
  readonly json: boolean;
  readonly capture?: string | undefined;
  readonly captures: boolean;
}

/**
 * `meterkit demo`: the README's first command. Starts the DLMS/COSEM, ANSI C12.22 and IEEE 2030.5
 * simulators in-process on loopback and probes each with the real client over a real socket
 * (`src/demo/tour.ts`); `--captures` instead decodes the built-in real meter captures.
 */
export function demoCommand(ctx: CommandContext): CommandModule<object, DemoArgs> {
  return {
    command: 'demo',
    describe: 'Start the DLMS, C12.22 and 2030.5 simulators on loopback and probe each with the real client',
    builder: (y: Argv<object>) =>
      y
        .option('json', { type: 'boolean', default: false, describe: 'print one JSON document' })
        .option('capture', {
          type: 'string',
          describe: 'write all three sessions to this pcapng file (one interface per session)',
        })
        .option('captures', {
          type: 'boolean',
          default: false,
          describe: 'instead, decode the built-in real captures of every protocol',
        })
        .example('$0 demo', 'the tour')
        .example('$0 demo --capture demo.pcapng', 'and record it for Wireshark')
        .example('$0 demo --captures', 'decode real captured frames') as Argv<DemoArgs>,
    handler: async (args) => {
      if (args.captures) {
        ctx.exitCode = runDemo(ctx, args);
        return;
      }
      await runDemoTour({ io: ctx.io, colors: ctx.colors, json: args.json, capture: args.capture });
      ctx.exitCode = ExitCode.Ok;
    },
  };
}

function runDemo(ctx: CommandContext, args: DemoArgs): number {
  const { io, colors: c } = ctx;
  const available = new Set(availableProtocols());
  const results: unknown[] = [];
  let failures = 0;
  if (!args.json) {
    io.out(`${c.bold('meterkit demo')}: decoding ${DEMO_SAMPLES.length} real captures\n\n`);
  }
  for (const sample of DEMO_SAMPLES) {
    const input: DecodeInput = sample.xml
      ? { bytes: new TextEncoder().encode(sample.xml), text: sample.xml, origin: sample.id }
      : { bytes: fromHex(sample.hex ?? ''), text: undefined, origin: sample.id };
    const keys = new Map(Object.entries(sample.keys ?? {}).map(([k, v]) => [k, fromHex(v)] as const));
    const head = `${c.bold(sample.id)} ${c.dim(`(${sample.protocol}; ${sample.source})`)}`;
    if (!available.has(sample.protocol)) {
      results.push({ id: sample.id, protocol: sample.protocol, status: 'codec-not-landed' });
      if (!args.json)
        io.out(`${head}\n    ${c.yellow(`the ${sample.protocol} codec has not landed yet`)}\n\n`);
      continue;
    }
    try {
      const r = decoderFor(sample.protocol).decode(input, { keys, lenient: true });
      results.push({
        id: sample.id,
        protocol: sample.protocol,
        status: 'decoded',
        layers: r.layers,
        notes: r.notes,
      });
      if (!args.json) {
        const lines = [head];
        for (const layer of r.layers) {
          lines.push(
            `  ${c.bold(layer.layer)}`,
            ...renderTree(
              toJsonValue(layer.value, { raw: false }),
              { key: c.cyan, value: (s) => s, dim: c.dim },
              4,
            ),
          );
        }
        for (const n of r.notes) lines.push(c.yellow(`  note: ${n}`));
        io.out(`${lines.join('\n')}\n\n`);
      }
    } catch (e) {
      if (!isMeterkitError(e)) throw e;
      failures++;
      results.push({ id: sample.id, protocol: sample.protocol, status: 'failed', error: e });
      if (!args.json) io.out(`${head}\n    ${c.red(e.toOneLine())}\n\n`);
    }
  }
  if (args.json) io.out(`${stringifyJson(results)}\n`);
  return failures === 0 ? ExitCode.Ok : ExitCode.ProtocolError;
}
