import { Argument, type Command, CommanderError, Help, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { createCliContext } from '../../src/cli/context.js';
import { buildProgram, main } from '../../src/cli/main.js';
import { commanderErrorText, LocalizedCommand } from '../../src/cli/render/commander-help.js';
import { createI18n } from '../../src/i18n/index.js';
import type { Lang } from '../../src/i18n/types.js';
import { runCli } from '../support/cli.js';

const ZH_ENV = { LANG: 'zh_CN.UTF-8' };
const EN_ENV = { LANG: 'C.UTF-8' };

/** The CLI run in-process, its output captured. */
async function cli(args: string[], env: Record<string, string>) {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'redis-medic', ...args], env, {
    out: (text) => {
      stdout += text;
    },
    err: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr };
}

function programFor(lang: Lang): Command {
  return buildProgram(createCliContext([], lang === 'zh' ? ZH_ENV : EN_ENV), () => {});
}

/** Every command of the tree, as the words typed to reach it ([] is the program itself). */
function commandPaths(cmd: Command, path: string[] = []): { path: string[]; cmd: Command }[] {
  return [{ path, cmd }, ...cmd.commands.flatMap((sub) => commandPaths(sub, [...path, sub.name()]))];
}

const PATHS = commandPaths(programFor('en')).map((c) => c.path);
const COMMAND_NAMES = [...new Set(PATHS.flat()), 'help', 'redis-medic', 'redis-server'];

/** Product, protocol and command names that stay as they are in Chinese text. */
const TECH_TERMS = [
  'Redis Cluster',
  'Socket Mode',
  'MEMORY USAGE',
  'SAMPLES',
  'ElastiCache',
  'CloudWatch',
  'Valkey',
  'Redis',
  'TTL',
  'JSON',
  'Slack',
  'URL',
  'SCAN',
  'CSV',
  'AWS',
  'HTTP',
  'PATH',
  'PNG',
  'YAML',
  'Key',
  'Wiki',
  'mrkdwn',
  'markdown',
  'glob',
];

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * English left in a Chinese text: runs of two or more English words once flags, <placeholders>,
 * [placeholders], quoted input, code spans, URLs, $VARS, command names and technical terms are removed.
 */
function englishRuns(text: string): string[] {
  let rest = text
    .replace(/`[^`]*`/g, ' ')
    .replace(/'[^'\n]*'|"[^"\n]*"/g, ' ')
    .replace(/<[^>\n]*>|\[[^\]\n]*\]/g, ' ')
    .replace(/\S*:\/\/\S*|\/\S+|\$\w+/g, ' ')
    .replace(/(^|[\s（(：,，])--?[\w-]+/g, '$1 ');
  for (const term of [...TECH_TERMS, ...COMMAND_NAMES]) {
    const words = term.split(' ').map(escapeRe).join('\\s+');
    rest = rest.replace(new RegExp(`(?<![\\w-])${words}(?![\\w-])`, 'g'), ' ');
  }
  return rest.match(/\b[A-Za-z]{3,}\b\s+\b[A-Za-z]{3,}\b/g) ?? [];
}

/** Commander's own English words, even alone ("(default: 20)", "Usage:"). */
const COMMANDER_WORDS =
  /\b(Usage:|Options:|Commands:|Arguments:|default:|choices:|preset:|error:|[Dd]id you mean|display help|output the version)/;
const CHINESE = /[\u4e00-\u9fff]/;

/** Terminal columns: CJK characters take two. */
const columns = (line: string) => line.length + (line.match(/[\u2e80-\ua4cf\uff00-\uff60]/g)?.length ?? 0);

function expectChineseOnly(text: string, what: string) {
  expect(CHINESE.test(text), `${what} has no Chinese:\n${text}`).toBe(true);
  expect(englishRuns(text), `${what} has English:\n${text}`).toEqual([]);
  expect(text, `${what} has commander's English:\n${text}`).not.toMatch(COMMANDER_WORDS);
}

describe('the English detector itself', () => {
  it('flags commander’s stock help and errors, and lets flags, placeholders and product names through', () => {
    expect(englishRuns('  -V, --version  output the version number')).not.toEqual([]);
    expect(englishRuns("error: unknown option '--x'")).not.toEqual([]);
    expect(englishRuns('  help [command]  display help for command')).not.toEqual([]);
    expect('Options:\n  --top <n>  显示的模式数量 (default: 20)').toMatch(COMMANDER_WORDS);
    expect(
      englishRuns(
        '用法：redis-medic keys scan [选项]\n  --redis <url>  使用 Socket\n   Mode 和 Redis Cluster',
      ),
    ).toEqual([]);
  });
});

