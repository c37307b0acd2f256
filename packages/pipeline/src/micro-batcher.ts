// One embedder shared by every camera: single-face requests are collected for up to maxWaitMs or
// maxBatch faces and sent as one batch, one batch at a time. The waiting queue is bounded.
import { asyncScheduler, type SchedulerLike, type Subscription } from 'rxjs';
import type { RgbImage } from '@argus/vision';
import type { EmbedderPort, FaceEmbeddingQueue } from './ports.ts';
import { PipelineError, describeError, requireNumber } from './pipeline-error.ts';

export interface MicroBatcherOptions {
  /** Most faces in one embed call. Default 8. */
  maxBatch?: number;
  /** Longest a request waits for others before its batch is sent (when the embedder is free). Default 10. */
  maxWaitMs?: number;
  /** Most requests waiting (not counting the batch in flight). Default 64. */
  maxPending?: number;
  /** When full: reject the oldest waiting request (default, the newest face is the most useful) or the new one. */
  overflow?: 'drop-oldest' | 'reject-newest';
  /** Timers and clock; tests pass a virtual one. */
  scheduler?: SchedulerLike;
}

export interface MicroBatcherStats {
  submitted: number;
  embedded: number;
  batches: number;
  /** Requests rejected because the queue was full. */
  dropped: number;
  /** Requests rejected because their batch failed. */
  failed: number;
  /** Requests waiting now. */
  pending: number;
  inFlight: number;
  /** Duration of the last embed call and the sum of all, in scheduler ms. */
  lastBatchMs: number;
  batchMsTotal: number;
}

interface EmbedRequest {
  face: RgbImage;
  at: number;
  resolve: (embedding: Float32Array) => void;
  reject: (error: PipelineError) => void;
}

export class MicroBatcher implements FaceEmbeddingQueue {
  private readonly maxBatch: number;
  private readonly maxWaitMs: number;
  private readonly maxPending: number;
  private readonly overflow: 'drop-oldest' | 'reject-newest';
  private readonly scheduler: SchedulerLike;
  private readonly waiting: EmbedRequest[] = [];
  private inFlight: EmbedRequest[] = [];
  private timer: Subscription | undefined;
  private closed = false;
  private readonly counters = { submitted: 0, embedded: 0, batches: 0, dropped: 0, failed: 0, lastBatchMs: 0, batchMsTotal: 0 };

  constructor(
    private readonly embedder: EmbedderPort,
    options: MicroBatcherOptions = {},
  ) {
    this.maxBatch = Math.floor(requireNumber('microBatcher', 'maxBatch', options.maxBatch ?? 8, 1));
    this.maxWaitMs = requireNumber('microBatcher', 'maxWaitMs', options.maxWaitMs ?? 10, 0);
    this.maxPending = Math.floor(requireNumber('microBatcher', 'maxPending', options.maxPending ?? 64, 1));
    this.overflow = options.overflow ?? 'drop-oldest';
    this.scheduler = options.scheduler ?? asyncScheduler;
  }

  get stats(): MicroBatcherStats {
    return { ...this.counters, pending: this.waiting.length, inFlight: this.inFlight.length };
  }

  submit(face: RgbImage): Promise<Float32Array> {
    return new Promise<Float32Array>((resolve, reject) => {
      if (this.closed) {
        reject(new PipelineError('EMBEDDER_CLOSED', 'embedding queue is closed (ingest is shutting down); the face was not embedded'));
        return;
      }
      this.counters.submitted += 1;
      if (this.waiting.length >= this.maxPending) {
        this.counters.dropped += 1;
        const full = new PipelineError(
          'EMBED_QUEUE_FULL',
          `embedding queue full (${this.maxPending} faces waiting): the embedder cannot keep up; lower analysis fps or raise maxPending`,
        );
        if (this.overflow === 'reject-newest') {
          reject(full);
          return;
        }
        this.waiting.shift()?.reject(full);
      }
      this.waiting.push({ face, at: this.scheduler.now(), resolve, reject });
      this.pump();
    });
  }

  /** Rejects everything waiting and refuses new requests; the batch in flight still completes. */
  close(): void {
    this.closed = true;
    this.timer?.unsubscribe();
    this.timer = undefined;
    const error = new PipelineError('EMBEDDER_CLOSED', 'embedding queue closed before the face was embedded (ingest is shutting down)');
    for (const request of this.waiting.splice(0)) request.reject(error);
  }

  private pump(): void {
    if (this.closed || this.inFlight.length > 0 || this.waiting.length === 0) return;
    const oldest = this.waiting[0] as EmbedRequest;
    if (this.waiting.length >= this.maxBatch || this.scheduler.now() - oldest.at >= this.maxWaitMs) {
      this.dispatch();
      return;
    }
    if (this.timer === undefined) {
      const delay = Math.max(0, oldest.at + this.maxWaitMs - this.scheduler.now());
      this.timer = this.scheduler.schedule(() => {
        this.timer = undefined;
        this.pump();
      }, delay);
    }
  }

  private dispatch(): void {
    this.timer?.unsubscribe();
    this.timer = undefined;
    const batch = this.waiting.splice(0, this.maxBatch);
    this.inFlight = batch;
    this.counters.batches += 1;
    const started = this.scheduler.now();
    let call: Promise<Float32Array[]>;
    try {
      call = Promise.resolve(this.embedder.embed(batch.map((request) => request.face)));
    } catch (error) {
      call = Promise.reject(error);
    }
    // State is settled before any requester hears back, so a requester that submits again sees a free embedder.
    const settle = (outcome: { embeddings: Float32Array[] } | { error: PipelineError }): void => {
      const ms = this.scheduler.now() - started;
      this.counters.lastBatchMs = ms;
      this.counters.batchMsTotal += ms;
      this.inFlight = [];
      if ('error' in outcome) {
        this.counters.failed += batch.length;
        for (const request of batch) request.reject(outcome.error);
      } else {
        this.counters.embedded += batch.length;
        batch.forEach((request, i) => request.resolve(outcome.embeddings[i] as Float32Array));
      }
      this.pump();
    };
    const failure = (cause: unknown): PipelineError =>
      new PipelineError('EMBED_FAILED', `embedding a batch of ${batch.length} faces failed: ${describeError(cause)}`, { cause });
    call.then(
      (embeddings) =>
        settle(
          embeddings.length === batch.length
            ? { embeddings }
            : { error: failure(new Error(`embedder returned ${embeddings.length} embeddings for ${batch.length} faces`)) },
        ),
      (cause: unknown) => settle({ error: failure(cause) }),
    );
  }
}
