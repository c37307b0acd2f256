import { describe, expect, it } from 'vitest';
import { diagnoseExit, lastMeaningfulLine, type RunOutcome } from './ffmpeg-diagnosis.ts';

// stderr tails as ffmpeg 5.1 writes them (captured on Debian 12 against loopback servers).
const base: Omit<RunOutcome, 'stderrTail'> = { runMs: 80, socketTimeoutMs: 5000, frames: 0, protocol: 'RTSP', exitCode: 1, error: new Error('ffmpeg exited with code 1') };
const outcome = (stderrTail: string[], extra: Partial<RunOutcome> = {}): RunOutcome => ({ ...base, stderrTail, ...extra });

describe('diagnoseExit', () => {
  it('names a refused connection', () => {
    const d = diagnoseExit(
      outcome(['[tcp @ 0x5564b7a368c0] Connection to tcp://127.0.0.1:1?timeout=5000000 failed: Connection refused', 'rtsp://127.0.0.1:1/x: Connection refused']),
    );
    expect(d).toMatchObject({ code: 'CONNECTION_REFUSED', problem: 'RTSP connection refused' });
    expect(d.hint).toMatch(/camera is on/);
  });

  it('names a wrong stream path', () => {
    const d = diagnoseExit(outcome(['[rtsp @ 0x55e0] method DESCRIBE failed: 404 Not Found', 'rtsp://127.0.0.1:18554/nope: Server returned 404 Not Found']));
    expect(d.code).toBe('STREAM_NOT_FOUND');
    expect(d.hint).toMatch(/stream path/);
  });

  it('names bad credentials', () => {
    expect(diagnoseExit(outcome(['[rtsp @ 0x1] method DESCRIBE failed: 401 Unauthorized'])).code).toBe('AUTH_FAILED');
  });

  it('tells a silent server (timeout reported as invalid data) from a server that sends something else', () => {
    const tail = ['rtsp://127.0.0.1:18600/x: Invalid data found when processing input'];
    expect(diagnoseExit(outcome(tail, { runMs: 5206 }))).toMatchObject({ code: 'NO_ANSWER', problem: 'RTSP server accepted the connection but did not answer within 5 s' });
    expect(diagnoseExit(outcome(tail, { runMs: 40 }))).toMatchObject({ code: 'NOT_VIDEO', problem: 'no video stream' });
  });

  it('names an unreachable host, a timeout and a name that does not resolve', () => {
    expect(diagnoseExit(outcome(['rtsp://10.0.0.9/x: No route to host'])).code).toBe('HOST_UNREACHABLE');
    expect(diagnoseExit(outcome(['[tcp @ 0x1] Connection to tcp://10.0.0.9:554 failed: Connection timed out'])).code).toBe('TIMEOUT');
    expect(diagnoseExit(outcome(['[tcp @ 0x1] Failed to resolve hostname nocam.invalid: Name or service not known'])).code).toBe('DNS_FAILED');
  });

  it('reads exit code 0 as the end of the stream, unless the log shows a timeout', () => {
    const ended = diagnoseExit(outcome(['frame=   15 fps=7.4 q=-0.0 Lsize=    2531kB', '[h264 @ 0x1] Unsupported NAL unit'], { exitCode: 0, error: undefined, frames: 15 }));
    expect(ended).toMatchObject({ code: 'STREAM_ENDED', problem: 'the RTSP stream ended' });
    const timedOut = diagnoseExit(outcome(['rtsp://127.0.0.1:18554/cam: Connection timed out'], { exitCode: 0, error: undefined, frames: 16 }));
    expect(timedOut).toMatchObject({ code: 'TIMEOUT', problem: 'RTSP stream sent no data for 5 s' });
  });

  it('says when ffmpeg is missing or was killed by someone else', () => {
    expect(diagnoseExit(outcome([], { error: new Error('spawn ffmpeg ENOENT') })).hint).toMatch(/apt-get install -y ffmpeg/);
    expect(diagnoseExit(outcome([], { exitCode: null, error: new Error('ffmpeg was killed with signal SIGKILL') })).problem).toBe('ffmpeg was killed by SIGKILL');
  });

  it('falls back to the last meaningful ffmpeg line', () => {
    const d = diagnoseExit(outcome(['Input #0, rtsp, from x:', '  Metadata:', 'Something odd happened', '    comment : rtsp-server', 'frame=    1 fps=0.0']));
    expect(d).toMatchObject({ code: 'FFMPEG_FAILED', problem: 'ffmpeg failed: Something odd happened' });
    expect(lastMeaningfulLine(['[rtsp @ 0x1] detail', '  Stream #0:0: Video'])).toBeUndefined();
  });
});
