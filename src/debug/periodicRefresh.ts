// A refresh loop that never overlaps itself: the next tick is scheduled only once the previous
// one has finished, so a slow QMP answer stretches the period instead of piling up snapshots.
export class PeriodicRefresh {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private active = false;
  private running = false;

  constructor(
    private readonly everyMs: number,
    private readonly tick: () => Promise<void>,
  ) {}

  get started(): boolean {
    return this.active;
  }

  /** Start ticking (first tick after one period); starting twice is one loop. */
  start(): void {
    if (this.active) return;
    this.active = true;
    if (!this.running) this.schedule();
  }

  /** Stop; a tick in progress finishes but schedules no successor. */
  stop(): void {
    this.active = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    this.timer = setTimeout(() => void this.run(), this.everyMs);
    // The loop alone must not keep a standalone adapter process alive.
    this.timer.unref?.();
  }

  private async run(): Promise<void> {
    this.timer = undefined;
    if (!this.active) return;
    this.running = true;
    try {
      await this.tick();
    } catch {
      // The tick reports its own failures; the loop keeps going while it is wanted.
    } finally {
      this.running = false;
    }
    if (this.active && this.timer === undefined) this.schedule();
  }
}
