import { Option } from 'commander';
import { finishOptions, type RegisterCommand, sharedOptions } from './options.js';

/** `redis-medic advise --cluster NAME`: capacity (scale or fix TTLs first) and the eviction policy. */
export const registerAdvise: RegisterCommand = (program, { ctx, setExit }) => {
  const { t } = ctx;
  const o = sharedOptions(t);
  const cmd = program
    .command('advise')
    .description(t('capacity:cli.description'))
    .addOption(o.cluster().makeOptionMandatory())
    .addOption(new Option('--chart <file>', t('capacity:cli.chart')))
    .addOption(o.unthrottled())
    .addOption(o.json())
    .addOption(o.config());
  finishOptions(cmd, t).action(async (opts) =>
    setExit(await (await import('../commands/advise.js')).adviseCommand(opts, ctx)),
  );
};
