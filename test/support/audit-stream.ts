/**
 * The bot's audit stream read straight from the queue Redis (XRANGE), not through the AuditLog
 * class under test: what an auditor would find there.
 */
import { Redis } from 'ioredis';

export type RawAuditEntry = Record<string, string> & { id: string };

/** Every entry of `<prefix>:audit`, oldest first, as the field/value pairs Redis holds. */
export async function readAuditStream(queueUrl: string, prefix: string): Promise<RawAuditEntry[]> {
  const redis = new Redis(queueUrl, { maxRetriesPerRequest: 1 });
  try {
    const entries = await redis.xrange(`${prefix}:audit`, '-', '+');
    return entries.map(([id, fields]) => {
      const entry: RawAuditEntry = { id };
      for (let i = 0; i + 1 < fields.length; i += 2) entry[fields[i] ?? ''] = fields[i + 1] ?? '';
      return entry;
    });
  } finally {
    redis.disconnect();
  }
}
