/**
 * The simulated meter's optical port: an `AnsiMeter` answering C12.18 (ANSI C12.18-2006) over a
 * serial transport (a real port or one end of a socat pty pair) with the device role of the link
 * state machine. Negotiated packet size, count and baud rate take effect once the negotiate
 * response was acknowledged; terminate or a channel traffic timeout returns the port to its base
 * state (default packet size and baud rate, §6.3).
 */
import { isMeterkitError, type MeterkitError } from '@meterkit/core';
import { decodeC1218Request } from '../c1218/services.js';
import { ResponseCode } from '../epsem/codes.js';
import { encodeResponse } from '../epsem/response.js';
import { C1218_BAUD_RATES } from '../session/baud-rates.js';
import { C1218Link, type C1218LinkTrace, type C1218Timeouts } from '../session/c1218-link.js';
import { C1218LinkDriver, type C1218Port, type CaptureRecorderLike } from '../session/c1218-link-driver.js';
import { errorResponse } from '../session/c1222-responder.js';
import type { AnsiMeter, AnsiMeterSession } from './ansi-meter.js';

/** Options of `serveC1218`. */
export interface C1218ServerOptions {
  readonly timeouts?: Partial<C1218Timeouts>;
  readonly retries?: number;
  /** The port's baud rate in the base state (restored after terminate). */
  readonly baseBaudRate?: number;
  readonly trace?: (entry: C1218LinkTrace) => void;
  readonly recorder?: CaptureRecorderLike;
  /** Told about port errors and closes. */
  readonly onClose?: (error: MeterkitError) => void;
}

/** A running C12.18 meter port. */
export interface C1218Server {
  /** The current session (replaced after terminate or a channel traffic timeout). */
  readonly session: AnsiMeterSession;
  readonly link: C1218Link;
  /** Stops answering (the port stays open). */
  stop(): void;
}

/** Starts answering C12.18 on `port` (already open) for `meter`. */
export function serveC1218(port: C1218Port, meter: AnsiMeter, options: C1218ServerOptions = {}): C1218Server {
  const link = new C1218Link({
    role: 'device',
    retries: options.retries,
    timeouts: options.timeouts,
    trace: options.trace,
  });
  let session = meter.createSession('c1218');
  const afterSent: ((() => Promise<void>) | undefined)[] = [];
  let control: Promise<void> = Promise.resolve();
  const setBaud = (bps: number | undefined): void => {
    if (bps === undefined || port.setBaudRate === undefined) return;
    const set = port.setBaudRate.bind(port);
    control = control.then(async () => {
      await driver.flushed();
      try {
        await set(bps);
      } catch (e) {
        if (!isMeterkitError(e)) throw e;
      }
    });
  };
  const baseState = (): void => {
    link.reset();
    afterSent.length = 0;
    session = meter.createSession('c1218');
    setBaud(options.baseBaudRate);
  };
  const driver: C1218LinkDriver = new C1218LinkDriver(port, link, {
    side: 'server',
    recorder: options.recorder,
    onClose: options.onClose,
    onEvent: (ev) => {
      switch (ev.type) {
        case 'apdu': {
          let resp = errorResponse(ResponseCode.err);
          let after: (() => Promise<void>) | undefined;
          try {
            const req = decodeC1218Request(ev.data);
            resp = session.handle(req, { maxResponseSize: link.maxApduSize });
            if (req.type === 'negotiate' && resp.type === 'negotiate-response') {
              const n = resp;
              after = async () => {
                link.setPacketParameters(n.packetSize, n.numberOfPackets);
                if (n.baudRate !== 0) setBaud(C1218_BAUD_RATES[n.baudRate]);
              };
            } else if (req.type === 'terminate') after = async () => baseState();
            else if (req.type === 'wait' && resp.type !== 'error-response') {
              const ms = req.seconds * 1000;
              after = async () => link.holdChannel(ms, driver.now());
            }
          } catch (e) {
            if (!isMeterkitError(e)) throw e;
            resp = errorResponse(ResponseCode.sns);
          }
          afterSent.push(after);
          try {
            driver.send(encodeResponse(resp), false);
          } catch (e) {
            if (!isMeterkitError(e)) throw e;
            afterSent.pop();
            driver.send(encodeResponse(errorResponse(ResponseCode.rno)), false);
            afterSent.push(undefined);
          }
          break;
        }
        case 'sent': {
          const after = afterSent.shift();
          if (after !== undefined) void after();
          break;
        }
        case 'error':
          afterSent.length = 0;
          break;
        case 'channel-timeout':
          baseState();
          break;
      }
    },
  });
  return {
    get session() {
      return session;
    },
    link,
    stop: () => driver.stop(),
  };
}
