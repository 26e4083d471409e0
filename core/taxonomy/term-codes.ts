/**
 * Term codes are the stable identity of a taxonomy term: signals, mappings and history refer to them forever.
 * The hierarchy is written into the code itself (`bias.racism.anti_black` sits under `bias.racism`), so that a
 * filter on a term can match its descendants with a prefix, in SQL and in memory alike.
 */

const SEGMENT = '[a-z0-9_]+';
export const TERM_CODE_PATTERN = new RegExp(`^${SEGMENT}(\\.${SEGMENT})+$`);
export const MAX_TERM_CODE_LENGTH = 100;

/** True when `code` is `ancestor` itself or sits anywhere below it. */
export function isDescendantOrSelf(code: string, ancestor: string): boolean {
  return code === ancestor || code.startsWith(`${ancestor}.`);
}

/** Why a code cannot name a new term under the given facet prefix and parent, or null when it can. */
export function checkNewTermCode(input: {
  code: string;
  facetPrefix: string;
  parentCode?: string | null | undefined;
}): string | null {
  const { code, facetPrefix, parentCode } = input;
  if (code.length > MAX_TERM_CODE_LENGTH) return `a code has at most ${MAX_TERM_CODE_LENGTH} characters`;
  if (!TERM_CODE_PATTERN.test(code)) {
    return 'a code is lowercase dotted segments of a-z, 0-9 and _, e.g. bias.anti_refugee';
  }
  // A child must extend its parent by exactly one segment: prefix filters then find it under every ancestor.
  const expectedPrefix = parentCode ? `${parentCode}.` : `${facetPrefix}.`;
  if (!code.startsWith(expectedPrefix) || code.slice(expectedPrefix.length).includes('.')) {
    return parentCode
      ? `a child of ${parentCode} has a code of the form ${parentCode}.<name>`
      : `a top-level term of this facet has a code of the form ${facetPrefix}.<name>`;
  }
  return null;
}
