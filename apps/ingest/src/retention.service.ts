// Retention, run by the ingest process that writes the recordings: every retention.sweep_interval_s it
// deletes recording segments past retention.recordings_hours or beyond retention.disk_budget_gb (oldest
// first, never a segment an exported clip came from), and trims sightings past retention.sightings_days
// together with their thumbnails. Sweeps never overlap; a failed sweep is logged and counted, and the next
// one runs as usual.
import type { LoadedConfig } from '@argus/config';
import type { ImageStore, SightingRepository } from '@argus/store';
import { ExportStore, RecordingRetention, recordingsDirOf } from '@argus/video';
import type { Logger } from 'pino';
import type { IngestMetrics } from './metrics.ts';

export interface RetentionDeps {
  config: LoadedConfig;
  sightings: SightingRepository;
  images: ImageStore;
  log: Logger;
  metrics: IngestMetrics;
}

const HOUR_MS = 3_600_000;
const GB = 1024 ** 3;

export interface SweepSummary {
  segmentsDeleted: number;
  bytesFreed: number;
  sightingsTrimmed: number;
  thumbsDeleted: number;
}

export class RetentionService {
  private readonly recordings: RecordingRetention;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SweepSummary | undefined> | undefined;

  constructor(private readonly deps: RetentionDeps) {
    const { config, log } = deps;
    const exports = new ExportStore({ dataDir: config.resolved.data, log: log.child({ component: 'exports' }) });
    this.recordings = new RecordingRetention({
      recordingsDir: recordingsDirOf(config.resolved.data),
      maxAgeMs: config.retention.recordingsHours * HOUR_MS,
      diskBudgetBytes: config.retention.diskBudgetGb * GB,
      pinned: () => exports.pinnedSegments(),
      log: log.child({ component: 'retention' }),
    });
  }

  start(): void {
    const every = this.deps.config.retention.sweepIntervalS * 1000;
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), every);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One sweep (or the one already running); undefined when it failed (logged). */
  sweep(now = Date.now()): Promise<SweepSummary | undefined> {
    this.running ??= this.sweepOnce(now).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async sweepOnce(now: number): Promise<SweepSummary | undefined> {
    const { config, sightings, images, log, metrics } = this.deps;
    try {
      const recordings = await this.recordings.sweep(now);
      const trimmed = await sightings.trimOlderThan(config.retention.sightingsDays * 24 * HOUR_MS, now);
      const thumbsDeleted = await images.removePaths(trimmed.thumbPaths, (path, err) => log.warn({ path }, `retention: thumbnail ${path} not deleted: ${err.message}`));
      const summary: SweepSummary = {
        segmentsDeleted: recordings.deleted.length,
        bytesFreed: recordings.freedBytes,
        sightingsTrimmed: trimmed.removed,
        thumbsDeleted,
      };
      for (const d of recordings.deleted) metrics.segmentsDeleted.inc({ reason: d.reason });
      metrics.recordingBytes.set(recordings.totalBytes);
      // RecordingRetention logs its own summary; this line is about sightings.
      if (summary.sightingsTrimmed) log.info(summary, `retention: ${summary.sightingsTrimmed} sightings older than ${config.retention.sightingsDays} days and ${thumbsDeleted} thumbnails removed`);
      return summary;
    } catch (err) {
      metrics.retentionFailures.inc();
      log.error({ err }, `retention sweep failed: ${(err as Error).message}; retrying in ${config.retention.sweepIntervalS} s`);
      return undefined;
    }
  }
}

