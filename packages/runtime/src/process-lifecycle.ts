// How every Argus process starts and stops: one logger shape, a main() whose failure is reported in one
// line, and a shutdown on SIGTERM/SIGINT that runs the app's own steps once, bounded by a grace period.
import pino, { type Logger } from 'pino';
import { ConfigError } from '@argus/config';

export function createLogger(name: string, level: string): Logger {
  return pino({ name, level, base: { pid: process.pid } });
}

export interface ShutdownOptions {
  log: Pick<Logger, 'info' | 'error'>;
  /** Longest the steps may take before the process exits with code 1. */
  graceMs: number;
  /** The app's own teardown, in order. */
  stop: () => Promise<void>;
  /** For tests; production exits the process. */
  exit?: (code: number) => void;
}

/** Installs SIGTERM/SIGINT handlers; returns the shutdown function (also usable directly). */
export function stopOnSignals(options: ShutdownOptions): (signal: string) => Promise<void> {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    options.log.info(`${signal}: stopping`);
    const force = setTimeout(() => {
      options.log.error(`shutdown took longer than ${options.graceMs / 1000} s; exiting`);
      exit(1);
    }, options.graceMs);
    force.unref();
    try {
      await options.stop();
      options.log.info('stopped');
      exit(0);
    } catch (err) {
      options.log.error(`shutdown failed: ${(err as Error).message}`);
      exit(1);
    } finally {
      clearTimeout(force);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  return shutdown;
}

/** Runs an app's main(); a configuration error prints its list of problems, anything else its stack. */
export function runMain(name: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    if (err instanceof ConfigError) console.error(`${name}: ${err.message}`);
    else console.error(`${name}: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  });
}
