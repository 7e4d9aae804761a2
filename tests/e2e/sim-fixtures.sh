#!/usr/bin/env bash
# tests/e2e/sim-fixtures.sh — makes test inputs for drugflow-sim's tests and
# benchmark without the converter: portal catalog CSVs, SALE data files with
# an empty enveloped signature template, and signed files (stock xmlsec1).
#
#   sim-fixtures.sh catalogs DIR
#       DIR/commodities.csv, DIR/partners.csv (3 commodities, 3 partners)
#   sim-fixtures.sh datafile OUT CODE PERIOD NRECORDS [NBAD_PARTNER [NEG_QTY]]
#       unsigned SALE file for enterprise CODE; the first NBAD_PARTNER records
#       name partners not in the catalog; NEG_QTY records after those have a
#       negative quantity
#   sim-fixtures.sh sign IN P12 PASSFILE OUT
#       signs IN with xmlsec1 (RSA-SHA256, c14n 20010315, enveloped, X509Data)
set -euo pipefail

catalogs() {
    mkdir -p "$1"
    cat >"$1/commodities.csv" <<'EOF'
DrugCode,PackSpec,DrugName,Spec,DosageForm,Manufacturer,ApprovalNo
86900000000001,0.25g*24粒/盒,阿莫西林胶囊,0.25g,胶囊剂,广州白云山制药总厂,国药准字H44021351
86900000000002,10ml*10支/盒,复方甘草口服溶液,10ml,口服溶液剂,广东某某药业有限公司,国药准字H44020001
86900000000003,"0.5g*12片/盒",对乙酰氨基酚片,0.5g,片剂,"深圳某某制药, 有限公司",国药准字H44020002
EOF
    cat >"$1/partners.csv" <<'EOF'
Name,CreditCode,LicenseNo
广州市越秀区康民大药房,91440104MA5CUST01,粤AA0200001
佛山市禅城区仁和药店,91440604MA5CUST02,粤AA0600002
深圳市福田区平安医院,12440300MA5CUST03,PDY00003
EOF
}

datafile() {
    local out=$1 code=$2 period=$3 n=$4 bad=${5:-0} neg=${6:-0}
    awk -v code="$code" -v period="$period" -v n="$n" -v bad="$bad" -v neg="$neg" 'BEGIN {
        split("广州市越秀区康民大药房|佛山市禅城区仁和药店|深圳市福田区平安医院", P, "|")
        split("86900000000001|86900000000002|86900000000003", C, "|")
        split("0.25g*24粒/盒|10ml*10支/盒|0.5g*12片/盒", S, "|")
        split("阿莫西林胶囊|复方甘草口服溶液|对乙酰氨基酚片", N, "|")
        print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
        print "<DataFile version=\"1.0\">"
        print "<Header>"
        print "<EnterpriseCode>" code "</EnterpriseCode>"
        print "<EnterpriseName>测试医药有限公司</EnterpriseName>"
        print "<DocType>SALE</DocType>"
        print "<Period>" period "</Period>"
        print "<BatchId>" period "-SALE-01</BatchId>"
        print "<ChunkSeq>1</ChunkSeq>"
        print "<CreatedAt>2026-11-01T02:00:00+08:00</CreatedAt>"
        print "</Header>"
        print "<Records>"
        for (i = 1; i <= n; i++) {
            k = (i % 3) + 1
            partner = (i <= bad) ? ("未登记药房" i) : P[k]
            qty = (i > bad && i <= bad + neg) ? "-2" : ((i % 50) + 1)
            printf "<Record><BillNo>XS%08d</BillNo><BillDate>%s-15</BillDate><PartnerName>%s</PartnerName>", i, period, partner
            printf "<DrugCode>%s</DrugCode><DrugName>%s</DrugName><Spec>0.25g</Spec><PackSpec>%s</PackSpec>", C[k], N[k], S[k]
            printf "<DosageForm>胶囊剂</DosageForm><Manufacturer>广州白云山制药总厂</Manufacturer><ApprovalNo>国药准字H44021351</ApprovalNo>"
            printf "<BatchNo>B%06d</BatchNo><ProductionDate>2026-01-01</ProductionDate><ExpiryDate>2028-12-31</ExpiryDate>", i
            printf "<Quantity>%s</Quantity><Unit>盒</Unit><UnitPrice>12.50</UnitPrice><Amount>125.00</Amount></Record>\n", qty
        }
        print "</Records>"
        print "<Trailer><RecordCount>" n "</RecordCount></Trailer>"
        print "<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><SignedInfo>" \
              "<CanonicalizationMethod Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\"/>" \
              "<SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>" \
              "<Reference URI=\"\"><Transforms><Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/></Transforms>" \
              "<DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><DigestValue/></Reference>" \
              "</SignedInfo><SignatureValue/><KeyInfo><X509Data/></KeyInfo></Signature>"
        print "</DataFile>"
    }' >"$out"
}

sign() {
    local in=$1 p12=$2 passfile=$3 out=$4
    xmlsec1 --sign --pkcs12 "$p12" --pwd "$(head -n1 "$passfile")" --output "$out" "$in"
}

cmd=${1:-}
shift || true
case "$cmd" in
    catalogs) catalogs "$@" ;;
    datafile) datafile "$@" ;;
    sign) sign "$@" ;;
    *) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
