import { isIPv4 } from 'node:net';
import { ErrorCode, type JsonValue, MeterkitError, toJsonValue } from '@meterkit/core';
import {
  decodeXml,
  type SepClientResponse,
  type SepClientTransport,
  type SepTlsCredentials,
} from '@meterkit/ieee2030-5';
import { createColors } from 'picocolors';
import type { Argv, CommandModule } from 'yargs';
import { httpPrinter } from '../connection/http-printer.js';
import { readPemOption } from '../connection/pem-option.js';
import { createObservedSepTransport } from '../connection/sep-transport.js';
import { WireCapture } from '../connection/wire-capture.js';
import { ExitCode } from '../exit-codes.js';
import { readDecodeInput } from '../input.js';
import { type OutputArgs, withOutputOptions } from '../output/format.js';
import { jsonLine } from '../output/json-lines.js';
import { renderTable } from '../output/table.js';
import { renderTree } from '../output/tree.js';
import type { CommandContext } from './context.js';

/** TLS and timing options of the 2030.5 client commands. */
interface SepClientArgs {
  readonly cert?: string | undefined;
  readonly 'key-file'?: string | undefined;
  readonly chain?: string | undefined;
  readonly ca?: string | undefined;
  readonly timeout?: number | undefined;
  readonly capture?: string | undefined;
  readonly verbose?: number | undefined;
}

const GROUP = 'TLS (https):';
const TRACE_GROUP = 'Tracing:';

function withSepClientOptions<T>(y: Argv<T>): Argv<T & SepClientArgs> {
  return y
    .option('cert', { type: 'string', describe: 'client (device) certificate, PEM', group: GROUP })
    .option('key-file', { type: 'string', describe: 'its private key, PEM', group: GROUP })
    .option('chain', {
      type: 'string',
      describe: 'intermediate certificates sent after it (MICA, MCA), PEM',
      group: GROUP,
    })
    .option('ca', { type: 'string', describe: 'trusted SERCA, PEM', group: GROUP })
    .option('timeout', { type: 'number', describe: 'per-request timeout in ms (default 10000)' })
    .option('capture', {
      type: 'string',
      describe:
        'record the connection to a pcapng file: the TCP bytes as they crossed the wire (TLS records) and the TLS session keys, so Wireshark decrypts it',
      group: TRACE_GROUP,
    })
    .option('verbose', {
      alias: 'v',
      type: 'count',
      describe:
        'print HTTP messages as they pass: -v start lines and headers, -vv also the decoded XML (stderr)',
      group: TRACE_GROUP,
    }) as Argv<T & SepClientArgs>;
}

function usage(message: string): MeterkitError {
  return new MeterkitError(ErrorCode.InvalidArgument, message);
}

/** Parses the URL argument. */
function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usage(`${text} is not a URL (expected e.g. https://server:8443/dcap)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw usage(`${text}: only https:// and http:// are supported`);
  return url;
}

/** A client transport and what to finish when the command ends. */
interface OpenedTransport {
  readonly transport: SepClientTransport;
  /** Closes the connections, then the capture file. */
  close(): void;
}

/**
 * An HTTP(S) transport for `url`'s server: https needs --cert, --key-file and --ca (IEEE 2030.5
 * §6.11 mutual TLS). `--capture` records every connection (TLS records and the session keys in a
 * Decryption Secrets Block); `-v`/`-vv` print the HTTP messages on stderr.
 */
function transportFor(ctx: CommandContext, url: URL, args: SepClientArgs): OpenedTransport {
  let tls: SepTlsCredentials | undefined;
  if (url.protocol === 'https:') {
    if (args.cert === undefined || args['key-file'] === undefined || args.ca === undefined) {
      throw usage(
        'https needs the device credentials: --cert device.pem --key-file device.key --ca serca.pem (see meterkit sep pki init)',
      );
    }
    tls = {
      certificate: readPemOption(args.cert, 'cert'),
      key: readPemOption(args['key-file'], 'key-file'),
      serca: readPemOption(args.ca, 'ca'),
      ...(args.chain === undefined ? {} : { chain: readPemOption(args.chain, 'chain') }),
    };
  }
  const capture =
    args.capture === undefined
      ? undefined
      : new WireCapture(args.capture, `meterkit ieee2030-5 session with ${url.origin}`);
  const verbosity = args.verbose ?? 0;
  const transport = createObservedSepTransport({
    baseUrl: url.origin,
    tls,
    timeoutMs: args.timeout,
    wire:
      capture === undefined
        ? undefined
        : (info) =>
            capture.connection({
              server: { address: isIPv4(info.host) ? info.host : '10.0.0.2', port: info.port },
              tls: info.tls,
            }),
    trace:
      verbosity === 0
        ? undefined
        : httpPrinter({
            write: ctx.io.err,
            verbosity,
            colors: createColors(ctx.io.stderrIsTTY && !ctx.io.env['NO_COLOR']),
          }),
  });
  return {
    transport,
    close: () => {
      try {
        transport.close();
      } finally {
        capture?.close();
      }
    },
  };
}

