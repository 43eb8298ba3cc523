import { type Command, InvalidArgumentError, Option } from 'commander';
import { negotiateLang } from '../../i18n/negotiate.js';
import type { Translate } from '../../i18n/types.js';
import type { CliContext } from '../context.js';

/**
 * What a command's registration gets: the context (its `t` words the help) and where the command's
 * exit code goes. Registrations import their command when it runs, so `--help` and `status` don't
 * load Bolt, BullMQ or the chart engine.
 */
export interface CliKit {
  ctx: CliContext;
  setExit: (code: number) => void;
}

/** A command's registration: adds the command (and its subcommands) to the program. */
export type RegisterCommand = (program: Command, kit: CliKit) => void;

/** `--lang` as people write it; anything else refused, naming the languages there are. */
export function langArg(t: Translate, extra: readonly string[] = []): (value: string) => string {
  return (value) => {
    if (extra.includes(value)) return value;
    const asked = negotiateLang(value);
    if (!asked) throw new InvalidArgumentError(t('cli:errors.unsupported_lang'));
    return asked.lang;
  };
}

/** The options several commands share, each defined once: flags, localized description, parser, default. */
export function sharedOptions(t: Translate) {
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
  return {
    positiveInt,
    nonNegativeInt,
    redis: () => new Option('--redis <url>', t('cli:options.redis')),
    cluster: () => new Option('--cluster <name>', t('cli:options.cluster')),
    config: () => new Option('--config <file>', t('cli:options.config')),
    clusterMode: () => new Option('--cluster-mode', t('cli:options.cluster_mode')),
    json: () => new Option('--json', t('cli:options.json')),
    timeout: () =>
      new Option('--timeout <ms>', t('cli:options.timeout')).argParser(positiveInt).default(5000),
    top: () => new Option('--top <n>', t('cli:options.top')).argParser(positiveInt).default(20),
    unthrottled: () => new Option('--unthrottled', t('cli:options.unthrottled')),
    // Help lists en and zh; the parser also takes zh-CN, zh-Hans, zh_CN.UTF-8 (see negotiateLang).
    lang: () =>
      new Option('--lang <lang>', t('cli:options.lang')).choices(['en', 'zh']).argParser(langArg(t)),
  };
}

/**
 * The target of a command that reads a Redis: `--redis URL` (with `--cluster-mode`) where an ad hoc
 * target is allowed, else a configured `--cluster` from `--config`.
 */
export function addTargetOptions(cmd: Command, t: Translate, opts: { redis?: boolean } = {}): Command {
  const o = sharedOptions(t);
  if (opts.redis) cmd.addOption(o.redis());
  cmd.addOption(o.cluster()).addOption(o.config());
  if (opts.redis) cmd.addOption(o.clusterMode());
  return cmd;
}

/** The last options of every command: `--lang` (unless it has its own) and the localized `-h`. */
export function finishOptions(cmd: Command, t: Translate, opts: { lang?: boolean } = {}): Command {
  if (opts.lang !== false) cmd.addOption(sharedOptions(t).lang());
  return cmd.helpOption('-h, --help', t('cli:options.help'));
}
