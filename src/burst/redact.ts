/**
 * Log lines shown in Slack and the terminal: secrets out (URL credentials, AUTH arguments,
 * password / token / secret / key assignments, bearer tokens, AWS access key ids), one line, bounded.
 */
import { redact } from '../errors.js';

const MAX_LINE = 300;

export function redactLogLine(line: string): string {
  const text = redact(line)
    .replace(/\b(AUTH)\s+\S+(\s+\S+)?/gi, '$1 ***')
    .replace(/\b(bearer)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 ***')
    .replace(
      /\b([A-Za-z_-]*(?:pass(?:word|wd)?|pwd|secret|token|api[_-]?key|access[_-]?key|auth)[A-Za-z_-]*)(["']?\s*[:=]\s*["']?)[^\s"',;&}]+/gi,
      '$1$2***',
    )
    .replace(/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, '$1***')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > MAX_LINE ? `${text.slice(0, MAX_LINE - 1)}…` : text;
}
