import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TERMS,
  FACETS,
  SHIPPED_LOCALES,
  canonicalLocale,
  checkNewTermCode,
  isDescendantOrSelf,
  localeFallbackChain,
  resolveLabel,
} from './default-taxonomy.ts';

// The codes other modules, mappings and the demo city rely on: a change here is a breaking change.
const EXPECTED: Record<string, string[]> = {
  bias: [
    'bias.racism',
    'bias.racism.anti_black',
    'bias.racism.anti_east_southeast_asian',
    'bias.racism.anti_south_asian',
    'bias.racism.anti_indigenous',
    'bias.racism.anti_arab_west_asian',
    'bias.racism.anti_latin_american',
    'bias.racism.anti_white',
    'bias.racism.other',
    'bias.xenophobia',
    'bias.language',
    'bias.antisemitism',
    'bias.anti_muslim',
    'bias.anti_christian',
    'bias.other_religion',
    'bias.anti_roma',
    'bias.anti_lgbti',
    'bias.gender',
    'bias.disability',
    'bias.age',
    'bias.other',
    'bias.unclear',
  ],
  incident_type: [
    'incident.crime',
    'incident.crime.assault',
    'incident.crime.threat',
    'incident.crime.property',
    'incident.crime.incitement',
    'incident.crime.other',
    'incident.non_crime',
    'incident.hate_speech',
    'incident.discrimination',
  ],
  channel: ['channel.offline', 'channel.online'],
  extremism: [
    'extremism.far_right',
    'extremism.far_left',
    'extremism.religious',
    'extremism.anti_government',
    'extremism.misogynist',
    'extremism.conspiracy',
    'extremism.mixed_unclear',
  ],
  disinformation: ['disinfo.rumour', 'disinfo.conspiracy_narrative', 'disinfo.coordinated_campaign'],
  tension: [
    'tension.political_polarisation',
    'tension.intercommunity',
    'tension.anti_government',
    'tension.anti_migrant',
    'tension.antisemitic',
    'tension.anti_women',
    'tension.hate_speech',
  ],
  need: [
    'need.victim_support',
    'need.mental_health',
    'need.youth_services',
    'need.social_isolation',
    'need.language_access',
    'need.employment',
    'need.housing',
  ],
  protective: [
    'protective.community_spaces',
    'protective.trusted_leaders',
    'protective.civic_participation',
    'protective.interfaith_dialogue',
    'protective.youth_programmes',
  ],
};

describe('default taxonomy', () => {
  it('ships exactly the agreed facets and codes', () => {
    expect(FACETS.map((f) => f.code)).toEqual(Object.keys(EXPECTED));
    for (const [facet, codes] of Object.entries(EXPECTED)) {
      expect(DEFAULT_TERMS.filter((t) => t.facet === facet).map((t) => t.code)).toEqual(codes);
    }
    expect(new Set(DEFAULT_TERMS.map((t) => t.code)).size).toBe(DEFAULT_TERMS.length);
  });

  it('nests racism and crime sub-types under their parents and nothing else', () => {
    const nested = DEFAULT_TERMS.filter((t) => t.parentCode !== null);
    for (const t of nested) {
      expect(t.code.startsWith('bias.racism.') || t.code.startsWith('incident.crime.')).toBe(true);
      expect(t.parentCode).toBe(t.code.slice(0, t.code.lastIndexOf('.')));
    }
    expect(nested).toHaveLength(8 + 5);
  });

  it('lists parents before children and keeps every code inside its facet prefix', () => {
    const seen = new Set<string>();
    for (const t of DEFAULT_TERMS) {
      if (t.parentCode) expect(seen.has(t.parentCode)).toBe(true);
      seen.add(t.code);
      const facet = FACETS.find((f) => f.code === t.facet)!;
      expect(t.code.startsWith(`${facet.codePrefix}.`)).toBe(true);
    }
  });

  it('has a label and a description in every shipped locale, with labels distinct within a facet', () => {
    for (const locale of SHIPPED_LOCALES) {
      for (const f of FACETS) expect(f.name[locale].trim()).not.toBe('');
      for (const facet of Object.keys(EXPECTED)) {
        const terms = DEFAULT_TERMS.filter((t) => t.facet === facet);
        for (const t of terms) {
          expect(t.text[locale].label.trim(), `${t.code} ${locale}`).not.toBe('');
          expect(t.text[locale].description.trim().length, `${t.code} ${locale}`).toBeGreaterThan(10);
        }
        const labels = terms.map((t) => t.text[locale].label);
        expect(new Set(labels).size, `${facet} ${locale}`).toBe(labels.length);
      }
    }
  });

  it('writes Arabic labels in Arabic script, not copied from English', () => {
    for (const t of DEFAULT_TERMS) expect(t.text.ar.label).toMatch(/[\u0600-\u06FF]/);
  });
});

