import type { Logger } from 'pino';
import type { SinkContext, SinkFactory } from '../contracts/sink-factory.js';
import type { Sink } from '../contracts/sink.js';
import { ConfigError, PermanentError } from '../errors.js';
import type { FailedPlugin } from '../plugins/plugin-loader.js';
import { parseTargetUri } from '../target-uri.js';

/** A target's sink and the plugin that made it. */
export interface ResolvedSink {
  sink: Sink;
  factory: SinkFactory;
}

/**
 * Turns target URIs into sinks through the registered {@link SinkFactory}s, one sink per target,
 * kept for the life of the registry.
 * @public
 */
export class SinkRegistry {
  private readonly cache = new Map<string, Promise<ResolvedSink>>();
  private readonly byScheme = new Map<string, SinkFactory>();

  constructor(
    factories: readonly SinkFactory[],
    /** The validated config section of a sink plugin (`sinks.<name>`). */
    private readonly configOf: (factory: SinkFactory) => unknown,
    private readonly context: SinkContext,
    private readonly failedPlugins: readonly FailedPlugin[] = [],
    private readonly logger?: Logger,
  ) {
    for (const f of factories) for (const s of f.schemes) if (!this.byScheme.has(s)) this.byScheme.set(s, f);
  }

  /** Every factory, by name. */
  factories(): SinkFactory[] {
    return [...new Set(this.byScheme.values())];
  }

  /** The factory serving a target, without creating a sink. Throws like {@link SinkRegistry.get}. */
  factoryFor(target: string): SinkFactory {
    const url = parseTargetUri(target);
    const scheme = url.protocol.replace(/:$/, '');
    const factory = this.byScheme.get(scheme);
    if (factory) return factory;
    const failed = this.failedPlugins.find((p) => p.schemes?.includes(scheme));
    if (failed) {
      throw new PermanentError(`The sink plugin ${failed.name} for "${scheme}:" targets failed to load: ${failed.reason}`, {
        action: `Fix or reinstall the plugin ${failed.name}, then restart.`,
      });
    }
    throw new ConfigError([{ key: 'target', expected: `a target whose scheme a loaded sink plugin serves (${[...this.byScheme.keys()].join(', ')})`, found: `"${scheme}:" in ${target}` }]);
  }

  /**
   * The sink of a target. Rejects with {@link ConfigError} for an unusable URI or unknown scheme,
   * {@link PermanentError} when the plugin for the scheme failed to load, and whatever the
   * factory rejects with. A failed creation is not cached.
   */
  get(target: string): Promise<ResolvedSink> {
    let entry = this.cache.get(target);
    if (!entry) {
      entry = (async () => {
        const factory = this.factoryFor(target);
        const sink = await factory.create(parseTargetUri(target), this.configOf(factory), this.context);
        // Whatever an interrupted run left at this target goes before anything new is written.
        try {
          const removed = (await sink.recover?.()) ?? 0;
          if (removed > 0) this.logger?.info({ target, removed }, 'removed leftovers of an interrupted write');
        } catch (err) {
          this.logger?.warn({ target, err: (err as Error).message }, 'could not clean up leftovers of an interrupted write');
        }
        return { sink, factory };
      })();
      this.cache.set(target, entry);
      entry.catch(() => this.cache.delete(target));
    }
    return entry;
  }

  /**
   * A fresh sink for a target, neither cached nor recovered (so a diagnosis never removes what a
   * running connector is writing); the caller disposes it. Rejects like {@link SinkRegistry.get}.
   */
  async open(target: string): Promise<ResolvedSink> {
    const factory = this.factoryFor(target);
    return { sink: await factory.create(parseTargetUri(target), this.configOf(factory), this.context), factory };
  }

  /** Disposes every sink made. Never rejects. */
  async dispose(): Promise<void> {
    const all = [...this.cache.values()];
    this.cache.clear();
    for (const p of all) {
      try {
        await (await p).sink.dispose?.();
      } catch (err) {
        this.logger?.debug({ err: (err as Error).message }, 'sink dispose failed');
      }
    }
  }
}
