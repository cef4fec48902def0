// `outpost reload` and SIGHUP: read the configuration file again and apply it to the running
// services without dropping a connection or a queued message. A file with errors is refused and
// the running configuration stays. Applying happens in two phases so that a new listener that
// cannot bind (or a log file that cannot open) leaves everything as it was: every service that can
// fail prepares first, and only when all are prepared does any of them switch over.
import {
  type Diagnostic,
  formatDiagnostic,
  hasErrors,
  loadConfigFile,
  type OutpostConfig,
} from '../config/index.js';
import { samePlain } from '../config/plain.js';
import type { Logger } from '../logging.js';
import type { Service } from '../main.js';

export interface ReloadResult {
  ok: boolean;
  file: string;
  /** Errors (when refused) and warnings of the file, `FILE:LINE` positioned. */
  diagnostics: Diagnostic[];
  /** Changed settings that take effect only at the next start. */
  restartNeeded: string[];
  /** A service could not take the new configuration (a port in use…); nothing was changed. */
  error?: string;
}

/** What PowerMTA also only applies at a restart, and what Outpost builds once at start. */
function restartNeeded(current: OutpostConfig, next: OutpostConfig): string[] {
  const signalsSelection = (c: OutpostConfig) => ({
    signals: c.signals,
    filters: c.signalsFilters,
    global: c.global['enable-signals'],
    vmtas: [...c.virtualMtas.values()].map((v) => v.settings['enable-signals']),
    pools: [...c.pools.values()].map((p) => p.settings['enable-signals']),
  });
  const checks: Array<[string, (c: OutpostConfig) => unknown]> = [
    ['<outpost> data-dir', (c) => c.outpost['data-dir']],
    ['<spool>', (c) => c.spools],
    ['<signals-server>', (c) => c.signalsServer],
    ['<signals> and enable-signals', signalsSelection],
    ['http-mgmt-port / http-mgmt-listen', (c) => [c.global['http-mgmt-port'], c.outpost['http-mgmt-listen']]],
    ['name-server / dns-server', (c) => [c.global['name-server'], c.outpost['dns-server']]],
  ];
  return checks.filter(([, pick]) => !samePlain(pick(current), pick(next))).map(([name]) => name);
}

interface Prepared {
  commit(): void;
  abort(): Promise<void>;
}

/** The optional reload hooks a Service may have (main.ts's Service interface declares them). */
type Reloadable = Service & {
  prepareReload?(config: OutpostConfig): Promise<Prepared>;
  reconfigure?(config: OutpostConfig): void;
};

/** Reloads `current.files[0]`; resolves with the new configuration when it was applied. */
export async function reloadServices(
  current: OutpostConfig,
  services: readonly Service[],
  log: Logger,
): Promise<{ result: ReloadResult; config?: OutpostConfig }> {
  const file = current.files[0] ?? '';
  const { config, diagnostics } = loadConfigFile(file);
  const base = { file, diagnostics, restartNeeded: [] as string[] };
  for (const d of diagnostics)
    log[d.severity === 'error' ? 'error' : 'warn'](`reload: ${formatDiagnostic(d)}`);
  if (hasErrors(diagnostics)) {
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    log.error({ file, errors }, 'reload refused: the configuration has errors; the running one stays');
    return { result: { ...base, ok: false } };
  }
  const prepared: Prepared[] = [];
  for (const service of services as Reloadable[]) {
    if (!service.prepareReload) continue;
    try {
      prepared.push(await service.prepareReload(config));
    } catch (error) {
      for (const p of prepared) await p.abort();
      const message = `${service.name}: ${(error as Error).message}`;
      log.error(
        { err: error, service: service.name },
        `reload refused: ${message}; the running configuration stays`,
      );
      return { result: { ...base, ok: false, error: message } };
    }
  }
  for (const p of prepared) p.commit();
  for (const service of services as Reloadable[]) service.reconfigure?.(config);
  const later = restartNeeded(current, config);
  if (later.length > 0)
    log.warn({ settings: later }, `reload: changes to ${later.join(', ')} take effect at the next start`);
  log.info({ file }, `configuration reloaded from ${file}`);
  return { result: { ...base, ok: true, restartNeeded: later }, config };
}
