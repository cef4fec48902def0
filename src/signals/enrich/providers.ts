// Mailbox providers and their regions (reference sparkpost-api.md §8). The domain table is
// SparkPost's own (the Signals `mb_provider` facet and the routing domains its Alerts list for each
// provider, plus the obvious siblings outlook.com/live.com/msn.com and ymail.com). Custom domains are
// classified by where their MX points, which SparkPost does not document: the suffix list below is
// our design, not a SparkPost fact.

export interface Provider {
  /** The Signals facet key (`mb_provider`). */
  key: string;
  /** The name reports show (`mailbox_provider`). */
  name: string;
  region: string;
}

const P = (key: string, name: string, region: string): Provider => ({ key, name, region });

export const PROVIDERS = {
  apple: P('apple', 'Apple', 'Global'),
  gmail: P('gmail', 'Gmail', 'Global'),
  google_apps: P('google_apps', 'Google Apps', 'Global'),
  microsoft: P('microsoft', 'Microsoft', 'Global'),
  verizon_media: P('verizon_media', 'Verizon Media', 'Global'),
  yahoo_uk: P('yahoo_uk', 'Yahoo UK', 'Europe'),
  us_broadband: P('us_broadband', 'US Broadband', 'North America - United States'),
  uk_providers: P('uk_providers', 'UK Providers', 'Europe - United Kingdom'),
  italian_providers: P('italian_providers', 'Italian Providers', 'Europe - Italy'),
  russian_providers: P('russian_providers', 'Russian Providers', 'Europe - Russia'),
  french_providers: P('french_providers', 'French Providers', 'Europe - France'),
  chinese_providers: P('chinese_providers', 'Chinese Providers', 'APAC - China'),
  german_providers: P('german_providers', 'German Providers', 'Europe - Germany'),
  canadian_providers: P('canadian_providers', 'Canadian Providers', 'North America - Canada'),
  japanese_providers: P('japanese_providers', 'Japanese Providers', 'APAC - Japan'),
  other_european_providers: P('other_european_providers', 'Other European Providers', 'Europe'),
  other: P('other', 'Other Providers', 'Other'),
} as const satisfies Record<string, Provider>;

type ProviderKey = keyof typeof PROVIDERS;

const DOMAINS: Record<Exclude<ProviderKey, 'other'>, string> = {
  apple: 'mac.com icloud.com me.com',
  gmail: 'gmail.com googlemail.com',
  google_apps: 'google.com',
  microsoft: 'hotmail.com outlook.com live.com msn.com',
  verizon_media: 'verizon.net aol.com aim.com yahoo.com ymail.com rocketmail.com',
  yahoo_uk:
    'yahoo.co.uk yahoo.fr yahoo.es sky.com yahoo.de yahoo.it yahoo.gr yahoo.ie yahoo.dk yahoo.ro yahoo.se yahoo.no yahoo.pl yahoo.co.za yahoo.be yahoo.nl yahoo.at yahoo.fi yahoo.hu yahoo.bg yahoo.cz yahoo.com.hr yahoo.com.ua yahoo.pt yahoo.sk yahoo.ee yahoo.lv',
  us_broadband: 'att.net comcast.net cox.net charter.net earthlink.net optonline.net',
  uk_providers: 'btinternet.com ntlworld.com talktalk.net',
  italian_providers: 'libero.it pec.libero.it alice.it virgilio.it tin.it fastwebnet.it',
  russian_providers: 'mail.ru yandex.ru bk.ru list.ru inbox.ru rambler.ru ya.ru',
  french_providers: 'orange.fr free.fr sfr.fr laposte.net neuf.fr bbox.fr',
  chinese_providers: 'qq.com vip.qq.com 163.com vip.163.com 126.com vip.126.com easystack.cn sina.com',
  german_providers: 't-online.de gmx.de web.de freenet.de gmx.net arcor.de online.de',
  canadian_providers: 'shaw.ca rogers.com telus.net sympatico.ca videotron.ca sasktel.net cogeco.ca bell.net',
  japanese_providers: 'ezweb.ne.jp yahoo.co.jp i.softbank.jp docomo.ne.jp nifty.com',
  other_european_providers:
    'seznam.cz wp.pl onet.pl telenet.be skynet.net bluewin.ch ukr.net ziggo.nl gmx.at home.nl centrum.cz planet.nl gmx.ch hetnet.nl abv.bg',
};

/** MX host suffixes of the big hosted-mail platforms: a custom domain whose MX ends so is theirs. */
const MX_SUFFIXES: Array<[string, ProviderKey]> = [
  ['google.com', 'google_apps'],
  ['googlemail.com', 'google_apps'],
  ['outlook.com', 'microsoft'],
  ['hotmail.com', 'microsoft'],
  ['yahoodns.net', 'verizon_media'],
  ['icloud.com', 'apple'],
  ['mail.ru', 'russian_providers'],
  ['yandex.net', 'russian_providers'],
  ['yandex.ru', 'russian_providers'],
  ['qq.com', 'chinese_providers'],
  ['163.com', 'chinese_providers'],
  ['t-online.de', 'german_providers'],
  ['gmx.net', 'german_providers'],
  ['web.de', 'german_providers'],
  ['orange.fr', 'french_providers'],
  ['free.fr', 'french_providers'],
];

const byDomain = new Map<string, Provider>();
for (const [key, list] of Object.entries(DOMAINS)) {
  for (const domain of list.split(' ')) byDomain.set(domain, PROVIDERS[key as ProviderKey]);
}

/** The provider of a recipient domain by the table alone (undefined: ask the MX). */
export function providerByDomain(domain: string): Provider | undefined {
  return byDomain.get(domain);
}

/** The provider behind a set of MX hosts, or Other. */
export function providerByMx(hosts: readonly string[]): Provider {
  for (const host of hosts) {
    const name = host.toLowerCase().replace(/\.$/, '');
    for (const [suffix, key] of MX_SUFFIXES) {
      if (name === suffix || name.endsWith(`.${suffix}`)) return PROVIDERS[key];
    }
  }
  return PROVIDERS.other;
}
