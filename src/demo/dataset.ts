/**
 * The one demo / test / benchmark dataset: a scaled copy of the runbook's cluster
 * (`luckyus-isales-market`, 6.66 M keys, 39.4 % without TTL, a marketing burst with 11–29 min TTLs).
 *
 * Everything is derived from a seeded PRNG and bijective id scrambles, so the same seed and key count
 * give the same key names, types and TTL presence, key names never collide, and the ground truth
 * (`describeDataset`) is exact before anything is written.
 *
 * This module is the public entry; the parts live in `dataset/`: the pattern catalogue, the
 * generator, the loader with its raw RESP and ioredis writers, cluster slots, and maxmemory setup.
 */
export { clusterKeySlot } from './dataset/cluster-slot.js';
export { describeDataset, generateDataset, minimumDatasetKeys } from './dataset/generate.js';
export {
  type GroupingScore,
  hasLiteral,
  type ScoredPattern,
  scoreGrouping,
} from './dataset/grouping-accuracy.js';
export { loadDataset } from './dataset/load.js';
export { setMaxmemoryForTargetPct } from './dataset/maxmemory.js';
export {
  type DatasetGroundTruth,
  type DatasetKeyType,
  type DatasetOptions,
  type DatasetPatternSpec,
  type DatasetRecord,
  type DatasetSpec,
  DEFAULT_DATASET_SEED,
  type LoadDatasetOptions,
  type PatternGroundTruth,
  RUNBOOK_KEYSPACE,
  type TtlRange,
} from './dataset/types.js';
