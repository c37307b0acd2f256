// Typed errors of the video package: every failure carries a `code` and a message that says what to do next.

export type VideoErrorCode =
  | 'INVALID_OPTIONS'
  | 'FFMPEG_MISSING'
  | 'GSTREAMER_MISSING'
  | 'FAKE_CAMERA_FAILED'
  | 'CLIP_BUILD_FAILED'
  | 'FIXTURE_MISSING'
  /** A caller's argument is wrong (camera id, time window, export id or name): a 400. */
  | 'INVALID_INPUT'
  /** Nothing recorded in the asked window; `details.recorded` holds what is: a 404. */
  | 'NO_RECORDING'
  /** No such export: a 404. */
  | 'NOT_FOUND'
  /** ffmpeg could not cut a clip from the recordings: a 500. */
  | 'CUT_FAILED'
  /** ffprobe could not read a file's duration. */
  | 'PROBE_FAILED';

export class VideoError extends Error {
  /** Machine-readable facts behind the message (for NO_RECORDING: `{ camera, recorded: RecordedRange[] }`). */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    readonly code: VideoErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options);
    this.name = 'VideoError';
    this.details = options?.details;
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
