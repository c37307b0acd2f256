export { createLogger, stopOnSignals, runMain, type ShutdownOptions } from './process-lifecycle.ts';
export { freeTcpPort, freeUdpPort } from './free-port.ts';
