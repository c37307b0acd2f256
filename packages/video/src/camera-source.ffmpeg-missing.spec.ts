// In its own file: fluent-ffmpeg keeps the ffmpeg path module-wide, and vitest gives each file fresh modules.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CameraSource } from './camera-source.ts';
import type { SourceStatus } from './frame-source.ts';
import { waitFor } from './testing/wait-for.ts';

describe('CameraSource without ffmpeg', () => {
  it('says how to install ffmpeg and keeps retrying instead of crashing', { timeout: 20_000 }, async () => {
    const source = new CameraSource({ camera: 'lobby', url: 'rtsp://127.0.0.1:9/x', ffmpegPath: join(tmpdir(), 'argus-no-such-ffmpeg') });
    const states: SourceStatus[] = [];
    source.status$.subscribe((s) => states.push(s));
    source.start();
    try {
      await waitFor(() => states.filter((s) => s.state === 'reconnecting').length >= 2, 10_000, 'two failed attempts', () => source.status());
    } finally {
      await source.stop();
    }
    const failure = states.find((s) => s.state === 'reconnecting')!;
    expect(failure.code).toBe('FFMPEG_MISSING');
    expect(failure.lastError).toMatch(/^camera lobby: ffmpeg is not installed, needed to read rtsp:\/\/127\.0\.0\.1:9\/x; retrying in .* \(install it: sudo apt-get install -y ffmpeg\)$/);
  });
});
