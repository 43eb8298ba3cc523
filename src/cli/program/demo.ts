import { Option } from 'commander';
import { finishOptions, type RegisterCommand, sharedOptions } from './options.js';

/** `redis-medic demo`: the status report against a private redis-server filled with the dataset. */
export const registerDemo: RegisterCommand = (program, { ctx, setExit }) => {
  const { t } = ctx;
  const o = sharedOptions(t);
  const cmd = program
    .command('demo')
    .description(t('cli:demo.description'))
    .option('--keys <n>', t('cli:options.keys'), o.positiveInt, 66_586)
    .addOption(
      new Option('--shape <shape>', t('cli:options.shape')).choices(['runbook', 'mixed']).default('runbook'),
    )
    .addOption(o.json())
    .option('--chart <file>', t('cli:options.chart'));
  finishOptions(cmd, t).action(async (opts) =>
    setExit(await (await import('../commands/demo.js')).demoCommand(opts, ctx)),
  );
};
