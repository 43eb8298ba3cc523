import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { type CliContext, type CliOutput, createCliContext } from './context.js';
import { describeCliError } from './errors.js';
import { LocalizedCommand } from './render/commander-help.js';

/**
 * Builds the program with every description from the locale files (help is user-facing text too).
 * Commands are imported when run, so `--help` and `status` don't load Bolt, BullMQ or the chart engine.
 * Commander's own words are localized too: every command is a LocalizedCommand (help headings, defaults,
 * choices), and parse errors are not printed by commander but by `main`, from the locale files.
 */
export function buildProgram(ctx: CliContext, setExit: (code: number) => void): Command {
  const { t } = ctx;
  const lang = new Option('--lang <lang>', t('cli:options.lang')).choices(['en', 'zh']);
  const positiveInt = (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(t('cli:errors.positive_int'));
    return n;
  };
  const nonNegativeInt = (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(t('cli:errors.non_negative_int'));
    return n;
  };
  const program = new LocalizedCommand('redis-medic', t)
    .description(t('cli:description'))
    .version(packageVersion(), '-V, --version', t('cli:options.version'))
    .helpOption('-h, --help', t('cli:options.help'))
    .helpCommand(false)
    // Subcommands inherit this (copyInheritedSettings): commander's English error line is dropped here and
    // the CommanderError thrown by exitOverride is printed by `main` through describeCliError, localized.
    .configureOutput({ writeOut: ctx.out, writeErr: ctx.err, outputError: () => {} })
    .exitOverride()
    .showHelpAfterError(false);

  program
    .command('status')
    .description(t('cli:status.description'))
    .option('--redis <url>', t('cli:options.redis'))
    .option('--cluster <name>', t('cli:options.cluster'))
    .option('--config <file>', t('cli:options.config'))
    .option('--cluster-mode', t('cli:options.cluster_mode'))
    .option('--json', t('cli:options.json'))
    .option('--no-trend', t('cli:options.no_trend'))
    .option('--timeout <ms>', t('cli:options.timeout'), positiveInt, 5000)
    .addOption(lang)
    .helpOption('-h, --help', t('cli:options.help'))
    .action(async (opts) => setExit(await (await import('./commands/status.js')).statusCommand(opts, ctx)));

  program
    .command('demo')
    .description(t('cli:demo.description'))
    .option('--keys <n>', t('cli:options.keys'), positiveInt, 66_586)
    .option('--json', t('cli:options.json'))
    .option('--chart <file>', t('cli:options.chart'))
    .addOption(new Option('--lang <lang>', t('cli:options.lang')).choices(['en', 'zh']))
    .helpOption('-h, --help', t('cli:options.help'))
    .action(async (opts) => setExit(await (await import('./commands/demo.js')).demoCommand(opts, ctx)));

  const keys = program
    .command('keys')
    .description(t('cli:keys.description'))
    .helpOption('-h, --help', t('cli:options.help'))
    .helpCommand('help [command]', t('cli:options.help_command'));
  keys
    .command('scan', { isDefault: true })
    .description(t('cli:keys.scan_description'))
    .option('--redis <url>', t('cli:options.redis'))
    .option('--cluster <name>', t('cli:options.cluster'))
    .option('--config <file>', t('cli:options.config'))
    .option('--cluster-mode', t('cli:options.cluster_mode'))
    .option('--json', t('cli:options.json'))
    .option('--sample <n>', t('cli:options.sample'), positiveInt)
    .option('--match <glob>', t('cli:options.match'))
    .option('--top <n>', t('cli:options.top'), positiveInt, 20)
    .option('--memory-samples <n>', t('cli:options.memory_samples'), nonNegativeInt)
    .option('--unthrottled', t('cli:options.unthrottled'))
    .option('--no-save', t('cli:options.no_save'))
    .option('--timeout <ms>', t('cli:options.timeout'), positiveInt, 5000)
    .addOption(new Option('--lang <lang>', t('cli:options.lang')).choices(['en', 'zh']))
    .helpOption('-h, --help', t('cli:options.help'))
    .action(async (opts) => setExit(await (await import('./commands/keys.js')).keysCommand(opts, ctx)));
  keys
    .command('diff')
    .description(t('cli:keys.diff_description'))
    .option('--cluster <name>', t('cli:options.cluster'))
    .option('--config <file>', t('cli:options.config'))
    .option('--from <id>', t('cli:options.from'))
    .option('--to <id>', t('cli:options.to'))
    .option('--top <n>', t('cli:options.top'), positiveInt, 20)
    .option('--json', t('cli:options.json'))
    .addOption(new Option('--lang <lang>', t('cli:options.lang')).choices(['en', 'zh']))
    .helpOption('-h, --help', t('cli:options.help'))
    .action(async (opts) => setExit(await (await import('./commands/keys.js')).keysDiffCommand(opts, ctx)));
  keys
    .command('snapshots')
    .description(t('cli:keys.snapshots_description'))
    .option('--cluster <name>', t('cli:options.cluster'))
    .option('--config <file>', t('cli:options.config'))
    .addOption(new Option('--lang <lang>', t('cli:options.lang')).choices(['en', 'zh']))
    .helpOption('-h, --help', t('cli:options.help'))
    .action(async (opts) =>
      setExit(await (await import('./commands/keys.js')).keysSnapshotsCommand(opts, ctx)),
    );

  const ttl = program
    .command('ttl')
    .description(t('cli:ttl.description'))
    .helpOption('-h, --help', t('cli:options.help'))
    .helpCommand(false);
  for (const sub of ['dry-run', 'run'] as const) {
    const command = ttl
      .command(sub)
      .description(t(sub === 'run' ? 'cli:ttl.run_description' : 'cli:ttl.dry_run_description'))
      .option('--redis <url>', t('cli:options.redis'))
      .option('--cluster <name>', t('cli:options.cluster'))
      .option('--config <file>', t('cli:options.config'))
      .option('--cluster-mode', t('cli:options.cluster_mode'))
      .option('--rules <file>', t('cli:options.rules'))
      .option('--rule <name>', t('cli:options.rule'))
      .option('--json', t('cli:options.json'))
      .option('--unthrottled', t('cli:options.unthrottled'))
      .option('--timeout <ms>', t('cli:options.timeout'), positiveInt, 5000);
    if (sub === 'run') {
      command
        .option('--memory-guard-timeout <sec>', t('cli:options.memory_guard_timeout'), positiveInt)
        .option('--yes', t('cli:options.yes'));
    } else command.option('--no-save', t('cli:options.no_save_dry_run'));
    command
      .addOption(new Option('--lang <lang>', t('cli:options.lang')).choices(['en', 'zh']))
      .helpOption('-h, --help', t('cli:options.help'))
      .action(async (opts) => {
        const mod = await import('./commands/ttl.js');
        setExit(await (sub === 'run' ? mod.ttlRunCommand(opts, ctx) : mod.ttlDryRunCommand(opts, ctx)));
      });
  }

  program
    .command('serve')
    .description(t('cli:serve.description'))
    .option('--config <file>', t('cli:options.config'))
    .option('--port <port>', t('cli:options.port'), positiveInt)
    .addOption(new Option('--lang <lang>', t('cli:options.lang')).choices(['en', 'zh']))
    .helpOption('-h, --help', t('cli:options.help'))
    .action(async (opts) => setExit(await (await import('./commands/serve.js')).serveCommand(opts, ctx)));

  program
    .command('audit')
    .description(t('approval:cli.description'))
    .option('--cluster <name>', t('cli:options.cluster'))
    .option('--limit <n>', t('approval:cli.limit'), positiveInt, 50)
    .option('--json', t('cli:options.json'))
    .option('--config <file>', t('cli:options.config'))
    .addOption(new Option('--lang <lang>', t('cli:options.lang')).choices(['en', 'zh']))
    .helpOption('-h, --help', t('cli:options.help'))
    .action(async (opts) => setExit(await (await import('./commands/audit.js')).auditCommand(opts, ctx)));

  program
    .command('notify')
    .description(t('notify:cli.description'))
    .option('--incident <id>', t('notify:cli.incident'))
    .option('--cluster <name>', t('cli:options.cluster'))
    .option('--config <file>', t('cli:options.config'))
    // Here --lang picks the message's language(s); `both` keeps the terminal's own language.
    .addOption(
      new Option('--lang <mode>', t('notify:cli.lang')).choices(['en', 'zh', 'both']).default('both'),
    )
    .addOption(
      new Option('--format <format>', t('notify:cli.format'))
        .choices(['mrkdwn', 'markdown'])
        .default('markdown'),
    )
    .option('--owner <name>', t('notify:cli.owner'))
    .option('--deadline <date>', t('notify:cli.deadline'))
    .option('--summary <text>', t('notify:cli.summary'))
    .helpOption('-h, --help', t('cli:options.help'))
    .action(async (opts) => setExit(await (await import('./commands/notify.js')).notifyCommand(opts, ctx)));

  program
    .command('check-config')
    .description(t('cli:check_config.description'))
    .option('--config <file>', t('cli:options.config'))
    .addOption(new Option('--lang <lang>', t('cli:options.lang')).choices(['en', 'zh']))
    .helpOption('-h, --help', t('cli:options.help'))
    .action(async (opts) =>
      setExit((await import('./commands/check-config.js')).checkConfigCommand(opts, ctx)),
    );

  return program;
}

/** package.json sits two levels up from both src/cli and dist/cli. */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Entry point: returns the exit code (0 ok, 1 usage/config error, 2 target unreachable). */
export async function main(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
  output?: CliOutput,
): Promise<number> {
  const ctx = createCliContext(argv, env, output);
  let exitCode = 0;
  const program = buildProgram(ctx, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    // Parse errors (CommanderError) too: commander printed nothing, the line comes from the locale files.
    const { lines, exitCode: code } = describeCliError(err, ctx.t, ctx.lang);
    if (lines.length > 0) ctx.err(`${lines.map((l) => `redis-medic: ${l}`).join('\n')}\n`);
    return code;
  }
}

export async function run(argv: string[]): Promise<void> {
  const code = await main(argv);
  process.exitCode = code;
  // serve keeps running on its own handles; one-shot commands end here, once stdout (maybe a pipe,
  // written asynchronously) has taken everything, so `| jq` never sees a cut-off document.
  if (code !== 0 || argv[2] !== 'serve')
    process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  void run(process.argv);
}
