import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ErrorCode, MedicError } from '../errors.js';
import type { Lang } from '../i18n/types.js';
import { formatPath, interpolateEnv, type MissingVariable } from './interpolate.js';
import { configSchema, type RawConfig } from './schema.js';
import type { ClusterConfig, MedicConfig } from './types.js';

/**
 * One problem in a config file. `text` is already localized (zod's own messages); `key` + `values`
 * are redis-medic's own checks, localized by the front end from `config.*` keys.
 */
export interface ConfigProblem {
  path: string;
  text?: string;
  key?: string;
  values?: Record<string, string | number>;
}

export type ConfigResult = { ok: true; config: MedicConfig } | { ok: false; problems: ConfigProblem[] };

/** Pure: text + environment in, a validated config or every problem out. Nothing is started. */
export function parseConfig(
  text: string,
  env: Record<string, string | undefined> = process.env,
  lang: Lang = 'en',
): ConfigResult {
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({
        path: '(yaml)',
        key: 'config:yaml_syntax',
        values: { line: e.linePos?.[0]?.line ?? 0, col: e.linePos?.[0]?.col ?? 0, reason: e.code },
      })),
    };
  }
  const missing: MissingVariable[] = [];
  const data = interpolateEnv(doc.toJS(), env, missing);
  const problems: ConfigProblem[] = missing.map((m) => ({
    path: formatPath(m.path),
    key: 'config:env_missing',
    values: { variable: m.variable },
  }));

  // zod's built-in messages come in both of our languages; the setting is global but config is
  // parsed once at start-up, before anything concurrent runs.
  z.config(lang === 'zh' ? z.locales.zhCN() : z.locales.en());
  const parsed = configSchema.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(toProblem(issue));
  }
  if (problems.length > 0 || !parsed.success) return { ok: false, problems };
  return { ok: true, config: resolve(parsed.data) };
}

/** Reads `--config` / REDIS_MEDIC_CONFIG; throws MedicError(config_*) so callers exit non-zero. */
export function loadConfigFile(
  path: string,
  env: Record<string, string | undefined> = process.env,
  lang: Lang = 'en',
): MedicConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? 'EIO';
    throw new MedicError(ErrorCode.ConfigUnreadable, { path, reason }, `cannot read ${path}`, { cause: err });
  }
  const result = parseConfig(text, env, lang);
  if (!result.ok) throw new ConfigInvalidError(path, result.problems);
  return result.config;
}

export class ConfigInvalidError extends MedicError {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(ErrorCode.ConfigInvalid, { path: file, count: problems.length }, `invalid config ${file}`);
  }
}

function toProblem(issue: z.core.$ZodIssue): ConfigProblem {
  const path = formatPath(issue.path);
  if (issue.code === 'custom' && issue.params && typeof issue.params.i18n === 'string') {
    const { i18n, ...values } = issue.params as Record<string, string | number>;
    return { path, key: String(i18n), values };
  }
  return { path, text: issue.message };
}

function resolve(raw: RawConfig): MedicConfig {
  const clusters: ClusterConfig[] = raw.clusters.map((c) => ({
    name: c.name,
    url: c.url,
    ...(c.username ? { username: c.username } : {}),
    ...(c.password ? { password: c.password } : {}),
    mode: c.mode,
    ...(c.aws ? { aws: c.aws } : {}),
    thresholds: { ...raw.thresholds, ...c.thresholds },
    approvers: c.approvers ?? raw.slack.approvers,
  }));
  return {
    queue: raw.queue,
    slack: {
      channels: raw.slack.channels,
      ...(raw.slack.devTeamChannel ? { devTeamChannel: raw.slack.devTeamChannel } : {}),
    },
    watch: raw.watch,
    trend: raw.trend,
    incidents: raw.incidents,
    defaultThresholds: raw.thresholds,
    clusters,
  };
}

export function findCluster(config: MedicConfig, name: string): ClusterConfig | undefined {
  return config.clusters.find((c) => c.name === name);
}
