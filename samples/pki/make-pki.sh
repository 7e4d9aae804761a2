#!/usr/bin/env bash
# samples/pki/make-pki.sh — creates drugflow's test PKI for drugflow-sim, the
# tests and the demo. Nothing it writes is ever committed.
#
# Usage: make-pki.sh [--force] [--sm2] OUTDIR
#
# Writes into OUTDIR:
#   ca.pem ca.key                test CA (ca.key unencrypted, mode 600)
#   server.pem server.key        server certificate, SAN DNS:localhost, IP:127.0.0.1
#                                (key unencrypted so that drugflow-sim starts unattended)
#   ent-a.p12 ent-a.pem ent-a.key   enterprise A, CN 91440101MA59TEST0A
#   ent-b.p12 ent-b.pem ent-b.key   enterprise B, CN 91440101MA59TEST0B
#   expired.p12 expired.pem expired.key   CN 91440101MA59EXPIRD, validity ended in the past
#   foreign-ca.pem foreign.p12 foreign.pem foreign.key   CN 91440101MA59FOREIG, from another CA
#   sub-ca.pem                   an intermediate CA under ca.pem
#   ent-a-chain.p12 ent-a-chain.pem ent-a-chain.key   enterprise A issued by sub-ca (the
#                                PKCS#12 and the PEM hold sub-ca and ca after A's certificate)
#   ent-a-nosign.p12 ent-a-nosign.pem ent-a-nosign.key   A with keyUsage keyEncipherment only
#   passphrase                   the passphrase of every .p12 and client .key (mode 600)
# With --sm2 also (Chinese national algorithms, for profile gd-v1-sm2):
#   sm2-ca.pem sm2-ca.key        an SM2 CA, its certificate signed with SM2-with-SM3
#   ent-a-sm2.p12 ent-a-sm2.pem ent-a-sm2.key   enterprise A, SM2 key, issued by sm2-ca
#   ent-b-sm2.p12 ent-b-sm2.pem ent-b-sm2.key   enterprise B, the same
#   (TLS stays RSA: the enterprise authenticates with ent-a.p12, signs with ent-a-sm2.p12)
# Client keys (*.key except ca/server/foreign-ca/sm2-ca) are PKCS#8 encrypted
# with the passphrase, taken from $DRUGFLOW_PKI_PASS (default "test-pass").
# Idempotent: does nothing if OUTDIR/ca.pem exists (and, with --sm2,
# OUTDIR/sm2-ca.pem), unless --force.
# Exit status: 0 done (or already there), 1 openssl failed, 2 usage.
set -euo pipefail

force=0 sm2=0
while [ $# -gt 1 ]; do
    case "$1" in
        --force) force=1 ;;
        --sm2) sm2=1 ;;
        *) break ;;
    esac
    shift
