/**
 * General-block-transfer recovery and routing (IEC 62056-5-3 §9.3.10), client against the
 * simulator: a lost end of the client's own window is sent again on the block timer, a lost
 * answer is asked for again, streaming with windows > 1 to the simulator over the TCP wrapper and
 * HDLC on TCP, late blocks of an abandoned answer are dropped, and pushes carried in GBT blocks are
 * told apart from the answer.
 */
import { isMeterkitError } from '@meterkit/core';
import { createMemoryPair, type Transport } from '@meterkit/core/transport';
import t from 'tap';
import {
  BlockTransferReceiver,
  BlockTransferSender,
  DlmsClient,
  DlmsClientErrorCode,
  type DlmsClientOptions,
} from '../src/client/index.js';
import {
  type DecodedApdu,
  decodeApdu,
  encodeApdu,
  encodeWrapperPdu,
  type GeneralBlockTransfer,
  WrapperDeframer,
} from '../src/index.js';
import { serveHdlcTcp, serveWrapperTcp } from '../src/server/serve.js';
import { MeterSimulator } from '../src/server/simulator.js';
import { WrapperServerPort } from '../src/server/wrapper-server-port.js';
import { ScriptedServer } from './client-responder.js';
import { profileWith } from './simulator-helpers.js';

const ALL_LN = [
  'general-block-transfer',
  'block-transfer-with-get-or-read',
  'block-transfer-with-set-or-write',
  'block-transfer-with-action',
  'multiple-references',
  'get',
  'set',
  'selective-access',
  'action',
] as const;

function profile(gbtWindow: number) {
  return profileWith([
    { clientSap: 16, defaultAccess: 'read-and-write', maxPduSize: 64, gbtWindow, conformance: [...ALL_LN] },
  ]);
}

/** The client's GBT blocks as the simulator's sessions receive them. */
function clientBlocks(sim: MeterSimulator): GeneralBlockTransfer[] {
  const seen: GeneralBlockTransfer[] = [];
  const create = sim.createSession.bind(sim);
  sim.createSession = (c: number, s: number) => {
    const session = create(c, s);
    if (session === undefined) return session;
    const handle = session.handle.bind(session);
    session.handle = (apdu: Uint8Array) => {
      if (apdu[0] === 0xe0) seen.push(decodeApdu(apdu) as GeneralBlockTransfer);
      return handle(apdu);
    };
    return session;
  };
  return seen;
}

/** Window sizes of a run of GBT blocks: blocks up to one without the streaming bit. */
function windowsOf(blocks: readonly GeneralBlockTransfer[]): number[] {
  const out: number[] = [];
  let n = 0;
  for (const b of blocks) {
    if (b.blockData.length === 0) continue;
    n++;
    if (!b.blockControl.streaming || b.blockControl.lastBlock) {
      out.push(n);
      n = 0;
    }
  }
  return out;
}

/**
 * The simulator behind a lossy wrapper "line" (a datagram service like UDP): `dropUp` and
 * `dropDown` decide, per APDU, whether it is lost on the way to the server or back.
 */
function lossyLine(
  sim: MeterSimulator,
  dropUp: (apdu: Uint8Array, index: number) => boolean,
  dropDown: (apdu: Uint8Array, index: number) => boolean = () => false,
): Transport {
  const [a, b] = createMemoryPair();
  const port = new WrapperServerPort(sim);
  const deframer = new WrapperDeframer();
  const down = new WrapperDeframer();
  let up = 0;
  let back = 0;
  b.onData((chunk) => {
    for (const item of deframer.push(chunk)) {
      if (item.type !== 'pdu') continue;
      if (dropUp(item.pdu.payload, up++)) continue;
      for (const out of port.receive(encodeWrapperPdu(item.pdu)))
        for (const d of down.push(out)) {
          if (d.type !== 'pdu' || dropDown(d.pdu.payload, back++)) continue;
          void b.write(encodeWrapperPdu(d.pdu)).catch(() => undefined);
        }
    }
  });
  return a;
}

const isGbtBlock = (apdu: Uint8Array): GeneralBlockTransfer | undefined =>
  apdu[0] === 0xe0 ? (decodeApdu(apdu) as GeneralBlockTransfer) : undefined;

async function over(line: Transport, options: Partial<DlmsClientOptions> = {}): Promise<DlmsClient> {
  return DlmsClient.connect({
    connection: { type: 'transport', transport: line, framing: 'wrapper' },
    generalBlockTransfer: 'always',
    timeoutMs: 1500,
    ...options,
  });
}

