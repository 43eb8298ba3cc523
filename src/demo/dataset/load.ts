/**
 * Writes the generated dataset to a standalone server or a cluster, batched and pipelined, and
 * returns the ground truth counted from what was written.
 */
import type { Cluster, Redis } from 'ioredis';
import { ensureReady } from './client-ready.js';
import { describeDataset, generateDataset } from './generate.js';
import { ioredisWriter } from './ioredis-writer.js';
import { rawWriter } from './raw-writer.js';
import type {
  DatasetGroundTruth,
  DatasetRecord,
  DatasetSpec,
  LoadDatasetOptions,
  PatternGroundTruth,
} from './types.js';

function emptyTruth(spec: DatasetSpec): DatasetGroundTruth {
  const patterns: Record<string, PatternGroundTruth> = {};
  for (const p of Object.values(spec.patterns)) {
    patterns[p.pattern] = { type: p.type, keys: 0, keysWithTtl: 0, keysWithoutTtl: 0, payloadBytes: 0 };
  }
  return { seed: spec.seed, totalKeys: 0, keysWithTtl: 0, keysWithoutTtl: 0, patterns };
}

function payloadBytes(rec: DatasetRecord): number {
  // Keys and values are ASCII, so string length is the byte count.
  let bytes = rec.key.length;
  if (rec.type === 'string') bytes += rec.value.length;
  else if (rec.type === 'set') for (const m of rec.members) bytes += m.length;
  else for (const [f, v] of Object.entries(rec.fields)) bytes += f.length + v.length;
  return bytes;
}

/**
 * Writes the dataset (pipelined, `concurrency` batches in flight) to a standalone server or a
 * cluster, and returns the ground truth counted from what was written. Assumes the keys do not
 * exist yet (load into an empty database for DBSIZE to match).
 */
export async function loadDataset(
  redis: Redis | Cluster,
  opts: LoadDatasetOptions,
): Promise<DatasetGroundTruth> {
  const spec = describeDataset(opts);
  const truth = emptyTruth(spec);
  const batchSize = Math.max(1, opts.batchSize ?? 5_000);
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  await ensureReady(redis);
  const writer = (opts.writer !== 'ioredis' ? await rawWriter(redis) : undefined) ?? ioredisWriter(redis);

  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let done = 0;
  let inBatch = 0;
  const flush = async () => {
    const size = inBatch;
    inBatch = 0;
    const p: Promise<void> = writer.flush().then(
      () => {
        done += size;
        opts.onProgress?.(done, spec.totalKeys);
      },
      (error: unknown) => {
        failure ??= { error };
      },
    );
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    if (inFlight.size >= concurrency) await Promise.race(inFlight);
  };

  try {
    for (const rec of generateDataset(opts)) {
      const t = truth.patterns[rec.pattern] as PatternGroundTruth;
      t.keys++;
      if (rec.ttlMs === null) t.keysWithoutTtl++;
      else t.keysWithTtl++;
      t.payloadBytes += payloadBytes(rec);
      writer.add(rec);
      if (++inBatch >= batchSize) {
        await flush();
        if (failure) break;
      }
    }
    if (!failure && inBatch > 0) await flush();
    await Promise.all(inFlight);
  } finally {
    writer.close();
  }
  if (failure) throw failure.error;

  for (const t of Object.values(truth.patterns)) {
    truth.totalKeys += t.keys;
    truth.keysWithTtl += t.keysWithTtl;
    truth.keysWithoutTtl += t.keysWithoutTtl;
  }
  return truth;
}
