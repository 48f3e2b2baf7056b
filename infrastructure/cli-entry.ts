/**
 * Whether a module is the script node was started with (`tsx path/to/tool.ts`), compared by real path:
 * a checkout reached through a symlink names the script by the link while import.meta.url has the target.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function isCliEntry(metaUrl: string, argv1: string | undefined = process.argv[1]): boolean {
  if (!argv1) return false;
  try {
    return realpathSync(argv1) === realpathSync(fileURLToPath(metaUrl));
  } catch {
    return false;
  }
}
