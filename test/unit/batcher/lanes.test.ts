import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { partitionByPerson } from '../../../src/batcher/lanes.ts';

interface Item {
  readonly n: number;
  readonly keys: readonly string[];
}
const keysOf = (i: Item): readonly string[] => i.keys;

describe('partitionByPerson', () => {
  it('keeps every item once, each person in order, and everyone sharing a key in one lane', () => {
    const key = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j');
    const items = fc.array(fc.uniqueArray(key, { maxLength: 3 }), { maxLength: 60 });
    fc.assert(
      fc.property(items, fc.integer({ min: 1, max: 6 }), (keyLists, lanes) => {
        const input: Item[] = keyLists.map((keys, n) => ({ n, keys }));
        const out = partitionByPerson(input, keysOf, lanes);
        expect(out.length).toBeLessThanOrEqual(lanes);
        expect(
          out
            .flat()
            .map((i) => i.n)
            .sort((a, b) => a - b),
        ).toEqual(input.map((i) => i.n));
        // Order holds between items that share a key (one person); people may come one after another.
        for (const lane of out)
          lane.forEach((earlier, at) => {
            for (const later of lane.slice(at + 1))
              if (later.keys.some((k) => earlier.keys.includes(k)))
                expect(later.n).toBeGreaterThan(earlier.n);
          });
        const laneOfKey = new Map<string, number>();
        out.forEach((lane, index) => {
          for (const item of lane)
            for (const k of item.keys) {
              expect(laneOfKey.get(k) ?? index).toBe(index);
              laneOfKey.set(k, index);
            }
        });
      }),
    );
  });

  it('joins people linked through a chain of keys, and spreads unrelated people', () => {
    const chain: Item[] = [
      { n: 0, keys: ['k:anon'] },
      { n: 1, keys: ['k:user', 'k:anon'] },
      { n: 2, keys: ['k:user', 'uid:7'] },
      { n: 3, keys: ['uid:7'] },
    ];
    const others = Array.from({ length: 40 }, (_, i): Item => ({ n: 4 + i, keys: [`k:other-${i}`] }));
    const out = partitionByPerson([...chain, ...others], keysOf, 4);
    const withChain = out.filter((lane) => lane.some((i) => i.n < 4));
    expect(withChain).toHaveLength(1);
    expect(withChain[0]?.filter((i) => i.n < 4).map((i) => i.n)).toEqual([0, 1, 2, 3]);
    expect(out).toHaveLength(4);
  });

  it("puts each person's items together in their lane, people in the order of their first item", () => {
    // ann (4 items) fills one lane; cat and bob (2 each) share the other, cat first.
    const who = ['k:ann', 'k:cat', 'k:ann', 'k:bob', 'k:ann', 'k:cat', 'k:ann', 'k:bob'];
    const items: Item[] = who.map((key, n) => ({ n, keys: [key] }));
    expect(partitionByPerson(items, keysOf, 2).map((lane) => lane.map((i) => i.n))).toEqual([
      [0, 2, 4, 6],
      [1, 5, 3, 7],
    ]);
  });

  it('spreads people so the lanes carry equal numbers of items, the largest person first', () => {
    // One person with 6 items and six with 1: 6 / 6 in two lanes, whatever the keys hash to.
    const items: Item[] = [
      ...Array.from({ length: 6 }, (_, n): Item => ({ n, keys: ['k:webhook'] })),
      ...Array.from({ length: 6 }, (_, i): Item => ({ n: 6 + i, keys: [`k:person-${i}`] })),
    ];
    const out = partitionByPerson(items, keysOf, 2);
    expect(out.map((lane) => lane.length)).toEqual([6, 6]);
    expect(out[0]?.map((i) => i.n)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('gives one lane when asked for one', () => {
    const items: Item[] = [
      { n: 0, keys: ['a'] },
      { n: 1, keys: ['b'] },
    ];
    expect(partitionByPerson(items, keysOf, 1)).toEqual([items]);
    expect(partitionByPerson([], keysOf, 4)).toEqual([]);
  });
});
