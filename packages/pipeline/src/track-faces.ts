// Tracking step: each frame's faces become observations of tracks; tracks still open when the
// input completes are closed by a final flush update.
import { concat, defer, from, map, type OperatorFunction } from 'rxjs';
import type { FrameFaces } from './detect-faces.ts';
import { Tracker, type TrackUpdate, type TrackerOptions } from './tracker.ts';

export function trackFaces(options: TrackerOptions = {}): OperatorFunction<FrameFaces, TrackUpdate> {
  new Tracker(options); // fail on a bad config where the pipeline is composed
  return (source) =>
    defer(() => {
      const tracker = new Tracker(options);
      return concat(
        source.pipe(map(({ frame, faces }) => tracker.update(frame.camera, frame.ts, frame.seq, faces))),
        defer(() => from(tracker.flush())),
      );
    });
}
