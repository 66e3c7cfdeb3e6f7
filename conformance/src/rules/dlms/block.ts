import type { DecodedApdu } from '@meterkit/dlms';
import type { AnalysedMessage } from '../rule.js';
import { outcome, pass, type Rule, type RuleOutcome } from '../rule.js';

/** One sender's block sequence of one service and invoke-id (or of General-Block-Transfer). */
interface BlockStream {
  /** A request opened this transfer in the capture, so the first block must be 1. */
  fresh: boolean;
  /** Last block number sent (0: none yet). */
  last: number;
  /** The last block carried the last-block flag. */
  ended: boolean;
}

interface BlockState {
  /** `service invoke-id direction` (direction of the data sender) → stream; `gbt direction` for GBT. */
  readonly streams: Map<string, BlockStream>;
}

type Direction = 'c2s' | 's2c';

const peer = (d: Direction): Direction => (d === 'c2s' ? 's2c' : 'c2s');

function invokeIdOf(apdu: DecodedApdu): number {
  return (apdu as { invokeIdAndPriority?: { invokeId: number } }).invokeIdAndPriority?.invokeId ?? 0;
}

/** A data block of a service transfer: its number and last-block flag. */
interface DataBlock {
  readonly service: 'get' | 'set' | 'action';
  readonly blockNumber: number;
  readonly lastBlock: boolean;
  /** The block opens the transfer (with-first-datablock / with-first-pblock). */
  readonly first: boolean;
}

/** An acknowledgement of the peer's block: its number. */
interface BlockAck {
  readonly service: 'get' | 'set' | 'action';
  readonly blockNumber: number;
}

type Classified =
  | { readonly kind: 'block'; readonly block: DataBlock }
  | { readonly kind: 'ack'; readonly ack: BlockAck }
  | { readonly kind: 'open'; readonly service: 'get' | 'action' }
  | undefined;

/** A data block of `service` (IEC 62056-5-3 §9.3: DataBlock-G, DataBlock-SA) as classified. */
function blockOf(
  service: DataBlock['service'],
  b: { readonly blockNumber: number; readonly lastBlock: boolean },
  first: boolean,
): Classified {
  return { kind: 'block', block: { service, blockNumber: b.blockNumber, lastBlock: b.lastBlock, first } };
}

function classify(a: DecodedApdu): Classified {
  switch (a.type) {
    case 'get-request-normal':
    case 'get-request-with-list':
      return { kind: 'open', service: 'get' };
    case 'action-request-normal':
    case 'action-request-with-list':
      return { kind: 'open', service: 'action' };
    case 'get-response-with-datablock':
      return blockOf('get', a.result, false);
    case 'get-request-next':
      return { kind: 'ack', ack: { service: 'get', blockNumber: a.blockNumber } };
    case 'set-request-with-first-datablock':
    case 'set-request-with-list-and-first-datablock':
      return blockOf('set', a.datablock, true);
    case 'set-request-with-datablock':
      return blockOf('set', a.datablock, false);
    case 'set-response-datablock':
    case 'set-response-last-datablock':
    case 'set-response-last-datablock-with-list':
      return { kind: 'ack', ack: { service: 'set', blockNumber: a.blockNumber } };
    case 'action-request-with-first-pblock':
    case 'action-request-with-list-and-first-pblock':
      return blockOf('action', a.pblock, true);
    case 'action-request-with-pblock':
    case 'action-response-with-pblock':
      return blockOf('action', a.pblock, false);
    case 'action-request-next-pblock':
    case 'action-response-next-pblock':
      return { kind: 'ack', ack: { service: 'action', blockNumber: a.blockNumber } };
    default:
      return undefined;
  }
}

function checkBlock(
  state: BlockState,
  key: string,
  b: { blockNumber: number; lastBlock: boolean; first: boolean },
  at: number,
  what: string,
): RuleOutcome {
  let s = state.streams.get(key);
  if (b.first || s === undefined) {
    // a with-first-datablock request opens the transfer; otherwise its start is not in the capture
    s = { fresh: b.first, last: 0, ended: false };
    state.streams.set(key, s);
  }
  const n = b.blockNumber;
  let o: RuleOutcome;
  if (s.ended) o = outcome('FAIL', `${what} block ${n} after the block with the last-block flag`, at);
  else if (s.last === 0) {
    if (n === 1) o = pass(at);
    else if (s.fresh) o = outcome('FAIL', `${what} transfer starts with block ${n}, not 1`, at);
    else
      o = outcome('INCONCLUSIVE', `${what} block ${n} of a transfer whose start is not in the capture`, at);
  } else if (n === s.last) o = outcome('INCONCLUSIVE', `${what} block ${n} repeated (a retransmission?)`, at);
  else if (n === s.last + 1) o = pass(at);
  else o = outcome('FAIL', `${what} block ${n} follows block ${s.last}, expected ${s.last + 1}`, at);
  s.last = n;
  s.ended = b.lastBlock;
  s.fresh = false;
  return o;
}

