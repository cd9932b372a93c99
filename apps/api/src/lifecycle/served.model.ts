// The model a running server answers with, behind one swappable handle (issue #18 item 8). A switch
// loads the new version completely (ONNX sessions, vector store) before anything changes, then swaps
// in one assignment; requests already holding the old one finish on it and its sessions are closed
// once the last of them is done. Within one API request every call sees the same model: the first
// call pins the generation to the request's scope until the response is closed.
import { currentRequestScope, type RequestScope } from "../core/request.scope.js";
import type { Logger } from "../core/logger.js";
import type { ModelRef } from "../search/search.types.js";

/** What is served: anything that names its model version and can be closed (a Retrieval). */
export interface Servable {
  model: ModelRef;
  close(): Promise<void>;
}

interface Generation<T extends Servable> {
  value: T;
  leases: number;
  retired: boolean;
  closed?: Promise<void>;
}

export interface ServedModelOptions<T extends Servable> {
  /** Loads the given version (throws a typed error when its folder is unknown or it does not load). */
  load(modelVersionId: string): Promise<T>;
  /** The version the database says is active (read by `follow`). */
  activeVersionId(): Promise<string | undefined>;
  logger: Logger;
  /** A retired model still in use after this long is closed anyway (a stuck request must not pin it forever). */
  drainTimeoutMs?: number;
}

export class ServedModel<T extends Servable> {
  private gen: Generation<T>;
  private readonly pinned = new WeakMap<RequestScope, Generation<T>>();
  private switching: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private closing = false;
  /** The last active version this server could not load, and why (reported by /readyz). */
  failure: { modelVersionId: string; message: string } | undefined;

  constructor(
    initial: T,
    private readonly options: ServedModelOptions<T>,
  ) {
    this.gen = { value: initial, leases: 0, retired: false };
  }

  /** What new calls get now (for reports; calls that use it should go through `use`). */
  get current(): T {
    return this.gen.value;
  }

  /** Runs fn on the served model; the model stays open until fn settles (or, in a request, until the response closes). */
  async use<R>(fn: (served: T) => Promise<R>): Promise<R> {
    const scope = currentRequestScope();
    if (scope) {
      let gen = this.pinned.get(scope);
      if (!gen) {
        gen = this.gen;
        this.pinned.set(scope, gen);
        this.acquire(gen);
        const pinnedGen = gen;
        if (scope.signal.aborted) queueMicrotask(() => this.release(pinnedGen));
        else scope.signal.addEventListener("abort", () => this.release(pinnedGen), { once: true });
      }
      return fn(gen.value);
    }
    const gen = this.gen;
    this.acquire(gen);
    try {
      return await fn(gen.value);
    } finally {
      this.release(gen);
    }
  }

  /**
   * Loads `modelVersionId`, runs `commit` (e.g. the database flip and its audit row), then serves
   * it. When loading or commit fails nothing changes and the error is rethrown. Switches run one at a time.
   */
  switchTo(modelVersionId: string, commit: () => Promise<void> = async () => {}): Promise<T> {
    return this.serialised(() => this.swap(modelVersionId, commit));
  }

  /**
   * Serves the active version when it is not the one served: picks up an activation made by another
   * process (the CLI, another replica). Read and switch run in the switch queue, so a read taken just
   * before another switch can never undo it. A version that fails to load is reported, not retried until it changes.
   */
  follow(): Promise<void> {
    return this.serialised(async () => {
      const active = await this.options.activeVersionId();
      if (!active || active === this.gen.value.model.modelVersionId || this.failure?.modelVersionId === active) return;
      try {
        await this.swap(active, async () => {});
      } catch (err) {
        this.failure = { modelVersionId: active, message: (err as Error).message };
        this.options.logger.error(
          { err, modelVersionId: active },
          "the active model version cannot be served here; still serving the previous one",
        );
      }
    });
  }

  private serialised<R>(fn: () => Promise<R>): Promise<R> {
    const run = this.switching.then(fn);
    this.switching = run.catch(() => {});
    return run;
  }

  private async swap(modelVersionId: string, commit: () => Promise<void>): Promise<T> {
    if (this.gen.value.model.modelVersionId === modelVersionId) {
      await commit();
      return this.gen.value;
    }
    const next = await this.options.load(modelVersionId);
    try {
      await commit();
    } catch (err) {
      await next.close().catch(() => {});
      throw err;
    }
    const old = this.gen;
    this.gen = { value: next, leases: 0, retired: false };
    this.failure = undefined;
    this.retire(old);
    this.options.logger.info(
      { from: `${old.value.model.name} ${old.value.model.version}`, to: `${next.model.name} ${next.model.version}` },
      "now serving a new model version",
    );
    return next;
  }

  /** Polls the active version every `ms` (0: never). */
  startFollowing(ms: number): void {
    if (!ms || this.timer) return;
    const tick = () => {
      this.timer = setTimeout(async () => {
        await this.follow().catch((err) => this.options.logger.warn({ err }, "could not read the active model version"));
        if (!this.closing) tick();
      }, ms);
      this.timer.unref();
    };
    tick();
  }

  /** Stops following and closes the served model (after any switch in progress). */
  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.timer);
    await this.switching;
    await this.gen.value.close();
  }

  private acquire(gen: Generation<T>) {
    gen.leases++;
  }

  private release(gen: Generation<T>) {
    gen.leases--;
    if (gen.retired && gen.leases === 0) this.closeGen(gen);
  }

  private retire(gen: Generation<T>) {
    gen.retired = true;
    if (gen.leases === 0) {
      this.closeGen(gen);
      return;
    }
    setTimeout(() => {
      if (!gen.closed) this.options.logger.warn({ leases: gen.leases }, "closing the previous model version with requests still on it");
      this.closeGen(gen);
    }, this.options.drainTimeoutMs ?? 60_000).unref();
  }

  private closeGen(gen: Generation<T>) {
    gen.closed ??= gen.value.close().catch((err) => this.options.logger.warn({ err }, "closing the previous model version failed"));
  }
}
