import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stdout; one line per event, machine-parseable. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'ballast' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['password', '*.password', 'req.headers.authorization', 'req.headers.cookie'], remove: true },
  });
}
