import { Command } from 'commander';
import { reportCliError } from './context.ts';
import { cliCommands } from './commands.ts';

const program = new Command()
  .name('cohesion')
  .description('Cohesion command line: import boundaries, register sources, import signals.')
  .showHelpAfterError();

for (const register of cliCommands) register(program);

program.parseAsync(process.argv).catch(reportCliError);
