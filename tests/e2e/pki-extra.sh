# tests/e2e/pki-extra.sh — further enterprise certificates from the test CA
# ($PKI of sim-common.sh), made by the test that needs them, so that their
# validity is relative to now: sourced after sim-common.sh.
#
#   issue_extra NAME CN START END [KEY_USAGE [EXT_KEY_USAGE]]
#       $T/NAME.key (PKCS#8, encrypted with $PASS), $T/NAME.pem, $T/NAME.p12;
#       START and END as date(1) takes them ("-1 day", "+10 days").

issue_extra() {
    local name=$1 cn=$2 start=$3 end=$4 ku=${5:-critical,digitalSignature,nonRepudiation,keyEncipherment}
    local eku=${6:-clientAuth,emailProtection} d=$T/.ca-$1
    mkdir -p "$d/new"
    : >"$d/index.txt"
    cat >"$d/ca.cnf" <<CNF
[ca]
default_ca = this
[this]
dir = $d
database = $d/index.txt
new_certs_dir = $d/new
certificate = $PKI/ca.pem
private_key = $PKI/ca.key
default_md = sha256
policy = any
unique_subject = no
rand_serial = yes
[any]
commonName = supplied
organizationName = optional
countryName = optional
[ext]
basicConstraints = critical,CA:FALSE
keyUsage = $ku
extendedKeyUsage = $eku
CNF
    openssl req -new -newkey rsa:2048 -nodes -subj "/C=CN/O=drugflow test/CN=$cn" -keyout "$d/key" \
        -out "$d/csr" 2>/dev/null
    openssl ca -batch -config "$d/ca.cnf" -extensions ext -notext -in "$d/csr" -out "$T/$name.pem" \
        -startdate "$(date -u -d "$start" +%Y%m%d%H%M%SZ)" -enddate "$(date -u -d "$end" +%Y%m%d%H%M%SZ)" \
        2>/dev/null
    DF_PASS=$PASS openssl pkcs8 -topk8 -v2 aes-256-cbc -in "$d/key" -out "$T/$name.key" -passout env:DF_PASS
    DF_PASS=$PASS openssl pkcs12 -export -inkey "$d/key" -in "$T/$name.pem" -certfile "$PKI/ca.pem" \
        -name "$name" -passout env:DF_PASS -out "$T/$name.p12"
    chmod 600 "$T/$name.key" "$T/$name.p12"
    rm -rf "$d"
}
