/** Reminders into their thread, worded in the channel's language when they are due. */
import type { webApi } from '@slack/bolt';
import { channelLang } from '../config/load.js';
import type { MedicConfig } from '../config/types.js';
import type { I18n } from '../i18n/index.js';
import { escapeMrkdwn } from '../i18n/mrkdwn.js';
import type { Reminder, ReminderReporter } from '../jobs/reminder-job.js';
import { textMessage } from './blocks/simple.js';

export function slackReminderReporter(
  client: webApi.WebClient,
  config: MedicConfig,
  i18n: I18n,
): ReminderReporter {
  return {
    async remind(reminder: Reminder) {
      const t = i18n.slack(channelLang(config, reminder.channel) ?? 'en');
      // Values may carry names typed by people (clusters, patterns): escaped like every such text.
      const values = Object.fromEntries(
        Object.entries(reminder.values ?? {}).map(([k, v]) => [
          k,
          typeof v === 'string' ? escapeMrkdwn(v) : v,
        ]),
      );
      await client.chat.postMessage({
        channel: reminder.channel,
        thread_ts: reminder.threadTs,
        ...textMessage(`:alarm_clock: ${t(reminder.key, values)}`),
      });
    },
  };
}
