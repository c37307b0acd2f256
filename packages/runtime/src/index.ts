export { createLogger, stopOnSignals, runMain, type ShutdownOptions } from './process-lifecycle.ts';
