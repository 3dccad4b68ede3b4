# harness-dkim.sh - DKIM keys, the three independent verifiers, and a
# known-good signer (the real opendkim milter).  Sourced by harness.sh.
#
# Keys (made at test time, never committed)
#   h_genkey rsa|ed25519 PATH [BITS]  private key, PEM (PKCS#8), mode 0600;
#                          RSA default 2048 bits
#   h_dkim_txt PATH        print the "v=DKIM1; k=rsa|ed25519; p=..." record
#   h_dkim_publish DOMAIN SEL PATH   h_dkim_key DOMAIN SEL "$(h_dkim_txt PATH)"
#                          (then h_dns_start or h_dns_reload)
# Verifiers: keys only from the harness NSD (127.0.0.1:$H_DNS_PORT)
#   h_verify_one NAME FILE NAME = mail-dkim | dkimpy | opendkim; prints
#                          "NAME: pass|fail|skip (d/s alg=result..., ...)",
#                          one entry per DKIM-Signature; status 0 pass,
#                          1 fail, 2 skip (every signature uses an algorithm
#                          that verifier lacks: Ed25519 for Debian 12's
#                          Mail::DKIM; such signatures are "skip" entries)
#   h_verify FILE          all three, one line each; status 0 only if none
#                          fails and at least one passes (so a message whose
#                          only signature is Ed25519 passes with mail-dkim
#                          skip; use h_verify_one to demand more)
#   $H_VERIFY_OPENDKIM     path of a prebuilt verify-opendkim; if unset the
#                          harness compiles verify-opendkim.c into $H once
# Signer
#   h_opendkim_start [-a ALG] [-n NAME] DOMAIN:SEL:KEYPATH...
#                          opendkim -f on 127.0.0.1:$H_OPENDKIM_PORT (another
#                          free port if NAME, default "opendkim", is given),
#                          signing mail whose From domain is DOMAIN with every
#                          key given for it (two keys = two signatures),
#                          relaxed/relaxed, ALG (default rsa-sha256) for all
#                          its keys: opendkim 2.11 has one SignatureAlgorithm,
#                          so RSA + Ed25519 dual signing takes two instances
#                          chained in smtpd_milters; sets $H_OPENDKIM_MILTER
#                          to this instance's Postfix milter address
#   h_opendkim_stop [NAME]

h_genkey() {
    local alg=$1 path=$2 bits=${3:-2048}
    mkdir -p "$(dirname "$path")"
    ( umask 077
      case $alg in
      rsa) openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$bits" -out "$path" ;;
      ed25519) openssl genpkey -algorithm ED25519 -out "$path" ;;
      *) echo "h_genkey: unknown algorithm $alg" >&2; exit 1 ;;
      esac ) 2>"$H/openssl.err" || h_die "h_genkey $alg $path: $(cat "$H/openssl.err")"
    chmod 600 "$path"
}

h_dkim_txt() {
    local path=$1 der
    der=$(openssl pkey -in "$path" -pubout -outform DER 2>/dev/null | base64 -w0) ||
        h_die "h_dkim_txt: cannot read key $path"
    if openssl pkey -in "$path" -noout -text 2>/dev/null | grep -q '^ED25519'; then
        # RFC 8463: p= is the raw 32-byte public key, not the SPKI structure
        der=$(printf '%s' "$der" | base64 -d | tail -c 32 | base64 -w0)
        printf 'v=DKIM1; k=ed25519; p=%s\n' "$der"
    else
        printf 'v=DKIM1; k=rsa; p=%s\n' "$der"
    fi
}

h_dkim_publish() { h_dkim_key "$1" "$2" "$(h_dkim_txt "$3")"; }

h__verify_opendkim_bin() {
    if [ -n "${H_VERIFY_OPENDKIM:-}" ]; then
        echo "$H_VERIFY_OPENDKIM"
        return 0
    fi
    if [ ! -x "$H/verify-opendkim" ]; then
        # shellcheck disable=SC2046
        cc -O2 -Wall -o "$H/verify-opendkim" "$H_E2E_DIR/verify-opendkim.c" \
            $(pkg-config --cflags --libs opendkim) -lunbound 2>"$H/verify-opendkim.err" ||
            h_die "cannot build verify-opendkim: $(cat "$H/verify-opendkim.err")"
    fi
    echo "$H/verify-opendkim"
}

h_verify_one() {
    local name=$1 file=$2 bin
    case $name in
    mail-dkim) perl "$H_E2E_DIR/verify-mail-dkim.pl" "$H_DNS_PORT" "$file" ;;
    dkimpy) "$H_PY" "$H_E2E_DIR/verify-dkimpy.py" "$H_DNS_PORT" "$file" ;;
    opendkim)
        bin=$(h__verify_opendkim_bin) || return 1
        "$bin" "$H_DNS_PORT" "$file" ;;
    *) h_die "h_verify_one: unknown verifier $name" ;;
    esac
}

h_verify() {
    local v rc pass=0 fail=0
    for v in mail-dkim dkimpy opendkim; do
        h_verify_one "$v" "$1"
        rc=$?
        case $rc in
        0) pass=$((pass + 1)) ;;
        2) ;;
        *) fail=$((fail + 1)) ;;
        esac
    done
    [ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
}

h_opendkim_start() {
    local alg=rsa-sha256 name=opendkim port=$H_OPENDKIM_PORT d spec dom sel key n=0
    while [ $# -gt 0 ]; do
        case $1 in
        -a) alg=$2; shift 2 ;;
        -n) name=$2; shift 2 ;;
        *) break ;;
        esac
    done
    [ "$name" = opendkim ] || port=$(h_port)
    d=$H/$name
    mkdir -p "$d" && chmod 700 "$d"
    : >"$d/keytable"
    : >"$d/signingtable"
    for spec in "$@"; do
        IFS=: read -r dom sel key <<<"$spec"
        [ -f "$key" ] || h_die "h_opendkim_start: no key file $key"
        n=$((n + 1))
        echo "k$n $dom:$sel:$key" >>"$d/keytable"
        echo "*@$dom k$n" >>"$d/signingtable"
    done
    # RequireSafeKeys no: opendkim refuses keys below a world-writable
    # directory such as /tmp (sticky or not); the keys are 0600 anyway.
    cat >"$d/opendkim.conf" <<EOF
Syslog                  no
Mode                    s
Socket                  inet:$port@127.0.0.1
PidFile                 $d/opendkim.pid
KeyTable                file:$d/keytable
SigningTable            refile:$d/signingtable
MultipleSignatures      yes
SignatureAlgorithm      $alg
Canonicalization        relaxed/relaxed
OversignHeaders         From
InternalHosts           127.0.0.1
SoftwareHeader          no
RequireSafeKeys         no
UMask                   077
EOF
    h_daemon "$name" opendkim -f -x "$d/opendkim.conf"
    h_nudge_port "$name" "$port"
    h_wait_port "$port" 10 || h_die "opendkim did not start; see $H/$name.log"
    H_OPENDKIM_MILTER=inet:127.0.0.1:$port
    export H_OPENDKIM_MILTER
}

h_opendkim_stop() { h_stop "${1:-opendkim}"; }
