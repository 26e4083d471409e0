import { Option, type Command } from 'commander';
import { z } from 'zod';
import { createAdmin } from '../domains/identity/auth.service.ts';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../platform/auth/passwords.ts';
import { AppError } from '../platform/errors.ts';
import { withContext } from './context.ts';

/** Read once and removed from the environment, so nothing this process starts inherits it. */
export const ADMIN_PASSWORD_ENV = 'COHESION_ADMIN_PASSWORD';

export function registerUsersCommands(program: Command): void {
  const users = program.command('users').description('Manage staff accounts from the server’s terminal');

  users
    .command('create-admin')
    .description(
      'Create a city administrator (the first account of an instance: there are no default credentials). ' +
        `The password comes from ${ADMIN_PASSWORD_ENV} or, in a terminal, is asked twice without echo.`,
    )
    .requiredOption('--email <email>', 'their email address (the sign-in name)')
    .requiredOption('--name <name>', 'their display name')
    .requiredOption('--organisation <name>', 'their organisation, created as a city department if new')
    .addOption(new Option('--locale <tag>', 'their console language').default('en'))
    .option('--force-additional', 'add another administrator although an active one exists', false)
    .action(
      async (opts: {
        email: string;
        name: string;
        organisation: string;
        locale: string;
        forceAdditional: boolean;
      }) => {
        const input = z
          .object({
            email: z.string().trim().toLowerCase().pipe(z.email()),
            name: z.string().trim().min(1).max(200),
            organisation: z.string().trim().min(1).max(200),
            locale: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/),
          })
          .safeParse(opts);
        if (!input.success)
          throw new AppError(
            'VALIDATION_FAILED',
            'Check the options',
            input.error.issues.map((i) => ({ option: `--${String(i.path[0])}`, reason: i.message })),
          );
        const password = await readAdminPassword();
        await withContext(async ({ db, clock }) => {
          const { account, organisation } = await createAdmin(
            db,
            {
              email: input.data.email,
              displayName: input.data.name,
              organisation: input.data.organisation,
              locale: input.data.locale,
              password,
              forceAdditional: opts.forceAdditional,
            },
            clock,
          );
          console.log(
            `Created city administrator ${account.email} (${account.displayName}) in ${organisation.name}` +
              `${organisation.created ? ' (new organisation)' : ''}.`,
          );
          console.log('Next:');
          console.log('  1. Start the server (npm start) and open the console in a browser.');
          console.log(`  2. Sign in as ${account.email} with the password you just chose.`);
          console.log(
            '  3. Set up an authenticator app when asked (your role reaches personal data, so it is required),',
          );
          console.log(
            '     and keep the ten recovery codes it shows somewhere safe, away from this computer.',
          );
        });
      },
    );
}

async function readAdminPassword(): Promise<string> {
  const fromEnv = process.env[ADMIN_PASSWORD_ENV];
  delete process.env[ADMIN_PASSWORD_ENV];
  if (fromEnv) return fromEnv;
  if (!process.stdin.isTTY)
    throw new AppError(
      'VALIDATION_FAILED',
      `No password: set ${ADMIN_PASSWORD_ENV}, or run the command in a terminal to type it`,
    );
  process.stderr.write(
    `Choose a password of ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters; a few unrelated words work well.\n`,
  );
  const first = await promptHidden('Password: ');
  const second = await promptHidden('Same password again: ');
  if (first !== second)
    throw new AppError('VALIDATION_FAILED', 'The two passwords differ; nothing was created');
  return first;
}

/** Reads one line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(question);
  input.setRawMode(true);
  input.setEncoding('utf8');
  input.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = () => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      process.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          finish();
          resolve(value);
          return;
        }
        // Ctrl-C, Ctrl-D: raw mode swallows the signal, so stop here ourselves.
        if (ch === '\u0003' || ch === '\u0004') {
          finish();
          reject(new AppError('VALIDATION_FAILED', 'Cancelled; nothing was created'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else value += ch;
      }
    };
    input.on('data', onData);
  });
}
