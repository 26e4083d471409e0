import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classOf, quantileClasses } from './class-breaks.ts';

describe('quantileClasses', () => {
  it('splits positive values into five classes of equal size', () => {
    const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(quantileClasses(values, 5)).toEqual([
      { min: 1, max: 2 },
      { min: 3, max: 4 },
      { min: 5, max: 6 },
      { min: 7, max: 8 },
      { min: 9, max: 10 },
    ]);
  });

  it('keeps zero and missing values out of the quantiles', () => {
    expect(quantileClasses([0, 0, 0, null, 4, 8], 2)).toEqual([
      { min: 4, max: 4 },
      { min: 8, max: 8 },
    ]);
    expect(quantileClasses([0, null, undefined], 5)).toEqual([]);
  });

  it('merges classes that ties make identical', () => {
    // Upper bounds at ranks 2, 4, 6, 8, 10 are 1, 1, 1, 1, 3: two classes remain.
    expect(quantileClasses([1, 1, 1, 1, 1, 1, 1, 1, 2, 3], 5)).toEqual([
      { min: 1, max: 1 },
      { min: 2, max: 3 },
    ]);
    expect(quantileClasses([7], 5)).toEqual([{ min: 7, max: 7 }]);
  });

  it('handles fractional rates', () => {
    expect(quantileClasses([0.25, 0.5, 1.75, 3.5], 2)).toEqual([
      { min: 0.25, max: 0.5 },
      { min: 1.75, max: 3.5 },
    ]);
  });

  it('rejects a nonsensical class count', () => {
    expect(() => quantileClasses([1], 0)).toThrow(RangeError);
  });

  it('puts every positive value in exactly one non-empty, ordered class, at most k of them', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.constant(0), fc.constant(null), fc.double({ min: 0.001, max: 1e6, noNaN: true })),
          {
            maxLength: 300,
          },
        ),
        fc.integer({ min: 1, max: 9 }),
        (values, k) => {
          const ranges = quantileClasses(values, k);
          const positive = values.filter((v): v is number => v !== null && v > 0);
          expect(ranges.length).toBeLessThanOrEqual(k);
          expect(ranges.length === 0).toBe(positive.length === 0);
          for (let i = 0; i < ranges.length; i++) {
            expect(ranges[i]!.min).toBeLessThanOrEqual(ranges[i]!.max);
            if (i > 0) expect(ranges[i]!.min).toBeGreaterThan(ranges[i - 1]!.max);
            expect(positive.some((v) => classOf(v, ranges) === i)).toBe(true);
          }
          for (const v of positive) {
            const c = classOf(v, ranges) as number;
            expect(v).toBeGreaterThanOrEqual(ranges[c]!.min);
            expect(v).toBeLessThanOrEqual(ranges[c]!.max);
          }
          if (positive.length > 0) {
            expect(ranges[0]!.min).toBe(Math.min(...positive));
            expect(ranges[ranges.length - 1]!.max).toBe(Math.max(...positive));
          }
        },
      ),
    );
  });
});

describe('classOf', () => {
  const ranges = [
    { min: 1, max: 2 },
    { min: 5, max: 9 },
  ];
  it('separates no data, zero and the positive classes', () => {
    expect(classOf(null, ranges)).toBe('none');
    expect(classOf(undefined, ranges)).toBe('none');
    expect(classOf(Number.NaN, ranges)).toBe('none');
    expect(classOf(0, ranges)).toBe('zero');
    expect(classOf(1.5, ranges)).toBe(0);
    expect(classOf(3, ranges)).toBe(1);
    expect(classOf(9, ranges)).toBe(1);
    expect(classOf(12, ranges)).toBe(1);
  });
});
