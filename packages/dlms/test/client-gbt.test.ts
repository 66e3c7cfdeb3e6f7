/**
 * General-block-transfer in both directions (IEC 62056-5-3 §9.3.10), lost-block recovery, ACTION
 * with pblocks in both directions, RR polling of HDLC between GBT windows, and hostile GBT answers.
 * The server here is a small scripted fake (`GbtServer`) that can lose, drop and mangle blocks.
 */
import { createServer } from 'node:net';
import { ErrorCode, isMeterkitError } from '@meterkit/core';
import { createMemoryPair, type Transport } from '@meterkit/core/transport';
import fc from 'fast-check';
import t from 'tap';
import {
  BlockTransferReceiver,
  BlockTransferSender,
  DlmsClient,
  DlmsClientErrorCode,
  type DlmsClientOptions,
  ServiceTransaction,
} from '../src/client/index.js';
import {
  CONFORMANCE_BITS,
  type Conformance,
  type DecodedApdu,
  type DlmsData,
  DlmsErrorCode,
  decodeApdu,
  decodeHdlcFrame,
  encodeApdu,
  encodeData,
  encodeWrapperPdu,
  type GeneralBlockTransfer,
  HdlcDeframer,
  HdlcLink,
  hdlcAddress,
  type InvokeIdAndPriority,
  SecurityContext,
  WrapperDeframer,
  type XdlmsApdu,
} from '../src/index.js';
import { DEFAULT_SIMULATOR_PROFILE, HdlcServerPort, MeterSimulator } from '../src/server/index.js';
import { key, type ResponderOptions, ScriptedServer, serveHdlc } from './client-responder.js';

const iip = (invokeId: number): InvokeIdAndPriority => ({
  invokeId,
  serviceClass: 'confirmed',
  priority: 'high',
});
const roundTrip = (a: XdlmsApdu): DecodedApdu => decodeApdu(encodeApdu(a));
const ALL = CONFORMANCE_BITS.filter((b) => !b.startsWith('reserved')) as Conformance;
/** GBT granted, no service-specific block transfer: long requests can only go out in GBT. */
const GBT_ONLY = ALL.filter((b) => !b.startsWith('block-transfer-with')) as Conformance;

const gbt = (
  n: number,
  data: Uint8Array,
  o: { last?: boolean; streaming?: boolean; window?: number; ack?: number } = {},
): GeneralBlockTransfer => ({
  type: 'general-block-transfer',
  blockControl: { lastBlock: o.last ?? false, streaming: o.streaming ?? false, window: o.window ?? 1 },
  blockNumber: n,
  blockNumberAck: o.ack ?? 0,
  blockData: data,
});

