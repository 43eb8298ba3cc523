import { finishOptions, type RegisterCommand, sharedOptions } from './options.js';

/** `redis-medic audit`: the audit log (dry-runs, approvals, runs, refusals), newest first. */
export const registerAudit: RegisterCommand = (program, { ctx, setExit }) => {
  const { t } = ctx;
  const o = sharedOptions(t);
  const cmd = program
    .command('audit')
    .description(t('approval:cli.description'))
    .addOption(o.cluster())
    .option('--limit <n>', t('approval:cli.limit'), o.positiveInt, 50)
    .addOption(o.json())
    .addOption(o.config());
  finishOptions(cmd, t).action(async (opts) =>
    setExit(await (await import('../commands/audit.js')).auditCommand(opts, ctx)),
  );
};
