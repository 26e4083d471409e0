import path from 'node:path';
import type { Command } from 'commander';
import { loadCityPack } from '../demo/load-city-pack.ts';
import { recomputeAfterChange } from './analyze.cli.ts';
import { withContext } from './context.ts';

export function registerCityCommands(program: Command): void {
  const city = program.command('city').description('Set up a city from a city pack');

  city
    .command('load')
    .description(
      'Load a city pack: boundaries, area figures, sources and signal files named in DIR/city.json',
    )
    .argument('<dir>', 'folder holding city.json (e.g. demo/toronto)')
    .action(async (dir: string) => {
      await withContext(async ({ db, clock }) => {
        const r = await loadCityPack(db, path.resolve(dir), clock, 'cli', (msg) => console.error(msg));
        await recomputeAfterChange(db, clock, 'import');
        const inserted = r.signals.reduce((n, s) => n + s.inserted, 0);
        const updated = r.signals.reduce((n, s) => n + s.updated, 0);
        console.log(
          `${r.name}: ${r.areas.imported + r.areas.updated} areas, ${r.sources.created.length} sources registered, ` +
            `${r.signals.length} signal files`,
        );
        console.log(`${inserted} imported, ${updated} updated, 0 failed`);
      });
    });
}
