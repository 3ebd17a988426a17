import { useEffect, useState, useCallback } from 'preact/hooks';
import { ApiError, getJson } from './api.js';

/** Fetches `path` now and every `everyMs`; returns the data, the last error, and a reload function. */
export function usePoll<T>(path: string, everyMs: number): { data: T | undefined; error: string | undefined; reload: () => void } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    let alive = true;
    const load = () =>
      getJson<T>(path).then(
        (d) => {
          if (!alive) return;
          setData(d);
          setError(undefined);
        },
        (e: unknown) => alive && setError(e instanceof ApiError ? `${e.problem.message}${e.problem.action ? ` ${e.problem.action}` : ''}` : String(e)),
      );
    void load();
    const timer = setInterval(load, everyMs);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, [path, everyMs, tick]);
  return { data, error, reload };
}
