import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { type Command, CommanderError } from 'commander';
import { EXIT_OK } from '../errors.js';
import { type CliContext, type CliOutput, createCliContext } from './context.js';
import { cliCommands } from './program/index.js';
import { LocalizedCommand } from './render/commander-help.js';

/**
 * Builds the program with every description from the locale files (help is user-facing text too).
 * Each command registers itself (`program/<command>.ts`, options shared through `program/options.ts`)
 * and imports its code when run, so `--help` and `status` don't load Bolt, BullMQ or the chart engine;
 * the error renderer (and the config parser it knows) and the logger load only when something fails.
 * Commander's own words are localized too: every command is a LocalizedCommand (help headings, defaults,
 * choices), and parse errors are not printed by commander but by `main`, from the locale files.
 */
export function buildProgram(ctx: CliContext, setExit: (code: number) => void): Command {
  const { t } = ctx;
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

  for (const register of cliCommands) register(program, { ctx, setExit });
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
  if (ctx.langFallback) ctx.err(`${ctx.t(`cli:lang_fallback.${ctx.langFallback}`)}\n`);
  let exitCode = 0;
  const program = buildProgram(ctx, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    // --help and --version end here as a CommanderError with exit code 0: nothing to say.
    if (err instanceof CommanderError && err.exitCode === 0) return EXIT_OK;
    // Parse errors (CommanderError) too: commander printed nothing, the line comes from the locale files.
    // An unknown error is one line naming its ref; its stack is logged under that ref only on request.
    const { describeCliError } = await import('./errors.js');
    const log =
      env.LOG_LEVEL === 'debug'
        ? (await import('../observability/logger.js')).createLogger({
            level: 'debug',
            destination: process.stderr,
          })
        : undefined;
    const { lines, exitCode: code } = describeCliError(err, ctx.t, ctx.lang, log);
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
