/** Small PromQL builders shared by the rules and the dashboard, so both select series the same way. */
import { CLUSTER_LABEL } from './redis-exporter.js';

/** A label value inside a PromQL string literal: backslash and double quote escaped. */
export function promString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `metric{cluster="name"}`. */
export function forCluster(metric: string, cluster: string): string {
  return `${metric}{${CLUSTER_LABEL}=${promString(cluster)}}`;
}

/** `metric{cluster="$cluster"}` for a dashboard, where `cluster` is a template variable. */
export function forClusterVariable(metric: string, extra = ''): string {
  return `${metric}{${CLUSTER_LABEL}="$cluster"${extra ? `, ${extra}` : ''}}`;
}

/**
 * Every metric name a PromQL expression mentions: string literals, label matchers `{…}`, ranges
 * `[…]`, grouping clauses `by (…)`, the label of Grafana's `label_values(metric, label)` and function
 * names are taken out first, what is left are names.
 */
export function metricNamesIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    // Grafana's `label_values(metric, label)`: the second argument is a label.
    .replace(/\blabel_values\(([^,)]*),[^)]*\)/g, 'label_values($1)');
  const names = new Set<string>();
  for (const m of bare.matchAll(/(?<![\w.$])[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const name = m[0];
    const after = bare.slice((m.index ?? 0) + name.length).trimStart();
    if (after.startsWith('(') || PROMQL_WORDS.has(name)) continue;
    names.add(name);
  }
  return [...names];
}

const PROMQL_WORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan', 'Inf', 'NaN']);
