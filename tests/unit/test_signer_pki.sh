#!/bin/sh
# tests/unit/test_signer_pki.sh DIR — a throwaway test PKI for the signer's
# unit tests, made at test time with the openssl command (no private key is
# ever committed): a CA, enterprises A and B, and the bad cases.
#   ca.pem                 trusted CA certificate (for xmlsec1 --trusted-pem)
#   ent-a.p12              A's key + certificate, passphrase in ./passphrase
#   ent-a.key / ent-a.pem  the same as PEM (key encrypted with the passphrase)
#   ent-a-plain.key        A's key unencrypted; ent-a-combined.pem = key + cert
#   ent-b.pem              B's certificate (does not match A's key)
#   expired.p12 future.p12 A's key with a certificate out of its validity
#   ec.p12                 an EC key (not RSA)
#   legacy.p12             A as OpenSSL's -legacy (RC2/3DES) PKCS#12
#   corrupt.p12            not PKCS#12 at all
set -eu
d=$1
pass=test-pass
mkdir -p "$d/db"
cd "$d"
umask 077
printf '%s\n' "$pass" > passphrase
: > db/index.txt
cat > ca.cnf <<'CNF'
[ca]
default_ca = dfca
[dfca]
database = db/index.txt
new_certs_dir = db
rand_serial = yes
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
[anything]
commonName = supplied
organizationName = optional
CNF
q() { "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; "$@"; exit 1; }; }
q openssl req -x509 -new -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 \
    -subj "/CN=drugflow unit-test CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
sign() { # csr out [ca options]
    csr=$1 out=$2; shift 2
    q openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in "$csr" -out "$out" -notext "$@"
}
q openssl req -new -newkey rsa:2048 -nodes -keyout ent-a-plain.key -out a.csr \
    -subj "/O=Enterprise A/CN=91440101MA59TESTAA"
q openssl req -new -newkey rsa:2048 -nodes -keyout ent-b.key -out b.csr \
    -subj "/O=Enterprise B/CN=91440101MA59TESTBB"
q openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ec.key -out ec.csr \
    -subj "/O=Enterprise EC/CN=91440101MA59TESTEC"
sign a.csr ent-a.pem -days 365
sign b.csr ent-b.pem -days 365
sign ec.csr ec.pem -days 365
sign a.csr expired.pem -startdate 20200101000000Z -enddate 20210101000000Z
sign a.csr future.pem -startdate 20990101000000Z -enddate 21000101000000Z
p12() { # key cert out [options]
    k=$1 c=$2 o=$3; shift 3
    q openssl pkcs12 -export -inkey "$k" -in "$c" -out "$o" -passout "pass:$pass" "$@"
}
p12 ent-a-plain.key ent-a.pem ent-a.p12
p12 ent-b.key ent-b.pem ent-b.p12
p12 ent-a-plain.key expired.pem expired.p12
p12 ent-a-plain.key future.pem future.p12
p12 ec.key ec.pem ec.p12
p12 ent-a-plain.key ent-a.pem legacy.p12 -legacy
q openssl pkey -in ent-a-plain.key -out ent-a.key -aes256 -passout "pass:$pass"
cat ent-a-plain.key ent-a.pem > ent-a-combined.pem
head -c 2000 /dev/urandom > corrupt.p12
chmod 600 ./*.p12 ./*.key ./*.pem passphrase
