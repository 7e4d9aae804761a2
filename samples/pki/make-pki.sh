#!/usr/bin/env bash
# samples/pki/make-pki.sh — creates drugflow's test PKI for drugflow-sim, the
# tests and the demo. Nothing it writes is ever committed.
#
# Usage: make-pki.sh [--force] OUTDIR
#
# Writes into OUTDIR:
#   ca.pem ca.key                test CA (ca.key unencrypted, mode 600)
#   server.pem server.key        server certificate, SAN DNS:localhost, IP:127.0.0.1
#                                (key unencrypted so that drugflow-sim starts unattended)
#   ent-a.p12 ent-a.pem ent-a.key   enterprise A, CN 91440101MA59TEST0A
#   ent-b.p12 ent-b.pem ent-b.key   enterprise B, CN 91440101MA59TEST0B
#   expired.p12 expired.pem expired.key   CN 91440101MA59EXPIRD, validity ended in the past
#   foreign-ca.pem foreign.p12 foreign.pem foreign.key   CN 91440101MA59FOREIG, from another CA
#   passphrase                   the passphrase of every .p12 and client .key (mode 600)
# Client keys (*.key except ca/server/foreign-ca) are PKCS#8 encrypted with the
# passphrase, taken from $DRUGFLOW_PKI_PASS (default "test-pass").
# Idempotent: does nothing if OUTDIR/ca.pem exists, unless --force.
# Exit status: 0 done (or already there), 1 openssl failed, 2 usage.
set -euo pipefail

force=0
if [ "${1:-}" = "--force" ]; then force=1; shift; fi
if [ $# -ne 1 ] || [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
    sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
    [ $# -eq 1 ] && exit 0 || exit 2
fi
out=$1
if [ -f "$out/ca.pem" ] && [ $force -eq 0 ]; then
    echo "make-pki: $out/ca.pem exists, nothing to do (use --force to recreate)"
    exit 0
fi
pass=${DRUGFLOW_PKI_PASS:-test-pass}
mkdir -p "$out"
umask 077
work=$(mktemp -d "${TMPDIR:-/tmp}/drugflow-pki.XXXXXX")
trap 'rm -rf "$work"' EXIT
printf '%s\n' "$pass" >"$out/passphrase"
chmod 600 "$out/passphrase"
export DF_PKI_PASS="$pass"

ossl() { openssl "$@" 2>"$work/err" || { cat "$work/err" >&2; echo "make-pki: openssl $1 failed" >&2; exit 1; }; }

# A self-signed CA: name, subject CN, output prefix.
make_ca() {
    ossl req -x509 -new -newkey rsa:2048 -nodes -sha256 -days 3650 \
        -subj "/C=CN/O=drugflow test/CN=$2" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -keyout "$out/$1.key" -out "$out/$1.pem"
    chmod 600 "$out/$1.key"
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
default_md = sha256
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
    ossl req -new -newkey rsa:2048 -nodes -subj "/C=CN/O=drugflow test/CN=$cn" \
        -keyout "$work/$name.key" -out "$work/$name.csr"
    local dates=(-days 1095)
    if [ -n "$start" ]; then dates=(-startdate "$start" -enddate "$end"); fi
    ossl ca -batch -config "$work/ca-$ca/ca.cnf" -extensions "$ext" -notext \
        "${dates[@]}" -in "$work/$name.csr" -out "$out/$name.pem"
}

# Client material: encrypted PEM key and the PKCS#12 (key, cert, CA chain).
client_files() {
    local name=$1 ca=$2
    ossl pkcs8 -topk8 -v2 aes-256-cbc -in "$work/$name.key" -out "$out/$name.key" \
        -passout env:DF_PKI_PASS
    chmod 600 "$out/$name.key"
    ossl pkcs12 -export -inkey "$work/$name.key" -in "$out/$name.pem" -certfile "$out/$ca.pem" \
        -name "$name" -passout env:DF_PKI_PASS -out "$out/$name.p12"
    chmod 600 "$out/$name.p12"
}

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

make_ca foreign-ca "foreign test CA"
ca_dir foreign-ca
issue foreign-ca client 91440101MA59FOREIG foreign
client_files foreign foreign-ca

chmod 644 "$out"/*.pem
echo "make-pki: test PKI written to $out"
