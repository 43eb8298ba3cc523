/** Sum of a number taken from each item (keys, bytes, DBSIZE over nodes and DBs). */
export function sum<T>(items: readonly T[], f: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += f(item);
  return total;
}
