// The slice of a pino logger the vision package uses, so callers can pass theirs (or none).
export interface VisionLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}
