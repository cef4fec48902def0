// The seed deployment's inbound configuration (shared/examples/seed-signals-demo.config), with its
// placeholders filled in and everything on loopback: listener 0 plays port 587, listener 1 port 25.
export const SEED = `
host-name pmta.signalsdemo.test
smtp-listener 127.0.0.1:0
smtp-listener 127.0.0.1:0

<source 0/0>
    log-connections false
    smtp-service true
    smtp-max-auth-failure-rate 1/min
    allow-unencrypted-plain-auth false
    allow-starttls true
    rewrite-list mfrom
    max-message-size 50K
</source>

<source {auth}>
    always-allow-relaying yes
    default-virtual-mta default
    process-x-job true
</source>

<rewrite-list mfrom>
    mail-from *@pmta.signalsdemo.test *@bounces.pmta.signalsdemo.test
</rewrite-list>

smtp-server-tls-allow-tlsv1 false
smtp-server-tls-allow-tlsv1.1 false
smtp-server-tls-allow-tlsv1.2 true
smtp-server-tls-allow-tlsv1.3 true

<smtp-user SMTP_Injection>
    password injection-secret
    authentication-method password
</smtp-user>

relay-domain pmta.signalsdemo.test
relay-domain bounces.pmta.signalsdemo.test
relay-domain fbl.pmta.signalsdemo.test

<bounce-processor>
    deliver-unmatched-email no
    deliver-matched-email no
    <address-list>
        domain pmta.signalsdemo.test
        domain bounces.pmta.signalsdemo.test
    </address-list>
</bounce-processor>

<feedback-loop-processor>
    deliver-unmatched-email no
    deliver-matched-email no
    <address-list>
        domain fbl.pmta.signalsdemo.test
    </address-list>
</feedback-loop-processor>

<signals>
    api-key 0123456789abcdef0123456789abcdef01234567
    process-x-sp-subaccount-id true
    retain-x-sp-subaccount-id true
    custom-message-id-header X-Sp-Message-Id
</signals>

<virtual-mta mta1>
    smtp-source-host 127.0.0.1 pmta.signalsdemo.test
</virtual-mta>

<virtual-mta-pool default>
    virtual-mta mta1
</virtual-mta-pool>
`;

export const AUTH = [
  '--auth',
  'PLAIN',
  '--auth-user',
  'SMTP_Injection',
  '--auth-password',
  'injection-secret',
];
