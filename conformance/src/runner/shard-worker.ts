/**
 * The worker side of `WorkerShards`: runs the rules over the channels it is sent, batch by batch,
 * and returns its `ShardResult` when told the input ended.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Keyring } from '../keyring.js';
import { ALL_RULES } from '../rules/index.js';
import { ShardRunner } from './shard.js';
import { applyBatch, type ShardBatch, type ShardWorkerData } from './workers.js';

const data = workerData as ShardWorkerData;
const shard = new ShardRunner({
  // in the run's rule order, which orders the findings of one message
  rules: data.ruleIds.flatMap((id) => ALL_RULES.filter((r) => r.id === id)),
  keys: Keyring.empty().withSettings(data.settings),
  frameBase: data.frameBase,
  limits: data.limits,
});
const port = parentPort!;
port.on('message', (msg: ShardBatch | { type: 'finish' }) => {
  if (msg.type === 'batch') {
    applyBatch(msg, shard);
    port.postMessage({ type: 'ack' });
  } else {
    port.postMessage({ type: 'result', result: shard.finish() });
  }
});