function bytes(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

function codeOf(e: unknown): number | undefined {
  return isMeterkitError(e) ? e.code : undefined;
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

// ---------------------------------------------------------------- the fake server

interface GbtServerOptions {
  /** Window the server announces for the client's blocks (default 1). */
  readonly window?: number;
  /** Answers longer than this go out in GBT blocks of this size (always for GBT requests). */
  readonly blockSize?: number;
  /** Number its blocks on through the session instead of from 1 in every transfer. */
  readonly continuous?: boolean;
  /** Answer blocks (1-based within the answer) dropped the first time they go out. */
  readonly dropOnce?: readonly number[];
  /** Answer blocks dropped every time. */
  readonly dropAlways?: readonly number[];
  /** Request block numbers the server "loses" the first time they come. */
  readonly loseRequestOnce?: readonly number[];
  /** Replaces an answer block on the line (hostile answers). */
  readonly mutate?: (b: GeneralBlockTransfer, index: number) => Uint8Array | undefined;
  /** Answers a request instead of the scripted server (return undefined to keep its answer). */
  readonly answer?: (rq: DecodedApdu) => Uint8Array[] | undefined;
}

class GbtServer {
  readonly scripted: ScriptedServer;
  readonly options: GbtServerOptions;
  /** Every GBT the client sent. */
  readonly fromClient: GeneralBlockTransfer[] = [];
  /** Requests that came reassembled from GBT blocks. */
  readonly gbtRequests: DecodedApdu[] = [];
  /** The first octet (tag) of each request that came in GBT blocks. */
  readonly gbtRequestTags: number[] = [];
  private parts: Uint8Array[] = [];
  private inNext = 0;
  private inGap = false;
  private readonly lost = new Set<number>();
  private readonly dropped = new Set<number>();
  private out: { blocks: Uint8Array[]; first: number; next: number; window: number } | undefined;
  private own = 0;
  private clientWindow = 1;
  private lastClientBlock = 0;

  constructor(options: GbtServerOptions, scripted: ResponderOptions) {
    this.options = options;
    this.scripted = new ScriptedServer(scripted);
  }

  handle(apdu: Uint8Array): Uint8Array[] {
    if (apdu[0] !== 0xe0) {
      const acse = apdu[0] === 0x60 || apdu[0] === 0x62;
      const limit = acse ? Number.POSITIVE_INFINITY : (this.options.blockSize ?? Number.POSITIVE_INFINITY);
      return this.respond(apdu).flatMap((a) => (a.length > limit ? this.startGbt(a) : [a]));
    }
    const g = decodeApdu(apdu) as GeneralBlockTransfer;
    this.fromClient.push(g);
    this.clientWindow = Math.max(1, g.blockControl.window);
    if (g.blockData.length === 0) {
      const out = this.out;
      if (out === undefined) return [];
      out.next = Math.max(0, g.blockNumberAck - out.first + 1);
      out.window = this.clientWindow;
      return this.window();
    }
    if (this.inNext === 0) this.inNext = g.blockNumber;
    const endOfWindow = !g.blockControl.streaming || g.blockControl.lastBlock;
    if ((this.options.loseRequestOnce ?? []).includes(g.blockNumber) && !this.lost.has(g.blockNumber)) {
      this.lost.add(g.blockNumber);
      this.inGap = true;
    } else if (!this.inGap && g.blockNumber === this.inNext) {
      this.parts.push(Uint8Array.from(g.blockData));
      this.inNext++;
      this.lastClientBlock = g.blockNumber;
      if (g.blockControl.lastBlock) {
        const request = concat(this.parts);
        this.parts = [];
        this.inNext = 0;
        this.gbtRequestTags.push(request[0]!);
        this.gbtRequests.push(decodeApdu(request));
        return this.respond(request).flatMap((a) => this.startGbt(a));
      }
    } else this.inGap = true;
    if (!endOfWindow) return [];
    this.inGap = false;
    return [
      encodeApdu({
        type: 'general-block-transfer',
        blockControl: { lastBlock: false, streaming: false, window: this.options.window ?? 1 },
        blockNumber: ++this.own,
        blockNumberAck: this.inNext - 1,
        blockData: new Uint8Array(0),
      }),
    ];
  }

  private respond(request: Uint8Array): Uint8Array[] {
    let decoded: DecodedApdu | undefined;
    try {
      decoded = decodeApdu(request);
    } catch {
      decoded = undefined;
    }
    const own = decoded !== undefined ? this.options.answer?.(decoded) : undefined;
    return own ?? this.scripted.handle(request);
  }

  private startGbt(apdu: Uint8Array): Uint8Array[] {
    const size = this.options.blockSize ?? 64;
    const blocks: Uint8Array[] = [];
    for (let at = 0; at < apdu.length; at += size) blocks.push(apdu.subarray(at, at + size));
    this.out = {
      blocks,
      first: this.options.continuous ? this.own + 1 : 1,
      next: 0,
      window: this.clientWindow,
    };
    return this.window();
  }

  private window(): Uint8Array[] {
    const out = this.out!;
    const res: Uint8Array[] = [];
    const end = Math.min(out.blocks.length, out.next + out.window);
    for (let i = out.next; i < end; i++) {
      const index = i + 1;
      const last = i === out.blocks.length - 1;
      this.own = Math.max(this.own, out.first + i);
      const block: GeneralBlockTransfer = {
        type: 'general-block-transfer',
        blockControl: { lastBlock: last, streaming: !last && i < end - 1, window: this.options.window ?? 1 },
        blockNumber: out.first + i,
        blockNumberAck: this.lastClientBlock,
        blockData: out.blocks[i]!,
      };
      if (
        (this.options.dropAlways ?? []).includes(index) ||
        ((this.options.dropOnce ?? []).includes(index) && !this.dropped.has(index))
      ) {
        this.dropped.add(index);
        continue;
      }
      res.push(this.options.mutate?.(block, index) ?? encodeApdu(block));
    }
    out.next = end;
    return res;
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function serveWrapperWith(transport: Transport, handle: (apdu: Uint8Array) => Uint8Array[]): void {
  const deframer = new WrapperDeframer();
  transport.onData((chunk) => {
    for (const item of deframer.push(chunk)) {
      if (item.type !== 'pdu') continue;
      for (const a of handle(item.pdu.payload))
        void transport
          .write(encodeWrapperPdu({ sourceWPort: 1, destinationWPort: 16, payload: a }))
          .catch(() => undefined);
    }
  });
}

/** HDLC server role (window 1) around a handler, as a meter with a small HDLC window. */
function serveHdlcWith(transport: Transport, handle: (apdu: Uint8Array) => Uint8Array[]): void {
  const link = new HdlcLink({
    role: 'server',
    localAddress: hdlcAddress(1, 17),
    remoteAddress: hdlcAddress(16),
    capabilities: { maxInfoFieldLengthReceive: 128, maxInfoFieldLengthTransmit: 128 },
  });
  transport.onData((chunk) => {
    link.receive(chunk);
    for (let e = link.nextEvent(); e !== undefined; e = link.nextEvent())
      if (e.type === 'apdu') for (const a of handle(e.apdu)) link.send(a);
    // a streaming GBT block needs no answer: give the poll back
    link.releasePoll();
    for (let o = link.nextOutput(); o !== undefined; o = link.nextOutput())
      void transport.write(o).catch(() => undefined);
  });
}

/** Counts the client's RR frames with the poll bit set. */
function countPolls(transport: Transport): { readonly polls: number } {
  const counter = { polls: 0 };
  const deframer = new HdlcDeframer({ llc: false });
  transport.onData((chunk) => {
    for (const item of deframer.push(chunk))
      if (item.type === 'frame' && item.frame.type === 'rr' && item.frame.pollFinal) counter.polls++;
  });
  return counter;
}

async function connect(
  server: GbtServer,
  options: Partial<DlmsClientOptions> = {},
  framing: 'wrapper' | 'hdlc' = 'wrapper',
): Promise<DlmsClient> {
  const [a, b] = createMemoryPair();
  if (framing === 'hdlc') serveHdlcWith(b, (x) => server.handle(x));
  else serveWrapperWith(b, (x) => server.handle(x));
  return DlmsClient.connect({
    connection:
      framing === 'hdlc'
        ? { type: 'transport', transport: a, framing: 'hdlc', physicalAddress: 17, hdlcTimeoutMs: 300 }
        : { type: 'transport', transport: a, framing: 'wrapper' },
    timeoutMs: 1500,
    ...options,
  });
}

function registers(n: number): Map<string, DlmsData> {
  const m = new Map<string, DlmsData>();
  for (let i = 0; i < n; i++)
    m.set(key(3, `1-0:1.8.${i}.255`, 2), { type: 'double-long-unsigned', value: 1000 + i });
  m.set(key(1, '0-0:96.1.0.255', 2), { type: 'octet-string', value: bytes(300, 7) });
  return m;
}

const listItems = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ classId: 3, instanceId: `1-0:1.8.${i}.255`, attributeId: 2 }));

// ---------------------------------------------------------------- sans-IO: sender

t.test('BlockTransferSender: windows, streaming bits, acknowledgements, repetition', (t) => {
  const s = new BlockTransferSender(bytes(100), { blockSize: 20, window: 4 });
  t.equal(s.blockCount, 5);
  t.equal(s.lastBlockNumber, 5);
  const w1 = s.start();
  t.same(
    w1.map((b) => [b.blockNumber, b.blockControl.streaming, b.blockControl.lastBlock, b.blockControl.window]),
    [[1, false, false, 4]],
    'one block until the peer announces its window',
  );
  const w2 = s.acknowledge(gbt(1, new Uint8Array(0), { ack: 1, window: 3 }));
  t.same(
    w2.map((b) => [b.blockNumber, b.blockControl.streaming, b.blockNumberAck]),
    [
      [2, true, 1],
      [3, true, 1],
      [4, false, 1],
    ],
    'then windows of the announced size, streaming on all but the last, acknowledging the peer',
  );
  // the peer got 2 but not 3 and 4: repeat from 3
  const again = s.acknowledge(gbt(2, new Uint8Array(0), { ack: 2, window: 3 }));
  t.same(
    again.map((b) => [b.blockNumber, b.blockControl.streaming, b.blockControl.lastBlock]),
    [
      [3, true, false],
      [4, true, false],
      [5, false, true],
    ],
  );
  t.ok(s.allSent);
  t.same(s.acknowledge(gbt(3, new Uint8Array(0), { ack: 5, window: 3 })), [], 'all acknowledged');
  t.throws(() => s.checkAnswer(gbt(1, bytes(3), { ack: 4 })), { code: DlmsErrorCode.BlockNumberMismatch });
  t.doesNotThrow(() => s.checkAnswer(gbt(1, bytes(3), { ack: 5 })));
  t.end();
});

t.test('BlockTransferSender: hostile acknowledgements and the retry limit', (t) => {
  const s = new BlockTransferSender(bytes(60), { blockSize: 20, peerWindow: 2, maxRetries: 2 });
  t.equal(s.start().length, 2);
  t.throws(() => s.acknowledge(gbt(1, new Uint8Array(0), { ack: 3 })), {
    code: DlmsErrorCode.BlockNumberMismatch,
  });
  t.same(
    s.acknowledge(gbt(1, new Uint8Array(0), { ack: 2, window: 2 })).map((b) => b.blockNumber),
    [3],
  );
  t.throws(() => s.acknowledge(gbt(2, new Uint8Array(0), { ack: 0 })), {
    code: DlmsErrorCode.BlockNumberMismatch,
  });
  t.equal(s.acknowledge(gbt(2, new Uint8Array(0), { ack: 2, window: 2 })).length, 1, 'first repetition');
  t.equal(s.acknowledge(gbt(3, new Uint8Array(0), { ack: 2, window: 2 })).length, 1, 'second repetition');
  t.equal(s.lastPeerBlockNumber, 3);
  t.throws(() => s.acknowledge(gbt(4, new Uint8Array(0), { ack: 2, window: 2 })), {
    code: DlmsClientErrorCode.BlockRecoveryFailed,
  });
  t.throws(() => new BlockTransferSender(bytes(3), { blockSize: 0 }), { code: ErrorCode.InvalidArgument });
  t.throws(() => new BlockTransferSender(bytes(3), { blockSize: 2, window: 64 }), {
    code: ErrorCode.InvalidArgument,
  });
  const empty = new BlockTransferSender(new Uint8Array(0), { blockSize: 8 });
  t.same(
    empty.start().map((b) => b.blockControl.lastBlock),
    [true],
  );
  t.end();
});

// ---------------------------------------------------------------- sans-IO: receiver

t.test('BlockTransferReceiver: a gap in the window is asked for again, then completes', (t) => {
  const r = new BlockTransferReceiver({ window: 3 });
  t.same(r.receive(gbt(1, bytes(2, 1), { streaming: true })), { type: 'wait' });
  t.same(r.receive(gbt(3, bytes(2, 3), { streaming: false })).type, 'ack');
  // block 2 was lost: the acknowledgement names block 1, the last in sequence
  const r2 = new BlockTransferReceiver({ window: 3 });
  r2.receive(gbt(1, bytes(2, 1), { streaming: true }));
  const ack = r2.receive(gbt(3, bytes(2, 3), { streaming: false }));
  t.equal(ack.type === 'ack' && ack.recovery, true);
  t.equal(ack.type === 'ack' && ack.apdu.blockNumberAck, 1);
  t.same(r2.receive(gbt(2, bytes(2, 2), { streaming: true })), { type: 'wait' });
  t.same(r2.receive(gbt(3, bytes(2, 3), { streaming: true })), { type: 'wait' });
  const done = r2.receive(gbt(4, bytes(2, 4), { last: true }));
  t.same(done, {
    type: 'complete',
    apdu: Uint8Array.from([...bytes(2, 1), ...bytes(2, 2), ...bytes(2, 3), ...bytes(2, 4)]),
  });
  t.end();
});

t.test('BlockTransferReceiver: lost first block, duplicates, timer recovery, limits', (t) => {
  const r = new BlockTransferReceiver({ window: 4, maxRetries: 2 });
  t.same(r.receive(gbt(2, bytes(1), { streaming: true })), { type: 'wait' }, 'block 1 lost: a gap');
  t.ok(r.inProgress);
  const a1 = r.receive(gbt(3, bytes(1), { streaming: false }));
  t.equal(a1.type === 'ack' && a1.apdu.blockNumberAck, 0, 'asks for everything from block 1');
  t.same(r.receive(gbt(1, bytes(1), { streaming: true })), { type: 'wait' });
  t.same(r.receive(gbt(1, bytes(1), { streaming: true })), { type: 'wait' }, 'a duplicate is ignored');
  const a2 = r.recover();
  t.equal(a2.type === 'ack' && a2.apdu.blockNumberAck, 1, 'timer: acknowledge what is in sequence');
  t.throws(() => r.recover(), { code: DlmsClientErrorCode.BlockRecoveryFailed }, 'third recovery fails');

  const w = new BlockTransferReceiver({ window: 2 });
  w.receive(gbt(1, bytes(1), { streaming: true }));
  t.throws(() => w.receive(gbt(3, bytes(1), { streaming: true })), {
    code: DlmsErrorCode.BlockNumberMismatch,
  });
  t.throws(() => new BlockTransferReceiver().receive(gbt(9, bytes(1))), {
    code: DlmsErrorCode.BlockNumberMismatch,
  });
  const back = new BlockTransferReceiver({ window: 1 });
  back.receive(gbt(1, bytes(1)));
  back.receive(gbt(2, bytes(1)));
  back.receive(gbt(3, bytes(1)));
  t.throws(() => back.receive(gbt(1, bytes(1))), { code: DlmsErrorCode.BlockNumberMismatch }, 'far back');
  const cont = new BlockTransferReceiver({ firstBlockNumbers: [1, 8], ownBlockNumber: 4 });
  const a3 = cont.receive(gbt(8, bytes(1)));
  t.equal(a3.type === 'ack' && a3.apdu.blockNumber, 4, 'our numbering follows the request');
  t.equal(cont.lastPeerBlockNumber, 8);
  t.equal(cont.nextOwnBlockNumber, 5);
  t.end();
});

t.test('property: sender and receiver over a lossy exchange deliver the APDU or fail typed', (t) => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 300 }),
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.integer({ min: 0, max: 35 }),
      (data, blockSize, window, seed, lossPercent) => {
        let s = seed >>> 0;
        const lose = (): boolean => {
          s = (Math.imul(s, 1103515245) + 12345) >>> 0;
          return s % 100 < lossPercent;
        };
        const sender = new BlockTransferSender(data, { blockSize, peerWindow: window, maxRetries: 40 });
        const receiver = new BlockTransferReceiver({ window, maxRetries: 40 });
        let blocks = sender.start();
        try {
          for (let round = 0; round < 5000; round++) {
            let ack: GeneralBlockTransfer | undefined;
            for (const b of blocks) {
              if (lose()) continue;
              const step = receiver.receive(decodeApdu(encodeApdu(b)) as GeneralBlockTransfer);
              if (step.type === 'complete') {
                if (step.apdu.length !== data.length || step.apdu.some((x, i) => x !== data[i])) return false;
                return true;
              }
              if (step.type === 'ack') ack = step.apdu;
            }
            if (ack === undefined || lose()) {
              // nothing came back in time: the receiver's block timer asks again
              const step = receiver.recover();
              ack = step.type === 'ack' ? step.apdu : undefined;
            }
            blocks = ack === undefined ? [] : sender.acknowledge(ack);
          }
          return false; // never livelocks
        } catch (e) {
          return codeOf(e) === DlmsClientErrorCode.BlockRecoveryFailed;
        }
      },
    ),
    { numRuns: 300 },
  );
  t.end();
});

