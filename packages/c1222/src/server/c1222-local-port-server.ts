/**
 * The simulated meter's C12.22 local port (IEEE 1703 §6 serial datalink): an `AnsiMeter` behind a
 * `C1222Responder`, answering the datalink services over the C12.18 link state machine in its
 * C12.22 form (device role, DATA_FORMAT 1, LOCAL_ADDRESS_NUMBER 0 = C12.22 Device).
 *
 * - negotiate: answers the packet size and count it accepts, the fastest common baud rate and
 *   one channel; the values apply once the response was acknowledged;
 * - send-message: answers `ok`, passes the ACSE APDU to the responder (security modes 0, 1, 2),
 *   and sends the response APDU back in a send-message of its own;
 * - link control: applies the interface control (enable, disable, reset) to the INTERFACE_STATUS
 *   it reports, with the meter's AP title as the node AP title;
 * - get status: the interface name and status, no statistics;
 * - get registration status: the `registrationStatus` option, or no relay, no master relay, the
 *   meter's AP title and zero timers;
 * - anything else: `sns`.
 */
import { isMeterkitError, type MeterkitError } from '@meterkit/core';
import {
  C1222_DATALINK_BAUD_RATES,
  type C1222DatalinkConfiguration,
  type C1222DatalinkRegistrationStatus,
  type C1222DatalinkResponse,
  C1222LocalAddress,
  c1222DatalinkIdentity,
  decodeC1222DatalinkRequest,
  encodeC1222DatalinkRequest,
  encodeC1222DatalinkResponse,
} from '../c1218/c1222-datalink.js';
import { C1218_OVERHEAD } from '../c1218/packet.js';
import { ResponseCode, responseCodeName } from '../epsem/codes.js';
import { fastestBaudRate } from '../session/baud-rates.js';
import { C1218Link, type C1218LinkTrace, type C1218Timeouts } from '../session/c1218-link.js';
import { C1218LinkDriver, type C1218Port, type CaptureRecorderLike } from '../session/c1218-link-driver.js';
import { C1222Responder } from '../session/c1222-responder.js';
import type { AnsiMeter } from './ansi-meter.js';
import type { C1222ServerOptions } from './c1222-server.js';

/** Options of `serveC1222LocalPort`. */
export interface C1222LocalPortServerOptions extends C1222ServerOptions {
  readonly timeouts?: Partial<C1218Timeouts>;
  readonly retries?: number;
  /** Baud rate codes the meter accepts in a negotiate (default 6, 8, 10, 12). */
  readonly baudRates?: readonly number[];
  /** Largest packet the meter accepts (default 1024). */
  readonly maxPacketSize?: number;
  /** Interface number reported in the negotiate response (default 0). */
  readonly interfaceNumber?: number;
  /** Interface name in get-status responses (default `meterkit local port`). */
  readonly interfaceName?: string;
  /** Answer to get configuration (72H); without it the service is answered `sns`. */
  readonly configuration?: C1222DatalinkConfiguration;
  /** Answer to get registration status (76H); see the module comment for the default. */
  readonly registrationStatus?: C1222DatalinkRegistrationStatus;
  /**
   * TRANSPARENCY (IEEE 1703 §6): default `'follow'`, the meter answers in transparent packets
   * with in-packet acknowledgments once the module sends a packet with control bit 4 set (and
   * with C12.18 framing otherwise); `true` always uses it, `false` never.
   */
  readonly transparency?: boolean | 'follow';
  readonly trace?: (entry: C1218LinkTrace) => void;
  readonly recorder?: CaptureRecorderLike;
  readonly onClose?: (error: MeterkitError) => void;
}

/** A running C12.22 local port. */
export interface C1222LocalPortServer {
  readonly link: C1218Link;
  /** Stops answering (the port stays open). */
  stop(): void;
}

function plain(code: number): C1222DatalinkResponse {
  return { type: 'dl-response', code, name: responseCodeName(code), data: new Uint8Array(0) };
}

