import { addTargetOptions, finishOptions, type RegisterCommand, sharedOptions } from './options.js';

/** `redis-medic keys [scan|diff|snapshots]`: the key census, its diff, the stored snapshots. */
export const registerKeys: RegisterCommand = (program, { ctx, setExit }) => {
  const { t } = ctx;
  const o = sharedOptions(t);
  const run = () => import('../commands/keys.js');
  const keys = program
    .command('keys')
    .description(t('cli:keys.description'))
    .helpOption('-h, --help', t('cli:options.help'))
    .helpCommand('help [command]', t('cli:options.help_command'));

  const scan = keys.command('scan', { isDefault: true }).description(t('cli:keys.scan_description'));
  addTargetOptions(scan, t, { redis: true })
    .addOption(o.json())
    .option('--sample <n>', t('cli:options.sample'), o.positiveInt)
    .option('--match <glob>', t('cli:options.match'))
    .addOption(o.top())
    .option('--memory-samples <n>', t('cli:options.memory_samples'), o.nonNegativeInt)
    .addOption(o.unthrottled())
    .option('--no-save', t('cli:options.no_save'))
    .addOption(o.timeout());
  finishOptions(scan, t).action(async (opts) => setExit(await (await run()).keysCommand(opts, ctx)));

  const diff = keys.command('diff').description(t('cli:keys.diff_description'));
  addTargetOptions(diff, t)
    .option('--from <id>', t('cli:options.from'))
    .option('--to <id>', t('cli:options.to'))
    .addOption(o.top())
    .addOption(o.json());
  finishOptions(diff, t).action(async (opts) => setExit(await (await run()).keysDiffCommand(opts, ctx)));

  const snapshots = keys.command('snapshots').description(t('cli:keys.snapshots_description'));
  finishOptions(addTargetOptions(snapshots, t), t).action(async (opts) =>
    setExit(await (await run()).keysSnapshotsCommand(opts, ctx)),
  );
};
