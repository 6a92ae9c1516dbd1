/**
 * Waiting work grouped by repository. The next item comes from the repository with the fewest jobs running,
 * and among those from the one served longest ago, so repositories take turns: a repository that queued a
 * hundred jobs delays another's first job by at most the jobs already running, not by its whole backlog.
 * Within a repository, first in first out.
 */
export class FairQueue<T> {
  private readonly groups = new Map<string, T[]>();
  /** When each group last had a turn (a counter, not a clock); groups never served count as 0. */
  private readonly served = new Map<string, number>();
  private turns = 0;

  get size(): number {
    let total = 0;
    for (const items of this.groups.values()) total += items.length;
    return total;
  }

  push(group: string, item: T): void {
    const items = this.groups.get(group);
    if (items) items.push(item);
    else this.groups.set(group, [item]);
  }

  /** The next item, from the group with the least `load` (jobs running) and then the oldest turn. */
  shift(load: (group: string) => number = () => 0): T | undefined {
    let chosen: string | undefined;
    let best: [number, number] = [Infinity, Infinity];
    for (const group of this.groups.keys()) {
      const rank: [number, number] = [load(group), this.served.get(group) ?? 0];
      if (rank[0] < best[0] || (rank[0] === best[0] && rank[1] < best[1])) [chosen, best] = [group, rank];
    }
    if (chosen === undefined) return undefined;
    const items = this.groups.get(chosen)!;
    const item = items.shift();
    if (items.length === 0) this.groups.delete(chosen);
    this.served.set(chosen, ++this.turns);
    this.forgetIdle();
    return item;
  }

  /** Removes `item` wherever it waits; whether it was there. */
  remove(item: T): boolean {
    for (const [group, items] of this.groups) {
      const index = items.indexOf(item);
      if (index < 0) continue;
      items.splice(index, 1);
      if (items.length === 0) this.groups.delete(group);
      return true;
    }
    return false;
  }

  clear(): void {
    this.groups.clear();
    this.served.clear();
  }

  /** Turns of groups with nothing waiting are only worth remembering for a while: memory stays bounded. */
  private forgetIdle(): void {
    if (this.served.size <= 2 * this.groups.size + 100) return;
    for (const group of this.served.keys()) if (!this.groups.has(group)) this.served.delete(group);
  }
}
