/**
 * The fast writer: RESP encoded by the loader and sent on its own connection per primary, built
 * from the client's options. Undefined when those options cannot be reproduced (custom connector,
 * sentinels, key prefix).
 */
import { Cluster, type Redis } from 'ioredis';
import { RespEncoder } from './resp-encoder.js';
import { type Endpoint, endpointOf, RespPipe } from './resp-pipe.js';
import { slotOwner, type Writer } from './writer.js';

export async function rawWriter(redis: Redis | Cluster): Promise<Writer | undefined> {
  const isCluster = redis instanceof Cluster;
  if (isCluster && redis.options.keyPrefix) return undefined;
  const nodes = isCluster ? redis.nodes('master') : [redis];
  const endpoints = nodes.map((node) => endpointOf(node.options));
  if (endpoints.some((ep) => ep === undefined)) return undefined;
  const pipes = new Map<string, RespPipe>();
  try {
    for (const [i, ep] of (endpoints as Endpoint[]).entries()) {
      const node = nodes[i] as Redis;
      // Cluster slot owners are named host:port, exactly like ioredis' node options.
      pipes.set(`${node.options.host}:${node.options.port}`, await RespPipe.open(ep));
    }
  } catch (err) {
    for (const pipe of pipes.values()) pipe.close();
    throw err;
  }
  const single = isCluster ? undefined : [...pipes.values()][0];
  const encoders = new Map<RespPipe, RespEncoder>(
    [...pipes.values()].map((pipe) => [pipe, new RespEncoder()]),
  );
  return {
    add(rec) {
      const pipe = single ?? pipes.get(slotOwner(redis as Cluster, rec.key));
      if (!pipe) throw new Error(`the slot owner of ${rec.key} is not a known primary`);
      (encoders.get(pipe) as RespEncoder).record(rec);
    },
    async flush() {
      const done: Promise<void>[] = [];
      for (const [pipe, encoder] of encoders) {
        if (encoder.empty) continue;
        const commands = encoder.commands;
        pipe.write(encoder.take(), commands);
        done.push(pipe.flushed());
      }
      await Promise.all(done);
    },
    close() {
      for (const pipe of pipes.values()) pipe.close();
    },
  };
}
