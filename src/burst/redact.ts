/**
 * Log lines shown in Slack and the terminal: secrets out (URL credentials, AUTH arguments,
 * password / token / secret / key assignments, bearer and basic credentials, JWTs, cookies, redis-cli
 * and CONFIG passwords, AWS access key ids), one line, bounded.
 */
import { redact } from '../errors.js';

const MAX_LINE = 300;

export function redactLogLine(line: string): string {
  const text = redact(line)
    // Cookies carry session ids: the whole header value goes.
    .replace(/\b((?:set-)?cookie)\s*:.*$/gim, '$1: ***')
    .replace(/\b(AUTH2?)\s+\S+(\s+\S+)?/gi, '$1 ***')
    .replace(/\b(requirepass|masterauth)\s+\S+/gi, '$1 ***')
    // redis-cli's password flags.
    .replace(/(^|\s)(-a|--pass)\s+\S+/g, '$1$2 ***')
    .replace(/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 ***')
    // A JWT anywhere (header.payload.signature, base64url, the header always starts `eyJ`).
    .replace(/\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, '***')
    .replace(
      /\b([A-Za-z_-]*(?:pass(?:word|wd)?|pwd|secret|token|api[_-]?key|access[_-]?key|auth)[A-Za-z_-]*)(["']?\s*[:=]\s*["']?)[^\s"',;&}]+/gi,
      '$1$2***',
    )
    .replace(/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, '$1***')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > MAX_LINE ? `${text.slice(0, MAX_LINE - 1)}…` : text;
}
