export * from './domain.ts';
export * from './api.ts';
