import { finishOptions, type RegisterCommand, sharedOptions } from './options.js';

/** `redis-medic monitoring export`: the cluster's Prometheus rules and Grafana dashboard as files. */
export const registerMonitoring: RegisterCommand = (program, { ctx, setExit }) => {
  const { t } = ctx;
  const o = sharedOptions(t);
  const monitoring = program
    .command('monitoring')
    .description(t('cli:monitoring.description'))
    .helpOption('-h, --help', t('cli:options.help'))
    .helpCommand('help [command]', t('cli:options.help_command'));
  const exp = monitoring
    .command('export')
    .description(t('cli:monitoring.export_description'))
    .addOption(o.cluster())
    .addOption(o.config())
    .option('--out <dir>', t('cli:options.out'))
    .addOption(o.json());
  finishOptions(exp, t).action(async (opts) =>
    setExit(await (await import('../commands/monitoring.js')).monitoringExportCommand(opts, ctx)),
  );
};
