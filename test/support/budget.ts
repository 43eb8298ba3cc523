/**
 * Time budgets for tests from the work they do rather than a fixed guess, so a long test keeps
 * passing on a busy CI box and a hung one still fails.
 */

/**
 * 30 s for start-up and slack, plus one second per 2,000 key operations (every key loaded,
 * snapshotted, SCANned or walked counts once per pass). An idle box does about 80,000 a second in
 * these tests; 2,000 is what a loaded 2-core box keeps with every other test file running beside it.
 */
export function budgetMs(keyOps: number): number {
  return 30_000 + Math.ceil(keyOps / 2_000) * 1_000;
}
