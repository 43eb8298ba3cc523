import { addTargetOptions, finishOptions, type RegisterCommand, sharedOptions } from './options.js';

/** `redis-medic status`: memory, verdict and trend of one Redis, as a table or JSON. */
export const registerStatus: RegisterCommand = (program, { ctx, setExit }) => {
  const { t } = ctx;
  const o = sharedOptions(t);
  const cmd = program.command('status').description(t('cli:status.description'));
  addTargetOptions(cmd, t, { redis: true })
    .addOption(o.json())
    .option('--no-trend', t('cli:options.no_trend'))
    .addOption(o.timeout());
  finishOptions(cmd, t).action(async (opts) =>
    setExit(await (await import('../commands/status.js')).statusCommand(opts, ctx)),
  );
};
