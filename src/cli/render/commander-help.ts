import { type Argument, Command, type CommanderError, Help, type Option } from 'commander';
import type { Translate } from '../../i18n/types.js';
import { displayWidth, WIDE_RANGES } from '../../presenters/text-layout.js';

/**
 * Commander's own words (help headings, "(default: …)", parse errors) from the locale files.
 * Commander stays the parser; only what it would print in English is replaced, through its documented
 * extension points: a Help subclass (via `createHelp`) and `createCommand` so every subcommand gets it.
 */

/** Titles commander passes to `styleTitle`, and the locale key of each. */
const TITLES: Record<string, string> = {
  'Usage:': 'cli:help.usage',
  'Options:': 'cli:help.options',
  'Global Options:': 'cli:help.global_options',
  'Commands:': 'cli:help.commands',
  'Arguments:': 'cli:help.arguments',
};

const WIDE = WIDE_RANGES;
const OPENERS = '（《「『“‘';
const CLOSERS = '，。、；：！？）》」』”’';
/** Wrap units: a Latin word, or one wide character; punctuation stays with its neighbour. */
const CHUNK = new RegExp(`\\s*[${OPENERS}]*(?:[^\\s${WIDE}]+|[${WIDE}])[${CLOSERS}]*`, 'gu');

export class LocalizedHelp extends Help {
  constructor(private readonly translate: Translate) {
    super();
  }

  override styleTitle(title: string): string {
    const key = TITLES[title];
    return super.styleTitle(key ? this.translate(key) : title);
  }

  /** The usage line is one locale string ("用法：" takes no space after it). */
  override formatHelp(cmd: Command, helper: Help): string {
    const text = super.formatHelp(cmd, helper);
    const usage = helper.styleUsage(helper.commandUsage(cmd));
    const english = `${helper.styleTitle('Usage:')} ${usage}`;
    if (!text.startsWith(english)) return text;
    return this.translate('cli:help.usage_line', { usage }) + text.slice(english.length);
  }

  override commandUsage(cmd: Command): string {
    return this.placeholders(super.commandUsage(cmd));
  }

  override subcommandTerm(cmd: Command): string {
    return this.placeholders(super.subcommandTerm(cmd));
  }

  override optionDescription(option: Option): string {
    const details: string[] = [];
    if (option.argChoices) details.push(this.choices(option.argChoices));
    const showDefault =
      option.required || option.optional || (option.isBoolean() && typeof option.defaultValue === 'boolean');
    if (option.defaultValue !== undefined && showDefault) {
      details.push(this.defaultText(option.defaultValueDescription, option.defaultValue));
    }
    if (option.presetArg !== undefined && option.optional) {
      details.push(this.translate('cli:help.preset', { value: JSON.stringify(option.presetArg) }));
    }
    if (option.envVar !== undefined) details.push(this.translate('cli:help.env', { name: option.envVar }));
    return this.withDetails(option.description, details);
  }

  override argumentDescription(argument: Argument): string {
    const details: string[] = [];
    if (argument.argChoices) details.push(this.choices(argument.argChoices));
    if (argument.defaultValue !== undefined) {
      details.push(this.defaultText(argument.defaultValueDescription, argument.defaultValue));
    }
    return this.withDetails(argument.description, details);
  }

  /** Terminal columns, not UTF-16 units: wide characters take two, combining marks none (ANSI styling none). */
  override displayWidth(str: string): number {
    return displayWidth(str);
  }

  /**
   * Commander's own algorithm, but commander breaks only at spaces and Chinese has none: here a line may
   * also break between two wide characters (never before ，。、 or after （). Latin text wraps as before.
   */
  override boxWrap(str: string, width: number): string {
    if (width < this.minWidthToWrap) return str;
    const wrapped: string[] = [];
    for (const line of str.split(/\r\n|\n/)) {
      const [first, ...chunks] = line.match(CHUNK) ?? [];
      if (first === undefined) {
        wrapped.push('');
        continue;
      }
      let current = first;
      let currentWidth = this.displayWidth(first);
      for (const chunk of chunks) {
        const chunkWidth = this.displayWidth(chunk);
        if (currentWidth + chunkWidth <= width) {
          current += chunk;
          currentWidth += chunkWidth;
          continue;
        }
        wrapped.push(current);
        current = chunk.trimStart();
        currentWidth = this.displayWidth(current);
      }
      wrapped.push(current);
    }
    return wrapped.join('\n');
  }

  /** `[options]` and `[command]` are commander's placeholders in usage lines and command lists. */
  private placeholders(text: string): string {
    return text
      .split(' ')
      .map((word) => {
        if (word === '[options]') return `[${this.translate('cli:help.options_placeholder')}]`;
        if (word === '[command]') return `[${this.translate('cli:help.command_placeholder')}]`;
        return word;
      })
      .join(' ');
  }

  private choices(choices: readonly string[]): string {
    const list = choices.map((c) => JSON.stringify(c)).join(this.translate('cli:help.list_separator'));
    return this.translate('cli:help.choices', { choices: list });
  }

  private defaultText(description: string | undefined, value: unknown): string {
    return this.translate('cli:help.default', { value: description || JSON.stringify(value) });
  }

  private withDetails(description: string, details: string[]): string {
    if (details.length === 0) return description;
    const joined = details.join(this.translate('cli:help.details_separator'));
    return description
      ? this.translate('cli:help.with_details', { description, details: joined })
      : this.translate('cli:help.details_only', { details: joined });
  }
}