// ---------------------------------------------------------------- sans-IO: ACTION pblocks

t.test('action-with-list answered with action-response-with-pblock is reassembled', (t) => {
  const m = { classId: 9, instanceId: '0-0:10.0.0.255', methodId: 1 };
  const responses = encodeResponses([
    {
      result: 'success',
      returnParameters: { type: 'data', data: { type: 'octet-string', value: bytes(90) } },
    },
    { result: 'hardware-fault', returnParameters: null },
    { result: 'success', returnParameters: { type: 'data-access-result', result: 'read-write-denied' } },
  ]);
  const tx = new ServiceTransaction({ type: 'action', items: [m, m, m] }, { invokeId: 4 });
  t.equal(tx.start().type, 'action-request-with-list');
  const parts = [responses.subarray(0, 40), responses.subarray(40, 80), responses.subarray(80)];
  let step = tx.receive(pblock(4, 1, false, parts[0]!));
  t.same(step.type === 'send' && step.apdu, {
    type: 'action-request-next-pblock',
    invokeIdAndPriority: iip(4),
    blockNumber: 1,
  });
  step = tx.receive(pblock(4, 2, false, parts[1]!));
  step = tx.receive(pblock(4, 3, true, parts[2]!));
  t.equal(step.type, 'done');
  const results = step.type === 'done' ? step.result.results : [];
  t.equal(results.length, 3);
  t.same(results[1], { result: 'hardware-fault', returnParameters: null });
  t.same(results[2], {
    result: 'success',
    returnParameters: { type: 'data-access-result', result: 'read-write-denied' },
  });

  // hostile pblocks: wrong invoke-id, out of order, a count that does not match, garbage
  const bad = () => {
    const x = new ServiceTransaction({ type: 'action', items: [m, m, m] }, { invokeId: 4 });
    x.start();
    return x;
  };
  t.throws(() => bad().receive(pblock(5, 1, false, parts[0]!)), {
    code: DlmsClientErrorCode.InvokeIdMismatch,
  });
  t.throws(() => bad().receive(pblock(4, 2, false, parts[0]!)), { code: DlmsErrorCode.BlockNumberMismatch });
  const two = encodeResponses([
    { result: 'success', returnParameters: null },
    { result: 'success', returnParameters: null },
  ]);
  t.throws(() => bad().receive(pblock(4, 1, true, two)), { code: DlmsClientErrorCode.UnexpectedResponse });
  t.throws(() => bad().receive(pblock(4, 1, true, Uint8Array.of(3, 0, 1))), {
    code: DlmsErrorCode.BlockTransferFailed,
  });
  t.throws(() => bad().receive(pblock(4, 1, true, Uint8Array.of(0x84, 0xff, 0xff, 0xff, 0xff))), {
    code: DlmsErrorCode.BlockTransferFailed,
  });
  t.end();
});