/** Adds what to try to network failures. */
function networkHint(e: unknown, url: URL): unknown {
  if (!(e instanceof MeterkitError) || Math.floor(e.code / 100) !== 5) return e;
  const tls =
    url.protocol === 'https:' ? '; for TLS check --ca (the SERCA), --cert/--key-file and --chain' : '';
  return new MeterkitError(e.code, `${e.message} (is the server running at ${url.origin}?${tls})`, {
    cause: e,
  });
}

/** A failed status as an error with advice; exit 4 for 401/403, else 1. */
function statusError(method: string, path: string, status: number): MeterkitError {
  if (status === 401 || status === 403) {
    return new MeterkitError(
      ErrorCode.AuthenticationFailed,
      `${method} ${path}: HTTP ${status}: the server refused this client (check the certificate and that its LFDI is registered)`,
    );
  }
  const hint =
    status === 404
      ? ' (meterkit sep walk lists the resources)'
      : status === 405
        ? ' (the resource does not allow this method)'
        : '';
  return new MeterkitError(ErrorCode.Rejected, `${method} ${path}: HTTP ${status}${hint}`);
}

/** The decoded document of a response, or undefined for an empty body. */
function decodeBody(res: SepClientResponse): { type: string; resource: unknown } | undefined {
  if (res.body.length === 0) return undefined;
  const d = decodeXml(res.body);
  return { type: d.type, resource: d.resource };
}

interface RequestArgs extends SepClientArgs, OutputArgs {
  readonly url: string;
  readonly data?: string | undefined;
  readonly xml: boolean;
}

function requestCommand(
  ctx: CommandContext,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
): CommandModule<object, RequestArgs> {
  const lower = method.toLowerCase();
  const withBody = method === 'POST' || method === 'PUT';
  return {
    command: `${lower} <url>`,
    describe: `${method} a 2030.5 resource${withBody ? ' with an XML body' : ''} and print the decoded answer`,
    builder: (y: Argv<object>) => {
      let a = withSepClientOptions(
        y.positional('url', { type: 'string', demandOption: true, describe: 'resource URL' }),
      ).option('xml', { type: 'boolean', default: false, describe: 'print the response body as it came' });
      if (withBody)
        a = a.option('data', {
          type: 'string',
          demandOption: true,
          describe: 'the XML body: @file, - for stdin, or the text',
        });
      return withOutputOptions(a, { tabular: false })
        .example(
          `$0 sep ${lower} --cert dev.pem --key-file dev.key --ca serca.pem https://127.0.0.1:8443/${withBody ? 'edev/1/der/1/ders --data @status.xml' : 'dcap'}`,
          `${method} over mutual TLS`,
        )
        .example(
          `$0 sep ${lower} --json http://127.0.0.1:8080/${withBody ? 'edev --data @edev.xml' : 'tm'}`,
          'plain HTTP test server, JSON form',
        )
        .example(
          `$0 sep ${lower} -vv --capture s.pcapng --cert dev.pem --key-file dev.key --ca serca.pem https://127.0.0.1:8443/${withBody ? 'edev --data @edev.xml' : 'tm'}`,
          'print the HTTP messages and record the TLS session with its keys (tshark -r s.pcapng -Y http)',
        ) as Argv<RequestArgs>;
    },
    handler: async (args) => {
      const url = parseUrl(args.url);
      let body: string | undefined;
      if (withBody && args.data !== undefined) {
        const input =
          args.data.startsWith('@') || args.data === '-'
            ? await readDecodeInput(args.data === '-' ? '-' : args.data, ctx.io)
            : undefined;
        body = input === undefined ? args.data : (input.text ?? new TextDecoder().decode(input.bytes));
        if (!body.trimStart().startsWith('<')) throw usage('--data must be an XML document');
        decodeXml(body);
      }
      const opened = transportFor(ctx, url, args);
      let res: SepClientResponse;
      try {
        res = await opened.transport.request(method, url.pathname + url.search, body);
      } catch (e) {
        throw networkHint(e, url);
      } finally {
        opened.close();
      }
      if (res.status >= 300) throw statusError(method, url.pathname, res.status);
      const location = res.headers['location'];
      if (args.xml) {
        ctx.io.out(new TextDecoder().decode(res.body));
        if (res.body.length > 0 && res.body[res.body.length - 1] !== 0x0a) ctx.io.out('\n');
      } else {
        const doc = decodeBody(res);
        if (args.json) {
          ctx.io.out(
            jsonLine({ status: res.status, ...(location === undefined ? {} : { location }), ...(doc ?? {}) }),
          );
        } else {
          const c = ctx.colors;
          const lines = [
            `${c.bold(`HTTP ${res.status}`)}${doc === undefined ? '' : ` ${doc.type}`}${location === undefined ? '' : `  Location: ${location}`}`,
          ];
          if (doc !== undefined)
            lines.push(
              ...renderTree(toJsonValue(doc.resource), { key: c.cyan, value: (s) => s, dim: c.dim }, 2),
            );
          ctx.io.out(`${lines.join('\n')}\n`);
        }
      }
      ctx.exitCode = ExitCode.Ok;
    },
  };
}

