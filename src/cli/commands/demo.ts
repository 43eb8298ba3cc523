import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { BUNDLED_CJK_PACKAGE, type ChartFont } from '../../charts/fonts.js';
import { loadRenderer } from '../../charts/renderer.js';
import { loadDataset, minimumDatasetKeys, setMaxmemoryForTargetPct } from '../../demo/dataset.js';
import { findRedisServerBinary, startLocalRedis } from '../../demo/local-redis.js';
import { formatInt } from '../../i18n/format.js';
import type { Translate } from '../../i18n/types.js';
import { renderStatusChart } from '../../presenters/status-chart.js';
import { buildStatusView } from '../../presenters/status-view.js';
import { checkStatus } from '../../status/check-status.js';
import { replayTrendProvider } from '../../status/trend-providers.js';
import type { CliContext } from '../context.js';
import { EXIT_OK, EXIT_USAGE } from '../errors.js';
import { toStatusJson } from '../render/status-json.js';
import { renderStatusTable } from '../render/status-table.js';
import { DEFAULT_THRESHOLDS } from '../targets.js';

export interface DemoOptions {
  keys: number;
  /** `runbook` (default): the example incident's keyspace; `mixed`: public libraries' key families. */
  shape?: 'runbook' | 'mixed';
  json?: boolean;
  chart?: string;
}

/** Memory % of the example incident's first reading (84.6 %); the demo lands its private server there. */
export const DEMO_MEMORY_PCT = 84.6;

/**
 * The embedded default: a private redis-server, the runbook-shaped dataset (or, with
 * `--shape mixed`, the key families of public libraries), one status report,
 * the trend chart as a PNG, and the server stopped again. No Slack, no AWS.
 */
export async function demoCommand(opts: DemoOptions, ctx: CliContext): Promise<number> {
  const { t } = ctx;
  if (!findRedisServerBinary()) {
    ctx.err(`${t('cli:demo.no_redis_server')}\n`);
    return EXIT_USAGE;
  }
  const shape = opts.shape ?? 'runbook';
  const minimum = minimumDatasetKeys(shape);
  if (opts.keys < minimum) {
    ctx.err(
      `${t('cli:demo.too_few_keys', { shape, minimum: formatInt(minimum, ctx.lang), keys: formatInt(opts.keys, ctx.lang) })}\n`,
    );
    return EXIT_USAGE;
  }
  const server = await startLocalRedis();
  try {
    ctx.err(`${t('cli:demo.started', { url: server.url })}\n`);
    const redis = new Redis(server.url);
    try {
      const started = Date.now();
      const truth = await loadDataset(redis, { keys: opts.keys, shape });
      ctx.err(
        `${t('cli:demo.loaded', {
          keys: formatInt(truth.totalKeys, ctx.lang),
          withoutTtl: formatInt(truth.keysWithoutTtl, ctx.lang),
          seconds: ((Date.now() - started) / 1000).toFixed(1),
        })}\n`,
      );
      await setMaxmemoryForTargetPct(redis, DEMO_MEMORY_PCT);
    } finally {
      redis.disconnect();
    }
    const report = await checkStatus(
      {
        name: 'demo-isales-market',
        url: server.url,
        mode: 'standalone',
        thresholds: { ...DEFAULT_THRESHOLDS },
      },
      { trend: replayTrendProvider() },
    );
    const view = buildStatusView(report, { t, lang: ctx.lang });
    ctx.out(
      opts.json
        ? `${JSON.stringify(toStatusJson(report, view), null, 2)}\n`
        : `\n${renderStatusTable(view, t)}`,
    );
    const png = await renderStatusChart(report, t, ctx.lang);
    if (png) {
      const path = opts.chart ?? join(tmpdir(), 'redis-medic-demo-trend.png');
      await writeFile(path, png);
      const { font } = await loadRenderer();
      ctx.err(`${t('cli:demo.chart_written', { path, font: chartFontName(font, t) })}\n`);
      if (!font.cjk) ctx.err(`${t('cli:demo.chart_no_cjk_font', { package: BUNDLED_CJK_PACKAGE })}\n`);
    }
    return EXIT_OK;
  } finally {
    await server.stop();
  }
}

/** Which font drew the chart's Chinese, in the reader's words. */
export function chartFontName(font: ChartFont, t: Translate): string {
  if (!font.cjk) return t('cli:demo.chart_font_none');
  return font.cjk.source === 'bundled'
    ? t('cli:demo.chart_font_bundled', { name: font.cjk.name, package: BUNDLED_CJK_PACKAGE })
    : t('cli:demo.chart_font_system', { name: font.cjk.name });
}
