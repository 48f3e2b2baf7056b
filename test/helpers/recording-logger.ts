/** A Logger that keeps what it is told, for asserting that a warning was given. */
import type { Logger } from '../../core/log';

export interface LoggedLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  fields?: Record<string, unknown>;
}

export interface RecordingLogger extends Logger {
  lines: LoggedLine[];
  warnings(): LoggedLine[];
}

export function recordingLogger(): RecordingLogger {
  const lines: LoggedLine[] = [];
  const record = (level: LoggedLine['level']) => (msg: string, fields?: Record<string, unknown>) => {
    lines.push({ level, msg, fields });
  };
  return {
    lines,
    warnings: () => lines.filter((l) => l.level === 'warn'),
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };
}
