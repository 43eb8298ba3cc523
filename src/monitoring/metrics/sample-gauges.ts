/**
 * Keeps this process's `/metrics` sample gauges current from the shared sample history. A tick's
 * sample is taken by whichever replica ran the tick, so every process reads the newest point of
 * each cluster from the queue Redis on its own clock: node-cron, because this is per process and
 * needs no coordination (the cluster-wide schedules are BullMQ job schedulers).
 */
import cron from 'node-cron';
import type { HistoryStore } from '../history-store.js';
import type { MonitoringSample } from '../sample.js';
import type { MedicMetrics, SampleFigures } from './registry.js';

/** Every minute, on the second the process started at: the sampler's default resolution. */
export const SAMPLE_GAUGES_CRON = '* * * * *';

export function figuresOf(sample: MonitoringSample): SampleFigures {
  return {
    at: new Date(sample.at),
    usedMemoryBytes: sample.usedMemory,
    maxmemoryBytes: sample.maxmemory,
    keys: sample.keys,
    keysWithTtl: sample.keysWithTtl,
    evictedKeys: sample.evicted,
    expiredKeys: sample.expired,
    opsPerSec: sample.opsPerSec,
    ...(sample.fragmentation === null ? {} : { fragmentationRatio: sample.fragmentation }),
    connectedClients: sample.clients,
  };
}

/** Sets each cluster's sample gauges to its newest stored sample (a cluster without one is left as is). */
export async function refreshSampleGauges(
  clusters: readonly string[],
  history: Pick<HistoryStore, 'latest'>,
  metrics: Pick<MedicMetrics, 'recordSample'>,
): Promise<void> {
  for (const cluster of clusters) {
    const [newest] = await history.latest(cluster, 1);
    if (newest) metrics.recordSample(cluster, figuresOf(newest));
  }
}

export interface SampleGaugeRefresher {
  stop(): Promise<void>;
}

/** Refreshes at once, then on `expression`; a failed refresh is reported and the next one tries again. */
export function startSampleGaugeRefresh(
  clusters: readonly string[],
  history: Pick<HistoryStore, 'latest'>,
  metrics: Pick<MedicMetrics, 'recordSample'>,
  onError: (err: unknown) => void,
  expression = SAMPLE_GAUGES_CRON,
): SampleGaugeRefresher {
  const refresh = () => refreshSampleGauges(clusters, history, metrics).catch(onError);
  void refresh();
  const task = cron.schedule(expression, refresh, { noOverlap: true });
  return {
    stop: async () => {
      await task.stop();
    },
  };
}