describe('--help in Chinese, for the program and every subcommand', () => {
  it('walks a tree that has every command', () => {
    expect(PATHS).toEqual(
      expect.arrayContaining([
        [],
        ['status'],
        ['keys'],
        ['keys', 'scan'],
        ['keys', 'diff'],
        ['ttl', 'run'],
        ['notify'],
        ['check-config'],
      ]),
    );
  });

  for (const path of PATHS) {
    const name = ['redis-medic', ...path].join(' ');
    it(`${name} --help (LANG=zh_CN.UTF-8) has no English sentence`, async () => {
      const run = await cli([...path, '--help'], ZH_ENV);
      expect(run.code).toBe(0);
      expect(run.stderr).toBe('');
      expectChineseOnly(run.stdout, `${name} --help`);
      expect(run.stdout).toMatch(/^用法：redis-medic/);
      expect(run.stdout).toContain('选项：');
      expect(run.stdout).toContain('显示帮助');
    });
  }

  it('uses Chinese headings, defaults, choices and placeholders', async () => {
    const root = await cli(['--help'], ZH_ENV);
    expect(root.stdout).toMatch(/^用法：redis-medic \[选项\] \[命令\]\n/);
    expect(root.stdout).toContain('\n命令：\n');
    expect(root.stdout).toMatch(/-V, --version\s+显示版本号/);
    const scan = await cli(['keys', 'scan', '--help', '--lang', 'zh'], EN_ENV);
    expect(scan.stdout).toMatch(/--top <n>\s+显示的模式数量（默认值：20）/);
    expect(scan.stdout).toContain('输出语言（可选值："en"、"zh"）');
    const notify = await cli(['notify', '--help'], ZH_ENV);
    expect(notify.stdout.replace(/\s+/g, '')).toContain('（可选值："en"、"zh"、"both"；默认值："both"）');
    const keys = await cli(['keys', '--help'], ZH_ENV);
    expect(keys.stdout).toMatch(/help \[命令\]\s+显示某个命令的帮助/);
  });

  it('wraps Chinese to the help width, counting each character as two columns', () => {
    for (const { path, cmd } of commandPaths(programFor('zh'))) {
      cmd.configureHelp({ helpWidth: 80 });
      for (const line of cmd.helpInformation().split('\n')) {
        expect(columns(line), `${path.join(' ')}: ${line}`).toBeLessThanOrEqual(80);
      }
    }
  });
});

describe('--help in English is commander’s, word for word', () => {
  it('matches commander’s stock Help for every command', () => {
    for (const { path, cmd } of commandPaths(programFor('en'))) {
      const stock = new Help();
      stock.prepareContext({ helpWidth: 80 });
      const ours = cmd.createHelp();
      ours.prepareContext({ helpWidth: 80 });
      expect(ours.formatHelp(cmd, ours), path.join(' ')).toBe(stock.formatHelp(cmd, stock));
    }
  });

  it('prints Usage and Options from the locale file, exits 0', async () => {
    const run = await cli(['status', '--help'], EN_ENV);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: redis-medic status \[options\]\n/);
    expect(run.stdout).toContain('\nOptions:\n');
    expect(run.stdout).toMatch(/--timeout <ms>\s+connect and command timeout in ms \(default: 5000\)/);
    const version = await cli(['--version'], ZH_ENV);
    expect(version).toEqual({ code: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+\n$/), stderr: '' });
  });
});

/** Bad invocations, with the token each message must keep. */
const BAD: { what: string; args: string[]; keeps: string[]; en: RegExp }[] = [
  { what: 'unknown option', args: ['status', '--bogus'], keeps: ['--bogus'], en: /unknown option '--bogus'/ },
  {
    what: 'unknown option, with a suggestion',
    args: ['status', '--jsn'],
    keeps: ['--jsn', '--json'],
    en: /unknown option '--jsn' \(did you mean --json\?\)/,
  },
  {
    what: 'bad choice',
    args: ['status', '--lang', 'fr'],
    keeps: ['--lang', "'fr'", 'en', 'zh'],
    en: /option '--lang <lang>' argument 'fr' is invalid: supported languages are en \(English\) and zh/,
  },
  {
    what: 'bad choice (notify)',
    args: ['notify', '--format', 'html'],
    keeps: ['--format', "'html'", 'mrkdwn', 'markdown'],
    en: /option '--format <format>' argument 'html' is invalid/,
  },
  {
    what: 'missing option argument',
    args: ['status', '--redis'],
    keeps: ['--redis'],
    en: /option '--redis <url>' argument missing/,
  },
  {
    what: 'unknown command',
    args: ['frobnicate'],
    keeps: ['frobnicate'],
    en: /unknown command 'frobnicate'/,
  },
  {
    what: 'unknown command, with a suggestion',
    args: ['stats'],
    keeps: ['stats', 'status'],
    en: /unknown command 'stats' \(did you mean status\?\)/,
  },
  {
    what: 'excess argument',
    args: ['status', 'extra'],
    keeps: ['status', '1'],
    en: /too many arguments for 'status'/,
  },
  {
    what: 'excess arguments (nested command)',
    args: ['keys', 'scan', 'a', 'b'],
    keeps: ['scan', '2'],
    en: /too many arguments for 'scan'/,
  },
  {
    what: 'non-integer --keys',
    args: ['demo', '--keys', 'abc'],
    keeps: ['--keys', "'abc'"],
    en: /option '--keys <n>' argument 'abc' is invalid: must be a positive whole number/,
  },
  {
    what: 'non-positive --timeout',
    args: ['ttl', 'run', '--timeout', '0'],
    keeps: ['--timeout', "'0'"],
    en: /option '--timeout <ms>' argument '0' is invalid/,
  },
];

