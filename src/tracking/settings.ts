// The MTA's tracking settings from the configuration: `<signals>` engagement-tracking, customer-id,
// tracking-domain and api-key (powermta.md §2.12), with Outpost's defaults from `<signals-server>`.
// A tracking domain may be a bare host (`track.example.com`, http like SparkPost's default), a
// host:port, or a full http(s) URL with a path prefix when a proxy serves tracking under one.
import type { OutpostConfig } from '../config/index.js';

export class TrackingConfigError extends Error {
  override name = 'TrackingConfigError';
}

/** Path segments of the two endpoints: /o/TOKEN (pixel) and /c/TOKEN (click). */
export const PIXEL_SEGMENT = 'o';
export const CLICK_SEGMENT = 'c';

export interface MtaTrackingSettings {
  apiKey: string;
  customerId: number;
  /** `http(s)://host[:port][/prefix]`, no trailing slash. */
  baseUrl: string;
}

/** Normalises a tracking domain to a base URL, or says what is wrong with it. */
export function trackingBaseUrl(domain: string): string {
  const text = domain.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  if (!URL.canParse(withScheme))
    throw new TrackingConfigError(`tracking domain "${domain}" is not a host name or URL`);
  const url = new URL(withScheme);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TrackingConfigError(`tracking domain "${domain}" must be http or https`);
  if (!url.hostname || url.username || url.password || url.search || url.hash)
    throw new TrackingConfigError(
      `tracking domain "${domain}" must be a host with an optional port and path`,
    );
  const base = `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
  // The base goes into HTML attributes as it is; nothing in it may need escaping there.
  if (/[&'"<>\s]/.test(base))
    throw new TrackingConfigError(`tracking domain "${domain}" has characters HTML would need escaped`);
  return base;
}

/** The tracking host by default: the Signals server's public URL, else its listen address. */
function defaultDomain(config: OutpostConfig): string | undefined {
  const server = config.signalsServer;
  if (!server) return undefined;
  if (server['public-url']) return server['public-url'];
  const { host, port } = server.listen;
  if (host === '0.0.0.0' || host === '::' || host === '*')
    throw new TrackingConfigError(
      '<signals-server> listens on every address: set its public-url or a <signals> tracking-domain for tracking links',
    );
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * What the MTA needs to track, or undefined when engagement-tracking is off or nothing here could
 * serve the links: with neither a tracking-domain nor a <signals-server> (a PowerMTA config that
 * counts on SparkPost's own tracker, whose link format is not published) mail goes out untracked
 * and config check says so (trackingWarnings). Invalid values throw TrackingConfigError.
 */
export function trackingSettings(config: OutpostConfig): MtaTrackingSettings | undefined {
  const signals = config.signals;
  if (!signals?.['engagement-tracking']) return undefined;
  const domain = signals['tracking-domain'] ?? defaultDomain(config);
  if (!domain) return undefined;
  const customerId = signals['customer-id'] || config.signalsServer?.['customer-id'] || 0;
  if (customerId <= 0) throw new TrackingConfigError('engagement-tracking needs a customer-id in <signals>');
  return { apiKey: signals['api-key'] ?? '', customerId, baseUrl: trackingBaseUrl(domain) };
}

/**
 * What config check should say about tracking that is on but cannot work as written: no server for
 * the links, or two roles in one file that disagree (the tracking server only accepts tokens of its
 * own customer, signed with a key allowed to upload).
 */
export function trackingWarnings(config: OutpostConfig): string[] {
  const signals = config.signals;
  if (!signals?.['engagement-tracking']) return [];
  const settings = trackingSettings(config);
  if (!settings)
    return [
      'engagement-tracking: no tracking-domain and no <signals-server> to serve tracking links; mail is sent without open and click tracking',
    ];
  const server = config.signalsServer;
  if (!server || signals['tracking-domain']) return [];
  const warnings: string[] = [];
  if (settings.customerId !== server['customer-id'])
    warnings.push(
      `<signals> customer-id ${settings.customerId} is not the <signals-server> customer-id ${server['customer-id']}: its tracking links will not be accepted`,
    );
  const key = server['api-key'].find((k) => k.key === settings.apiKey);
  if (!key?.grants.includes('events/ingest'))
    warnings.push(
      '<signals> api-key is not a <signals-server> api-key with the events/ingest grant: its tracking links will not be accepted',
    );
  return warnings;
}
