// The process logger: pino, JSON lines by default; level from config (log.level).
import pino, { type Logger } from 'pino';

export function createLogger(level: string, name: string): Logger {
  return pino({ name, level, base: { pid: process.pid } });
}
