// Outpost's version, from package.json (the SMTP greeting and `show status` print it).
import { readFileSync } from 'node:fs';

export const VERSION: string = (() => {
  try {
    const url = new URL('../package.json', import.meta.url);
    return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  } catch {
    return '0';
  }
})();