const LONG = 'meterkit-gbt-'.repeat(50);

t.test('the client streams windows > 1 to the simulator, which announces its window', async (t) => {
  const sim = new MeterSimulator(profile(4));
  const blocks = clientBlocks(sim);
  const tcp = await serveWrapperTcp(sim, { port: 0 });
  const hdlc = await serveHdlcTcp(sim, { port: 0 });
  t.teardown(async () => {
    await tcp.close();
    await hdlc.close();
  });
  const connections = [
    { name: 'TCP wrapper', connection: { type: 'tcp', host: '127.0.0.1', port: tcp.port } },
    {
      name: 'HDLC over TCP',
      connection: { type: 'hdlc-tcp', host: '127.0.0.1', port: hdlc.port, physicalAddress: 17 },
    },
  ] as const;
  for (const c of connections) {
    await t.test(c.name, async (t) => {
      blocks.length = 0;
      const client = await DlmsClient.connect({
        connection: c.connection,
        generalBlockTransfer: 'always',
        gbtWindow: 2,
        timeoutMs: 3000,
      });
      t.teardown(() => client.close());
      await client.set('0-0:96.1.0.255', { type: 'visible-string', value: LONG });
      const windows = windowsOf(blocks);
      t.ok(blocks.length > 8, `${blocks.length} request blocks`);
      t.equal(windows[0], 1, 'the first window is one block');
      t.ok(
        windows.slice(1, -1).every((w) => w === 4),
        `then windows of the simulator's gbtWindow (${windows.join(' ')})`,
      );
      t.ok(
        blocks.some((b) => b.blockControl.streaming),
        'blocks stream inside a window',
      );
      t.same(await client.get('0-0:96.1.0.255'), { type: 'visible-string', value: LONG });
      await client.release();
    });
  }
});

t.test('a lost end of the client window is sent again on the block timer', async (t) => {
  await t.test('the end of a middle window', async (t) => {
    const sim = new MeterSimulator(profile(3));
    const blocks = clientBlocks(sim);
    let dropped: number | undefined;
    const line = lossyLine(sim, (apdu) => {
      const g = isGbtBlock(apdu);
      // the end of the second window (block 4: 1 | 2 3 4 | …) is lost once
      if (g !== undefined && g.blockNumber === 4 && g.blockData.length > 0 && dropped === undefined) {
        dropped = g.blockNumber;
        return true;
      }
      return false;
    });
    const client = await over(line, { gbtBlockTimeoutMs: 100 });
    t.teardown(() => client.close());
    await client.set('0-0:96.1.0.255', { type: 'visible-string', value: LONG });
    t.equal(dropped, 4, 'block 4 was lost');
    t.ok(
      blocks.filter((b) => b.blockNumber === 2 && b.blockData.length > 0).length >= 2,
      'the window was sent again from its first unacknowledged block',
    );
    t.same(await client.get('0-0:96.1.0.255'), { type: 'visible-string', value: LONG });
  });

  await t.test('the last block of the request', async (t) => {
    const sim = new MeterSimulator(profile(3));
    let lost = false;
    const line = lossyLine(sim, (apdu) => {
      const g = isGbtBlock(apdu);
      if (g?.blockControl.lastBlock === true && g.blockData.length > 0 && !lost) {
        lost = true;
        return true;
      }
      return false;
    });
    const client = await over(line, { gbtBlockTimeoutMs: 100 });
    t.teardown(() => client.close());
    t.equal((await client.get('1-0:1.8.0.255', { classId: 3 })).type, 'double-long-unsigned');
    t.ok(lost);
  });

  await t.test('the first answer block: the repeated request brings it again', async (t) => {
    const sim = new MeterSimulator(profile(1));
    let lost = false;
    const line = lossyLine(
      sim,
      () => false,
      (apdu) => {
        const g = isGbtBlock(apdu);
        if (g !== undefined && g.blockData.length > 0 && !lost) {
          lost = true;
          return true;
        }
        return false;
      },
    );
    const client = await over(line, { gbtBlockTimeoutMs: 100 });
    t.teardown(() => client.close());
    t.equal((await client.get('1-0:1.8.0.255', { classId: 3 })).type, 'double-long-unsigned');
    t.ok(lost);
  });

  await t.test('the final answer block: the server still has it and sends it again', async (t) => {
    const sim = new MeterSimulator(profile(1));
    let lost = 0;
    const line = lossyLine(
      sim,
      () => false,
      (apdu) => {
        const g = isGbtBlock(apdu);
        if (g?.blockControl.lastBlock === true && g.blockData.length > 0 && lost === 0) {
          lost = g.blockNumber;
          return true;
        }
        return false;
      },
    );
    const client = await over(line, { gbtBlockTimeoutMs: 100, gbtWindow: 2, maxReceivePduSize: 128 });
    t.teardown(() => client.close());
    const list = await client.readObjectList();
    t.ok(list.length > 5, 'the object list completes');
    t.ok(lost > 1, `answer block ${lost} (the last) was lost once`);
  });

  await t.test('without the block timer the request times out; a lost line ends typed', async (t) => {
    const sim = new MeterSimulator(profile(3));
    const line = lossyLine(sim, (apdu) => {
      const g = isGbtBlock(apdu);
      return g !== undefined && g.blockNumber === 4 && g.blockData.length > 0;
    });
    const client = await over(line, { timeoutMs: 400 });
    t.teardown(() => client.close());
    const e = await client
      .set('0-0:96.1.0.255', { type: 'visible-string', value: LONG })
      .catch((x: unknown) => x);
    t.ok(isMeterkitError(e, 402), 'session timeout');
    const sim2 = new MeterSimulator(profile(3));
    const line2 = lossyLine(sim2, (apdu) => {
      const g = isGbtBlock(apdu);
      return g !== undefined && g.blockNumber === 4 && g.blockData.length > 0;
    });
    const client2 = await over(line2, { gbtBlockTimeoutMs: 50, gbtRetries: 2 });
    t.teardown(() => client2.close());
    const e2 = await client2
      .set('0-0:96.1.0.255', { type: 'visible-string', value: LONG })
      .catch((x: unknown) => x);
    t.ok(isMeterkitError(e2, 432), 'BlockRecoveryFailed after the retries');
  });
});

