import { describe, expect, it } from 'vitest';
import { MAX_LISTED_PROBLEMS, ProblemList, mergeProblems } from './import-pipeline.ts';

const problem = (line: number, reason: string) => ({ line, column: 'id', value: `v${line}`, reason });

describe('merging the problems of the reading and the writing half', () => {
  it('lists both in line order, the reading half first on the same line', () => {
    const read = { listed: [problem(0, 'header'), problem(3, 'date'), problem(9, 'area')], unlisted: 0 };
    const written = {
      listed: [problem(3, 'repeat'), problem(4, 'repeat'), problem(12, 'repeat')],
      unlisted: 0,
    };
    expect(mergeProblems(read, written).map((p) => `${p.line} ${p.reason}`)).toEqual([
      '0 header',
      '3 date',
      '3 repeat',
      '4 repeat',
      '9 area',
      '12 repeat',
    ]);
    expect(mergeProblems({ listed: [], unlisted: 0 }, { listed: [], unlisted: 0 })).toEqual([]);
  });

  it('lists no more than the limit, counting the rest of both halves in a last entry', () => {
    const read = new ProblemList();
    const written = new ProblemList();
    for (let line = 1; line <= MAX_LISTED_PROBLEMS + 5; line++) {
      (line % 2 ? read : written).add(problem(line, 'x'));
    }
    expect(read.count + written.count).toBe(MAX_LISTED_PROBLEMS + 5);
    const merged = mergeProblems(read, written);
    expect(merged).toHaveLength(MAX_LISTED_PROBLEMS + 1);
    expect(merged.slice(0, MAX_LISTED_PROBLEMS).every((p, i) => p.line === i + 1)).toBe(true);
    expect(merged.at(-1)).toEqual({
      line: 0,
      column: null,
      value: null,
      reason: '5 further problems are not listed',
    });

    // Each half stops listing at the limit on its own; what it only counted is still counted.
    const many = new ProblemList();
    for (let line = 1; line <= MAX_LISTED_PROBLEMS + 7; line++) many.add(problem(line, 'x'));
    expect(mergeProblems(many, { listed: [problem(1, 'y')], unlisted: 2 }).at(-1)!.reason).toBe(
      '10 further problems are not listed',
    );
  });
});
