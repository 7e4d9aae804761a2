#!/usr/bin/env bash
# tests/e2e/make-token.sh — a SoftHSM2 software token holding an enterprise
# key and its certificate, as a NETCA USB key holds them (issue 11), for the
# token tests and the token benchmark. Nothing outside DIR is touched.
#
#   make-token.sh DIR LABEL KEY.pem CERT.pem PIN [PASSFILE]
#       DIR/softhsm2.conf (export SOFTHSM2_CONF=DIR/softhsm2.conf) and DIR/tokens/;
#       token LABEL (SO PIN 87654321, user PIN PIN) with the private key KEY.pem
#       (PKCS#8, encrypted with PASSFILE's passphrase if given) and CERT.pem,
#       both labelled LABEL with id 01. Run again to add another token.
#   make-token.sh --module      prints the SoftHSM2 module's path
set -euo pipefail
module() {
    local m
    for m in /usr/lib/softhsm/libsofthsm2.so /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so; do
        [ -r "$m" ] && { echo "$m"; return 0; }
    done
    echo "make-token: SoftHSM2 is not installed (Debian: softhsm2; 'make deps' installs it)" >&2
    return 1
}
if [ "${1:-}" = --module ]; then module; exit; fi
[ $# -ge 5 ] || { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
dir=$1 label=$2 key=$3 cert=$4 pin=$5 passfile=${6:-}
mod=$(module)
mkdir -p "$dir/tokens"
cat >"$dir/softhsm2.conf" <<CONF
directories.tokendir = $dir/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
CONF
export SOFTHSM2_CONF=$dir/softhsm2.conf
plain=$dir/.key-$label.pem
trap 'rm -f "$plain"' EXIT
if [ -n "$passfile" ]; then
    openssl pkcs8 -in "$key" -passin "file:$passfile" -out "$plain"
else
    cp "$key" "$plain"
fi
softhsm2-util --init-token --free --label "$label" --so-pin 87654321 --pin "$pin" >/dev/null
softhsm2-util --import "$plain" --token "$label" --label "$label" --id 01 --pin "$pin" >/dev/null
GNUTLS_PIN=$pin p11tool --provider "$mod" --login --write --load-certificate "$cert" --label "$label" \
    --id 01 "pkcs11:token=$label" >/dev/null 2>&1 ||
    { echo "make-token: p11tool (Debian: gnutls-bin) could not write the certificate" >&2; exit 1; }
