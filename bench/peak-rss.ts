/**
 * Peak resident memory of another process, from Linux's /proc/<pid>/status VmHWM (the kernel's own
 * high-water mark, so sampling it now and then still finds the true peak, except in the very last
 * sampling interval before the process exits).
 */
import { readFileSync } from 'node:fs';

/** VmHWM in MiB, or undefined when the process is gone or the system has no /proc. */
export function readPeakRssMb(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Samples a process's peak RSS every `intervalMs` until stopped; `peakMb` is the highest seen. */
export class PeakRssSampler {
  private timer: NodeJS.Timeout;
  peakMb: number | undefined;

  constructor(
    private readonly pid: number,
    intervalMs = 20,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  sample(): void {
    const now = readPeakRssMb(this.pid);
    if (now !== undefined && (this.peakMb === undefined || now > this.peakMb)) this.peakMb = now;
  }

  stop(): number | undefined {
    clearInterval(this.timer);
    return this.peakMb;
  }
}
