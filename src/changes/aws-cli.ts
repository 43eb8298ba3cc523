// The `aws elasticache …` command equivalent to an API call, as an operator would type it (shown before approval).
import type { ApiCall } from './types.js';

/** `ModifyReplicationGroup` → `modify-replication-group`. */
export function cliOperation(operation: string): string {
  return operation.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/**
 * One line: booleans become `--flag` / `--no-flag`, lists of name/value pairs the shorthand
 * `Name=…,Value=…`, other values are single-quoted when they hold anything but safe characters.
 */
export function awsCliCommand(call: ApiCall, region: string): string {
  const parts = ['aws', 'elasticache', cliOperation(call.operation)];
  for (const [name, value] of Object.entries(call.params)) {
    const flag = `--${cliOperation(name)}`;
    if (typeof value === 'boolean') {
      parts.push(value ? flag : flag.replace(/^--/, '--no-'));
    } else if (typeof value === 'string') {
      parts.push(flag, quote(value));
    } else {
      parts.push(
        flag,
        ...value.map((pairs) =>
          quote(
            Object.entries(pairs)
              .map(([k, v]) => `${k}=${v}`)
              .join(','),
          ),
        ),
      );
    }
  }
  parts.push('--region', quote(region));
  return parts.join(' ');
}

function quote(value: string): string {
  return /^[A-Za-z0-9._:/=,@+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
