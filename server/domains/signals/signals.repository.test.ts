import { describe, expect, it } from 'vitest';
import { statementSizes } from './signals.repository.ts';

describe('bulk insert statement sizes', () => {
  it('cover every row with a dozen distinct statements per table, whatever the row counts', () => {
    for (const width of [2, 4, 5, 15]) {
      const distinct = new Set<number>();
      const wrong: Array<{ rows: number; sizes: number[] }> = [];
      for (let rows = 0; rows <= 12_000; rows++) {
        const sizes = statementSizes(rows, width);
        // Every row once, and within both engines' limit on bound parameters.
        if (sizes.reduce((a, b) => a + b, 0) !== rows || sizes.some((size) => size * width > 30_000)) {
          wrong.push({ rows, sizes });
        }
        for (const size of sizes) distinct.add(size);
      }
      expect(wrong).toEqual([]);
      // One SQL text per size: this is what SQLite prepares, and what the statement cache must hold.
      expect(distinct.size).toBeLessThanOrEqual(12);
    }
    expect(statementSizes(2_000, 15)).toEqual([2_000]);
    expect(statementSizes(6_123, 2)).toEqual([2_000, 2_000, 2_000, 64, 32, 16, 8, 2, 1]);
  });
});
