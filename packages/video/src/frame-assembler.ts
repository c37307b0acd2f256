// Cuts ffmpeg's rawvideo byte stream (pipe chunks of any size) back into whole frames of a known size.

export class FrameAssembler {
  private current: Uint8Array | undefined;
  private filled = 0;

  constructor(readonly frameBytes: number) {
    if (!Number.isInteger(frameBytes) || frameBytes <= 0) {
      throw new RangeError(`frameBytes must be a positive integer, got ${frameBytes}`);
    }
  }

  /** Bytes of the frame being filled. */
  get pendingBytes(): number {
    return this.filled;
  }

  /** Adds a chunk; returns the frames it completed, each in its own buffer that the caller may keep. */
  push(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      // allocUnsafeSlow: every byte is overwritten, and a frame never shares Node's small-buffer pool.
      this.current ??= new Uint8Array(Buffer.allocUnsafeSlow(this.frameBytes).buffer, 0, this.frameBytes);
      const take = Math.min(this.frameBytes - this.filled, chunk.length - offset);
      this.current.set(chunk.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
      if (this.filled === this.frameBytes) {
        frames.push(this.current);
        this.current = undefined;
        this.filled = 0;
      }
    }
    return frames;
  }

  /** Drops a partly filled frame (when the byte stream restarts). */
  reset(): void {
    this.current = undefined;
    this.filled = 0;
  }
}
