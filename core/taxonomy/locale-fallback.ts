export const DEFAULT_LOCALE = 'en';

/** The canonical form of a BCP 47 tag (`fr-ca` → `fr-CA`), or null when it is not one. */
export function canonicalLocale(tag: string): string | null {
  if (tag.length === 0 || tag.length > 35) return null;
  try {
    const [canonical] = Intl.getCanonicalLocales(tag);
    return canonical ?? null;
  } catch {
    return null;
  }
}

/**
 * The locales to try, most specific first: the tag itself, then its language-region-script part truncated one
 * subtag at a time (`zh-Hant-TW` → `zh-Hant` → `zh`), then the final fallbacks, without repeats.
 */
export function localeFallbackChain(
  locale: string,
  fallbacks: readonly string[] = [DEFAULT_LOCALE],
): string[] {
  const chain = [locale];
  const subtags = locale.split('-');
  // Extensions and private use (`-u-…`, `-x-…`) say nothing about which translation to show.
  const singleton = subtags.findIndex((s, i) => i > 0 && s.length === 1);
  if (singleton > 0) subtags.length = singleton;
  while (subtags.length > 0) {
    chain.push(subtags.join('-'));
    subtags.pop();
  }
  chain.push(...fallbacks);
  return [...new Set(chain)];
}

/**
 * Picks the value for `locale` from a per-locale table, walking its fallback chain and then `chain`,
 * and says which locale it came from, so a screen can show that a label is a fallback.
 */
export function resolveLabel<T>(
  labels: ReadonlyMap<string, T> | Readonly<Record<string, T>>,
  locale: string,
  chain: readonly string[] = [DEFAULT_LOCALE],
): { value: T; locale: string } | null {
  const lookup =
    labels instanceof Map
      ? (l: string) => labels.get(l)
      : (l: string) => (Object.hasOwn(labels, l) ? (labels as Readonly<Record<string, T>>)[l] : undefined);
  for (const candidate of localeFallbackChain(locale, chain)) {
    const value = lookup(candidate);
    if (value !== undefined) return { value, locale: candidate };
  }
  return null;
}
