/**
 * A link to an incident's thread (App Home, `/redis-incident status`): chat.getPermalink once, kept
 * on the incident record, bounded in time; without it, a link that opens the channel.
 */
import type { webApi } from '@slack/bolt';
import type { Incident, IncidentStore } from '../../incidents/incident-store.js';

const PERMALINK_WAIT_MS = 800;

export async function threadLink(
  client: webApi.WebClient,
  incidents: Pick<IncidentStore, 'setPermalink'>,
  incident: Incident,
): Promise<string> {
  if (incident.permalink) return incident.permalink;
  try {
    const res = await Promise.race([
      client.chat.getPermalink({ channel: incident.channel, message_ts: incident.threadTs }),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('timeout')), PERMALINK_WAIT_MS).unref(),
      ),
    ]);
    if (res.permalink) {
      await incidents.setPermalink(incident.id, res.permalink).catch(() => {});
      return res.permalink;
    }
  } catch {
    // fall through to the channel link
  }
  return `https://slack.com/app_redirect?channel=${incident.channel}`;
}
