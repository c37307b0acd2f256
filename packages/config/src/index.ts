export { configSchema, cameraSchema, cameraIdSchema, LOG_LEVELS, EXECUTION_PROVIDERS, DETECTOR_MODELS } from './schema.ts';
export type { ArgusConfig, CameraConfig, ExecutionProvider, DetectorModel } from './schema.ts';
export { loadConfig, ConfigError, repoRoot, deepMerge, envOverrides } from './load-config.ts';
export type { LoadConfigOptions, LoadedConfig } from './load-config.ts';