done
if [ $# -ne 1 ] || [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
    sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//'
    [ $# -eq 1 ] && exit 0 || exit 2
fi
out=$1
rsa=1
if [ -f "$out/ca.pem" ] && [ $force -eq 0 ]; then
    rsa=0
    if [ $sm2 -eq 0 ] || [ -f "$out/sm2-ca.pem" ]; then
        echo "make-pki: $out/ca.pem exists, nothing to do (use --force to recreate)"
        exit 0
    fi
fi
pass=${DRUGFLOW_PKI_PASS:-test-pass}
mkdir -p "$out"
umask 077
work=$(mktemp -d "${TMPDIR:-/tmp}/drugflow-pki.XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ $rsa -eq 1 ]; then
    printf '%s\n' "$pass" >"$out/passphrase"
    chmod 600 "$out/passphrase"
else
    pass=$(head -n 1 "$out/passphrase")
fi
export DF_PKI_PASS="$pass"

ossl() { openssl "$@" 2>"$work/err" || { cat "$work/err" >&2; echo "make-pki: openssl $1 failed" >&2; exit 1; }; }

# Key algorithms: RSA, or SM2 (OpenSSL 3: a key on curve SM2, signed with SM3;
# made by genpkey, as req -newkey makes an EC key that cannot sign with SM3).
keyalg=(-algorithm RSA -pkeyopt rsa_keygen_bits:2048) md=sha256
use_sm2() { keyalg=(-algorithm EC -pkeyopt ec_paramgen_curve:SM2) md=sm3; }

# A self-signed CA: name, subject CN, output prefix.
make_ca() {
    ossl genpkey "${keyalg[@]}" -out "$out/$1.key"
    chmod 600 "$out/$1.key"
    ossl req -x509 -new -key "$out/$1.key" -"$md" -days 3650 \
        -subj "/C=CN/O=drugflow test/CN=$2" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -out "$out/$1.pem"
}

# An openssl-ca directory for a CA, so that start and end dates can be set.
ca_dir() {
    local d=$work/ca-$1
    mkdir -p "$d/new"
    : >"$d/index.txt"
    cat >"$d/ca.cnf" <<EOF
[ca]
default_ca = this
[this]
dir = $d
database = $d/index.txt
new_certs_dir = $d/new
certificate = $out/$1.pem
private_key = $out/$1.key
default_md = $md
policy = any
unique_subject = no
copy_extensions = none
rand_serial = yes
[any]
commonName = supplied
organizationName = optional
countryName = optional
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation,keyEncipherment
extendedKeyUsage = clientAuth,emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[nosign]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyEncipherment
extendedKeyUsage = clientAuth
[subca]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
}

# Issues a certificate: CA prefix, extension section, CN, output prefix,
# start date, end date (openssl ca format YYYYMMDDHHMMSSZ, or "" for now/+3y).
issue() {
    local ca=$1 ext=$2 cn=$3 name=$4 start=${5:-} end=${6:-}
    ossl genpkey "${keyalg[@]}" -out "$work/$name.key"
    ossl req -new -key "$work/$name.key" -"$md" -subj "/C=CN/O=drugflow test/CN=$cn" -out "$work/$name.csr"
    local dates=(-days 1095)
    if [ -n "$start" ]; then dates=(-startdate "$start" -enddate "$end"); fi
    ossl ca -batch -config "$work/ca-$ca/ca.cnf" -extensions "$ext" -notext \
        "${dates[@]}" -in "$work/$name.csr" -out "$out/$name.pem"
}

# Client material: encrypted PEM key and the PKCS#12 (key, cert, CA chain:
# the files named after the name, in order).
client_files() {
    local name=$1
    shift
    local chain=$work/$name.chain
    : >"$chain"
    for ca in "$@"; do cat "$out/$ca.pem" >>"$chain"; done
    ossl pkcs8 -topk8 -v2 aes-256-cbc -in "$work/$name.key" -out "$out/$name.key" \
        -passout env:DF_PKI_PASS
    chmod 600 "$out/$name.key"
    ossl pkcs12 -export -inkey "$work/$name.key" -in "$out/$name.pem" -certfile "$chain" \
        -name "$name" -passout env:DF_PKI_PASS -out "$out/$name.p12"
    chmod 600 "$out/$name.p12"
}

if [ $rsa -eq 1 ]; then
    make_ca ca "drugflow test CA"
    ca_dir ca
    issue ca server localhost server
    cp "$work/server.key" "$out/server.key"
    chmod 600 "$out/server.key"
    issue ca client 91440101MA59TEST0A ent-a
    client_files ent-a ca
    issue ca client 91440101MA59TEST0B ent-b
    client_files ent-b ca
    issue ca client 91440101MA59EXPIRD expired 20200101000000Z 20210101000000Z
    client_files expired ca
    issue ca nosign 91440101MA59TEST0A ent-a-nosign
    client_files ent-a-nosign ca
    # An intermediate CA, and A's certificate from it: its PEM holds the chain too.
    issue ca subca "drugflow test sub-CA" sub-ca
    cp "$work/sub-ca.key" "$out/sub-ca.key"
    chmod 600 "$out/sub-ca.key"
    ca_dir sub-ca
    issue sub-ca client 91440101MA59TEST0A ent-a-chain
    client_files ent-a-chain sub-ca ca
    cat "$out/sub-ca.pem" "$out/ca.pem" >>"$out/ent-a-chain.pem"

    make_ca foreign-ca "foreign test CA"
    ca_dir foreign-ca
    issue foreign-ca client 91440101MA59FOREIG foreign
    client_files foreign foreign-ca
fi

if [ $sm2 -eq 1 ]; then
    use_sm2
    make_ca sm2-ca "drugflow test SM2 CA"
    ca_dir sm2-ca
    issue sm2-ca client 91440101MA59TEST0A ent-a-sm2
    client_files ent-a-sm2 sm2-ca
    issue sm2-ca client 91440101MA59TEST0B ent-b-sm2
    client_files ent-b-sm2 sm2-ca
fi

chmod 644 "$out"/*.pem
echo "make-pki: test PKI written to $out"
