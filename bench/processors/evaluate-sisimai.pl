#!/usr/bin/perl
# Peer for bench/processors/evaluate.ts: Sisimai (Debian's libsisimai-perl) decodes each message
# file named on the command line on its own and prints one JSON line per file:
# {"file":…,"records":[{"recipient","deliverystatus","reason","feedbacktype","action"}]}.
use strict;
use warnings;
use JSON::PP;
use Sisimai;

my $json = JSON::PP->new->canonical;
for my $file (@ARGV) {
    open(my $fh, '<:raw', $file) or die "$file: $!";
    my $text = do { local $/; <$fh> };
    close $fh;
    $text =~ s/\r\n/\n/g;
    # Sisimai's in-memory reader splits on mbox "From " lines: give each message exactly one.
    $text = "From MAILER-DAEMON Tue Mar  4 10:00:00 2025\n" . $text unless $text =~ /\AFrom /;
    my $data = eval { Sisimai->make(\$text, 'delivered' => 1) } || [];
    my @records = map {
        {
            recipient      => $_->recipient->address,
            deliverystatus => $_->deliverystatus // '',
            reason         => $_->reason // '',
            feedbacktype   => $_->feedbacktype // '',
            action         => $_->action // '',
        }
    } @$data;
    print $json->encode({ file => $file, records => \@records }), "\n";
}
