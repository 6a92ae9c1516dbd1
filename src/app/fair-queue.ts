/**
 * Waiting work grouped by repository and handed out round-robin: each repository with something waiting
 * gets one turn in order, so a repository that queued a hundred jobs delays another's first job by at most
 * one job per busy repository, not by its whole backlog. Within a repository, first in first out.
 */
export class FairQueue<T> {
  private readonly groups = new Map<string, T[]>();

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

  /** The next item of the group whose turn it is; that group then goes to the back of the line. */
  shift(): T | undefined {
    const next = this.groups.entries().next();
    if (next.done) return undefined;
    const [group, items] = next.value;
    const item = items.shift();
    // Maps keep insertion order: deleting and re-adding the group moves it behind the others.
    this.groups.delete(group);
    if (items.length > 0) this.groups.set(group, items);
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
  }
}
