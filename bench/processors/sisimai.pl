#!/usr/bin/perl
# Peer for bench/processors: Sisimai (Debian's libsisimai-perl) decodes every message of an mbox
# of COUNT messages into bounce records, ROUNDS times; prints "messages records seconds".
use strict;
use warnings;
use Sisimai;
use Time::HiRes qw(time);

my ($mbox, $count, $rounds) = @ARGV;
my ($messages, $records) = (0, 0);
my $start = time;
for (1 .. $rounds) {
    my $data = Sisimai->make($mbox, 'delivered' => 1) || [];
    $records += scalar @$data;
    $messages += $count;
}
printf "%d %d %.6f\n", $messages, $records, time - $start;
