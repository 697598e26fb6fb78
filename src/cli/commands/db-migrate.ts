import { type Command, PROGRAM, parseCommandArgs, printHelp } from '../usage.ts';

export const dbMigrateCommand: Command = {
  path: ['db', 'migrate'],
  summary: 'create the database if missing and apply migrations',
  help: `Usage: ${PROGRAM} db migrate

Creates the database named by DATABASE_URL if it does not exist and applies every
pending migration from drizzle/. Running it again changes nothing; concurrent runs
wait for each other.

Options:
  -h, --help  show this help
`,
  async run(args, ctx) {
    const { values } = parseCommandArgs('db migrate', args, {}, false);
    if (values.help) return printHelp(ctx.io, this.help);
    const { dbMigrate } = await import('../actions/db-migrate.ts');
    return dbMigrate({ databaseUrl: (await ctx.config()).databaseUrl, io: ctx.io });
  },
};