t.test('a long action-with-list goes out in pblocks and its long answer comes back in pblocks', (t) => {
  const m = { classId: 9, instanceId: '0-0:10.0.0.255', methodId: 1 };
  const big: DlmsData = { type: 'octet-string', value: bytes(200) };
  const tx = new ServiceTransaction(
    { type: 'action', items: [{ ...m, parameters: big }, m] },
    { invokeId: 6, maxRequestSize: 96 },
  );
  const first = tx.start();
  t.equal(first.type, 'action-request-with-list-and-first-pblock');
  let step = tx.receive(
    roundTrip({ type: 'action-response-next-pblock', invokeIdAndPriority: iip(6), blockNumber: 1 }),
  );
  let n = 1;
  // an answer in pblocks before the request is complete is refused
  t.throws(
    () => {
      const early = new ServiceTransaction(
        { type: 'action', items: [{ ...m, parameters: big }, m] },
        { invokeId: 6, maxRequestSize: 96 },
      );
      early.start();
      return early.receive(pblock(6, 1, true, new Uint8Array(0)));
    },
    { code: DlmsClientErrorCode.UnexpectedResponse },
  );
  while (
    step.type === 'send' &&
    step.apdu.type === 'action-request-with-pblock' &&
    !step.apdu.pblock.lastBlock
  ) {
    n++;
    step = tx.receive(
      roundTrip({ type: 'action-response-next-pblock', invokeIdAndPriority: iip(6), blockNumber: n }),
    );
  }
  t.ok(n >= 2, 'several request pblocks');
  const answer = encodeResponses([
    {
      result: 'success',
      returnParameters: { type: 'data', data: { type: 'octet-string', value: bytes(120) } },
    },
    { result: 'success', returnParameters: null },
  ]);
  step = tx.receive(pblock(6, 1, false, answer.subarray(0, 64)));
  t.equal(step.type === 'send' && step.apdu.type, 'action-request-next-pblock');
  step = tx.receive(pblock(6, 2, true, answer.subarray(64)));
  t.equal(step.type === 'done' && step.result.results.length, 2);
  t.end();
});

function pblock(invokeId: number, n: number, last: boolean, raw: Uint8Array): DecodedApdu {
  return roundTrip({
    type: 'action-response-with-pblock',
    invokeIdAndPriority: iip(invokeId),
    pblock: { lastBlock: last, blockNumber: n, rawData: raw },
  });
}

/** The SEQUENCE OF Action-Response-With-Optional-Data, cut out of an action-response-with-list. */
function encodeResponses(
  list: readonly {
    result: string;
    returnParameters:
      | { type: 'data'; data: DlmsData }
      | { type: 'data-access-result'; result: string }
      | null;
  }[],
): Uint8Array {
  const whole = encodeApdu({
    type: 'action-response-with-list',
    invokeIdAndPriority: iip(1),
    listOfResponses: list,
  });
  return whole.subarray(3);
}

// ---------------------------------------------------------------- end to end: requests in GBT