/** Starts answering C12.22 on the local port `port` (already open) for `meter`. */
export function serveC1222LocalPort(
  port: C1218Port,
  meter: AnsiMeter,
  options: C1222LocalPortServerOptions = {},
): C1222LocalPortServer {
  const link = new C1218Link({
    role: 'device',
    identity: c1222DatalinkIdentity(C1222LocalAddress.device),
    dataFormat: 1,
    transparency: options.transparency ?? 'follow',
    retries: options.retries,
    timeouts: options.timeouts,
    trace: options.trace,
  });
  const responder = new C1222Responder({
    apTitle: meter.apTitle,
    keys: options.keys ?? meter.keyStore(),
    baseOid: options.baseOid,
    minimumSecurityMode: options.minimumSecurityMode,
    onReject: options.onReject,
  });
  const session = meter.createSession('c1222');
  let interfaceEnabled = true;
  const afterSent: ((() => Promise<void>) | undefined)[] = [];
  const send = (bytes: Uint8Array, expectResponse: boolean, after?: () => Promise<void>): void => {
    afterSent.push(after);
    try {
      driver.send(bytes, expectResponse);
    } catch (e) {
      if (!isMeterkitError(e)) throw e;
      afterSent.pop();
      options.onReject?.('answer does not fit the negotiated packets', e);
    }
  };
  const driver: C1218LinkDriver = new C1218LinkDriver(port, link, {
    side: 'server',
    recorder: options.recorder,
    onClose: options.onClose,
    onEvent: (ev) => {
      if (ev.type === 'sent') {
        const after = afterSent.shift();
        if (after !== undefined) void after();
        return;
      }
      if (ev.type === 'error' || ev.type === 'channel-timeout') {
        afterSent.length = 0;
        return;
      }
      const data = ev.data;
      if (data.length === 0 || data[0]! < 0x20) return; // the client's answer to our send-message
      let req: ReturnType<typeof decodeC1222DatalinkRequest>;
      try {
        req = decodeC1222DatalinkRequest(data);
      } catch (e) {
        if (!isMeterkitError(e)) throw e;
        send(encodeC1222DatalinkResponse(plain(ResponseCode.sns)), false);
        return;
      }
      switch (req.type) {
        case 'dl-negotiate': {
          const packetSize = Math.min(req.packetSize, options.maxPacketSize ?? 1024);
          if (packetSize <= C1218_OVERHEAD || req.numberOfPackets < 1) {
            send(encodeC1222DatalinkResponse(plain(ResponseCode.onp)), false);
            return;
          }
          const baudRate = fastestBaudRate(req.baudRates, options.baudRates ?? [6, 8, 10, 12], 6);
          const numberOfPackets = req.numberOfPackets;
          const resp: C1222DatalinkResponse = {
            type: 'dl-negotiate-response',
            packetSize,
            numberOfPackets,
            baudRate,
            numberOfChannels: 1,
            interfaceNumber: options.interfaceNumber ?? 0,
          };
          send(encodeC1222DatalinkResponse(resp), false, async () => {
            link.setPacketParameters(packetSize, numberOfPackets);
            const bps = C1222_DATALINK_BAUD_RATES[baudRate];
            if (bps !== undefined && port.setBaudRate !== undefined) {
              await driver.flushed();
              try {
                await port.setBaudRate(bps);
              } catch (e) {
                if (!isMeterkitError(e)) throw e;
              }
            }
          });
          return;
        }
        case 'dl-send-message':
        case 'dl-send-short-message': {
          send(encodeC1222DatalinkResponse(plain(ResponseCode.ok)), false);
          const out = responder.handle(req.apdu, (r, ctx) =>
            session.handle(r, { authenticated: ctx.authenticated }),
          );
          if (out !== undefined)
            send(
              encodeC1222DatalinkRequest({
                type: 'dl-send-message',
                nativeAddress: new Uint8Array(0),
                apdu: out,
              }),
              true,
            );
          return;
        }
        case 'dl-get-configuration':
          send(
            encodeC1222DatalinkResponse(
              options.configuration === undefined
                ? plain(ResponseCode.sns)
                : { type: 'dl-get-configuration-response', ...options.configuration },
            ),
            false,
          );
          return;
        case 'dl-get-status': {
          const info =
            req.statusControl <= 1
              ? {
                  interfaceName: options.interfaceName ?? 'meterkit local port',
                  interfaceStatus: interfaceEnabled ? 1 : 0,
                }
              : {};
          send(
            encodeC1222DatalinkResponse({ type: 'dl-get-status-response', ...info, statistics: [] }),
            false,
          );
          return;
        }
        case 'dl-link-control': {
          const ic = req.control.interfaceControl;
          if (ic === 1 || ic === 3) interfaceEnabled = true;
          else if (ic === 2) interfaceEnabled = false;
          send(
            encodeC1222DatalinkResponse({
              type: 'dl-link-control-response',
              interfaceStatus: interfaceEnabled ? 1 : 0,
              nodeApTitle: meter.apTitle,
            }),
            false,
          );
          return;
        }
        case 'dl-get-registration-status':
          send(
            encodeC1222DatalinkResponse({
              type: 'dl-get-registration-status-response',
              ...(options.registrationStatus ?? {
                relayNativeAddress: new Uint8Array(0),
                masterRelayApTitle: undefined,
                nodeApTitle: meter.apTitle,
                regPowerUpDelay: 0,
                regPeriod: 0,
                regCountDown: 0,
              }),
            }),
            false,
          );
          return;
        default:
          send(encodeC1222DatalinkResponse(plain(ResponseCode.sns)), false);
      }
    },
  });
  return { link, stop: () => driver.stop() };
}
