// The starter configuration `outpost init` writes: the seed deployment's shape for one sending
// domain (injection on 587 with AUTH over STARTTLS, bounces and FBL reports on 25 for their own
// subdomains, MAIL FROM rewritten to the bounce domain, DKIM, a pool, accounting, Signals in the
// same process) in PowerMTA's language, with a comment on every block.

export interface Starter {
  domain: string;
  hostName: string;
  /** The address mail leaves from; undefined: the OS chooses (commented out in the file). */
  ip?: string;
  selector: string;
  user: string;
  password: string;
  signalsKey: string;
  httpKey: string;
  dkimFile: string;
  certificateFile: string;
  /** Where the spool and the Signals store go, and the logs and accounting files. */
  dataDir: string;
  logDir: string;
  created: string;
}

export function starterConfig(s: Starter): string {
  const source = s.ip
    ? `    smtp-source-host ${s.ip} ${s.hostName}`
    : `    # smtp-source-host YOUR.PUBLIC.IP ${s.hostName}`;
  return `# Outpost configuration for ${s.domain}, written by \`outpost init\` on ${s.created}.
# The language is PowerMTA's; <outpost> and <signals-server> are Outpost's own blocks. Paths are
# relative to this file. It holds passwords and keys: keep it readable by the outpost user only.
# Check it with \`outpost config check\`; after editing, \`outpost reload\` applies it.

<outpost>
    data-dir ${s.dataDir}
    http-mgmt-listen 127.0.0.1:8080
</outpost>

host-name ${s.hostName}
postmaster postmaster@${s.domain}
log-file ${s.logDir}/outpost.log

# Injection: your application submits on 587 with SMTP AUTH after STARTTLS.
smtp-listener 0/0:587
# Bounces (DSNs) and feedback-loop reports for bounces.${s.domain} and fbl.${s.domain} arrive on 25.
smtp-listener 0/0:25
# A self-signed certificate to start with; replace it with one your CA signed for ${s.hostName}.
smtp-server-tls-certificate ${s.certificateFile}
smtp-server-tls-allow-tlsv1 false
smtp-server-tls-allow-tlsv1.1 false

<smtp-user ${s.user}>
    password ${s.password}
    source {auth}
</smtp-user>

<source 0/0>
    smtp-service yes
    allow-starttls yes
    require-starttls-before-auth yes
    smtp-max-auth-failure-rate 5/min
    add-message-id-header yes
</source>

<source {auth}>
    always-allow-relaying yes
    process-x-job yes
    default-virtual-mta pool1
    rewrite-list mfrom
</source>

# Bounces come back to the bounce domain, where the bounce processor reads them.
<rewrite-list mfrom>
    mail-from *@${s.domain} *@bounces.${s.domain}
</rewrite-list>

relay-domain bounces.${s.domain}
relay-domain fbl.${s.domain}

<bounce-processor>
    deliver-unmatched-email no
    deliver-matched-email no
    <address-list>
        domain bounces.${s.domain}
    </address-list>
</bounce-processor>

<feedback-loop-processor>
    deliver-unmatched-email no
    deliver-matched-email no
    <address-list>
        domain fbl.${s.domain}
    </address-list>
</feedback-loop-processor>

domain-key ${s.selector},${s.domain},${s.dkimFile}

<virtual-mta mta1>
${source}
</virtual-mta>

<virtual-mta-pool pool1>
    virtual-mta mta1
</virtual-mta-pool>

<domain *>
    max-smtp-out 20
    retry-after 10m
    bounce-after 4d12h
    dkim-sign yes
</domain>

<acct-file ${s.logDir}/acct.csv>
    records r,d,b,t,rb,f
</acct-file>

# Events go to the Signals server below over HTTP, as they would go to SparkPost.
<signals>
    api-key ${s.signalsKey}
    upload-url http://127.0.0.1:8090/api/v1/ingest/events
    engagement-tracking sparkpost
    tracking-domain track.${s.domain}
    customer-id 1
</signals>
enable-signals true

<signals-server>
    listen 127.0.0.1:8090
    storage duckdb
    customer-id 1
    api-key ${s.signalsKey} all
    public-url https://track.${s.domain}
</signals-server>

# The management port: the outpost CLI on this host uses it (and the API key below).
http-access 127.0.0.1 admin
http-access ::1 admin
http-api-key ${s.httpKey}
`;
}
