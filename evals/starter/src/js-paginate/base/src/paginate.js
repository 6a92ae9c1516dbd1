/**
 * One page of `items`: pages are numbered from 1 and hold `size` items each.
 * Returns { items, page, pages } where `pages` is the number of pages.
 */
export function paginate(items, page, size) {
  if (!Number.isInteger(size) || size < 1) throw new RangeError("size must be a positive integer");
  const pages = Math.max(1, Math.ceil(items.length / size));
  const current = Math.min(Math.max(1, page), pages);
  const start = current * size;
  return { items: items.slice(start, start + size), page: current, pages };
}
