// The demo's configuration, derived from config/outpost.config (what `npm start` runs): the same
// listeners, processors, <signals> and <signals-server>, moved to the ports the demo picked, plus
// what a demo needs and a fresh install does not have: several VirtualMTAs and pools on loopback
// addresses, every domain routed to the sink (never to a real MX), fast retries and uploads, and
// X-Virtual-MTA / X-SP-Subaccount-ID honoured from the injector.
import { readFileSync } from 'node:fs';

/** Replaces `from` in `text`, insisting it is there: a changed default config must fail loudly. */
function swap(text, from, to) {
  if (!text.includes(from)) throw new Error(`config/outpost.config no longer contains "${from.trim()}"`);
  return text.replaceAll(from, to);
}

const VMTAS = `
# Demo: four VirtualMTAs on loopback addresses, three pools.
<virtual-mta mta1>
    smtp-source-host 127.0.0.1 mta1.outpost.localhost
</virtual-mta>
<virtual-mta mta2>
    smtp-source-host 127.0.0.2 mta2.outpost.localhost
</virtual-mta>
<virtual-mta mta3>
    smtp-source-host 127.0.0.3 mta3.outpost.localhost
</virtual-mta>
<virtual-mta mta4>
    smtp-source-host 127.0.0.4 mta4.outpost.localhost
</virtual-mta>
<virtual-mta-pool default>
    virtual-mta mta1
</virtual-mta-pool>
<virtual-mta-pool transactional>
    virtual-mta mta2
</virtual-mta-pool>
<virtual-mta-pool marketing>
    virtual-mta mta3
    virtual-mta mta4
</virtual-mta-pool>

# Demo: every domain (gmail.com included) goes to the sink on loopback, retried quickly.
<domain *>
    smtp-hosts [127.0.0.1]:SINK_PORT
    max-smtp-out 8
    retry-after 20s
    retry-recipients-after 20s
    bounce-after 15m
</domain>
`;

/** The Outpost configuration text for `ports` and `dataDir`. */
export function outpostConfig(defaultConfigPath, { ports, dataDir }) {
  let text = readFileSync(defaultConfigPath, 'utf8');
  text = swap(
    text,
    '    data-dir ../data\n',
    `    data-dir ${dataDir}\n    signals-upload-interval 3s\n    # Demo: any MX lookup fails (nothing may leave loopback).\n    dns-server 127.0.0.1:9\n`,
  );
  text = swap(text, '127.0.0.1:2587', `127.0.0.1:${ports.inject}`);
  text = swap(text, '127.0.0.1:2525', `127.0.0.1:${ports.bounce}`);
  text = swap(text, '127.0.0.1:8081', `127.0.0.1:${ports.mgmt}`);
  text = swap(text, 'http-mgmt-port 8081', `http-mgmt-port ${ports.mgmt}`);
  text = swap(text, '127.0.0.1:8090', `127.0.0.1:${ports.signals}`);
  text = swap(text, '    process-x-job yes\n', '    process-x-job yes\n    process-x-virtual-mta yes\n');
  text = swap(
    text,
    '    customer-id 1\n</signals>',
    '    customer-id 1\n    process-x-sp-subaccount-id true\n</signals>',
  );
  // The default's single VirtualMTA and pool make way for the demo's.
  const start = text.indexOf('<virtual-mta mta1>');
  const end = text.indexOf('</virtual-mta-pool>') + '</virtual-mta-pool>'.length;
  if (start < 0 || end < start) throw new Error('config/outpost.config: VirtualMTA section not found');
  return text.slice(0, start) + VMTAS.replace('SINK_PORT', String(ports.sink)).trim() + text.slice(end);
}

/** The sink's rules: the built-in providers, reporting back to the bounce/FBL listener, quickly. */
export function sinkConfig(defaults, { ports, seed }) {
  return {
    ...defaults,
    seed,
    reports: {
      ...defaults.reports,
      smtp: `127.0.0.1:${ports.bounce}`,
      'fbl-address': 'fbl@fbl.outpost.localhost',
      'delay-ms': [1000, 8000],
    },
    engagement: { ...defaults.engagement, 'delay-ms': [500, 15000] },
    rules: defaults.rules.map((rule) => ({
      ...rule,
      // Retries come every 20 s in the demo; greylisting must let the second one through.
      ...(rule.greylist ? { 'greylist-seconds': 15 } : {}),
      // A list that draws complaints and late bounces, so a few hundred messages already show some.
      complaint: Math.max(rule.complaint, 0.02),
      bounce: Math.max(rule.bounce, 0.01),
    })),
  };
}
