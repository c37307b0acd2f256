// Prometheus metrics of the ingest process (prom-client), served on ingest.metrics_port at /metrics.
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class IngestMetrics {
  readonly registry = new Registry();
  readonly framesIn = new Counter({ name: 'argus_frames_in_total', help: 'Frames decoded from cameras', labelNames: ['camera'], registers: [this.registry] });
  readonly framesDropped = new Counter({
    name: 'argus_frames_dropped_total',
    help: 'Frames dropped because analysis was busy (keep-latest)',
    labelNames: ['camera'],
    registers: [this.registry],
  });
  readonly framesAnalyzed = new Counter({ name: 'argus_frames_analyzed_total', help: 'Frames analysed', labelNames: ['camera'], registers: [this.registry] });
  readonly queueDepth = new Gauge({ name: 'argus_queue_depth', help: 'Frames waiting for analysis', labelNames: ['camera'], registers: [this.registry] });
  readonly detectMs = new Histogram({
    name: 'argus_detect_ms',
    help: 'Detection + landmarks + alignment per frame, ms',
    labelNames: ['camera'],
    buckets: [2, 5, 10, 20, 40, 80, 160, 320],
    registers: [this.registry],
  });
  readonly embedMs = new Histogram({
    name: 'argus_embed_ms',
    help: 'Wait + embed time of one face, ms',
    buckets: [10, 20, 40, 80, 160, 320, 640],
    registers: [this.registry],
  });
  readonly alertLatencyMs = new Histogram({
    name: 'argus_alert_latency_ms',
    help: 'From the deciding frame timestamp to the alert XADD, ms',
    buckets: [50, 100, 200, 300, 500, 750, 1000, 2000, 5000],
    registers: [this.registry],
  });
  readonly alerts = new Counter({ name: 'argus_alerts_total', help: 'Alerts published', labelNames: ['camera'], registers: [this.registry] });
  readonly sightings = new Counter({ name: 'argus_sightings_total', help: 'Sightings published', labelNames: ['camera'], registers: [this.registry] });
  readonly pipelineErrors = new Counter({ name: 'argus_pipeline_errors_total', help: 'Per-frame or per-track failures', labelNames: ['camera', 'code'], registers: [this.registry] });
  readonly cameraState = new Gauge({
    name: 'argus_camera_live',
    help: '1 when the camera is live, 0 otherwise',
    labelNames: ['camera'],
    registers: [this.registry],
  });
  readonly cameraRestarts = new Counter({ name: 'argus_camera_restarts_total', help: 'ffmpeg restarts', labelNames: ['camera'], registers: [this.registry] });
  readonly segmentsDeleted = new Counter({ name: 'argus_segments_deleted_total', help: 'Recording segments deleted by retention, by reason (age or budget)', labelNames: ['reason'], registers: [this.registry] });
  readonly recordingBytes = new Gauge({ name: 'argus_recording_bytes', help: 'Size of all recordings after the last retention sweep', registers: [this.registry] });
  readonly retentionFailures = new Counter({ name: 'argus_retention_failures_total', help: 'Retention sweeps that failed', registers: [this.registry] });
  readonly sinkErrors = new Counter({ name: 'argus_sink_errors_total', help: 'Failed writes to Redis or disk', labelNames: ['kind'], registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'argus_ingest_' });
  }

  /** Serves /metrics; resolves with the bound port (0 picks a free one). */
  serve(port: number, host = '127.0.0.1'): Promise<{ server: Server; port: number }> {
    const server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end('not found: try /metrics\n');
        return;
      }
      this.registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body),
        (err: Error) => res.writeHead(500).end(err.message),
      );
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        const address = server.address();
        resolve({ server, port: typeof address === 'object' && address ? address.port : port });
      });
    });
  }
}
