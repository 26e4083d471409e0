import type { Command } from 'commander';
import { withContext } from './context.ts';
import {
  createTerm,
  listTerms,
  restoreTerm,
  retireTerm,
  updateTermLabels,
  type TaxonomyTerm,
} from '../domains/taxonomy/taxonomy.service.ts';

export function registerTaxonomyCommands(program: Command): void {
  const taxonomy = program
    .command('taxonomy')
    .description('List and customise the taxonomy of signal labels');

  taxonomy
    .command('list')
    .description('List terms in a locale (labels fall back, e.g. fr-CA → fr → en; the fallback is shown)')
    .option('--locale <locale>', 'locale of the labels', 'en')
    .option('--facet <facet>', 'only this facet, e.g. bias')
    .option('--include-retired', 'also list retired terms')
    .action(async (opts: { locale: string; facet?: string; includeRetired?: boolean }) => {
      await withContext(async ({ db }) => {
        const terms = await listTerms(db, opts.locale, {
          facet: opts.facet,
          includeRetired: opts.includeRetired,
        });
        const depth = (t: TaxonomyTerm): number =>
          t.parentCode ? depth(terms.find((p) => p.code === t.parentCode)!) + 1 : 0;
        const width = Math.max(...terms.map((t) => t.code.length + 2 * depth(t)), 4);
        let facet = '';
        for (const t of terms) {
          if (t.facet !== facet) {
            facet = t.facet;
            console.log(`\n[${facet}]`);
          }
          const notes = [
            fellBack(t.labelLocale, opts.locale) ? `(${t.labelLocale})` : '',
            t.retiredAt ? '[retired]' : '',
          ]
            .filter(Boolean)
            .join(' ');
          console.log(
            `${'  '.repeat(depth(t))}${t.code}`.padEnd(width + 2) + t.label + (notes ? ` ${notes}` : ''),
          );
        }
      });
    });

  taxonomy
    .command('add')
    .description('Add a city term; the code must be new and keeps its meaning forever')
    .requiredOption('--code <code>', 'lowercase dotted code, e.g. bias.anti_refugee')
    .requiredOption('--facet <facet>', 'facet, e.g. bias')
    .requiredOption('--label <label>', 'label in --locale')
    .option('--parent <code>', 'parent term in the same facet; the code then extends it, e.g. bias.racism.x')
    .option('--locale <locale>', 'locale of the label and description', 'en')
    .option('--description <text>', 'what belongs under the term, and what does not')
    .action(
      async (opts: {
        code: string;
        facet: string;
        label: string;
        parent?: string;
        locale: string;
        description?: string;
      }) => {
        await withContext(async ({ db, clock }) => {
          const term = await createTerm(
            db,
            {
              code: opts.code,
              facet: opts.facet,
              parentCode: opts.parent,
              locale: opts.locale,
              label: opts.label,
              description: opts.description,
            },
            clock,
            null,
          );
          console.log(`Added ${term.code} (${term.label})`);
        });
      },
    );

  taxonomy
    .command('label')
    .description('Rename or translate a term in one locale (the code never changes)')
    .argument('<code>', 'term code')
    .requiredOption('--locale <locale>', 'locale, e.g. fr or fr-CA')
    .requiredOption('--label <label>', 'the label')
    .option('--description <text>', 'the description (kept as it is when omitted)')
    .action(async (code: string, opts: { locale: string; label: string; description?: string }) => {
      await withContext(async ({ db, clock }) => {
        const term = await updateTermLabels(
          db,
          code,
          { [opts.locale]: { label: opts.label, description: opts.description } },
          clock,
          null,
        );
        console.log(`${term.code} is now "${term.label}" in ${term.labelLocale}`);
      });
    });

  taxonomy
    .command('retire')
    .description('Retire a term: existing signals keep it, new mappings and imports reject it')
    .argument('<code>', 'term code')
    .action(async (code: string) => {
      await withContext(async ({ db, clock }) => {
        const term = await retireTerm(db, code, clock, null);
        console.log(`Retired ${term.code} (${term.label}) on ${term.retiredAt}`);
      });
    });

  taxonomy
    .command('restore')
    .description('Bring a retired term back into use')
    .argument('<code>', 'term code')
    .action(async (code: string) => {
      await withContext(async ({ db, clock }) => {
        const term = await restoreTerm(db, code, clock, null);
        console.log(`Restored ${term.code} (${term.label})`);
      });
    });
}

// fr-CA answered from fr is the expected regional fallback; only another language is worth pointing out.
const fellBack = (used: string, asked: string) => used.split('-')[0] !== asked.split('-')[0]?.toLowerCase();
