import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index.ts';

const load = (env: Record<string, string>) => loadConfig({ env });

describe('loadConfig', () => {
  it('loads config/default.yaml with camelCase keys and resolved paths', () => {
    const cfg = load({});
    expect(cfg.api.port).toBe(8080);
    expect(cfg.detection.model).toBe('ultraface');
    expect(cfg.inference.providers).toEqual(['cpu']);
    expect(cfg.recognition.unknown).toBeLessThanOrEqual(cfg.recognition.match);
    expect(cfg.resolved.fixtures).toMatch(/shared\/data$/);
  });

  it('applies ARGUS_SECTION__KEY overrides with typed values and lists', () => {
    const cfg = load({ ARGUS_API__PORT: '9090', ARGUS_INFERENCE__PROVIDERS: 'cuda,cpu', ARGUS_DETECTION__SCORE_THRESHOLD: '0.5' });
    expect(cfg.api.port).toBe(9090);
    expect(cfg.inference.providers).toEqual(['cuda', 'cpu']);
    expect(cfg.detection.scoreThreshold).toBe(0.5);
  });

  it('honours the documented shortcuts', () => {
    const cfg = load({ REDIS_URL: 'redis://127.0.0.1:7000', ARGUS_FIXTURES: '/tmp/fx', ARGUS_ADMIN_TOKEN: 's3cret' });
    expect(cfg.redis.url).toBe('redis://127.0.0.1:7000');
    expect(cfg.resolved.fixtures).toBe('/tmp/fx');
    expect(cfg.auth.adminToken).toBe('s3cret');
  });

  it('keeps camera ids as written and fills camera defaults', () => {
    const cfg = load({ ARGUS_CAMERAS__FRONT_DOOR__URL: 'rtsp://127.0.0.1:8554/cam' });
    expect(cfg.cameras['front_door']).toEqual({ url: 'rtsp://127.0.0.1:8554/cam', analysisFps: 5, record: true });
  });

  it('names every bad key with its allowed values in one error', () => {
    let err: unknown;
    try {
      load({ ARGUS_DETECTION__MODEL: 'yolo', ARGUS_INFERENCE__PROVIDERS: 'tpu', ARGUS_API__PORTT: '1', ARGUS_API__PORT: 'http' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toContain('detection.model (env ARGUS_DETECTION__MODEL): "yolo" is not allowed; allowed values: ultraface | mediapipe-short | mediapipe-full');
    expect(problems.join('\n')).toContain('inference.providers.0');
    expect(problems.join('\n')).toContain('cuda | cpu');
    expect(problems.join('\n')).toContain('api.portt: unknown key');
    expect(problems.join('\n')).toContain('api.port (env ARGUS_API__PORT): expected number, got "http"');
  });

  it('rejects an unknown threshold above match', () => {
    expect(() => load({ ARGUS_RECOGNITION__UNKNOWN: '0.9', ARGUS_RECOGNITION__MATCH: '0.5' })).toThrow(/unknown must not exceed match/);
  });

  it('rejects a camera URL that is not a URL', () => {
    expect(() => load({ ARGUS_CAMERAS__LOBBY__URL: 'not a url' })).toThrow(/cameras\.lobby\.url .*must be a camera URL/);
  });
});