t.test('a long SET goes out in GBT blocks, honouring the window the server announces', async (t) => {
  const server = new GbtServer({ window: 2 }, { conformance: GBT_ONLY, maxPduSize: 64 });
  const client = await connect(server);
  const value: DlmsData = { type: 'octet-string', value: bytes(300, 3) };
  await client.set('0-0:96.1.1.255', value);
  t.same(server.scripted.objects.get(key(1, '0-0:96.1.1.255', 2)), value, 'the server got the value');
  t.equal(server.gbtRequests[0]?.type, 'set-request-normal', 'one set-request-normal inside the blocks');
  const sent = server.fromClient.filter((b) => b.blockData.length > 0);
  t.same(
    sent.map((b) => b.blockNumber),
    sent.map((_, i) => i + 1),
    'blocks numbered from 1 in sequence',
  );
  t.ok(sent.length >= 5, `${sent.length} blocks`);
  t.ok(
    sent.every((b) => b.blockData.length + 9 <= 64),
    "every block fits the server's max-receive-pdu-size",
  );
  t.same(
    sent.slice(0, 5).map((b) => b.blockControl.streaming),
    [false, true, false, true, false],
    'first a single block, then windows of two',
  );
  t.ok(sent.at(-1)?.blockControl.lastBlock);
  await client.close();
});

t.test('a long get-with-list and an action go out in GBT; answers come in the client window', async (t) => {
  const server = new GbtServer(
    { window: 3, blockSize: 30 },
    { conformance: GBT_ONLY, maxPduSize: 80, objects: registers(30) },
  );
  const client = await connect(server, { gbtWindow: 3 });
  const results = await client.getWithList(listItems(30));
  t.same(
    results.map((r) => (r.type === 'data' ? r.data.value : r.result)),
    Array.from({ length: 30 }, (_, i) => 1000 + i),
  );
  t.equal(server.gbtRequests[0]?.type, 'get-request-with-list');
  const acks = server.fromClient.filter((b) => b.blockData.length === 0);
  t.ok(acks.length > 0, 'the answer was acknowledged window by window');
  t.ok(
    acks.every((b) => b.blockControl.window === 3),
    'announcing the client window',
  );
  const requestBlocks = server.fromClient.filter((b) => b.blockData.length > 0);
  t.ok(
    acks.every((b) => b.blockNumber > requestBlocks.at(-1)!.blockNumber),
    'acknowledgements number on after the request blocks',
  );
  // an action with long parameters: GBT as well (no block-transfer-with-action granted)
  const r = await client.action('0-0:10.0.0.255', {
    classId: 9,
    method: 1,
    parameters: { type: 'octet-string', value: bytes(150) },
  });
  t.equal(r, undefined);
  t.equal(server.gbtRequests[1]?.type, 'action-request-normal');
  await client.close();
});

t.test("generalBlockTransfer: 'always', 'preferred', 'never'", async (t) => {
  const withSetBlocks = { conformance: ALL, maxPduSize: 64, objects: registers(2) };
  const always = new GbtServer({ window: 4, blockSize: 16 }, withSetBlocks);
  const a = await connect(always, { generalBlockTransfer: 'always', gbtWindow: 4 });
  t.same(await a.get('1-0:1.8.0.255', { classId: 3 }), { type: 'double-long-unsigned', value: 1000 });
  const v = await a.get('0-0:96.1.0.255');
  t.equal(v.type === 'octet-string' && v.value.length, 300, 'a long answer in windows of 4');
  t.equal(always.gbtRequests.length, 2, 'even short requests go in GBT');
  await a.close();

  const preferred = new GbtServer({}, withSetBlocks);
  const p = await connect(preferred, { generalBlockTransfer: 'preferred' });
  await p.set('0-0:96.1.1.255', { type: 'octet-string', value: bytes(100) });
  t.equal(preferred.gbtRequests[0]?.type, 'set-request-normal', 'GBT before set-with-datablock');
  await p.close();

  const whenNeeded = new GbtServer({}, withSetBlocks);
  const w = await connect(whenNeeded);
  await w.set('0-0:96.1.1.255', { type: 'octet-string', value: bytes(100) });
  t.equal(whenNeeded.gbtRequests.length, 0, 'service-specific blocks when granted');
  t.equal(whenNeeded.scripted.requests[0]?.type, 'set-request-with-first-datablock');
  await w.close();

  const never = new GbtServer({}, { conformance: GBT_ONLY, maxPduSize: 64 });
  const n = await connect(never, { generalBlockTransfer: 'never' });
  t.equal(
    codeOf(await failure(n.set('0-0:96.1.1.255', { type: 'octet-string', value: bytes(100) }))),
    DlmsClientErrorCode.ConformanceMissing,
  );
  await n.close();
});

t.test('ciphered (suite 0, HLS-GMAC): the ciphered APDU travels in GBT both ways', async (t) => {
  const EK = Uint8Array.from({ length: 16 }, (_, i) => i);
  const AK = Uint8Array.from({ length: 16 }, (_, i) => 0xd0 + i);
  const serverCtx = new SecurityContext({
    systemTitle: Uint8Array.of(0x4d, 0x4d, 0x4d, 0, 0, 0xbc, 0x61, 0x4e),
    globalUnicastEncryptionKey: EK,
    authenticationKey: AK,
  });
  const clientCtx = new SecurityContext({
    systemTitle: Uint8Array.of(0x4d, 0x4b, 0x54, 0, 0, 0, 0, 1),
    globalUnicastEncryptionKey: EK,
    authenticationKey: AK,
  });
  const server = new GbtServer(
    { window: 2, blockSize: 24 },
    { conformance: GBT_ONLY, maxPduSize: 64, objects: registers(1), security: serverCtx, hls: 5 },
  );
  const client = await connect(server, {
    authentication: { mechanism: 5 },
    security: { context: clientCtx },
    generalBlockTransfer: 'always',
    gbtWindow: 3,
  });
  t.equal(client.association.state, 'associated');
  t.same(await client.get('0-0:96.1.0.255'), { type: 'octet-string', value: bytes(300, 7) });
  const value: DlmsData = { type: 'octet-string', value: bytes(150, 5) };
  await client.set('0-0:96.1.1.255', value);
  t.same(server.scripted.objects.get(key(1, '0-0:96.1.1.255', 2)), value);
  t.ok(
    server.gbtRequestTags.length >= 3 && server.gbtRequestTags.every((tag) => tag >= 0xc8 && tag <= 0xcb),
    'the blocks carry ciphered APDUs',
  );
  await client.close();
});

