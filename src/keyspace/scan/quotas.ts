/**
 * A sampled walk's key budget: `limit` spread over every primary and DB in proportion to its
 * DBSIZE, and the total the walk may still hand over.
 */

export interface QuotaUnit {
  dbsize: number;
  quota: number;
}

/**
 * Spreads `limit` over the units by DBSIZE (largest remainder), so a sample covers every shard and
 * DB in proportion rather than whichever is walked first. SCAN order is hash order, so the first N
 * keys of a unit are a fair sample of it.
 */
export function assignQuotas(units: readonly QuotaUnit[], limit: number | undefined): void {
  const total = units.reduce((sum, u) => sum + u.dbsize, 0);
  if (limit === undefined || limit >= total) {
    // Keys written during the walk may still be seen: the shared budget stops the walk at `limit`.
    for (const u of units) u.quota = Number.POSITIVE_INFINITY;
    return;
  }
  const exact = units.map((u) => (total > 0 ? (limit * u.dbsize) / total : 0));
  const floors = exact.map(Math.floor);
  let left = limit - floors.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of order) {
    if (left <= 0) break;
    floors[i] = (floors[i] as number) + 1;
    left--;
  }
  units.forEach((u, i) => {
    u.quota = floors[i] as number;
  });
}

/** Keys the walk may still hand over in total (`limit`); shared by all primaries. */
export class KeyBudget {
  constructor(public remaining: number) {}
}
