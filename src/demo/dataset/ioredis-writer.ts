/**
 * The fallback writer: the client's own ioredis pipelines, one per primary on a cluster. Slower
 * than the raw writer, but works with any client options.
 */
import { Cluster, type Redis } from 'ioredis';
import type { DatasetRecord } from './types.js';
import { slotOwner, type Writer } from './writer.js';

type Pipelined = ReturnType<Redis['pipeline']>;

function queue(pipeline: Pipelined, rec: DatasetRecord): void {
  if (rec.type === 'string') {
    // SET ... PX in one command: no window in which the key exists without its TTL.
    if (rec.ttlMs === null) pipeline.set(rec.key, rec.value);
    else pipeline.set(rec.key, rec.value, 'PX', rec.ttlMs);
    return;
  }
  if (rec.type === 'hash') pipeline.hset(rec.key, rec.fields);
  else pipeline.sadd(rec.key, rec.members);
  if (rec.ttlMs !== null) pipeline.pexpire(rec.key, rec.ttlMs);
}

async function execChecked(pipeline: Pipelined): Promise<void> {
  const results = await pipeline.exec();
  if (!results) throw new Error('pipeline was discarded');
  for (const [err] of results) if (err) throw err;
}

export function ioredisWriter(redis: Redis | Cluster): Writer {
  // A cluster pipeline must stay on one node: one pipeline per node that owns the keys' slots.
  let pipelines = new Map<string, Pipelined>();
  return {
    add(rec) {
      const owner = redis instanceof Cluster ? slotOwner(redis, rec.key) : '';
      let pipeline = pipelines.get(owner);
      if (!pipeline) {
        pipeline = redis.pipeline();
        pipelines.set(owner, pipeline);
      }
      queue(pipeline, rec);
    },
    async flush() {
      const sending = [...pipelines.values()];
      pipelines = new Map();
      await Promise.all(sending.map(execChecked));
    },
    close() {},
  };
}