function checkAck(state: BlockState, key: string, n: number, at: number, what: string): RuleOutcome {
  const s = state.streams.get(key);
  if (s === undefined || s.last === 0)
    return outcome('INCONCLUSIVE', `${what} acknowledges block ${n} not seen in the capture`, at);
  if (n !== s.last)
    return outcome('FAIL', `${what} acknowledges block ${n}, the last block sent was ${s.last}`, at);
  return pass(at);
}

function checkGbt(
  state: BlockState,
  dir: Direction,
  g: { blockNumber: number; blockNumberAck: number; lastBlock: boolean; empty: boolean },
  at: number,
): RuleOutcome {
  const key = `gbt ${dir}`;
  let s = state.streams.get(key);
  if (s === undefined) {
    s = { fresh: false, last: 0, ended: false };
    state.streams.set(key, s);
  }
  const n = g.blockNumber;
  let o: RuleOutcome;
  if (n === s.last + 1) o = pass(at);
  else if (n === 1 && s.ended) o = pass(at);
  else if (s.last === 0)
    o = outcome('INCONCLUSIVE', `GBT block ${n} of a transfer whose start is not in the capture`, at);
  else if (n === s.last && g.empty) o = pass(at);
  else
    o = outcome(
      'FAIL',
      s.ended && s.last !== 0
        ? `GBT block ${n} after the last block ${s.last}: a new transfer starts at 1`
        : `GBT block ${n} follows block ${s.last}, expected ${s.last + 1}`,
      at + 2,
    );
  const restart = n === 1 && s.ended;
  s.last = n;
  s.ended = g.lastBlock;
  s.fresh = false;
  const received = state.streams.get(`gbt ${peer(dir)}`)?.last ?? 0;
  // a new transfer from this sender: the peer's next transfer is numbered from 1 again
  if (restart) state.streams.delete(`gbt ${peer(dir)}`);
  if (o.verdict !== 'PASS') return o;
  if (g.blockNumberAck > received)
    return outcome(
      'FAIL',
      `GBT block-number-ack ${g.blockNumberAck} acknowledges more than the ${received} block(s) received`,
      at + 4,
    );
  return o;
}

function directionOf(m: AnalysedMessage): Direction | undefined {
  const d = m.message.direction;
  return d === 'client-to-server' ? 'c2s' : d === 'server-to-client' ? 's2c' : undefined;
}

/**
 * Block transfer numbering: the data blocks of get/set/action with-datablock (with-pblock) and of
 * General-Block-Transfer are numbered from 1, each one more than the last; the block with the
 * last-block flag ends the sequence; every acknowledgement names the last block received.
 */
export const dlmsBlockNumberRule: Rule<BlockState> = {
  id: 'DLMS-SESSION-BLOCK-NUMBER',
  protocol: 'dlms',
  statement:
    'Data blocks are numbered 1, 2, 3 … up to the one with the last-block flag, and each acknowledgement names the last block received.',
  clause:
    'IEC 62056-5-3 §9.3.5–§9.3.7 (service-specific block transfer), §9.3.10 and §9.4.6.13 (General-Block-Transfer)',
  scope: 'session',
  createState: () => ({ streams: new Map() }),
  check({ analysed, state }) {
    const d = analysed.dlms;
    const dir = directionOf(analysed);
    if (d === undefined || dir === undefined) return undefined;
    const apdu = d.inner ?? d.apdu;
    if (apdu === undefined) return undefined;
    const at = d.apduOffset;
    if (apdu.type === 'general-block-transfer')
      return checkGbt(
        state,
        dir,
        {
          blockNumber: apdu.blockNumber,
          blockNumberAck: apdu.blockNumberAck,
          lastBlock: apdu.blockControl.lastBlock,
          empty: apdu.blockData.length === 0,
        },
        at,
      );
    const c = classify(apdu);
    if (c === undefined) return undefined;
    const iid = invokeIdOf(apdu);
    if (c.kind === 'open') {
      // a new request: the answer's blocks (if any) start at 1
      state.streams.set(`${c.service} ${iid} s2c`, { fresh: true, last: 0, ended: false });
      return undefined;
    }
    if (c.kind === 'block') {
      const o = checkBlock(state, `${c.block.service} ${iid} ${dir}`, c.block, at, c.block.service);
      // the request's last block opens the answer's own transfer
      if (dir === 'c2s' && c.block.lastBlock)
        state.streams.set(`${c.block.service} ${iid} s2c`, { fresh: true, last: 0, ended: false });
      return o;
    }
    return checkAck(state, `${c.ack.service} ${iid} ${peer(dir)}`, c.ack.blockNumber, at, `${apdu.type}`);
  },
};