// ---------------------------------------------------------------- end to end: lost blocks

t.test('the server loses a request block: the client sends again from the acknowledged one', async (t) => {
  const server = new GbtServer(
    { window: 3, loseRequestOnce: [3] },
    { conformance: GBT_ONLY, maxPduSize: 40 },
  );
  const client = await connect(server);
  const value: DlmsData = { type: 'octet-string', value: bytes(200, 9) };
  await client.set('0-0:96.1.1.255', value);
  t.same(server.scripted.objects.get(key(1, '0-0:96.1.1.255', 2)), value);
  const numbers = server.fromClient.filter((b) => b.blockData.length > 0).map((b) => b.blockNumber);
  t.equal(numbers.filter((n) => n === 3).length, 2, 'block 3 went twice');
  await client.close();
});

t.test('a missing answer block is asked for again and the answer completes', async (t) => {
  const server = new GbtServer(
    { window: 3, blockSize: 20, dropOnce: [2, 6] },
    { conformance: GBT_ONLY, objects: registers(1) },
  );
  const client = await connect(server, { gbtWindow: 3, generalBlockTransfer: 'always' });
  const v = await client.get('0-0:96.1.0.255');
  t.same(v, { type: 'octet-string', value: bytes(300, 7) });
  const acks = server.fromClient.filter((b) => b.blockData.length === 0);
  t.ok(
    acks.some((b) => b.blockNumberAck === 1),
    'a recovery acknowledgement names block 1, the last in sequence',
  );
  await client.close();
});

t.test('a block that stays lost ends with BlockRecoveryFailed, not a hang', async (t) => {
  const server = new GbtServer(
    { window: 3, blockSize: 20, dropAlways: [2] },
    { conformance: GBT_ONLY, objects: registers(1) },
  );
  const client = await connect(server, { gbtWindow: 3, generalBlockTransfer: 'always', gbtRetries: 2 });
  t.equal(codeOf(await failure(client.get('0-0:96.1.0.255'))), DlmsClientErrorCode.BlockRecoveryFailed);
  await client.close();
});

t.test('the end of a window lost: the block timer recovers; without it the request times out', async (t) => {
  const opts = { window: 3, blockSize: 20 } as const;
  const scripted = { conformance: GBT_ONLY, objects: registers(1) };
  const server = new GbtServer({ ...opts, dropOnce: [3] }, scripted);
  const client = await connect(server, {
    gbtWindow: 3,
    generalBlockTransfer: 'always',
    gbtBlockTimeoutMs: 40,
  });
  t.same(await client.get('0-0:96.1.0.255'), { type: 'octet-string', value: bytes(300, 7) });
  await client.close();

  const stuck = new GbtServer({ ...opts, dropAlways: [3] }, scripted);
  const c2 = await connect(stuck, { gbtWindow: 3, generalBlockTransfer: 'always', timeoutMs: 150 });
  t.equal(codeOf(await failure(c2.get('0-0:96.1.0.255'))), ErrorCode.SessionTimeout);
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 40);
  t.equal(
    codeOf(await failure(c2.get('0-0:96.1.0.255', { signal: ac.signal, timeoutMs: 5000 }))),
    ErrorCode.Cancelled,
    'cancellation is honoured in the middle of a transfer',
  );
  await c2.close();

  const limited = new GbtServer({ ...opts, dropAlways: [3] }, scripted);
  const c3 = await connect(limited, {
    gbtWindow: 3,
    generalBlockTransfer: 'always',
    gbtBlockTimeoutMs: 20,
    gbtRetries: 2,
  });
  t.equal(codeOf(await failure(c3.get('0-0:96.1.0.255'))), DlmsClientErrorCode.BlockRecoveryFailed);
  await c3.close();
});

t.test('servers that number their blocks on through the session are followed', async (t) => {
  const server = new GbtServer(
    { window: 2, blockSize: 20, continuous: true },
    { conformance: GBT_ONLY, objects: registers(1), maxPduSize: 64 },
  );
  const client = await connect(server, { gbtWindow: 2, generalBlockTransfer: 'always' });
  for (let i = 0; i < 3; i++)
    t.same(await client.get('0-0:96.1.0.255'), { type: 'octet-string', value: bytes(300, 7) }, `read ${i}`);
  await client.set('0-0:96.1.1.255', { type: 'octet-string', value: bytes(120) });
  t.same(await client.get('0-0:96.1.0.255'), { type: 'octet-string', value: bytes(300, 7) });
  await client.close();
});

// ---------------------------------------------------------------- end to end: hostile answers

t.test('hostile GBT answers give typed errors', async (t) => {
  const scripted = { conformance: GBT_ONLY, objects: registers(1) };
  const base = { window: 3, blockSize: 20 } as const;
  const run = async (o: GbtServerOptions, c: Partial<DlmsClientOptions> = {}): Promise<unknown> => {
    const server = new GbtServer({ ...base, ...o }, scripted);
    const client = await connect(server, { gbtWindow: 3, generalBlockTransfer: 'always', ...c });
    const e = await failure(client.get('0-0:96.1.0.255'));
    await client.close();
    return e;
  };
  t.equal(
    codeOf(await run({ mutate: (b, i) => (i === 1 ? encodeApdu({ ...b, blockNumber: 7 }) : undefined) })),
    DlmsErrorCode.BlockNumberMismatch,
    'out-of-order block number',
  );
  t.equal(
    codeOf(
      await run({
        mutate: (b, i) =>
          i === 2 ? encodeApdu({ ...b, blockNumber: 9, blockControl: { ...b.blockControl } }) : undefined,
      }),
    ),
    DlmsErrorCode.BlockNumberMismatch,
    'a block beyond the window',
  );
  t.equal(
    codeOf(await run({}, { maxResponseSize: 100 })),
    DlmsClientErrorCode.ResponseTooLarge,
    'an answer larger than maxResponseSize',
  );
  t.equal(
    codeOf(
      await run({
        mutate: (b, i) => {
          if (i !== 2) return undefined;
          const raw = encodeApdu(b);
          raw[6] = 0x7f; // block-data length says 127, far more than the frame holds
          return raw;
        },
      }),
    ),
    ErrorCode.LengthOverrun,
    'a lying block-data length',
  );
  t.equal(
    codeOf(
      await run({
        mutate: (b, i) => (i === 2 ? encodeApdu({ ...b, blockData: new Uint8Array(0) }) : undefined),
      }),
    ),
    DlmsErrorCode.BlockTransferFailed,
    'an empty middle block',
  );
  t.equal(
    codeOf(
      await run({
        mutate: (b, i) => (i === 1 ? encodeApdu({ ...b, blockNumberAck: 40 }) : undefined),
      }),
    ),
    DlmsErrorCode.BlockNumberMismatch,
    'an answer acknowledging a request block never sent',
  );
  // the reassembled answer carries another invoke-id
  const wrongId = new GbtServer(
    {
      ...base,
      answer: (rq) =>
        rq.type === 'get-request-normal'
          ? [
              encodeApdu({
                type: 'get-response-normal',
                invokeIdAndPriority: {
                  ...rq.invokeIdAndPriority,
                  invokeId: (rq.invokeIdAndPriority.invokeId + 1) & 15,
                },
                result: { type: 'data', data: { type: 'octet-string', value: bytes(100) } },
              }),
            ]
          : undefined,
    },
    scripted,
  );
  const c = await connect(wrongId, { gbtWindow: 3, generalBlockTransfer: 'always' });
  t.equal(codeOf(await failure(c.get('0-0:96.1.0.255'))), DlmsClientErrorCode.InvokeIdMismatch);
  await c.close();
  // the server starts answering before the request is complete
  const early = new GbtServer({ window: 1, loseRequestOnce: [] }, { conformance: GBT_ONLY, maxPduSize: 40 });
  const originalHandle = early.handle.bind(early);
  early.handle = (apdu) =>
    apdu[0] === 0xe0 && (decodeApdu(apdu) as GeneralBlockTransfer).blockNumber === 1
      ? [encodeApdu(gbt(1, bytes(10), { last: true, ack: 1 }))]
      : originalHandle(apdu);
  const c2 = await connect(early);
  t.equal(
    codeOf(await failure(c2.set('0-0:96.1.1.255', { type: 'octet-string', value: bytes(200) }))),
    DlmsClientErrorCode.UnexpectedResponse,
  );
  await c2.close();
});

