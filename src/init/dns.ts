// The DNS records a new sending domain needs, in zone-file form: the host's A record (and its PTR,
// which the hosting provider sets), SPF for the bounce domain mail is sent from, MX for the
// bounce and FBL domains so reports reach port 25, the DKIM key, a first DMARC record, and the
// tracking domain.

/** A TXT value as zone-file strings of at most 255 characters (RFC 1035 §3.3.14). */
export function txtStrings(value: string): string {
  const parts: string[] = [];
  for (let i = 0; i < value.length; i += 255) parts.push(`"${value.slice(i, i + 255)}"`);
  return parts.join(' ');
}

export function dnsRecords(o: {
  domain: string;
  hostName: string;
  ip?: string;
  selector: string;
  dkimTxt: string;
}): string {
  const ip = o.ip ?? 'YOUR.PUBLIC.IP';
  const spf = `"v=spf1 ip4:${ip} -all"`;
  const rows: Array<[string, string, string]> = [
    [`${o.hostName}.`, 'A', ip],
    [`bounces.${o.domain}.`, 'MX', `10 ${o.hostName}.`],
    [`bounces.${o.domain}.`, 'TXT', spf],
    [`fbl.${o.domain}.`, 'MX', `10 ${o.hostName}.`],
    [`${o.domain}.`, 'TXT', `"v=spf1 ip4:${ip} ~all"   ; merge with an SPF record you already have`],
    [`${o.selector}._domainkey.${o.domain}.`, 'TXT', txtStrings(o.dkimTxt)],
    [`_dmarc.${o.domain}.`, 'TXT', `"v=DMARC1; p=none; rua=mailto:postmaster@${o.domain}"`],
    [
      `track.${o.domain}.`,
      'CNAME',
      `${o.hostName}.   ; opens and clicks; a TLS proxy there forwards to 127.0.0.1:8090`,
    ],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  return [
    ...rows.map(([name, type, value]) => `${name.padEnd(width)}  IN ${type.padEnd(5)} ${value}`),
    `; and the reverse (PTR) record of ${ip} -> ${o.hostName}, set where the address is hosted`,
  ].join('\n');
}
