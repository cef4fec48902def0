// Everything the listener derives from the configuration once per (re)load, shared by every
// session: our host name, relay rules, SMTP users, Signals header settings, and a cache of the
// resolved <source> settings per client (resolution merges a dozen rule layers; a busy listener
// sees the same few clients over and over).
import { hostname } from 'node:os';
import type { OutpostConfig, SourceSettings } from '../config/index.js';
import { sourceSettingsFor } from '../config/index.js';
import { type RelayRules, relayRulesFrom } from './relay.js';

/**
 * Upper bound on a message kept in memory while it is received. `max-message-size` is unlimited by
 * default in PowerMTA; Outpost holds a message in memory until it is spooled, so "unlimited" means
 * this much. Advertised in EHLO SIZE.
 */
export const MESSAGE_SIZE_CEILING = 256 * 1024 * 1024;

export interface Policy {
  config: OutpostConfig;
  /** First `host-name` (greeting, EHLO, Received, Message-ID); the OS host name otherwise. */
  hostName: string;
  relay: RelayRules;
  settingsFor(ip: string, listenerSource: string | undefined, user?: string): SourceSettings;
  /** `<signals>` header handling (powermta.md §2.12). */
  signals: {
    processSubaccount: boolean;
    retainSubaccount: boolean;
    customMessageIdHeader?: string;
  };
}

export function policyFrom(config: OutpostConfig): Policy {
  const cache = new Map<string, SourceSettings>();
  const signals = config.signals;
  return {
    config,
    hostName: config.global['host-name'][0] ?? hostname(),
    relay: relayRulesFrom(config),
    settingsFor(ip, listenerSource, user) {
      const key = `${ip}|${listenerSource ?? ''}|${user ?? ''}`;
      let settings = cache.get(key);
      if (!settings) {
        if (cache.size >= 10_000) cache.clear();
        settings = sourceSettingsFor(config, {
          ip,
          ...(listenerSource ? { listenerSource } : {}),
          ...(user !== undefined ? { user } : {}),
        });
        cache.set(key, settings);
      }
      return settings;
    },
    signals: {
      processSubaccount: signals?.['process-x-sp-subaccount-id'] ?? false,
      retainSubaccount: signals?.['retain-x-sp-subaccount-id'] ?? false,
      ...(signals?.['custom-message-id-header']
        ? { customMessageIdHeader: signals['custom-message-id-header'].toLowerCase() }
        : {}),
    },
  };
}

/** The message size limit of a source: `max-message-size`, capped at the in-memory ceiling. */
export function messageSizeLimit(settings: SourceSettings): number {
  return Math.min(settings['max-message-size'], MESSAGE_SIZE_CEILING);
}
