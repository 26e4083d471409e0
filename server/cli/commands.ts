import type { Command } from 'commander';

/** Every CLI command group. Each domain adds its own line. */
export const cliCommands: Array<(program: Command) => void> = [];
