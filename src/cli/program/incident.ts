import { finishOptions, type RegisterCommand, sharedOptions } from './options.js';

/** `redis-medic incident list|show ID`: the incidents on the queue Redis, their checklist and timeline. */
export const registerIncident: RegisterCommand = (program, { ctx, setExit }) => {
  const { t } = ctx;
  const o = sharedOptions(t);
  const run = () => import('../commands/incident.js');
  const incident = program
    .command('incident')
    .description(t('cli:incident.description'))
    .helpOption('-h, --help', t('cli:options.help'))
    .helpCommand('help [command]', t('cli:options.help_command'));

  const list = incident
    .command('list')
    .description(t('cli:incident.list_description'))
    .addOption(o.cluster())
    .option('--limit <n>', t('cli:incident.limit'), o.positiveInt, 20)
    .addOption(o.json())
    .addOption(o.config());
  finishOptions(list, t).action(async (opts) => setExit(await (await run()).incidentListCommand(opts, ctx)));

  const show = incident
    .command('show')
    .description(t('cli:incident.show_description'))
    .argument('<id>', t('cli:incident.id'))
    .addOption(o.json())
    .addOption(o.config());
  finishOptions(show, t).action(async (id: string, opts) =>
    setExit(await (await run()).incidentShowCommand(id, opts, ctx)),
  );
};
