/**
 * The demo says where its chart is and which font drew its Chinese: the bundled Noto Sans SC from
 * the npm dependency, so `npm ci && npm run demo -- --lang zh` draws Chinese on a machine without
 * any CJK system font.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'medic-demo-chart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('demo chart', () => {
  it('writes the PNG where it says, naming the font that drew the Chinese', async () => {
    const path = join(dir, 'trend.png');
    const run = await runCli(['demo', '--keys', '2000', '--chart', path, '--lang', 'zh-CN']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      `趋势图已写入 ${path}（字体：Noto Sans SC，随 npm 依赖 @fontsource-variable/noto-sans-sc 安装）`,
    );
    expect(run.stderr).not.toContain('方框');
    expect(readFileSync(path).subarray(1, 4).toString()).toBe('PNG');
  }, 120_000);
});
