/**
 * IEC 62056-21 mode E sign-on on a serial line (§6.4.5, Annex E): drives the sans-IO
 * `OpticalSignOn` with a real port — 300 baud 7E1, request, identification, acknowledgement with
 * the baud rate character, switch to 8N1 at the agreed rate — so the HDLC link can start.
 */
import { ErrorCode, MeterkitError } from '@meterkit/core';
import type { SerialFormat, Transport } from '@meterkit/core/transport';
import type { Identification } from '../optical/messages.js';
import { OpticalSignOn, type OpticalSignOnOptions } from '../optical/sign-on.js';
import { type CaptureRecorder, cancelled, captureTime } from './apdu-channel.js';

/** A serial line whose format can change (`SerialTransport` of `@meterkit/core/transport`). */
export interface SerialLine extends Transport {
  setFormat(format: Partial<SerialFormat> & { readonly baudRate?: number }): Promise<void>;
}

/** Options of `opticalSignOnModeE`. */
export interface ModeESignOnOptions extends Omit<OpticalSignOnOptions, 'mode'> {
  readonly signal?: AbortSignal | undefined;
  readonly recorder?: CaptureRecorder | undefined;
}

/** The outcome of a mode E sign-on. */
export interface ModeESignOnResult {
  readonly identification: Identification;
  /** The baud rate the line now runs at (8N1). */
  readonly baudRate: number;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(cancelled(signal));
      return;
    }
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(cancelled(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs the IEC 62056-21 mode E sign-on on an open serial line (IEC 62056-21 §6.4.5). Resolves with
 * the meter's identification once the line is at the agreed baud rate, 8N1. Errors say what to
 * check (probe position, power, wiring).
 */
export async function opticalSignOnModeE(
  line: SerialLine,
  options: ModeESignOnOptions = {},
): Promise<ModeESignOnResult> {
  const so = new OpticalSignOn({ ...options, mode: 'E' });
  const { signal, recorder } = options;
  so.start();
  for (;;) {
    const a = so.nextAction();
    if (a === undefined) {
      let chunk: Uint8Array;
      try {
        chunk = await line.read({ timeoutMs: so.timeoutMs, signal });
      } catch (e) {
        if (e instanceof MeterkitError && e.code === ErrorCode.TransportTimeout) {
          so.timeout();
          continue;
        }
        throw e;
      }
      recorder?.record('server-to-client', chunk, captureTime());
      so.receive(chunk);
      continue;
    }
    switch (a.type) {
      case 'set-line':
        await line.setFormat({
          baudRate: a.line.baudRate,
          dataBits: a.line.dataBits,
          parity: a.line.parity,
          stopBits: a.line.stopBits,
        });
        break;
      case 'write':
        recorder?.record('client-to-server', a.bytes, captureTime());
        await line.write(a.bytes);
        break;
      case 'wait':
        await sleep(a.ms, signal);
        break;
      case 'identified':
        break;
      case 'ready':
        return { identification: a.identification, baudRate: a.line.baudRate };
      case 'failed':
        throw new MeterkitError(
          a.error.code,
          `${a.error.message} (IEC 62056-21 sign-on on ${line.name}: check the probe's orientation, its power (--rts) and that the meter's optical port is enabled)`,
          { cause: a.error },
        );
      case 'readout':
        throw new MeterkitError(
          ErrorCode.ProtocolViolation,
          'the meter sent a mode C readout where mode E was asked',
        );
    }
  }
}
