// Follows faces from frame to frame within each camera by box overlap (IoU), so identity is decided
// per track instead of per frame. Time is the frames' own timestamps, never the wall clock.
import type { Box, Face } from '@argus/vision';
import { iou } from '@argus/vision/geometry';
import { requireNumber } from './pipeline-error.ts';

export interface TrackerOptions {
  /** Least IoU between a track's predicted box and a detection to continue the track. Default 0.3. */
  iouThreshold?: number;
  /** Detections needed before a track counts (filters one-frame false positives). Default 2. */
  confirmHits?: number;
  /** A track unseen for longer than this (frame time) is closed. Default 2000. */
  closeAfterMs?: number;
}

export interface TrackSnapshot {
  /** `${camera}-${n}`, n counting from 1 per camera and Tracker. */
  readonly id: string;
  readonly camera: string;
  readonly hits: number;
  readonly confirmed: boolean;
  /** Frame ts of the first and the latest detection. */
  readonly startTs: number;
  readonly lastTs: number;
  readonly lastSeq: number;
  readonly box: Box;
}

export interface TrackObservation {
  track: TrackSnapshot;
  face: Face;
}

export interface TrackUpdate {
  camera: string;
  ts: number;
  seq: number;
  /** One per face of the frame, each with the track it now belongs to. */
  observations: TrackObservation[];
  /** Tracks that ended with this update (unseen too long, or flushed), confirmed or not. */
  closed: TrackSnapshot[];
  /** True for the update made when the input ends: it closes every open track and has no frame. */
  flush: boolean;
}

interface TrackState {
  id: string;
  camera: string;
  hits: number;
  startTs: number;
  lastTs: number;
  lastSeq: number;
  box: Box;
  /** Smoothed velocity of the box centre in px/ms: predicts where a moving face will be, so crossing faces keep their ids. */
  vx: number;
  vy: number;
}

interface CameraTracks {
  nextNumber: number;
  tracks: TrackState[];
}

/** Share of the new velocity measurement in the smoothed one. */
const VELOCITY_SMOOTHING = 0.5;

export { iou };

export class Tracker {
  private readonly iouThreshold: number;
  private readonly confirmHits: number;
  private readonly closeAfterMs: number;
  private readonly cameras = new Map<string, CameraTracks>();

  constructor(options: TrackerOptions = {}) {
    this.iouThreshold = requireNumber('tracker', 'iouThreshold', options.iouThreshold ?? 0.3, 0, 1);
    this.confirmHits = Math.round(requireNumber('tracker', 'confirmHits', options.confirmHits ?? 2, 1));
    this.closeAfterMs = requireNumber('tracker', 'closeAfterMs', options.closeAfterMs ?? 2000, 0);
  }

  /** Tracks currently open, over all cameras. */
  get openTracks(): number {
    let n = 0;
    for (const camera of this.cameras.values()) n += camera.tracks.length;
    return n;
  }

  update(camera: string, ts: number, seq: number, faces: readonly Face[]): TrackUpdate {
    const state = this.cameraState(camera);
    const closed: TrackSnapshot[] = [];
    // Close stale tracks first: a face reappearing after more than closeAfterMs starts a new track.
    state.tracks = state.tracks.filter((track) => {
      if (ts - track.lastTs <= this.closeAfterMs) return true;
      closed.push(this.snapshot(track));
      return false;
    });

    const assignment = this.associate(state.tracks, faces, ts);
    const observations: TrackObservation[] = faces.map((face, index) => {
      let track = assignment.get(index);
      if (track === undefined) {
        track = {
          id: `${camera}-${state.nextNumber++}`,
          camera,
          hits: 1,
          startTs: ts,
          lastTs: ts,
          lastSeq: seq,
          box: { ...face.box },
          vx: 0,
          vy: 0,
        };
        state.tracks.push(track);
      } else {
        this.advance(track, face.box, ts, seq);
      }
      return { track: this.snapshot(track), face };
    });
    return { camera, ts, seq, observations, closed, flush: false };
  }

  /** Closes every open track of every camera: one update per camera that had any. */
  flush(): TrackUpdate[] {
    const updates: TrackUpdate[] = [];
    for (const [camera, state] of this.cameras) {
      if (state.tracks.length === 0) continue;
      const last = state.tracks.reduce((a, b) => (b.lastTs > a.lastTs ? b : a));
      updates.push({
        camera,
        ts: last.lastTs,
        seq: last.lastSeq,
        observations: [],
        closed: state.tracks.map((track) => this.snapshot(track)),
        flush: true,
      });
      state.tracks = [];
    }
    return updates;
  }

  private cameraState(camera: string): CameraTracks {
    let state = this.cameras.get(camera);
    if (state === undefined) {
      state = { nextNumber: 1, tracks: [] };
      this.cameras.set(camera, state);
    }
    return state;
  }

  /** Greedy association: the highest-IoU (track, face) pair first, ties in track then face order. */
  private associate(tracks: readonly TrackState[], faces: readonly Face[], ts: number): Map<number, TrackState> {
    const pairs: { track: number; face: number; overlap: number }[] = [];
    tracks.forEach((track, t) => {
      const predicted = this.predict(track, ts);
      faces.forEach((face, f) => {
        const overlap = iou(predicted, face.box);
        if (overlap >= this.iouThreshold && overlap > 0) pairs.push({ track: t, face: f, overlap });
      });
    });
    pairs.sort((a, b) => b.overlap - a.overlap || a.track - b.track || a.face - b.face);
    const usedTracks = new Set<number>();
    const assignment = new Map<number, TrackState>();
    for (const pair of pairs) {
      if (usedTracks.has(pair.track) || assignment.has(pair.face)) continue;
      usedTracks.add(pair.track);
      assignment.set(pair.face, tracks[pair.track] as TrackState);
    }
    return assignment;
  }

  /** The track's box moved along its velocity, by at most one box size so a long gap cannot fling it away. */
  private predict(track: TrackState, ts: number): Box {
    const dt = Math.max(0, ts - track.lastTs);
    const dx = clamp(track.vx * dt, track.box.width);
    const dy = clamp(track.vy * dt, track.box.height);
    return { ...track.box, x: track.box.x + dx, y: track.box.y + dy };
  }

  private advance(track: TrackState, box: Box, ts: number, seq: number): void {
    const dt = ts - track.lastTs;
    if (dt > 0) {
      const vx = (centre(box).x - centre(track.box).x) / dt;
      const vy = (centre(box).y - centre(track.box).y) / dt;
      const share = track.hits === 1 ? 1 : VELOCITY_SMOOTHING;
      track.vx = share * vx + (1 - share) * track.vx;
      track.vy = share * vy + (1 - share) * track.vy;
    }
    track.hits += 1;
    track.lastTs = Math.max(track.lastTs, ts);
    track.lastSeq = seq;
    track.box = { ...box };
  }

  private snapshot(track: TrackState): TrackSnapshot {
    return {
      id: track.id,
      camera: track.camera,
      hits: track.hits,
      confirmed: track.hits >= this.confirmHits,
      startTs: track.startTs,
      lastTs: track.lastTs,
      lastSeq: track.lastSeq,
      box: { ...track.box },
    };
  }
}

function centre(box: Box): { x: number; y: number } {
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

function clamp(value: number, limit: number): number {
  return Math.max(-limit, Math.min(limit, value));
}
