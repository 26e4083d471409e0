import type { Command } from 'commander';
import { registerAreasCommands } from './areas.cli.ts';
import { registerTaxonomyCommands } from './taxonomy.cli.ts';
import { registerSourcesCommands } from './sources.cli.ts';
import { registerSyntheticCommands } from './synthetic.cli.ts';
import { registerSignalsCommands } from './signals.cli.ts';
import { registerCityCommands } from './city.cli.ts';
import { registerAuditCommands } from './audit.cli.ts';
import { registerUsersCommands } from './users.cli.ts';
import { registerAnalyzeCommands } from './analyze.cli.ts';

/** Every CLI command group. Each domain adds its own line. */
export const cliCommands: Array<(program: Command) => void> = [
  registerAreasCommands,
  registerTaxonomyCommands,
  registerSourcesCommands,
  registerSyntheticCommands,
  registerSignalsCommands,
  registerCityCommands,
  registerAuditCommands,
  registerUsersCommands,
  registerAnalyzeCommands,
];