// ---------------------------------------------------------------- a hand-played server

interface Played {
  readonly client: DlmsClient;
  /** Requests the client sent (decoded), acknowledgements included. */
  readonly requests: DecodedApdu[];
}

/**
 * A server played by the test: `answer(request, index)` returns the APDUs to send back for each
 * APDU the client sends (after the AARE, which is given here).
 */
async function played(
  answer: (rq: DecodedApdu, index: number) => Uint8Array[],
  options: Partial<DlmsClientOptions> = {},
): Promise<Played> {
  const [a, b] = createMemoryPair();
  const deframer = new WrapperDeframer();
  const requests: DecodedApdu[] = [];
  const acse = new ScriptedServer({ conformance: [...ALL_LN] });
  b.onData((chunk) => {
    for (const item of deframer.push(chunk)) {
      if (item.type !== 'pdu') continue;
      const p = item.pdu.payload;
      const outs =
        p[0] === 0x60
          ? acse.handle(p)
          : (() => {
              const rq = decodeApdu(p);
              requests.push(rq);
              return answer(rq, requests.length - 1);
            })();
      for (const o of outs)
        void b
          .write(encodeWrapperPdu({ sourceWPort: 1, destinationWPort: 16, payload: o }))
          .catch(() => undefined);
    }
  });
  const client = await DlmsClient.connect({
    connection: { type: 'transport', transport: a, framing: 'wrapper' },
    timeoutMs: 300,
    ...options,
  });
  return { client, requests };
}

function block(
  n: number,
  data: Uint8Array,
  o: { last?: boolean; streaming?: boolean; ack?: number } = {},
): Uint8Array {
  return encodeApdu({
    type: 'general-block-transfer',
    blockControl: { lastBlock: o.last ?? false, streaming: o.streaming ?? false, window: 1 },
    blockNumber: n,
    blockNumberAck: o.ack ?? 0,
    blockData: data,
  });
}

function getResponse(invokeId: number, value: string): Uint8Array {
  return encodeApdu({
    type: 'get-response-normal',
    invokeIdAndPriority: { invokeId, serviceClass: 'confirmed', priority: 'high' },
    result: { type: 'data', data: { type: 'visible-string', value } },
  });
}

const invokeIdOf = (rq: DecodedApdu): number =>
  'invokeIdAndPriority' in rq && typeof rq.invokeIdAndPriority === 'object'
    ? rq.invokeIdAndPriority.invokeId
    : -1;

