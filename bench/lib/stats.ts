/** Small helpers shared by the benchmark scripts. */
import * as fs from 'fs';

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** `--name value` from the command line, or the fallback. */
export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

/**
 * CPU time of the calling thread in milliseconds (Linux: /proc/thread-self/schedstat, in nanoseconds),
 * else of the whole process. On a shared machine this stays honest where wall-clock time does not:
 * time spent waiting for a core is not counted.
 */
export function threadCpuMs(): number {
  try {
    return Number(fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
}

/** Wall and thread-CPU milliseconds of one call. */
export function timed(f: () => void): { wall: number; cpu: number } {
  const c0 = threadCpuMs();
  const t0 = performance.now();
  f();
  return { wall: performance.now() - t0, cpu: threadCpuMs() - c0 };
}
