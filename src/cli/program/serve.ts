import { finishOptions, type RegisterCommand, sharedOptions } from './options.js';

/** `redis-medic serve`: the Slack bot and its workers. */
export const registerServe: RegisterCommand = (program, { ctx, setExit }) => {
  const { t } = ctx;
  const o = sharedOptions(t);
  const cmd = program
    .command('serve')
    .description(t('cli:serve.description'))
    .addOption(o.config())
    .option('--port <port>', t('cli:options.port'), o.positiveInt);
  finishOptions(cmd, t).action(async (opts) =>
    setExit(await (await import('../commands/serve.js')).serveCommand(opts, ctx)),
  );
};
