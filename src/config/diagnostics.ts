// A problem found in a configuration file, reported as `FILE:LINE: SEVERITY: MESSAGE` (like
// `pmta test config`, which prints `Error in line 11 of /etc/pmta/config: argument missing`).

export interface Position {
  file: string;
  line: number;
}

export interface Diagnostic extends Position {
  severity: 'error' | 'warning';
  message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}: ${d.severity}: ${d.message}`;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Thrown by code that needs a valid configuration (start, reload) when the file has errors. */
export class ConfigError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(
      `configuration has ${diagnostics.filter((d) => d.severity === 'error').length} error(s):\n` +
        diagnostics
          .filter((d) => d.severity === 'error')
          .map(formatDiagnostic)
          .join('\n'),
    );
    this.name = 'ConfigError';
  }
}
