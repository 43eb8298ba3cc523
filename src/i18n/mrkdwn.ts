/**
 * Slack decodes only these three entities, so escaping exactly these makes user or Redis text
 * literal (`<!channel>` shows as text, never pings) without leaving `&#x2F;` behind.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
