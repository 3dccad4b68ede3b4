# harness-dns.sh - authoritative NSD on 127.0.0.1:$H_DNS_PORT serving test
# zones.  Sourced by harness.sh; needs h_init first.
#
#   h_zone_add ZONE          serve ZONE (SOA/NS made up, TTL $H_DNS_TTL)
#   h_zone_servfail ZONE     configure ZONE without a zone file: NSD answers
#                            SERVFAIL for every name in it
#   h_rr ZONE "LINE"         add a raw zone-file line (names relative to ZONE
#                            unless they end in a dot)
#   h_txt NAME TEXT [TTL]    TXT record, TEXT split into <=255-byte strings
#   h_spf DOMAIN TEXT        = h_txt DOMAIN TEXT
#   h_dmarc DOMAIN TEXT      = h_txt _dmarc.DOMAIN TEXT
#   h_dkim_key DOMAIN SEL TEXT  = h_txt SEL._domainkey.DOMAIN TEXT
#   h_mx DOMAIN PREF HOST    MX record
#   h_a NAME IPV4 / h_aaaa NAME IPV6
#   h_rr_del NAME [TYPE]     delete NAME's records (of TYPE) written by the
#                            helpers above (FQDN owner names)
#   h_dns_start              write nsd.conf + zones, start NSD, wait until
#                            it answers every zone
#   h_dns_reload             publish the current records: SIGHUP (restart if
#                            the zone list changed); waits until NSD serves
#                            the new SOA serial of every zone
#   h_dns_stop               stop NSD by PID
#   h_dnsq NAME TYPE         dnsq.py against NSD: rcode line, then records
# Names for the typed helpers are FQDNs with or without the final dot; the
# zone is the longest added zone the name lies in (error if none).
# Records are in $H/dns/ZONE.rr; TTL default $H_DNS_TTL (5).

H_DNS_TTL=${H_DNS_TTL:-5}

h__dns_dir() { mkdir -p "$H/dns"; [ -f "$H/dns/zones" ] || : >"$H/dns/zones"; }

h__fqdn() { local n=${1%.}; printf '%s.' "${n,,}"; }

h_zone_add() {
    local z
    h__dns_dir
    z=$(h__fqdn "$1"); z=${z%.}
    grep -qx "$z ok" "$H/dns/zones" || echo "$z ok" >>"$H/dns/zones"
    [ -f "$H/dns/$z.rr" ] || : >"$H/dns/$z.rr"
}

h_zone_servfail() {
    local z
    h__dns_dir
    z=$(h__fqdn "$1"); z=${z%.}
    grep -qx "$z servfail" "$H/dns/zones" || echo "$z servfail" >>"$H/dns/zones"
}

h_rr() {
    local z
    h_zone_add "$1"
    z=$(h__fqdn "$1")
    printf '%s\n' "$2" >>"$H/dns/${z%.}.rr"
}

# h__zone_of NAME - the longest added zone NAME is in or equal to
h__zone_of() {
    local n best="" z _
    n=$(h__fqdn "$1"); n=${n%.}
    while read -r z _; do
        if [ "$n" = "$z" ] || [ "${n%".$z"}" != "$n" ]; then
            [ "${#z}" -gt "${#best}" ] && best=$z
        fi
    done <"$H/dns/zones"
    [ -n "$best" ] || h_die "no zone added for $1 (h_zone_add first)"
    echo "$best"
}

h__add() {
    local name=$1 ttl=$2 type=$3 data=$4 z
    z=$(h__zone_of "$name") || exit 1
    printf '%s %s IN %s %s\n' "$(h__fqdn "$name")" "$ttl" "$type" "$data" \
        >>"$H/dns/$z.rr"
}