t.test('late blocks of an abandoned GBT answer are dropped, the next request completes', async (t) => {
  const first = getResponse(1, 'A'.repeat(60));
  let late: Uint8Array[] = [];
  const { client } = await played((rq) => {
    if (rq.type === 'get-request-normal' && invokeIdOf(rq) === 1) {
      // block 1 only; the rest comes far too late
      late = [block(2, first.subarray(20, 40)), block(3, first.subarray(40), { last: true })];
      return [block(1, first.subarray(0, 20))];
    }
    if (rq.type === 'general-block-transfer') return [];
    if (rq.type === 'get-request-normal') {
      // the old transfer's last blocks arrive first, then the answer (in GBT from block 1)
      const answer = getResponse(invokeIdOf(rq), 'second');
      return [...late, block(1, answer.subarray(0, 6)), block(2, answer.subarray(6), { last: true })];
    }
    return [];
  });
  t.teardown(() => client.close());
  const e = await client.get('0-0:96.1.0.255').catch((x: unknown) => x);
  t.ok(isMeterkitError(e, 402), 'the first request times out mid-answer');
  t.same(await client.get('0-0:96.1.0.255'), { type: 'visible-string', value: 'second' });
});

t.test('a late opening block of an abandoned answer is recognised by its invoke-id', async (t) => {
  let held: Uint8Array[] = [];
  const { client } = await played((rq) => {
    if (rq.type === 'get-request-normal' && invokeIdOf(rq) === 1) {
      const old = getResponse(1, 'B'.repeat(40));
      held = [block(1, old.subarray(0, 10), { streaming: true }), block(2, old.subarray(10, 20))];
      return [];
    }
    if (rq.type === 'get-request-normal') {
      const answer = getResponse(invokeIdOf(rq), 'fresh');
      return [...held, block(1, answer.subarray(0, 6)), block(2, answer.subarray(6), { last: true })];
    }
    return [];
  });
  t.teardown(() => client.close());
  t.ok(isMeterkitError(await client.get('0-0:96.1.0.255').catch((x: unknown) => x), 402));
  t.same(await client.get('0-0:96.1.0.255'), { type: 'visible-string', value: 'fresh' });
});

t.test('a push carried in GBT blocks during an answer goes to the listener', async (t) => {
  const pushes: DecodedApdu[] = [];
  const notification = encodeApdu({
    type: 'data-notification',
    longInvokeIdAndPriority: {
      invokeId: 7,
      selfDescriptive: false,
      processingOption: 'continue-on-error',
      serviceClass: 'unconfirmed',
      priority: 'normal',
    },
    dateTime: null,
    notificationBody: { type: 'octet-string', value: new Uint8Array(50).fill(0x55) },
  });
  let answer: Uint8Array = new Uint8Array(0);
  const { client, requests } = await played(
    (rq) => {
      if (rq.type === 'get-request-normal') {
        answer = getResponse(invokeIdOf(rq), 'C'.repeat(40));
        return [block(1, answer.subarray(0, 16))];
      }
      if (rq.type === 'general-block-transfer' && rq.blockNumberAck === 1)
        // a push in two streamed blocks, then the rest of the answer
        return [
          block(1, notification.subarray(0, 30), { streaming: true }),
          block(2, notification.subarray(30), { last: true }),
          block(2, answer.subarray(16, 32)),
        ];
      if (rq.type === 'general-block-transfer' && rq.blockNumberAck === 2)
        return [block(3, answer.subarray(32), { last: true })];
      return [];
    },
    { onNotification: (a) => pushes.push(a), timeoutMs: 1000 },
  );
  t.teardown(() => client.close());
  t.same(await client.get('0-0:96.1.0.255'), { type: 'visible-string', value: 'C'.repeat(40) });
  t.equal(pushes.length, 1, 'the push reached the listener');
  t.match(pushes[0], { type: 'data-notification', notificationBody: { type: 'octet-string' } });
  t.equal(
    requests.filter((r) => r.type === 'general-block-transfer').length,
    2,
    'only the answer was acknowledged',
  );
  // a broken push (a gap) is dropped, the answer still completes
  pushes.length = 0;
  const { client: c2 } = await played(
    (rq) => {
      if (rq.type === 'get-request-normal') {
        answer = getResponse(invokeIdOf(rq), 'D'.repeat(10));
        return [
          block(1, notification.subarray(0, 20), { streaming: true }),
          block(3, notification.subarray(40), { last: true }),
          answer,
        ];
      }
      return [];
    },
    { onNotification: (a) => pushes.push(a), timeoutMs: 1000 },
  );
  t.teardown(() => c2.close());
  t.same(await c2.get('0-0:96.1.0.255'), { type: 'visible-string', value: 'D'.repeat(10) });
  t.equal(pushes.length, 0);
});

