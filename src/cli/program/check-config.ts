import { finishOptions, type RegisterCommand, sharedOptions } from './options.js';

/** `redis-medic check-config`: validates the config file (and the env it reads) without connecting. */
export const registerCheckConfig: RegisterCommand = (program, { ctx, setExit }) => {
  const { t } = ctx;
  const cmd = program
    .command('check-config')
    .description(t('cli:check_config.description'))
    .addOption(sharedOptions(t).config());
  finishOptions(cmd, t).action(async (opts) =>
    setExit((await import('../commands/check-config.js')).checkConfigCommand(opts, ctx)),
  );
};