// ---------------------------------------------------------------- end to end: ACTION pblocks

t.test('action-with-list: long request in pblocks and long answer in pblocks, end to end', async (t) => {
  const answer = encodeResponses([
    {
      result: 'success',
      returnParameters: { type: 'data', data: { type: 'octet-string', value: bytes(150) } },
    },
    { result: 'success', returnParameters: null },
  ]);
  let received: Uint8Array[] = [];
  let blocks: Uint8Array[] = [];
  const pb = (id: InvokeIdAndPriority, n: number): Uint8Array =>
    encodeApdu({
      type: 'action-response-with-pblock',
      invokeIdAndPriority: id,
      pblock: { lastBlock: n === blocks.length, blockNumber: n, rawData: blocks[n - 1]! },
    });
  const server = new GbtServer(
    {
      answer: (rq) => {
        switch (rq.type) {
          case 'action-request-with-list-and-first-pblock':
          case 'action-request-with-pblock':
            if (rq.type === 'action-request-with-list-and-first-pblock') received = [];
            received.push(Uint8Array.from(rq.pblock.rawData));
            if (!rq.pblock.lastBlock)
              return [
                encodeApdu({
                  type: 'action-response-next-pblock',
                  invokeIdAndPriority: rq.invokeIdAndPriority,
                  blockNumber: rq.pblock.blockNumber,
                }),
              ];
            blocks = [answer.subarray(0, 60), answer.subarray(60, 120), answer.subarray(120)];
            return [pb(rq.invokeIdAndPriority, 1)];
          case 'action-request-next-pblock':
            return [pb(rq.invokeIdAndPriority, rq.blockNumber + 1)];
          case 'action-request-with-list':
            blocks = [answer.subarray(0, 100), answer.subarray(100)];
            return [pb(rq.invokeIdAndPriority, 1)];
          default:
            return undefined;
        }
      },
    },
    { conformance: ALL, maxPduSize: 96 },
  );
  const client = await connect(server);
  const m = { classId: 9, instanceId: '0-0:10.0.0.255', methodId: 1 };
  const short = await client.actionWithList([m, m]);
  t.same(short[1], { result: 'success', returnParameters: null });
  const big: DlmsData = {
    type: 'array',
    value: Array.from({ length: 40 }, (_, i) => ({ type: 'long-unsigned', value: i })),
  };
  const long = await client.actionWithList([{ ...m, parameters: big }, m]);
  t.same(long[0], {
    result: 'success',
    returnParameters: { type: 'data', data: { type: 'octet-string', value: bytes(150) } },
  });
  t.ok(received.length >= 2, `the request went out in ${received.length} pblocks`);
  const joined = concat(received);
  t.same(joined.subarray(0, 1), Uint8Array.of(2), 'two parameters');
  t.same(joined.subarray(1, 1 + encodeData(big).length), encodeData(big));
  await client.close();
});

// ---------------------------------------------------------------- HDLC: RR polling between windows

t.test('HDLC window 1 under GBT window 3: the client polls with RR and the session completes', async (t) => {
  const [a, b] = createMemoryPair();
  const scripted = new ScriptedServer({ objects: registers(1), blockSize: 40, gbtWindow: 3 });
  serveHdlc(b, scripted);
  const counter = countPolls(b);
  const client = await DlmsClient.connect({
    connection: { type: 'transport', transport: a, framing: 'hdlc', physicalAddress: 17, hdlcTimeoutMs: 300 },
    gbtWindow: 3,
    timeoutMs: 2000,
  });
  t.same(await client.get('0-0:96.1.0.255'), { type: 'octet-string', value: bytes(300, 7) });
  t.ok(counter.polls > 0, `${counter.polls} RR polls fetched the rest of each window`);
  await client.release();
  await client.close();
});

t.test('HDLC: requests in GBT, lost answer blocks, polling, all over the sans-IO link', async (t) => {
  const server = new GbtServer(
    { window: 2, blockSize: 30, dropOnce: [3] },
    { conformance: GBT_ONLY, objects: registers(12), maxPduSize: 64 },
  );
  const [a, b] = createMemoryPair();
  serveHdlcWith(b, (x) => server.handle(x));
  const counter = countPolls(b);
  const client = await DlmsClient.connect({
    connection: { type: 'transport', transport: a, framing: 'hdlc', physicalAddress: 17, hdlcTimeoutMs: 300 },
    gbtWindow: 4,
    generalBlockTransfer: 'always',
    // the last block of the first answer is lost: the block timer asks for it again
    gbtBlockTimeoutMs: 150,
    timeoutMs: 2000,
  });
  const results = await client.getWithList(listItems(12));
  t.equal(results.length, 12);
  t.same(await client.get('0-0:96.1.0.255'), { type: 'octet-string', value: bytes(300, 7) });
  t.ok(counter.polls > 0, 'polled');
  await client.close();
});

