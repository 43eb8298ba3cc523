import type { Translate } from '../../i18n/types.js';
import type { StatusView } from '../../presenters/status-view.js';
import { displayWidth, padEndDisplay } from '../../presenters/text-layout.js';

/** The report as a readable terminal block (no colours: it is pasted into tickets and chats). */
export function renderStatusTable(view: StatusView, t: Translate): string {
  const labelWidth = Math.max(...view.rows.map((r) => displayWidth(r.label))) + 2;
  const lines: string[] = [
    `${view.title} · ${view.takenAt}`,
    // "critical (critical)": the level only when it says something the verdict does not.
    view.verdictLabel.toLowerCase() === view.levelLabel.toLowerCase()
      ? t('status:cli.verdict_line_same', {
          verdict: view.verdictLabel.toUpperCase(),
          reason: view.verdictReason,
        })
      : t('status:cli.verdict_line', {
          verdict: view.verdictLabel.toUpperCase(),
          level: view.levelLabel,
          reason: view.verdictReason,
        }),
    '',
    ...view.rows.map((row) => `  ${padEndDisplay(row.label, labelWidth)}${row.value}`),
    `  ${padEndDisplay(t('status:field.thresholds'), labelWidth)}${view.thresholdsLine}`,
  ];
  if (view.trend) {
    lines.push(
      '',
      view.trend.heading,
      ...view.trend.bars.split('\n').map((l) => `  ${l}`),
      `  ${view.trend.summary}`,
    );
  }
  if (view.notes.length > 0) {
    lines.push('', t('status:cli.notes_heading'), ...view.notes.map((n) => `  • ${n}`));
  }
  return `${lines.join('\n')}\n`;
}
