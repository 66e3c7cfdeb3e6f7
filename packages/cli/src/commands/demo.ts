import { fromHex, isMeterkitError, stringifyJson, toJsonValue } from '@meterkit/core';
import type { Argv, CommandModule } from 'yargs';
import { availableProtocols, decoderFor } from '../decode/registry.js';
import { DEMO_SAMPLES } from '../demo/samples.js';
import { ExitCode } from '../exit-codes.js';
import type { DecodeInput } from '../input.js';
import { renderTree } from '../output/tree.js';
import type { CommandContext } from './context.js';

interface DemoArgs {
  readonly json: boolean;
}

/**
 * `meterkit demo`: the README's first command. Today it decodes real captured frames of every
 * protocol whose codec has landed, through the same path as `meterkit decode`; it grows into the
 * three-simulator tour as the sessions land.
 */
export function demoCommand(ctx: CommandContext): CommandModule<object, DemoArgs> {
  return {
    command: 'demo',
    describe:
      'Decode built-in real meter captures of every protocol (and, as they land, probe the simulators)',
    builder: (y: Argv<object>) =>
      y
        .option('json', { type: 'boolean', default: false, describe: 'print one JSON document' })
        .example('$0 demo', 'the tour') as Argv<DemoArgs>,
    handler: (args) => {
      ctx.exitCode = runDemo(ctx, args);
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
