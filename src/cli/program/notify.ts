import { Option } from 'commander';
import { addTargetOptions, finishOptions, langArg, type RegisterCommand } from './options.js';

/** `redis-medic notify`: the incident message to the application team, as Markdown or mrkdwn. */
export const registerNotify: RegisterCommand = (program, { ctx, setExit }) => {
  const { t } = ctx;
  const cmd = program
    .command('notify')
    .description(t('notify:cli.description'))
    .option('--incident <id>', t('notify:cli.incident'));
  addTargetOptions(cmd, t)
    // Here --lang picks the message's language(s); `both` keeps the terminal's own language.
    .addOption(
      new Option('--lang <mode>', t('notify:cli.lang'))
        .choices(['en', 'zh', 'both'])
        .argParser(langArg(t, ['both']))
        .default('both'),
    )
    .addOption(
      new Option('--format <format>', t('notify:cli.format'))
        .choices(['mrkdwn', 'markdown'])
        .default('markdown'),
    )
    .option('--rules <file>', t('cli:options.rules'))
    .option('--owner <name>', t('notify:cli.owner'))
    .option('--deadline <date>', t('notify:cli.deadline'))
    .option('--summary <text>', t('notify:cli.summary'));
  finishOptions(cmd, t, { lang: false }).action(async (opts) =>
    setExit(await (await import('../commands/notify.js')).notifyCommand(opts, ctx)),
  );
};