t.test('BlockTransferSender.resend (sans-IO): the unacknowledged window again, then the limit', (t) => {
  const sender = new BlockTransferSender(new Uint8Array(100).fill(3), { blockSize: 10, maxRetries: 2 });
  t.same(
    sender.start().map((b) => b.blockNumber),
    [1],
  );
  const ack = (n: number, window: number): GeneralBlockTransfer => ({
    type: 'general-block-transfer',
    blockControl: { lastBlock: false, streaming: false, window },
    blockNumber: 1,
    blockNumberAck: n,
    blockData: new Uint8Array(0),
  });
  const second = sender.acknowledge(ack(1, 3));
  t.same(
    second.map((b) => [b.blockNumber, b.blockControl.streaming]),
    [
      [2, true],
      [3, true],
      [4, false],
    ],
  );
  // the end of that window was lost: the window goes again from block 2
  t.same(
    sender.resend().map((b) => [b.blockNumber, b.blockControl.streaming]),
    [
      [2, true],
      [3, true],
      [4, false],
    ],
  );
  sender.resend();
  t.throws(() => sender.resend(), { code: DlmsClientErrorCode.BlockRecoveryFailed });
  // after the last block, the last block goes again
  const one = new BlockTransferSender(new Uint8Array(5), { blockSize: 10 });
  t.same(
    one.start().map((b) => b.blockControl.lastBlock),
    [true],
  );
  t.same(
    one.resend().map((b) => [b.blockNumber, b.blockControl.lastBlock]),
    [[1, true]],
  );
  const r = new BlockTransferReceiver();
  t.equal(r.expectedBlockNumber, undefined);
  r.receive({ ...ack(0, 1), blockNumber: 1, blockData: Uint8Array.of(1) });
  t.equal(r.expectedBlockNumber, 2);
  t.end();
});

t.test('profile key-agreement keys: errors name the JSON path, never the key', (t) => {
  const withSecurity = (security: Record<string, unknown>) =>
    profileWith([{ clientSap: 1, mechanism: 5, ciphering: true, security }]);
  const base = { suite: 1, globalUnicastEncryptionKey: '00'.repeat(16), authenticationKey: '11'.repeat(16) };
  t.throws(() => new MeterSimulator(withSecurity({ ...base, keyAgreementKey: 'not a key' })), {
    code: 207,
    message: /keyAgreementKey must be a PEM private key/,
  });
  t.throws(() => new MeterSimulator(withSecurity({ ...base, clientKeyAgreementKey: 'zz' })), {
    code: 207,
    message: /clientKeyAgreementKey must be/,
  });
  t.throws(() => new MeterSimulator(withSecurity({ ...base, suite: 0, keyAgreementKey: 'generate' })), {
    code: 207,
  });
  const ok = new MeterSimulator(withSecurity({ ...base, keyAgreementKey: 'generate' }));
  t.equal(ok.keyAgreementPublicKey(1)?.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  t.end();
});

t.test('a late acknowledgement of an abandoned GBT request is dropped', async (t) => {
  let calls = 0;
  const { client } = await played(
    (rq) => {
      if (rq.type !== 'general-block-transfer' || rq.blockData.length === 0) return [];
      calls++;
      if (calls === 1) return []; // the first request gets nothing: it times out
      const inner = decodeApdu(rq.blockData);
      const answer = getResponse(invokeIdOf(inner), 'late-ack');
      return [
        // the acknowledgement of the abandoned request's blocks, far too late
        block(9, new Uint8Array(0), { ack: 5 }),
        block(1, answer, { last: true, ack: rq.blockNumber }),
      ];
    },
    { generalBlockTransfer: 'always' },
  );
  t.teardown(() => client.close());
  t.ok(isMeterkitError(await client.get('0-0:96.1.0.255').catch((x: unknown) => x), 402));
  t.same(await client.get('0-0:96.1.0.255'), { type: 'visible-string', value: 'late-ack' });
});
