import { ErrorCode, isMeterkitError, MeterkitError, toJsonValue } from '@meterkit/core';
import { bindUdp, listenTcp, SerialTransport, type Transport } from '@meterkit/core/transport';
import { HdlcDeframer } from '@meterkit/dlms';
import type { Argv, CommandModule } from 'yargs';
import '../decode/adapters.js';
import { parseHostPort } from '../connection/endpoint.js';
import { type CredentialArgs, loadCredentials, withCredentialOptions } from '../credentials/options.js';
import { decoderFor } from '../decode/registry.js';
import { ExitCode } from '../exit-codes.js';
import { type OutputArgs, withOutputOptions } from '../output/format.js';
import { jsonLine } from '../output/json-lines.js';
import { renderTree } from '../output/tree.js';
import type { CommandContext } from './context.js';
import { untilStopped } from './run-until.js';

interface PushListenArgs extends CredentialArgs, OutputArgs {
  readonly tcp?: string | undefined;
  readonly udp?: string | undefined;
  readonly serial?: string | undefined;
  readonly baud: number;
  readonly count?: number | undefined;
  readonly duration?: number | undefined;
}

/**
 * Splits a TCP byte stream into IEC 62056-47 wrapper PDUs (8-octet header, length in octets 6–7).
 * Returns the complete PDUs and keeps the rest.
 */
export class WrapperStreamSplitter {
  private pending = new Uint8Array(0);

  push(chunk: Uint8Array): Uint8Array[] {
    const buf = new Uint8Array(this.pending.length + chunk.length);
    buf.set(this.pending);
    buf.set(chunk, this.pending.length);
    const out: Uint8Array[] = [];
    let at = 0;
    while (buf.length - at >= 8) {
      const length = ((buf[at + 6] as number) << 8) | (buf[at + 7] as number);
      if (buf.length - at < 8 + length) break;
      out.push(buf.slice(at, at + 8 + length));
      at += 8 + length;
    }
    this.pending = buf.slice(at);
    return out;
  }
}

/** `meterkit dlms push listen`: prints data-notifications (IEC 62056-5-3 §8) as they arrive. */
export function dlmsPushCommand(ctx: CommandContext): CommandModule<object, object> {
  const listen: CommandModule<object, PushListenArgs> = {
    command: 'listen',
    describe:
      'Receive pushed data-notifications on TCP or UDP (wrapper) or a serial port (HDLC) and print them',
    builder: (y: Argv<object>) =>
      withOutputOptions(
        withCredentialOptions(
          y
            .option('tcp', { type: 'string', describe: 'listen on host:port (wrapper over TCP)' })
            .option('udp', { type: 'string', describe: 'listen on host:port (wrapper over UDP)' })
            .option('serial', { type: 'string', describe: 'read HDLC frames from a serial port' })
            .option('baud', { type: 'number', default: 9600, describe: 'with --serial' })
            .option('count', { type: 'number', describe: 'stop after this many notifications' })
            .option('duration', { type: 'number', describe: 'stop after this many seconds' }),
          'ek, ak to decrypt ciphered notifications',
        ),
        { tabular: false },
      )
        .example('$0 dlms push listen --tcp 0.0.0.0:4059', 'print pushes as they come, until Ctrl-C')
        .example(
          '$0 dlms push listen --udp 127.0.0.1:4059 --json --count 1 --key ek=… --key ak=…',
          'one ciphered push as a JSON line',
        ) as Argv<PushListenArgs>,
    handler: async (args) => {
      const { credentials } = loadCredentials(args, ctx.io);
      const keys = new Map<string, Uint8Array>();
      for (const name of ['ek', 'ak', 'st']) {
        const s = credentials.get(name);
        if (s !== undefined) keys.set(name, s.reveal());
      }
      const given = [args.tcp, args.udp, args.serial].filter((v) => v !== undefined);
      if (given.length !== 1) {
        throw new MeterkitError(
          ErrorCode.InvalidArgument,
          'listen on one of --tcp host:port, --udp host:port or --serial PATH',
        );
      }
      let received = 0;
      let stop: (why: string) => void = () => {};
      const stopped = new Promise<string>((resolve) => {
        stop = resolve;
      });
      const show = (bytes: Uint8Array, from: string): void => {
        const at = new Date().toISOString();
        try {
          const r = decoderFor('dlms').decode(
            { bytes, text: undefined, origin: from },
            { keys, lenient: true },
          );
          if (args.json) ctx.io.out(jsonLine({ received: at, from, layers: r.layers, notes: r.notes }));
          else {
            const c = ctx.colors;
            const lines = [`${c.bold(at)} ${c.dim(`from ${from}, ${bytes.length} bytes`)}`];
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
            ctx.io.out(`${lines.join('\n')}\n`);
          }
        } catch (e) {
          if (!isMeterkitError(e)) throw e;
          if (args.json) ctx.io.out(jsonLine({ received: at, from, bytes, error: e.toOneLine() }));
          else ctx.io.out(`${at} from ${from}: ${bytes.length} bytes not decoded: ${e.toOneLine()}\n`);
        }
        received++;
        if (args.count !== undefined && received >= args.count) stop('count');
      };
      const closers: (() => Promise<void>)[] = [];
      let where: string;
      if (args.tcp !== undefined) {
        const listener = await listenTcp(parseHostPort(args.tcp, 'tcp', 4059));
        listener.onConnection((conn: Transport) => {
          const splitter = new WrapperStreamSplitter();
          conn.onData((chunk) => {
            for (const pdu of splitter.push(chunk)) show(pdu, conn.name);
          });
        });
        closers.push(() => listener.close());
        const a = listener.address();
        where = `tcp://${a.address}:${a.port}`;
      } else if (args.udp !== undefined) {
        const endpoint = await bindUdp(parseHostPort(args.udp, 'udp', 4059));
        endpoint.onDatagram((d) => show(d.data, `udp://${d.remote.address}:${d.remote.port}`));
        closers.push(() => endpoint.close());
        const a = endpoint.address();
        where = `udp://${a.address}:${a.port}`;
      } else {
        const port = new SerialTransport({ path: args.serial as string, baudRate: args.baud, lock: false });
        await port.open();
        const deframer = new HdlcDeframer();
        port.onData((chunk) => {
          for (const item of deframer.push(chunk)) {
            if (item.type === 'frame' && item.frame.raw !== undefined) show(item.frame.raw, port.name);
          }
        });
        closers.push(() => port.close());
        where = port.name;
      }
      ctx.io.err(`meterkit dlms push listen: waiting for data-notifications on ${where}\n`);
      const why = await Promise.race([stopped, untilStopped(args.duration)]);
      for (const close of closers) await close().catch(() => undefined);
      ctx.io.err(`meterkit dlms push listen: ${received} received, stopped (${why})\n`);
      ctx.exitCode = ExitCode.Ok;
    },
  };
  return {
    command: 'push',
    describe: 'Pushed data-notifications: listen',
    builder: (y: Argv<object>) =>
      y
        .command(listen)
        .demandCommand(1, 'name a push command: listen')
        .example('$0 dlms push listen --tcp 0.0.0.0:4059', 'print pushes'),
    handler: () => {},
  };
}
