#!/usr/bin/env bash
# benchmarks/token-bench.sh — signing with a key on a USB token (PKCS#11,
# issue 11) against the same key from its PKCS#12 file, on a SoftHSM2 token
# made here: build/tokensign's signatures per second with 1, 2 and nproc
# threads, each in parallel (libp11's session pool: a session per thread)
# and serialised (one lock around every signature); then `drugflow
# convert --sign streaming` of 100k SALE rows in chunks of 1,000 (100
# signatures) with each key. Writes benchmarks/results/token-sign-latest.txt.
#
#   benchmarks/token-bench.sh          (normally via `make bench`)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
DATA=benchmarks/data/token
OUT=benchmarks/results/token-sign-latest.txt
SIGS=${TOKEN_BENCH_SIGNATURES:-4000}
for b in "$BUILD/tokensign" "$BUILD/drugflow" "$BUILD/gen"; do
    [ -x "$b" ] || { echo "token-bench: $b is missing: run 'make bench'" >&2; exit 1; }
done
rm -rf "$DATA"
mkdir -p "$DATA" benchmarks/results
samples/pki/make-pki.sh "$DATA/pki" >/dev/null
PIN=135791
tests/e2e/make-token.sh "$DATA/hsm" ent-a "$DATA/pki/ent-a.key" "$DATA/pki/ent-a.pem" "$PIN" "$DATA/pki/passphrase"
export SOFTHSM2_CONF=$PWD/$DATA/hsm/softhsm2.conf
MOD=$(tests/e2e/make-token.sh --module)
printf '%s\n' "$PIN" >"$DATA/pin"
chmod 600 "$DATA/pin"
threads=$(printf "%s\n" 1 2 4 "$(nproc)" | sort -nu | paste -sd,)
{
    echo "# token-bench $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname), $(nproc) cores; $SIGS signatures per line"
    echo "# build/tokensign (RSA-2048, RSA-SHA256 of SignedInfo, df_signer_sign_digest as the writer threads call it)"
    "$BUILD/tokensign" --key "pkcs11:token=ent-a;object=ent-a" --module "$MOD" --pin-file "$DATA/pin" \
        --threads "$threads" --signatures "$SIGS"
    "$BUILD/tokensign" --key "$DATA/pki/ent-a.p12" --pin-file "$DATA/pki/passphrase" --threads "$threads" \
        --signatures "$SIGS"
    "$BUILD/gen" --type SALE --rows 100000 --seed 1 --out "$DATA/sale.csv" >/dev/null 2>&1
    echo "# drugflow convert --sign streaming, 100k SALE rows, --chunk-records 1000 (100 chunks), --threads $(nproc)"
    for key in "pkcs11:token=ent-a;object=ent-a" "$DATA/pki/ent-a.p12"; do
        pass=$DATA/pin
        [[ $key == pkcs11:* ]] || pass=$DATA/pki/passphrase
        rm -rf "$DATA/out"
        start=$(date +%s.%N)
        DRUGFLOW_PKCS11_MODULE=$MOD "$BUILD/drugflow" convert -c samples/drugflow.yaml -m samples/mappings/sale.yaml \
            --no-catalogs -p 2026-10 -o "$DATA/out" -q --chunk-records 1000 --key "$key" --passphrase-file "$pass" \
            "$DATA/sale.csv" || [ $? -eq 1 ]
        end=$(date +%s.%N)
        printf '%-10s convert+sign  %6.2f s\n' "$([[ $key == pkcs11:* ]] && echo token || echo file)" \
            "$(echo "$end - $start" | bc)"
    done
} | tee "$OUT"
rm -rf "$DATA"
