// Opens fetched by a mail-privacy proxy rather than by the reader: Apple Mail Privacy Protection
// loads every image of every message when it arrives, and Gmail and Yahoo fetch images through their
// own proxies. Such opens are recorded but marked (`prefetched`), so reports can leave them out, as
// SparkPost's "non-prefetched" metrics do. These are heuristics, documented by the providers' own
// behaviour rather than any specification:
//   - Apple MPP: the user agent is exactly "Mozilla/5.0", from Apple's 17.0.0.0/8 or relay egress
//     addresses; the bare "Mozilla/5.0" alone is what every MPP fetch sends, so it is enough.
//   - Gmail: "… (via ggpht.com GoogleImageProxy)".
//   - Yahoo: "YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html".

export type PrivacyProxy = 'apple' | 'google' | 'yahoo';

/** IPv4 (or IPv4-mapped IPv6) inside Apple's 17.0.0.0/8. */
function isApple17(ip: string): boolean {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return v4.startsWith('17.') && v4.split('.').length === 4;
}

export function privacyProxy(userAgent: string | undefined, ip: string): PrivacyProxy | undefined {
  const ua = userAgent?.trim() ?? '';
  if (ua.includes('GoogleImageProxy')) return 'google';
  if (ua.includes('YahooMailProxy')) return 'yahoo';
  if (ua === 'Mozilla/5.0' || (isApple17(ip) && /^Mozilla\/5\.0\b/.test(ua))) return 'apple';
  return undefined;
}
