import { describe, expect, it } from 'vitest';
import { CameraSource, redactUrl } from './camera-source.ts';
import { VideoError } from './video-error.ts';

describe('CameraSource options', () => {
  it('reports every bad option at once, with a code', () => {
    let err: unknown;
    try {
      new CameraSource({ camera: 'Lobby Cam', url: 'not a url', analysisFps: 0, analysisWidth: 641, record: true });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VideoError);
    expect((err as VideoError).code).toBe('INVALID_OPTIONS');
    const message = (err as VideoError).message;
    for (const part of ['camera id "Lobby Cam"', 'must be a camera URL', 'analysisFps', 'analysisWidth must be an even integer', 'recordingsDir is not set']) {
      expect(message).toContain(part);
    }
  });

  it('starts in "connecting" with zero counters, and cannot be started again once stopped', async () => {
    const source = new CameraSource({ camera: 'lobby', url: 'rtsp://127.0.0.1:9/x' });
    expect(source.status()).toMatchObject({ camera: 'lobby', state: 'connecting', framesIn: 0, bytes: 0, restarts: 0, fps: 0 });
    await source.stop();
    expect(source.status().state).toBe('stopped');
    expect(() => source.start()).toThrow(/create a new CameraSource/);
  });
});

describe('redactUrl', () => {
  it('hides passwords in URLs and in log lines that quote them', () => {
    expect(redactUrl('rtsp://admin:s3cret@10.0.0.5:554/live')).toBe('rtsp://admin:***@10.0.0.5:554/live');
    expect(redactUrl('rtsp://admin:s3cret@10.0.0.5/live: Connection refused')).toBe('rtsp://admin:***@10.0.0.5/live: Connection refused');
    expect(redactUrl('rtsp://10.0.0.5:554/live')).toBe('rtsp://10.0.0.5:554/live');
  });
});
