// One gate for every sharp call in the process. libvips reports decoder warnings through a single
// process-wide queue that whichever sharp call completes next drains (sharp's pipeline.cc, metadata.cc,
// stats.cc: VipsWarningPop), so while calls overlap a warning cannot be told apart per image: a truncated
// JPEG's "premature end of data segment" was handed to a good image decoded beside it (refused), and the
// truncated one went through. The image decode (encoders/image.preprocess.ts) therefore decodes strictly
// first, sharing the gate with every other call, and only an image that warned is decoded again alone,
// holding the gate exclusively, so the warnings drained then are its own.

/** A fair shared/exclusive lock: FIFO, so a waiting exclusive holder is not starved by later shared ones. */
export class SharedExclusiveLock {
  private shared = 0;
  private exclusive = false;
  private readonly waiting: { exclusive: boolean; enter: () => void }[] = [];

  /** Runs `work` while no exclusive holder runs (any number of shared holders at once). */
  withShared<T>(work: () => Promise<T>): Promise<T> {
    return this.run(false, work);
  }

  /** Runs `work` alone: after every earlier holder has finished and before any later one starts. */
  withExclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.run(true, work);
  }

  /** Holders running and waiting (for tests and metrics). */
  state(): { shared: number; exclusive: boolean; waiting: number } {
    return { shared: this.shared, exclusive: this.exclusive, waiting: this.waiting.length };
  }

  private async run<T>(exclusive: boolean, work: () => Promise<T>): Promise<T> {
    if (this.waiting.length === 0 && this.canEnter(exclusive)) this.enter(exclusive);
    else await new Promise<void>((resolve) => this.waiting.push({ exclusive, enter: resolve }));
    try {
      return await work();
    } finally {
      if (exclusive) this.exclusive = false;
      else this.shared--;
      this.admit();
    }
  }

  private canEnter(exclusive: boolean): boolean {
    return exclusive ? !this.exclusive && this.shared === 0 : !this.exclusive;
  }

  private enter(exclusive: boolean): void {
    if (exclusive) this.exclusive = true;
    else this.shared++;
  }

  private admit(): void {
    for (let next = this.waiting[0]; next && this.canEnter(next.exclusive); next = this.waiting[0]) {
      this.waiting.shift();
      this.enter(next.exclusive);
      next.enter();
    }
  }
}

/** The process's one gate around sharp (see the file comment). */
export const sharpGate = new SharedExclusiveLock();
