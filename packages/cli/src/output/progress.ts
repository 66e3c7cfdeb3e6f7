import type { CliIo } from '../io.js';

/**
 * A progress bar on standard error, drawn only when standard error is a terminal (so pipes, logs
 * and CI see nothing) and redrawn in place with a carriage return. `done()` erases it.
 */
export class ProgressBar {
  private readonly io: CliIo;
  private readonly label: string;
  private readonly width: number;
  private readonly enabled: boolean;
  private drawn = false;
  private lastDraw = 0;

  constructor(
    io: CliIo,
    label: string,
    options: { readonly width?: number; readonly enabled?: boolean } = {},
  ) {
    this.io = io;
    this.label = label;
    this.width = options.width ?? 30;
    this.enabled = (options.enabled ?? true) && io.stderrIsTTY;
  }

  /** True when the bar is drawn at all (standard error is a terminal). */
  get visible(): boolean {
    return this.enabled;
  }

  /** The bar's text for `done` of `total` (`total` unknown: a count only). */
  render(done: number, total: number | undefined): string {
    if (total === undefined || total <= 0) return `${this.label} ${done}`;
    const ratio = Math.min(1, Math.max(0, done / total));
    const full = Math.round(ratio * this.width);
    const bar = '█'.repeat(full) + '░'.repeat(this.width - full);
    return `${this.label} ${bar} ${String(Math.round(ratio * 100)).padStart(3)}% ${done}/${total}`;
  }

  /** Redraws the bar (at most every 50 ms unless it reached the total). */
  update(done: number, total?: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < 50 && !(total !== undefined && done >= total)) return;
    this.lastDraw = now;
    this.io.err(`\r${this.render(done, total)}\u001b[K`);
    this.drawn = true;
  }

  /** Erases the bar. */
  done(): void {
    if (this.drawn) this.io.err('\r\u001b[K');
    this.drawn = false;
  }
}
