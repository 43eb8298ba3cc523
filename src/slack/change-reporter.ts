// The change run's thread lines in Slack: the call sent, each status change, and how it ended (in the approver's language).
import type { webApi } from '@slack/bolt';
import type { ChangeRun } from '../changes/approval.js';
import type { I18n } from '../i18n/index.js';
import { LANGS, type Lang } from '../i18n/types.js';
import type { ChangeLine, ChangeReporter } from '../jobs/change-job.js';
import { changeRefusalText, elapsedText } from './blocks/change-request.js';
import { who } from './blocks/remediation.js';
import { textMessage } from './blocks/simple.js';

export function slackChangeReporter(client: webApi.WebClient, i18n: I18n): ChangeReporter {
  return {
    async post(run: ChangeRun, line: ChangeLine) {
      if (!run.channel || !run.threadTs) return;
      const lang: Lang = (LANGS as readonly string[]).includes(run.lang) ? (run.lang as Lang) : 'en';
      const t = i18n.slack(lang);
      const { plan } = run;
      const cluster = plan.cluster;
      const text = (() => {
        switch (line.kind) {
          case 'applied':
            return t('change:run.applied', {
              operation: plan.call.operation,
              cluster,
              approver: who(run.approvedBy),
            });
          case 'status':
            return t('change:run.status', {
              cluster,
              status: line.status,
              elapsed: elapsedText(t, line.elapsedMs),
            });
          case 'finished':
            return plan.kind === 'scale'
              ? t('change:run.finished_scale', {
                  cluster,
                  value: line.value,
                  elapsed: elapsedText(t, line.elapsedMs),
                })
              : t('change:run.finished_policy', { cluster, value: line.value });
          case 'timeout':
            return t('change:run.timeout', {
              cluster,
              status: line.status,
              elapsed: elapsedText(t, line.elapsedMs),
            });
          case 'failed':
            return t('change:run.failed', {
              cluster,
              kind: t(`change:kind.${plan.kind}`),
              reason: changeRefusalText(t, lang, line.refusal),
            });
        }
      })();
      await client.chat.postMessage({ channel: run.channel, thread_ts: run.threadTs, ...textMessage(text) });
    },
  };
}
