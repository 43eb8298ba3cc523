/**
 * The CLI's language, through the real entry point: `--lang` and LANG in their usual spellings
 * (zh-CN, zh-Hans, zh_CN.UTF-8) give Chinese, zh-TW gives Chinese with a note, and an unsupported
 * `--lang` is refused in the language of the environment, naming the languages there are.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const HAN = /\p{Script=Han}/u;
const ZH_ENV = { LANG: 'zh_CN.UTF-8' };

describe('redis-medic --lang and LANG', () => {
  it.each([
    [['--lang', 'zh-CN'], {}],
    [['--lang=zh-Hans'], {}],
    [['--lang', 'zh'], {}],
    [[], ZH_ENV],
    [[], { LANG: 'C.UTF-8', LC_ALL: 'zh_CN.UTF-8' }],
  ])('status --help %j with %j: Chinese help', async (args, env) => {
    const run = await runCli(['status', '--help', ...args], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('用法：');
    expect(run.stdout).toContain('查看单个 Redis 的实时内存');
  });

  it('zh-TW: Chinese, with a note that Traditional Chinese is not there yet', async () => {
    const run = await runCli(['status', '--help', '--lang', 'zh-TW']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('用法：');
    expect(run.stderr).toContain('繁体');
  });

  it('an unsupported --lang is refused in the environment language, naming en and zh', async () => {
    const zh = await runCli(['status', '--lang', 'fr'], ZH_ENV);
    expect(zh.code).toBe(1);
    expect(zh.stderr).toMatch(HAN);
    expect(zh.stderr).toContain("'fr'");
    expect(zh.stderr).toMatch(/en（英文）.*zh（简体中文/);
    const en = await runCli(['status', '--lang', 'fr'], { LANG: 'en_US.UTF-8' });
    expect(en.code).toBe(1);
    expect(en.stderr).not.toMatch(HAN);
    expect(en.stderr).toMatch(/en \(English\).*zh \(Simplified Chinese/);
  });
});
