// A short two-tone beep made with WebAudio (no sound files). Browsers only allow audio after a user gesture,
// so the context is created when the operator turns sound on.

const MIN_GAP_MS = 800;

export class AlertSound {
  private context: AudioContext | undefined;
  private lastBeep = 0;

  /** Call from a click handler: unlocks audio in the browser. */
  unlock(): void {
    if (typeof window === 'undefined') return;
    const Ctor = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
    if (!Ctor) return;
    this.context ??= new Ctor();
    if (this.context.state === 'suspended') void this.context.resume();
  }

  /** One beep; bursts of alerts give one beep per MIN_GAP_MS, not a din. */
  beep(): void {
    const ctx = this.context;
    if (!ctx || ctx.state !== 'running') return;
    const now = performance.now();
    if (now - this.lastBeep < MIN_GAP_MS) return;
    this.lastBeep = now;
    const start = ctx.currentTime;
    for (const [offset, freq] of [
      [0, 880],
      [0.16, 1320],
    ] as const) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'sine';
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.25, start + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.14);
      osc.connect(gain).connect(ctx.destination);
      osc.start(start + offset);
      osc.stop(start + offset + 0.15);
    }
  }
}
