#!/usr/bin/perl
# verify-mail-dkim.pl PORT FILE... - verify every DKIM signature of FILE with
# Mail::DKIM, keys from the harness NSD at 127.0.0.1:PORT only (never the
# system resolver).
#
# Prints one line, shared by the three harness verifiers:
#   mail-dkim: RESULT (d/s alg=result[: detail], ...)
# A signature whose algorithm this Mail::DKIM does not implement (Debian
# 12's has no Ed25519: "unsupported algorithm") is reported as skip, not
# fail.  RESULT is fail if any signature fails or there is none, skip if
# every signature was skipped, else pass.  Exit 0 pass, 1 fail, 2 skip.
use strict;
use warnings;
use Mail::DKIM::Verifier;
use Mail::DKIM::DNS;
use Net::DNS::Resolver;

my ($port, @files) = @ARGV;
die "usage: verify-mail-dkim.pl PORT FILE...\n" unless @files && $port =~ /^\d+$/;

my $res = Net::DNS::Resolver->new(
    nameservers => ['127.0.0.1'], port => $port, srcaddr => '127.0.0.1', recurse => 1,
    searchlist => [], defnames => 0, dnsrch => 0,
    udp_timeout => 3, tcp_timeout => 3, retry => (@files > 1 ? 4 : 1), retrans => 1,
    udppacketsize => 4096,
);
Mail::DKIM::DNS::resolver($res);

my $worst = 0;
foreach my $file (@files) {
    print "$file: " if @files > 1;
    my $rc = verify($file);
    $worst = $rc if $rc == 1 || ($rc == 2 && $worst == 0);
}
exit $worst;

sub verify {
    my ($file) = @_;
    open(my $fh, '<', $file) or do { print "mail-dkim: fail (cannot open $file: $!)\n"; return 1 };
    binmode $fh;
    my $dkim = Mail::DKIM::Verifier->new();
    while (my $line = <$fh>) {
        $line =~ s/\r?\n\z/\r\n/;
        $dkim->PRINT($line);
    }
    close $fh;
    $dkim->CLOSE();

    my ($pass, $fail, $skip) = (0, 0, 0);
    my @parts;
    foreach my $sig ($dkim->signatures) {
        my $alg = $sig->algorithm // '?';
        my $id = ($sig->domain // '?') . '/' . ($sig->selector // '?') . " $alg";
        my $r = $sig->result // 'none';
        my $detail = $sig->result_detail // '';
        $detail =~ s/^\Q$r\E\s*//;
        $detail =~ s/^\((.*)\)$/$1/;
        if ($r ne 'pass' && $detail =~ /unsupported algorithm/i) {
            $skip++;
            push @parts, "$id=skip: $alg not supported by this Mail::DKIM";
        } elsif ($r eq 'pass') {
            $pass++;
            push @parts, "$id=pass";
        } else {
            $fail++;
            push @parts, "$id=$r" . ($detail ne '' ? ": $detail" : '');
        }
    }
    if (!@parts) {
        print "mail-dkim: fail (no DKIM signature)\n";
        return 1;
    }
    my $result = $fail ? 'fail' : $pass ? 'pass' : 'skip';
    print "mail-dkim: $result (" . join(', ', @parts) . ")\n";
    return $result eq 'pass' ? 0 : $result eq 'fail' ? 1 : 2;
}
