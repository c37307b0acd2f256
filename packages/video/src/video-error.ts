// Typed errors of the video package: every failure carries a `code` and a message that says what to do next.

export type VideoErrorCode =
  | 'INVALID_OPTIONS'
  | 'FFMPEG_MISSING'
  | 'GSTREAMER_MISSING'
  | 'FAKE_CAMERA_FAILED'
  | 'CLIP_BUILD_FAILED'
  | 'FIXTURE_MISSING';

export class VideoError extends Error {
  constructor(
    readonly code: VideoErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'VideoError';
  }
}

/** Why a camera connection failed or ended; the `code` of a camera's `lastError`. */
export type CameraErrorCode =
  | 'CONNECTION_REFUSED'
  | 'HOST_UNREACHABLE'
  | 'DNS_FAILED'
  | 'TIMEOUT'
  | 'NO_ANSWER'
  | 'AUTH_FAILED'
  | 'STREAM_NOT_FOUND'
  | 'NOT_VIDEO'
  | 'STREAM_ENDED'
  | 'NO_FIRST_FRAME'
  | 'STALLED'
  | 'FFMPEG_MISSING'
  | 'FFMPEG_FAILED';

export const APT_FAKE_CAMERA_PACKAGES =
  'python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly';
