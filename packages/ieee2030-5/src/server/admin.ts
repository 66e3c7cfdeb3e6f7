/**
 * Admin API of the IEEE 2030.5 test server: plain HTTP with JSON bodies, bound to the loopback
 * interface only, to drive a lab run from scripts (inject DERControls, set defaults and rates,
 * register devices) and read what happened (exchanges, Responses, received resources). The same
 * operations are methods of `SepTestServer`.
 *
 * | method | path | body / query | effect |
 * |---|---|---|---|
 * | POST | `/admin/derc` | `{ program, control }` | `addDERControl` → `{ href }` |
 * | POST | `/admin/derc/cancel` | `{ href, randomized? }` | `cancelDERControl` |
 * | POST | `/admin/dderc` | `{ program, control }` | `setDefaultDERControl` → `{ href }` |
 * | POST | `/admin/dderc/clear` | `{ program }` | `clearDefaultDERControl` |
 * | POST | `/admin/resource` | `{ href, resource }` | `updateResource` (merge fields, notify) |
 * | POST | `/admin/list-entry` | `{ list, resource }` | `addListEntry` → `{ href }` |
 * | POST | `/admin/derp` | ProgramConfig | `addProgram` → `{ href }` |
 * | POST | `/admin/edev` | EndDeviceConfig | `registerEndDevice` → `{ href }` |
 * | POST | `/admin/edev-derp` | `{ endDevice, program }` (href, ProgramConfig) | `addEndDeviceProgram` → `{ href }` |
 * | POST | `/admin/poll-rate` | `{ href, pollRate }` | `setPollRate` |
 * | POST | `/admin/post-rate` | `{ href, postRate }` | `setPostRate` |
 * | DELETE | `/admin/resource?href=…` | | `deleteResource` |
 * | GET | `/admin/resource?href=…` | | the stored representation (JSON form) |
 * | GET | `/admin/exchanges`, `/admin/responses`, `/admin/received`, `/admin/subscriptions` | | records |
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, isMeterkitError, MeterkitError } from '@meterkit/core';
import type { EndDeviceConfig, ProgramConfig } from './config.js';
import { resourceToJson } from './json.js';
import type { SepTestServer } from './server.js';

/** A running admin endpoint. */
export interface RunningAdmin {
  readonly url: string;
  readonly port: number;
  readonly close: () => Promise<void>;
}

type Json = Record<string, unknown>;

function str(body: Json, key: string): string {
  const v = body[key];
  if (typeof v !== 'string') throw new MeterkitError(ErrorCode.InvalidArgument, `'${key}' must be a string`);
  return v;
}

function num(body: Json, key: string): number {
  const v = body[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw new MeterkitError(ErrorCode.InvalidArgument, `'${key}' must be a non-negative integer`);
  return v;
}

function obj(body: Json, key: string): Json {
  const v = body[key];
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new MeterkitError(ErrorCode.InvalidArgument, `'${key}' must be an object`);
  return v as Json;
}

/**
 * Runs one admin operation (see the table above). Returns `[status, json]`; never throws: bad
 * input gives 400, an unknown path 404.
 */
export function handleAdmin(
  server: SepTestServer,
  method: string,
  path: string,
  body: unknown,
): [number, unknown] {
  const url = new URL(path, 'http://admin');
  const b = (typeof body === 'object' && body !== null ? body : {}) as Json;
  try {
    switch (`${method.toUpperCase()} ${url.pathname}`) {
      case 'POST /admin/derc':
        return [201, { href: server.addDERControl(str(b, 'program'), obj(b, 'control')) }];
      case 'POST /admin/derc/cancel':
        server.cancelDERControl(str(b, 'href'), b['randomized'] === true);
        return [200, {}];
      case 'POST /admin/dderc':
        return [201, { href: server.setDefaultDERControl(str(b, 'program'), obj(b, 'control')) }];
      case 'POST /admin/dderc/clear':
        server.clearDefaultDERControl(str(b, 'program'));
        return [200, {}];
      case 'POST /admin/resource':
        server.updateResource(str(b, 'href'), obj(b, 'resource'));
        return [200, {}];
      case 'POST /admin/list-entry':
        return [201, { href: server.addListEntry(str(b, 'list'), obj(b, 'resource')) }];
      case 'POST /admin/derp':
        return [201, { href: server.addProgram(b as unknown as ProgramConfig) }];
      case 'POST /admin/edev':
        str(b, 'lfdi');
        return [201, { href: server.registerEndDevice(b as unknown as EndDeviceConfig) }];
      case 'POST /admin/edev-derp':
        return [
          201,
          {
            href: server.addEndDeviceProgram(
              str(b, 'endDevice'),
              obj(b, 'program') as unknown as ProgramConfig,
            ),
          },
        ];
      case 'POST /admin/poll-rate':
        server.setPollRate(str(b, 'href'), num(b, 'pollRate'));
        return [200, {}];
      case 'POST /admin/post-rate':
        server.setPostRate(str(b, 'href'), num(b, 'postRate'));
        return [200, {}];
      case 'DELETE /admin/resource':
        return server.deleteResource(url.searchParams.get('href') ?? '')
          ? [200, {}]
          : [404, { error: 'no such resource' }];
      case 'GET /admin/resource': {
        const doc = server.representation(url.searchParams.get('href') ?? '');
        return doc === undefined ? [404, { error: 'no such resource' }] : [200, resourceToJson(doc)];
      }
      case 'GET /admin/exchanges':
        return [200, resourceToJson(server.exchanges)];
      case 'GET /admin/responses':
        return [200, resourceToJson(server.responses)];
      case 'GET /admin/received':
        return [200, resourceToJson(server.received)];
      case 'GET /admin/subscriptions':
        return [200, resourceToJson(server.activeSubscriptions())];
      default:
        return [404, { error: `no admin operation ${method} ${url.pathname}` }];
    }
  } catch (e) {
    return [400, { error: isMeterkitError(e) ? e.message : 'bad request' }];
  }
}

/**
 * Starts the admin API on plain HTTP at `127.0.0.1:port` (loopback only; default port 0 = any).
 * `afterChange` runs after every successful POST/DELETE (e.g. to deliver Notifications).
 */
export async function startAdmin(
  server: SepTestServer,
  options: { readonly port?: number; readonly afterChange?: () => void } = {},
): Promise<RunningAdmin> {
  const srv = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 1 << 20) chunks.push(c);
    });
    req.on('end', () => {
      let body: unknown = {};
      let status: number;
      let out: unknown;
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        if (text.trim() !== '') body = JSON.parse(text);
        [status, out] =
          size > 1 << 20
            ? [413, { error: 'body too large' }]
            : handleAdmin(server, req.method ?? 'GET', req.url ?? '/', body);
      } catch {
        [status, out] = [400, { error: 'body is not JSON' }];
      }
      if (status < 300 && req.method !== 'GET') options.afterChange?.();
      const payload = JSON.stringify(out);
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(payload)),
      });
      res.end(payload);
    });
  });
  await new Promise<void>((resolve) => srv.listen(options.port ?? 0, '127.0.0.1', () => resolve()));
  const port = (srv.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        srv.close(() => resolve());
        srv.closeAllConnections();
      }),
  };
}
