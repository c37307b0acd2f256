// What the pipeline consumes: whole RGB frames and a status, from a camera or from a fake in tests.
import type { CameraStatus, Frame } from '@argus/protocol';
import type { Observable } from 'rxjs';
import type { CameraErrorCode } from './video-error.ts';

export type { Frame };


export interface SourceStatus extends CameraStatus {
  /** Why the last connection failed; absent while live. */
  code?: CameraErrorCode;
  /** Delay before the next connection attempt, while reconnecting. */
  retryInMs?: number;
  /** Bytes read from ffmpeg's frame output. */
  bytes: number;
  /** ffmpeg processes started after the first one. */
  restarts: number;
  /** Analysis frame size, once known. */
  width?: number;
  height?: number;
}

export interface FrameSource {
  readonly camera: string;
  /** Hot: frames flow from start() to stop(), whoever listens; completes on stop(). */
  readonly frames$: Observable<Frame>;
  /** Replays the current status to each subscriber, then every change of state or error. */
  readonly status$: Observable<SourceStatus>;
  status(): SourceStatus;
  start(): void;
  /** Stops and resolves once every process the source started is gone. */
  stop(): Promise<void>;
}