describe('isDescendantOrSelf', () => {
  it('matches the term and its descendants by whole segments', () => {
    expect(isDescendantOrSelf('bias.racism', 'bias.racism')).toBe(true);
    expect(isDescendantOrSelf('bias.racism.anti_black', 'bias.racism')).toBe(true);
    expect(isDescendantOrSelf('bias.racism.anti_black', 'bias')).toBe(true);
    expect(isDescendantOrSelf('bias.racismo', 'bias.racism')).toBe(false);
    expect(isDescendantOrSelf('bias.racism', 'bias.racism.anti_black')).toBe(false);
  });
});

describe('checkNewTermCode', () => {
  it('accepts a top-level code in the facet prefix and a child one segment below its parent', () => {
    expect(checkNewTermCode({ code: 'bias.anti_refugee', facetPrefix: 'bias' })).toBeNull();
    expect(
      checkNewTermCode({ code: 'bias.racism.anti_jewish_2', facetPrefix: 'bias', parentCode: 'bias.racism' }),
    ).toBeNull();
  });

  it('rejects malformed codes and codes that do not sit where they claim', () => {
    for (const code of [
      'Bias.x',
      'bias',
      'bias..x',
      'bias.x.',
      '.bias.x',
      'bias.anti-refugee',
      'bias.é',
      'bias.x y',
    ]) {
      expect(checkNewTermCode({ code, facetPrefix: 'bias' }), code).toMatch(/lowercase dotted/);
    }
    expect(checkNewTermCode({ code: 'need.anti_refugee', facetPrefix: 'bias' })).toMatch(/bias\.<name>/);
    expect(checkNewTermCode({ code: 'bias.racism.x', facetPrefix: 'bias' })).toMatch(/bias\.<name>/);
    expect(checkNewTermCode({ code: 'bias.x', facetPrefix: 'bias', parentCode: 'bias.racism' })).toMatch(
      /bias\.racism\.<name>/,
    );
    expect(
      checkNewTermCode({ code: 'bias.racism.a.b', facetPrefix: 'bias', parentCode: 'bias.racism' }),
    ).toMatch(/bias\.racism\.<name>/);
    expect(checkNewTermCode({ code: `bias.${'x'.repeat(100)}`, facetPrefix: 'bias' })).toMatch(/at most/);
  });
});

describe('locale fallback', () => {
  it('canonicalises tags and refuses what is not one', () => {
    expect(canonicalLocale('fr-ca')).toBe('fr-CA');
    expect(canonicalLocale('AR')).toBe('ar');
    expect(canonicalLocale('en_US')).toBeNull();
    expect(canonicalLocale('')).toBeNull();
    expect(canonicalLocale('not a locale')).toBeNull();
  });

  it('truncates one subtag at a time, then falls back to the chain', () => {
    expect(localeFallbackChain('fr-CA')).toEqual(['fr-CA', 'fr', 'en']);
    expect(localeFallbackChain('zh-Hant-TW', ['en'])).toEqual(['zh-Hant-TW', 'zh-Hant', 'zh', 'en']);
    expect(localeFallbackChain('de-u-co-phonebk')).toEqual(['de-u-co-phonebk', 'de', 'en']);
    expect(localeFallbackChain('en')).toEqual(['en']);
    expect(localeFallbackChain('nl', ['fr', 'en'])).toEqual(['nl', 'fr', 'en']);
  });

  it('reports the locale a label actually came from', () => {
    const labels = { en: 'Racism', fr: 'Racisme', 'fr-CA': 'Racisme (CA)' };
    expect(resolveLabel(labels, 'fr-CA')).toEqual({ value: 'Racisme (CA)', locale: 'fr-CA' });
    expect(resolveLabel(labels, 'fr-BE')).toEqual({ value: 'Racisme', locale: 'fr' });
    expect(resolveLabel(labels, 'nl')).toEqual({ value: 'Racism', locale: 'en' });
    expect(resolveLabel(new Map([['es', 'Racismo']]), 'es-MX')).toEqual({ value: 'Racismo', locale: 'es' });
    expect(resolveLabel({ ar: 'العنصرية' }, 'nl')).toBeNull();
    expect(resolveLabel({ ar: 'العنصرية' }, 'nl', ['ar'])).toEqual({ value: 'العنصرية', locale: 'ar' });
  });

  it('does not treat inherited object keys as labels', () => {
    expect(resolveLabel({}, 'constructor', [])).toBeNull();
  });
});