/** Every `href` in a decoded resource (links, list entries), in document order. */
export function hrefsOf(value: JsonValue, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value as JsonValue[]) hrefsOf(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'href' && typeof v === 'string') out.push(v);
      else hrefsOf(v, out);
    }
  }
  return out;
}

interface WalkArgs extends SepClientArgs, OutputArgs {
  readonly url: string;
  readonly max: number;
  readonly depth: number;
}

interface WalkNode {
  readonly href: string;
  readonly depth: number;
  readonly status: number;
  readonly type?: string | undefined;
  readonly parent?: string | undefined;
}

function walkCommand(ctx: CommandContext): CommandModule<object, WalkArgs> {
  return {
    command: 'walk <url>',
    describe: 'GET a resource and every resource it links to, as a tree (from /dcap: the whole server)',
    builder: (y: Argv<object>) =>
      withOutputOptions(
        withSepClientOptions(
          y.positional('url', { type: 'string', demandOption: true, describe: 'start URL, usually …/dcap' }),
        )
          .option('max', { type: 'number', default: 200, describe: 'most resources to fetch' })
          .option('depth', { type: 'number', default: 8, describe: 'deepest link level to follow' }),
        { tabular: true },
      )
        .example(
          '$0 sep walk --cert dev.pem --key-file dev.key --ca serca.pem https://127.0.0.1:8443/dcap',
          'the resource tree the device sees',
        )
        .example('$0 sep walk --json http://127.0.0.1:8080/dcap', 'one JSON line per resource')
        .example(
          '$0 sep walk -v --capture walk.pcapng --cert dev.pem --key-file dev.key --ca serca.pem https://127.0.0.1:8443/dcap',
          'each request and response on stderr; the TLS records and keys in walk.pcapng',
        ) as Argv<WalkArgs>,
    handler: async (args) => {
      const url = parseUrl(args.url);
      const opened = transportFor(ctx, url, args);
      const transport = opened.transport;
      const seen = new Set<string>([url.pathname]);
      const nodes: WalkNode[] = [];
      const visit = async (href: string, depth: number, parent: string | undefined): Promise<void> => {
        if (nodes.length >= args.max) return;
        let res: SepClientResponse;
        try {
          res = await transport.request('GET', href);
        } catch (e) {
          throw networkHint(e, url);
        }
        if (res.status !== 200) {
          if (depth === 0) throw statusError('GET', href, res.status);
          nodes.push({ href, depth, status: res.status, parent });
          return;
        }
        const doc = decodeBody(res);
        nodes.push({ href, depth, status: res.status, type: doc?.type, parent });
        if (doc === undefined || depth >= args.depth) return;
        for (const link of hrefsOf(toJsonValue(doc.resource))) {
          const path = new URL(link, url).pathname;
          if (seen.has(path)) continue;
          seen.add(path);
          await visit(path, depth + 1, href);
        }
      };
      try {
        await visit(url.pathname, 0, undefined);
      } finally {
        opened.close();
      }
      if (args.json) for (const n of nodes) ctx.io.out(jsonLine(n));
      else if (args.csv === true) {
        const { renderCsv } = await import('../output/csv.js');
        ctx.io.out(
          renderCsv(
            ['href', 'depth', 'status', 'type', 'parent'],
            nodes.map((n) => [n.href, n.depth, n.status, n.type ?? '', n.parent ?? '']),
          ),
        );
      } else {
        ctx.io.out(
          `${renderTable(
            [{ header: 'RESOURCE' }, { header: 'TYPE' }, { header: 'STATUS', align: 'right' }],
            nodes.map((n) => [`${'  '.repeat(n.depth)}${n.href}`, n.type ?? '', String(n.status)]),
            ctx.colors.bold,
          ).join(
            '\n',
          )}\n${nodes.length >= args.max ? ctx.colors.yellow(`stopped at --max ${args.max} resources\n`) : ''}`,
        );
      }
      ctx.exitCode = ExitCode.Ok;
    },
  };
}

/** `sep get|post|put|delete|walk`. */
export function sepHttpCommands(ctx: CommandContext): CommandModule<object, never>[] {
  return [
    walkCommand(ctx),
    requestCommand(ctx, 'GET'),
    requestCommand(ctx, 'POST'),
    requestCommand(ctx, 'PUT'),
    requestCommand(ctx, 'DELETE'),
  ] as unknown as CommandModule<object, never>[];
}
