import { describe, expect, it } from 'vitest';
import { median, pairedRatio, percentile, round } from '../../../bench/stats.ts';

describe('median', () => {
  it('takes the middle of an odd count regardless of input order', () => {
    expect(median([9, 1, 5])).toBe(5);
  });

  it('averages the two middle values of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('is 0 for no values', () => {
    expect(median([])).toBe(0);
  });
});

describe('percentile', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);

  it('returns an observed value by nearest rank', () => {
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 50)).toBe(50);
  });

  it('clamps to the smallest and largest value', () => {
    expect(percentile(hundred, 0)).toBe(1);
    expect(percentile(hundred, 100)).toBe(100);
  });

  it('is the single value of a one-sample list', () => {
    expect(percentile([7], 99)).toBe(7);
  });
});

describe('pairedRatio', () => {
  it('is the median of round-by-round ratios, not the ratio of medians', () => {
    // Per round: 0.5, 2, 0.5. The medians alone (30 / 50) would say 0.6.
    expect(pairedRatio([10, 100, 30], [20, 50, 60])).toBe(0.5);
  });

  it('ignores rounds missing from the second list', () => {
    expect(pairedRatio([2, 4, 6], [1, 2])).toBe(2);
  });
});

describe('round', () => {
  it('rounds to the given decimals', () => {
    expect(round(0.12345)).toBe(0.12);
    expect(round(1234.5678, 1)).toBe(1234.6);
  });
});