describe('usage errors in Chinese', () => {
  for (const bad of BAD) {
    it(`${bad.what}: ${bad.args.join(' ')}`, async () => {
      const run = await cli(bad.args, ZH_ENV);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/^redis-medic: /);
      expectChineseOnly(run.stderr, bad.args.join(' '));
      for (const token of bad.keeps) expect(run.stderr).toContain(token);
      expect(run.stderr).not.toContain('命令行参数有误');
    });
  }

  it('--lang zh wins over an English LANG', async () => {
    const run = await cli(['status', '--bogus', '--lang', 'zh'], EN_ENV);
    expect(run.stderr).toBe('redis-medic: 未知选项：--bogus\n');
  });

  it('no command at all: the help, in Chinese, on stderr, exit 1', async () => {
    const run = await cli([], ZH_ENV);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^用法：redis-medic/);
    expectChineseOnly(run.stderr, 'no command');
  });
});

describe('usage errors in English', () => {
  for (const bad of BAD) {
    it(`${bad.what}: ${bad.args.join(' ')}`, async () => {
      const run = await cli(bad.args, EN_ENV);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^redis-medic: /);
      expect(run.stderr).toMatch(bad.en);
      expect(CHINESE.test(run.stderr)).toBe(false);
    });
  }
});

describe('every commander error code has a message of its own', () => {
  const i18n = createI18n({ strict: true });

  /** A small program with what redis-medic has no use for yet: arguments, mandatory and conflicting options. */
  function parseError(lang: Lang, args: string[]): string | null {
    const t = i18n.plain(lang);
    const program = new LocalizedCommand('tool', t)
      .exitOverride()
      .configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} });
    program
      .command('put')
      .argument('<key>')
      .addArgument(new Argument('[mode]').choices(['a', 'b']))
      .requiredOption('--owner <name>')
      .option('--fast')
      .addOption(new Option('--slow').conflicts('fast'))
      .action(() => {});
    try {
      program.parse(args, { from: 'user' });
    } catch (err) {
      if (err instanceof CommanderError) return commanderErrorText(err, t);
      throw err;
    }
    return 'no error';
  }

  const cases: { code: string; args: string[]; keeps: string }[] = [
    { code: 'missingArgument', args: ['put', '--owner', 'x'], keeps: 'key' },
    { code: 'missingMandatoryOptionValue', args: ['put', 'k'], keeps: '--owner <name>' },
    { code: 'conflictingOption', args: ['put', 'k', '--owner', 'x', '--fast', '--slow'], keeps: '--fast' },
    { code: 'invalidArgument (argument)', args: ['put', 'k', 'c', '--owner', 'x'], keeps: "'c'" },
  ];

  for (const { code, args, keeps } of cases) {
    it(code, () => {
      const en = parseError('en', args);
      const zh = parseError('zh', args) ?? '';
      expect(en).toContain(keeps);
      expect(zh).toContain(keeps);
      expect(zh).not.toContain('命令行参数有误');
      expectChineseOnly(zh, code);
    });
  }

  it('--help and --version print nothing more', () => {
    const t = i18n.plain('zh');
    expect(
      commanderErrorText(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'), t),
    ).toBeNull();
    expect(commanderErrorText(new CommanderError(1, 'commander.help', '(outputHelp)'), t)).toBeNull();
  });

  it('a wording it does not know still gets a Chinese lead-in', () => {
    const t = i18n.plain('zh');
    expect(commanderErrorText(new CommanderError(1, 'commander.somethingNew', 'error: new thing'), t)).toBe(
      '命令行参数有误：new thing',
    );
  });
});

describe('through the real entry point', () => {
  it('LANG=zh_CN.UTF-8: Chinese help (exit 0) and Chinese usage error (exit 1)', async () => {
    const help = await runCli(['ttl', '--help'], ZH_ENV);
    expect(help.code).toBe(0);
    expectChineseOnly(help.stdout, 'ttl --help');
    for (const line of help.stdout.split('\n')) expect(columns(line)).toBeLessThanOrEqual(80);
    const bad = await runCli(['status', '--lang', 'fr'], ZH_ENV);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      "redis-medic: 选项 --lang <lang> 的值 'fr' 无效：支持的语言只有 en（英文）和 zh（简体中文，也可写作 zh-CN、zh-Hans 或 zh_CN.UTF-8）\n",
    );
  });
});