# h__txt_strings TEXT - TEXT as zone-file strings of at most 255 bytes
h__txt_strings() {
    local LC_ALL=C s=$1 chunk out=
    while :; do
        chunk=${s:0:255}
        s=${s:255}
        chunk=${chunk//\\/\\\\}
        chunk=${chunk//\"/\\\"}
        out="$out${out:+ }\"$chunk\""
        [ -z "$s" ] && break
    done
    printf '%s' "$out"
}

h_txt() { h__add "$1" "${3:-$H_DNS_TTL}" TXT "$(h__txt_strings "$2")"; }
h_spf() { h_txt "$1" "$2"; }
h_dmarc() { h_txt "_dmarc.${1%.}" "$2"; }
h_dkim_key() { h_txt "$2._domainkey.${1%.}" "$3"; }
h_mx() { h__add "$1" "$H_DNS_TTL" MX "$2 $(h__fqdn "$3")"; }
h_a() { h__add "$1" "$H_DNS_TTL" A "$2"; }
h_aaaa() { h__add "$1" "$H_DNS_TTL" AAAA "$2"; }

h_rr_del() {
    local n z _
    n=$(h__fqdn "$1")
    while read -r z _; do
        [ -f "$H/dns/$z.rr" ] || continue
        awk -v n="$n" -v t="${2:-}" \
            'tolower($1) == n && (t == "" || toupper($4) == toupper(t)) { next } { print }' \
            "$H/dns/$z.rr" >"$H/dns/$z.rr.new" && mv "$H/dns/$z.rr.new" "$H/dns/$z.rr"
    done <"$H/dns/zones"
}

# h__dns_write - nsd.conf and every zone file, with a new SOA serial
h__dns_write() {
    local d=$H/dns serial z kind
    serial=$(($(cat "$d/serial" 2>/dev/null || echo 0) + 1))
    echo "$serial" >"$d/serial"
    cat >"$d/nsd.conf.new" <<EOF
server:
    ip-address: 127.0.0.1
    port: $H_DNS_PORT
    username: ""
    chroot: ""
    zonesdir: "$d"
    pidfile: "$d/nsd.pid"
    database: ""
    zonelistfile: "$d/zone.list"
    xfrdfile: "$d/xfrd.state"
    xfrdir: "$d"
    logfile: "$H/nsd.log"
    server-count: 1
    verbosity: 1
    hide-version: yes
    refuse-any: no
    # no response rate limiting: benchmarks ask thousands of names a second
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
remote-control:
    control-enable: no
EOF
    while read -r z kind; do
        printf 'zone:\n    name: "%s"\n    zonefile: "%s.zone"\n' "$z" "$z" >>"$d/nsd.conf.new"
        [ "$kind" = ok ] || { rm -f "$d/$z.zone"; continue; }
        {
            # shellcheck disable=SC2016
            printf '$ORIGIN %s.\n$TTL %s\n' "$z" "$H_DNS_TTL"
            printf '@ IN SOA ns.harness.test. hostmaster.harness.test. %s 3600 600 86400 %s\n' \
                "$serial" "$H_DNS_TTL"
            printf '@ IN NS ns.harness.test.\n'
            cat "$d/$z.rr"
        } >"$d/$z.zone.new"
        mv "$d/$z.zone.new" "$d/$z.zone"
    done <"$d/zones"
    nsd-checkconf "$d/nsd.conf.new" >&2 || h_die "nsd-checkconf failed on $d/nsd.conf.new"
}

h_dnsq() { "$H_PY" "$H_E2E_DIR/dnsq.py" "$H_DNS_PORT" "$@"; }

# h__dns_current - true when every ok-zone serves the current serial
h__dns_current() {
    local z kind serial got
    serial=$(cat "$H/dns/serial")
    while read -r z kind; do
        [ "$kind" = ok ] || continue
        got=$(h_dnsq "$z" SOA 2>/dev/null | sed -n 2p | awk '{ print $3 }')
        [ "$got" = "$serial" ] || return 1
    done <"$H/dns/zones"
}

h_dns_start() {
    local z
    h__dns_dir
    [ -s "$H/dns/zones" ] || h_zone_add harness.test
    h__dns_write
    mv "$H/dns/nsd.conf.new" "$H/dns/nsd.conf"
    for z in $(awk '$2 == "ok" { print $1 }' "$H/dns/zones"); do
        nsd-checkzone "$z" "$H/dns/$z.zone" >/dev/null ||
            h_die "zone $z does not load: nsd-checkzone $z $H/dns/$z.zone"
    done
    h_daemon nsd nsd -d -c "$H/dns/nsd.conf"
    h_wait_for 10 h__dns_current || h_die "NSD did not come up; see $H/nsd.log"
}

h_dns_stop() { h_stop nsd; }

h_dns_reload() {
    local _
    h__dns_write
    if ! cmp -s "$H/dns/nsd.conf.new" "$H/dns/nsd.conf" || [ -z "$(h_pid nsd)" ]; then
        h_dns_stop
        mv "$H/dns/nsd.conf.new" "$H/dns/nsd.conf"
        h_daemon nsd nsd -d -c "$H/dns/nsd.conf"
        h_wait_for 10 h__dns_current || h_die "NSD did not come back; see $H/nsd.log"
        return 0
    fi
    rm -f "$H/dns/nsd.conf.new"
    # NSD notices a changed zone file by its mtime: HUP again if needed.
    for _ in 1 2 3 4 5; do
        kill -HUP "$(h_pid nsd)"
        h_wait_for 2 h__dns_current && return 0
        touch "$H"/dns/*.zone
    done
    h_die "NSD did not load the new zones; see $H/nsd.log"
}
