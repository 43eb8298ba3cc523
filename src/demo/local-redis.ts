/**
 * Private redis-server processes on 127.0.0.1 for the demo, the tests and the benchmarks.
 *
 * Every server gets its own temp dir, no persistence, and is killed when this process exits. A
 * server whose owner died without cleaning up (SIGKILL, OOM) is reaped by the next start.
 *
 * This module is the public entry; the parts live in `local-redis/`: binary lookup, port
 * reservation, the start-up probe, one server process, the cluster builder, exit cleanup and
 * orphan reaping.
 */
export { findRedisCliBinary, findRedisServerBinary } from './local-redis/binaries.js';
export { startLocalRedisCluster } from './local-redis/cluster.js';
export { findFreeClusterPort, findFreePort } from './local-redis/ports.js';
export { startLocalRedis } from './local-redis/server.js';
export {
  LOCAL_HOST,
  type LocalRedis,
  type LocalRedisCluster,
  type LocalRedisClusterOptions,
  type LocalRedisOptions,
  type LocalRedisTlsOptions,
} from './local-redis/types.js';
