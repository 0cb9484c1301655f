// Natural order for names that hold numbers: t1, t2, … t10 (not t1, t10, t2). Digit runs compare by
// value, everything else case-insensitively, then exactly (so the order is total and stable).

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

export function naturalCompare(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** A copy of `items` in natural order of `name(item)`. */
export function naturalSort<T>(items: readonly T[], name: (item: T) => string): T[] {
  return [...items].sort((x, y) => naturalCompare(name(x), name(y)));
}
