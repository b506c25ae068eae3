/**
 * How a discovery spreads its sample over partitions: as evenly as possible, and a partition with
 * fewer records than its share gives the rest to the others (water filling), so `total` records
 * are read whenever the topic has that many, however unevenly keys landed.
 */
export function spreadSample(total: number, available: readonly number[]): number[] {
  const take = available.map(() => 0);
  let left = Math.max(0, total);
  let open = available.map((_, i) => i).filter((i) => available[i] > 0);
  while (left > 0 && open.length > 0) {
    const each = Math.max(1, Math.floor(left / open.length));
    for (const i of open) {
      const t = Math.min(each, available[i] - take[i], left);
      take[i] += t;
      left -= t;
      if (left === 0) break;
    }
    open = open.filter((i) => take[i] < available[i]);
  }
  return take;
}
