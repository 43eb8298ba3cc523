import { type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * Structured JSON logs on stdout. Anything that might hold a secret is censored by path, as a
 * second line of defence: the code never logs URLs with credentials or tokens in the first place.
 */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      name: 'redis-medic',
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: {
        paths: [
          'password',
          '*.password',
          'token',
          '*.token',
          'url',
          '*.url',
          'headers.authorization',
          'signingSecret',
        ],
        censor: '[redacted]',
      },
    },
    options.destination ?? process.stdout,
  );
}

/** A logger that drops everything (CLI one-shots, tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
