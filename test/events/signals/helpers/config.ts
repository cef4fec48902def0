// Configurations for the connector tests, in PowerMTA's language.
import { loadConfigText, type OutpostConfig } from '../../../../src/config/index.js';

export const API_KEY = '0123456789abcdef0123456789abcdef01234567';

export function signalsConfig(
  options: { url?: string; signals?: string; extra?: string } = {},
): OutpostConfig {
  const text = `
<signals>
  api-key ${API_KEY}
  upload-url ${options.url ?? 'http://127.0.0.1:9/api/v1/ingest/events'}
  log-verbose true
  ${options.signals ?? ''}
</signals>
<virtual-mta mta1>
  smtp-source-host 192.0.2.10 mta1.example.com
</virtual-mta>
<virtual-mta mta2>
  smtp-source-host 192.0.2.20 mta2.example.com
</virtual-mta>
<virtual-mta-pool default>
  virtual-mta mta1
</virtual-mta-pool>
${options.extra ?? ''}
`;
  const { config, diagnostics } = loadConfigText(text, 'test.config');
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((d) => `${d.line}: ${d.message}`).join('\n'));
  return config;
}
