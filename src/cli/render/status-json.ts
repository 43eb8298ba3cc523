import type { StatusView } from '../../presenters/status-view.js';
import type { StatusReport } from '../../status/types.js';
import { snakeKeys } from './snake-json.js';

/**
 * The machine-readable status: raw numbers exactly as INFO reports them (summed over DBs and
 * primaries), snake_case, stable names. Worded parts come from the same view as the table.
 */
export function toStatusJson(report: StatusReport, view: StatusView): Record<string, unknown> {
  const r = report.redis;
  const a = report.trend?.analysis;
  return {
    cluster: report.cluster,
    taken_at: report.takenAt.toISOString(),
    mode: r.mode,
    version: r.version,
    used_memory_bytes: r.usedMemoryBytes,
    used_memory_peak_bytes: r.usedMemoryPeakBytes,
    maxmemory_bytes: r.maxmemoryBytes,
    memory_pct: r.memoryPct,
    level: report.level,
    fragmentation_ratio: r.fragmentationRatio,
    maxmemory_policy: r.maxmemoryPolicy,
    keys: r.keys,
    keys_with_ttl: r.keysWithTtl,
    keys_without_ttl: r.keysWithoutTtl,
    evicted_keys: r.evictedKeys,
    expired_keys: r.expiredKeys,
    ops_per_sec: r.opsPerSec,
    connected_clients: r.connectedClients,
    thresholds: report.thresholds,
    verdict: report.verdict.kind,
    verdict_reason: view.verdictReason,
    verdict_reason_key: report.verdict.reason.key,
    trend: report.trend
      ? {
          source: report.trend.source,
          node: report.trend.node,
          current_pct: a?.current.value ?? null,
          peak_pct: a?.peak.value ?? null,
          peak_at: a?.peak.at.toISOString() ?? null,
          burst_start_at: a?.burstStart?.at.toISOString() ?? null,
          slope_pct_per_min: a?.slopePctPerMin ?? null,
          points: report.trend.series.memoryPct.map((p) => ({ at: p.at.toISOString(), value: p.value })),
        }
      : null,
    notes: report.notes.map((note, i) => ({
      key: note.key,
      values: snakeKeys(note.values ?? {}),
      text: view.notes[i],
    })),
    nodes: r.nodes.map((n) => ({
      address: n.address,
      role: n.role,
      used_memory_bytes: n.usedMemoryBytes,
      maxmemory_bytes: n.maxmemoryBytes,
      memory_pct: n.memoryPct,
      keys: n.keys,
      keys_with_ttl: n.keysWithTtl,
      evicted_keys: n.evictedKeys,
    })),
  };
}