/** A Command whose help, and every subcommand's (`.command()` goes through `createCommand`), is localized. */
export class LocalizedCommand extends Command {
  constructor(
    name: string | undefined,
    private readonly translate: Translate,
  ) {
    super(name);
  }

  override createCommand(name?: string): Command {
    return new LocalizedCommand(name, this.translate);
  }

  override createHelp(): Help {
    return Object.assign(new LocalizedHelp(this.translate), this.configureHelp());
  }
}

/** Codes where commander has already printed what it had to (help) or nothing went wrong. */
const QUIET_CODES = new Set(['commander.help', 'commander.helpDisplayed', 'commander.version']);

/**
 * Commander's parse error as one localized line, the offending option or value kept verbatim.
 * Commander only gives English text plus a code, so the details are read back from its (stable) wording;
 * a wording this does not recognise still gets a localized lead-in.
 */
export function commanderErrorText(err: CommanderError, t: Translate): string | null {
  if (QUIET_CODES.has(err.code) || err.exitCode === 0) return null;
  const message = err.message.replace(/^error: /, '');
  const [main = '', hint = ''] = message.split('\n');
  const text = usageErrorText(err.code, main, t);
  if (text === null) return t('cli:usage.unrecognized', { detail: message.replace(/\n/g, ' ') });
  return withSuggestion(text, hint, t);
}

function usageErrorText(code: string, message: string, t: Translate): string | null {
  let m: RegExpExecArray | null;
  switch (code) {
    case 'commander.unknownOption':
      m = /^unknown option '(.*)'$/.exec(message);
      return m ? t('cli:usage.unknown_option', { option: m[1] }) : null;
    case 'commander.unknownCommand':
      m = /^unknown command '(.*)'$/.exec(message);
      return m ? t('cli:usage.unknown_command', { command: m[1] }) : null;
    case 'commander.optionMissingArgument':
      m = /^option '(.*)' argument missing$/.exec(message);
      return m ? t('cli:usage.option_missing_argument', { option: m[1] }) : null;
    case 'commander.missingMandatoryOptionValue':
      m = /^required option '(.*)' not specified$/.exec(message);
      return m ? t('cli:usage.missing_mandatory_option', { option: m[1] }) : null;
    case 'commander.missingArgument':
      m = /^missing required argument '(.*)'$/.exec(message);
      return m ? t('cli:usage.missing_argument', { name: m[1] }) : null;
    case 'commander.excessArguments':
      m = /^too many arguments(?: for '(.*)')?\. Expected (\d+) arguments? but got (\d+)\.$/.exec(message);
      if (!m) return null;
      return Number(m[2]) === 0
        ? t('cli:usage.excess_arguments_none', { command: m[1] ?? 'redis-medic', received: Number(m[3]) })
        : t('cli:usage.excess_arguments', {
            command: m[1] ?? 'redis-medic',
            count: Number(m[2]),
            received: Number(m[3]),
          });
    case 'commander.invalidArgument':
      return invalidValueText(message, t);
    case 'commander.conflictingOption': {
      m = /^(.*) cannot be used with (.*)$/.exec(message);
      const first = m ? sourceText(m[1] ?? '', t) : null;
      const second = m ? sourceText(m[2] ?? '', t) : null;
      return first && second ? t('cli:usage.conflicting_option', { first, second }) : null;
    }
    default:
      return null;
  }
}

/** "option '--x <n>' argument 'v' is invalid. <reason>" (reason: ours, already localized, or choices). */
function invalidValueText(message: string, t: Translate): string | null {
  const option = /^option '(.*?)' argument '(.*)' is invalid\.\s*(.*)$/s.exec(message);
  const argument = /^command-argument value '(.*)' is invalid for argument '(.*?)'\.\s*(.*)$/s.exec(message);
  const reasonText = (reason: string) => {
    const choices = /^Allowed choices are (.*)\.$/.exec(reason);
    return choices
      ? t('cli:usage.allowed_choices', {
          choices: (choices[1] ?? '').split(', ').join(t('cli:help.list_separator')),
        })
      : reason;
  };
  if (option) {
    return t('cli:usage.invalid_option_value', {
      option: option[1],
      value: option[2],
      reason: reasonText(option[3] ?? ''),
    });
  }
  if (argument) {
    return t('cli:usage.invalid_argument_value', {
      name: argument[2],
      value: argument[1],
      reason: reasonText(argument[3] ?? ''),
    });
  }
  return null;
}

/** One side of a conflict: "option '--a'" or "environment variable 'A'". */
function sourceText(text: string, t: Translate): string | null {
  const option = /^option '(.*)'$/.exec(text);
  if (option) return t('cli:usage.option_ref', { option: option[1] });
  const env = /^environment variable '(.*)'$/.exec(text);
  return env ? t('cli:usage.env_ref', { name: env[1] }) : null;
}

/** Commander's "(Did you mean --json?)" / "(Did you mean one of a, b?)" line. */
function withSuggestion(text: string, hint: string, t: Translate): string {
  const m = /^\(Did you mean (one of )?(.*)\?\)$/.exec(hint.trim());
  if (!m) return text;
  const candidates = (m[2] ?? '').split(', ').join(t('cli:help.list_separator'));
  return m[1]
    ? t('cli:usage.suggestions', { message: text, candidates })
    : t('cli:usage.suggestion', { message: text, candidate: candidates });
}