t.test('HDLC poll: a server with nothing to send is polled again until the answer comes', async (t) => {
  // the server answers the request's first block of GBT only after a few polls
  const [a, b] = createMemoryPair();
  let pending: Uint8Array[] = [];
  let polls = 0;
  const link = new HdlcLink({
    role: 'server',
    localAddress: hdlcAddress(1, 17),
    remoteAddress: hdlcAddress(16),
  });
  const scripted = new ScriptedServer({ objects: registers(1), blockSize: 40, gbtWindow: 2 });
  b.onData((chunk) => {
    for (const f of frames(chunk)) if (f === 'rr') polls++;
    link.receive(chunk);
    for (let e = link.nextEvent(); e !== undefined; e = link.nextEvent())
      if (e.type === 'apdu') {
        const out = scripted.handle(e.apdu);
        // hold everything but the first block back for three polls
        link.send(out[0]!);
        pending = out.slice(1);
      }
    if (pending.length > 0 && polls >= 3) {
      for (const p of pending) link.send(p);
      pending = [];
    }
    for (let o = link.nextOutput(); o !== undefined; o = link.nextOutput())
      void b.write(o).catch(() => undefined);
  });
  const client = await DlmsClient.connect({
    connection: {
      type: 'transport',
      transport: a,
      framing: 'hdlc',
      physicalAddress: 17,
      hdlcTimeoutMs: 300,
      hdlcPollIntervalMs: 20,
    },
    gbtWindow: 2,
    timeoutMs: 2000,
  });
  t.same(await client.get('0-0:96.1.0.255'), { type: 'octet-string', value: bytes(300, 7) });
  t.ok(polls >= 3, `${polls} polls`);
  await client.close();
});

t.test('HdlcLink poll and releasePoll (sans-IO): the poll goes back and forth', (t) => {
  const client = new HdlcLink({
    role: 'client',
    localAddress: hdlcAddress(16),
    remoteAddress: hdlcAddress(1, 17),
  });
  const server = new HdlcLink({
    role: 'server',
    localAddress: hdlcAddress(1, 17),
    remoteAddress: hdlcAddress(16),
  });
  const pump = (from: HdlcLink, to: HdlcLink): string[] => {
    const seen: string[] = [];
    for (let o = from.nextOutput(); o !== undefined; o = from.nextOutput()) {
      seen.push(`${decodeHdlcFrame(o, { llc: false }).type}`);
      to.receive(o);
    }
    return seen;
  };
  client.poll();
  t.same(client.nextOutput(), undefined, 'no poll before the link is connected');
  client.connect();
  pump(client, server);
  pump(server, client);
  t.equal(client.state, 'connected');
  // a request whose APDU needs no answer (a streaming GBT block): the server gives the poll back
  client.send(Uint8Array.of(0xe0, 0x40, 0, 1, 0, 0, 1, 0xaa));
  t.same(pump(client, server), ['i']);
  t.notOk(client.idle, 'the server holds the poll');
  client.poll();
  t.same(client.nextOutput(), undefined, 'no poll while the server holds it');
  server.releasePoll();
  t.same(pump(server, client), ['rr']);
  t.ok(client.idle, 'the poll is back');
  server.releasePoll();
  t.same(server.nextOutput(), undefined, 'nothing to give back twice');
  // the server queues two APDUs with window 1: the second needs a poll
  client.send(Uint8Array.of(0xc0, 1, 0xc1, 0, 1, 0, 0, 1, 8, 0, 0xff, 2, 0));
  pump(client, server);
  for (let e = server.nextEvent(); e !== undefined; e = server.nextEvent())
    if (e.type === 'apdu' && e.apdu[0] === 0xc0) {
      server.send(Uint8Array.of(0xe0, 0x40, 0, 1, 0, 0, 1, 1));
      server.send(Uint8Array.of(0xe0, 0x80, 0, 2, 0, 0, 1, 2));
    }
  t.same(pump(server, client), ['i']);
  const apdus = (): number => {
    let n = 0;
    for (let e = client.nextEvent(); e !== undefined; e = client.nextEvent()) if (e.type === 'apdu') n++;
    return n;
  };
  t.equal(apdus(), 1);
  client.poll();
  t.same(pump(client, server), ['rr'], 'RR with P=1');
  t.equal(client.timeoutMs, 3000, 'the poll runs the response timer');
  t.same(pump(server, client), ['i']);
  t.equal(apdus(), 1, 'the rest of the window came');
  t.throws(() => server.poll(), { code: ErrorCode.InvalidState });
  t.throws(() => client.releasePoll(), { code: ErrorCode.InvalidState });
  t.end();
});

function frames(chunk: Uint8Array): string[] {
  const out: string[] = [];
  try {
    const f = decodeHdlcFrame(chunk, { llc: false });
    out.push(f.type);
  } catch {
    // several frames in one chunk or a partial one: not counted
  }
  return out;
}

// ---------------------------------------------------------------- the meter simulator over HDLC-over-TCP

t.test(
  'HDLC over TCP against the meter simulator: GBT requests, answers in windows of 3, RR polling',
  async (t) => {
    const meter = new MeterSimulator(DEFAULT_SIMULATOR_PROFILE);
    t.teardown(() => meter.close());
    let polls = 0;
    const server = createServer((socket) => {
      const port = new HdlcServerPort(meter, { maxInfoLength: 128, window: 1 });
      const deframer = new HdlcDeframer({ llc: false });
      socket.on('data', (d) => {
        const chunk = new Uint8Array(d.buffer, d.byteOffset, d.length);
        for (const item of deframer.push(chunk))
          if (item.type === 'frame' && item.frame.type === 'rr' && item.frame.pollFinal) polls++;
        for (const out of port.receive(chunk)) socket.write(out);
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.teardown(() => new Promise<void>((r) => server.close(() => r())));
    const client = await DlmsClient.connect({
      connection: {
        type: 'hdlc-tcp',
        host: '127.0.0.1',
        port: (server.address() as { port: number }).port,
        physicalAddress: 17,
        hdlcTimeoutMs: 500,
      },
      generalBlockTransfer: 'always',
      gbtWindow: 3,
      maxReceivePduSize: 128,
      timeoutMs: 3000,
    });
    t.ok(client.negotiated?.conformance.includes('general-block-transfer'), 'GBT granted');
    const p = await client.readProfile('1-0:99.1.0.255', { fromEntry: 1, toEntry: 100 });
    t.equal(p.rows.length, 100, 'profile rows in GBT windows');
    t.ok(polls > 0, `${polls} RR polls between windows`);
    await client.release();
    await client.close();
  },
);
