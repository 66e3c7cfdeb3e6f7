/**
 * A synchronous XML Schema validator for rules (whose `check` is synchronous): libxml2's xmllint
 * compiled to WebAssembly (`xmllint-wasm`, W3C XML Schema 1.0) runs in a worker thread, and the
 * calling thread blocks on `Atomics.wait` until the worker has posted the answer. One worker per
 * schema set, created on first use and unreferenced so it never keeps the process alive.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { ErrorCode, MeterkitError } from '@meterkit/core';

/** The outcome of validating one document. */
export interface XsdResult {
  readonly valid: boolean;
  /** xmllint's messages (without file names), first problem first. */
  readonly problems: readonly { readonly message: string; readonly line?: number | undefined }[];
}

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { validateXML } = require(workerData.xmllint);
const port = workerData.port;
port.on('message', async (m) => {
  const flag = new Int32Array(m.flag);
  let answer;
  try {
    const r = await validateXML({
      xml: [{ fileName: 'document.xml', contents: m.xml }],
      schema: workerData.schema,
      preload: workerData.preload,
      initialMemoryPages: 512,
      maxMemoryPages: 2048,
    });
    answer = { valid: r.valid, problems: r.errors.map((e) => ({ message: e.message, line: e.loc ? e.loc.lineNumber : undefined })) };
  } catch (e) {
    answer = { error: String(e && e.message ? e.message : e) };
  }
  port.postMessage(answer);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
`;

interface Bridge {
  readonly worker: Worker;
  readonly port: MessagePort;
}

const bridges = new Map<string, Bridge>();

function bridgeFor(schemaPaths: readonly string[]): Bridge {
  const key = schemaPaths.join('\n');
  const known = bridges.get(key);
  if (known !== undefined) return known;
  const files = schemaPaths.map((p) => {
    try {
      return { fileName: basename(p), contents: readFileSync(p, 'utf8') };
    } catch (e) {
      throw new MeterkitError(ErrorCode.InputUnreadable, `cannot read schema ${p}`, { cause: e });
    }
  });
  const { port1, port2 } = new MessageChannel();
  const xmllint = createRequire(import.meta.url).resolve('xmllint-wasm');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { xmllint, port: port2, schema: files[0], preload: files.slice(1) },
    transferList: [port2],
  });
  worker.unref();
  port1.unref();
  const b = { worker, port: port1 };
  bridges.set(key, b);
  return b;
}

/**
 * Validates one XML document against `schemaPaths` (the first is validated against, the others are
 * what it imports), blocking until xmllint answers (IEEE 2030.5-2018 Annex B, sep.xsd). Throws
 * `MeterkitError` (InputUnreadable) when a schema cannot be read, `SessionTimeout` when xmllint
 * does not answer in time and `Unsupported` when it fails.
 */
export function validateXsdSync(xml: string, schemaPaths: readonly string[], timeoutMs = 60_000): XsdResult {
  if (schemaPaths.length === 0)
    throw new MeterkitError(ErrorCode.InvalidArgument, 'XSD validation needs at least one schema path');
  const b = bridgeFor(schemaPaths);
  const flag = new Int32Array(new SharedArrayBuffer(4));
  b.port.postMessage({ xml, flag: flag.buffer });
  if (Atomics.wait(flag, 0, 0, timeoutMs) === 'timed-out')
    throw new MeterkitError(ErrorCode.SessionTimeout, `xmllint did not answer within ${timeoutMs} ms`);
  let m = receiveMessageOnPort(b.port);
  for (let i = 0; m === undefined && i < 100; i++) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    m = receiveMessageOnPort(b.port);
  }
  const answer = m?.message as (XsdResult & { error?: string }) | undefined;
  if (answer === undefined || answer.error !== undefined)
    throw new MeterkitError(ErrorCode.Unsupported, `xmllint failed: ${answer?.error ?? 'no answer'}`);
  return { valid: answer.valid, problems: answer.problems };
}

/** Ends the validator workers (for tests and short-lived tools; they never keep the process alive). */
export async function closeXsdValidators(): Promise<void> {
  const all = [...bridges.values()];
  bridges.clear();
  await Promise.all(
    all.map(async (b) => {
      b.port.close();
      await b.worker.terminate();
    }),
  );
}
