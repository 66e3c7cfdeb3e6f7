import { ErrorCode, isMeterkitError, MeterkitError } from '@meterkit/core';
import type { SerialTransport, Transport } from '@meterkit/core/transport';
import { type Identification, OpticalSignOn } from '@meterkit/dlms';

/** What an IEC 62056-21 mode E sign-on leaves: the meter's identification and the agreed line. */
export interface OpticalSession {
  readonly identification: Identification;
  readonly baudRate: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs the IEC 62056-21 sign-on (§6.3, protocol mode E, Annex E) on an open serial port: the
 * request at 300 baud 7E1, the identification, the acknowledgement selecting HDLC, then the
 * changeover to the agreed baud rate at 8N1. `io` is the (possibly traced) transport bytes flow
 * through; `port` is the same serial port, for line changes.
 */
export async function opticalSignOn(
  io: Transport,
  port: SerialTransport,
  options: { readonly timeoutMs: number; readonly retries: number; readonly maxBaud?: number },
): Promise<OpticalSession> {
  const signOn = new OpticalSignOn({
    mode: 'E',
    responseTimeoutMs: options.timeoutMs,
    retries: options.retries,
    maxBaud: options.maxBaud ?? 19200,
  });
  signOn.start();
  for (;;) {
    const action = signOn.nextAction();
    if (action === undefined) {
      const wait = signOn.timeoutMs;
      try {
        signOn.receive(await io.read({ timeoutMs: wait }));
      } catch (e) {
        if (isMeterkitError(e, ErrorCode.TransportTimeout)) signOn.timeout();
        else throw e;
      }
      continue;
    }
    switch (action.type) {
      case 'set-line':
        await port.setFormat({
          baudRate: action.line.baudRate,
          dataBits: action.line.dataBits,
          parity: action.line.parity,
          stopBits: action.line.stopBits,
        });
        break;
      case 'write':
        await io.write(action.bytes);
        break;
      case 'wait':
        await sleep(action.ms);
        break;
      case 'identified':
        break;
      case 'ready':
        return { identification: action.identification, baudRate: action.line.baudRate };
      case 'readout':
        throw new MeterkitError(
          ErrorCode.UnexpectedResponse,
          'the meter sent a mode C readout instead of entering mode E',
        );
      case 'failed':
        throw new MeterkitError(
          action.error.code,
          `${action.error.message} (IEC 62056-21 sign-on: check the probe sits on the meter's optical port, and try --no-optical if the meter speaks HDLC directly)`,
          { cause: action.error },
        );
    }
  }
}
