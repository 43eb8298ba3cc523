import { addTargetOptions, finishOptions, type RegisterCommand, sharedOptions } from './options.js';

/** `redis-medic ttl dry-run|run`: what a TTL rule would change, and applying it from the CLI. */
export const registerTtl: RegisterCommand = (program, { ctx, setExit }) => {
  const { t } = ctx;
  const o = sharedOptions(t);
  const ttl = program
    .command('ttl')
    .description(t('cli:ttl.description'))
    .helpOption('-h, --help', t('cli:options.help'))
    .helpCommand(false);
  for (const sub of ['dry-run', 'run'] as const) {
    const command = ttl
      .command(sub)
      .description(t(sub === 'run' ? 'cli:ttl.run_description' : 'cli:ttl.dry_run_description'));
    addTargetOptions(command, t, { redis: true })
      .option('--rules <file>', t('cli:options.rules'))
      .option('--rule <name>', t('cli:options.rule'))
      .option('--incident <id>', t('cli:options.incident'))
      .addOption(o.json())
      .addOption(o.unthrottled())
      .addOption(o.timeout());
    if (sub === 'run') {
      command
        .option('--memory-guard-timeout <sec>', t('cli:options.memory_guard_timeout'), o.positiveInt)
        .option('--yes', t('cli:options.yes'));
    } else command.option('--no-save', t('cli:options.no_save_dry_run'));
    finishOptions(command, t).action(async (opts) => {
      const mod = await import('../commands/ttl.js');
      setExit(await (sub === 'run' ? mod.ttlRunCommand(opts, ctx) : mod.ttlDryRunCommand(opts, ctx)));
    });
  }
};
