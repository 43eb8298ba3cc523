import { addTargetOptions, finishOptions, type RegisterCommand, sharedOptions } from './options.js';

/** `redis-medic burst`: the burst hunt (what filled the memory), as text or JSON. */
export const registerBurst: RegisterCommand = (program, { ctx, setExit }) => {
  const { t } = ctx;
  const o = sharedOptions(t);
  const cmd = program.command('burst').description(t('burst:cli.description'));
  addTargetOptions(cmd, t)
    .option('--from <time>', t('burst:cli.from'))
    .option('--to <time>', t('burst:cli.to'))
    .option('--time-zone <zone>', t('burst:cli.time_zone'))
    .option('--sample <n>', t('burst:cli.sample'), o.positiveInt)
    .addOption(o.unthrottled())
    .addOption(o.json())
    .addOption(o.timeout());
  finishOptions(cmd, t).action(async (opts) =>
    setExit(await (await import('../commands/burst.js')).burstCommand(opts, ctx)),
  );
};
