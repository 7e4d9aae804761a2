#!/usr/bin/env bash
# Every sample export (all seven document types, and the GB18030 one) converts:
# counts add up, every chunk validates against the schema and carries the right
# header and trailer, rejects.csv starts with a UTF-8 BOM and holds one row per
# rejected row with the expected line and reason codes, and the values come out
# normalised and escaped.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/fixtures/convert/helpers.sh"

TRADE="15 E_NEGATIVE_QTY|16 E_PARTNER_UNMATCHED|17 E_COMMODITY_UNMATCHED|18 E_REQUIRED|19 E_FORMAT|20 E_TOO_LONG|21 E_COLUMNS|22 E_ENCODING|"
DISPOSAL="15 E_NEGATIVE_QTY|16 E_COMMODITY_UNMATCHED|17 E_REQUIRED|18 E_FORMAT|19 E_TOO_LONG|20 E_COLUMNS|21 E_ENCODING|"
# name doc_type rows accepted expected-rejects
cases=(
    "sale SALE 21 13 $TRADE"
    "purchase PURCHASE 21 13 $TRADE"
    "purchase_return PURCHASE_RETURN 21 13 $TRADE"
    "sale_return SALE_RETURN 21 13 $TRADE"
    "damage DAMAGE 20 13 $DISPOSAL"
    "unqualified UNQUALIFIED 20 13 $DISPOSAL"
    "inventory INVENTORY 20 13 16 E_NEGATIVE_QTY|17 E_COMMODITY_UNMATCHED|18 E_REQUIRED|19 E_FORMAT|20 E_TOO_LONG|21 E_COLUMNS|22 E_ENCODING|"
    "sale_gb18030 SALE 11 9 11 E_NEGATIVE_QTY|12 E_ENCODING|"
)

for c in "${cases[@]}"; do
    read -r name dt rows accepted expected <<<"$c"
    out=$T/$name
    input=$SAMPLES/exports/$name.csv
    convert "$out" "$SAMPLES/mappings/$name.yaml" "$input"
    assert_eq "$rc" 1 "$name: exit status with rejected rows"
    j=$out.json
    assert_eq "$(json_num "$j" rows_read)" "$rows" "$name: rows_read"
    assert_eq "$(json_num "$j" accepted)" "$accepted" "$name: accepted"
    assert_eq "$(json_num "$j" rejected)" "$((rows - accepted))" "$name: rejected"
    assert_eq "$(( $(json_num "$j" accepted) + $(json_num "$j" rejected) ))" "$(json_num "$j" rows_read)" \
        "$name: rows_read = accepted + rejected"

    # One chunk, valid, with the run's header and the right trailer.
    mapfile -t files < <(chunks "$out")
    assert_eq "${#files[@]}" 1 "$name: chunks"
    assert_eq "$(basename "${files[0]}")" "2026-10-$dt-01_00001.xml" "$name: chunk name"
    validate "${files[0]}"
    f=${files[0]}
    assert_eq "$(xml_str "$f" /DataFile/Header/DocType)" "$dt" "$name: DocType"
    assert_eq "$(xml_str "$f" /DataFile/Header/Period)" "2026-10" "$name: Period"
    assert_eq "$(xml_str "$f" /DataFile/Header/BatchId)" "2026-10-$dt-01" "$name: BatchId"
    assert_eq "$(xml_str "$f" /DataFile/Header/ChunkSeq)" 1 "$name: ChunkSeq"
    assert_eq "$(xml_str "$f" /DataFile/Header/CreatedAt)" "$CREATED" "$name: CreatedAt"
    assert_eq "$(xml_str "$f" /DataFile/Header/EnterpriseCode)" "91440101MA59TEST0A" "$name: EnterpriseCode"
    assert_eq "$(xml_str "$f" /DataFile/Header/EnterpriseName)" "广州样例医药连锁有限公司" "$name: EnterpriseName"
    assert_eq "$(xml_str "$f" /DataFile/Trailer/RecordCount)" "$accepted" "$name: RecordCount"
    assert_eq "$(xml_count "$f" /DataFile/Records/Record)" "$accepted" "$name: records in the file"
    assert_eq "$(json_chunk_records "$j")" "$accepted" "$name: records in the summary"
    # Every accepted record is complete: its document type's field count.
    nf=$(xmllint --xpath 'count(/DataFile/Records/Record[1]/*)' "$f")
    assert_eq "$(xml_count "$f" "/DataFile/Records/Record[count(*) = $nf]")" "$accepted" "$name: same fields in every record"
    assert_eq "$(sha256sum "$f" | cut -d' ' -f1)" "$(grep -o '"sha256":"[0-9a-f]*"' "$j" | cut -d'"' -f4)" \
        "$name: summary sha256 is the file's"

    # rejects.csv: a BOM, a header, then one row per rejected row.
    r=$out/rejects.csv
    assert_file "$r"
    assert_eq "$(head -c 3 "$r" | od -An -tx1 | tr -d ' ')" "efbbbf" "$name: rejects.csv starts with a UTF-8 BOM"
    head -n 1 "$r" | grep -q "^.*file,line,reasons,message," || fail "$name: rejects.csv header: $(head -n 1 "$r")"
    got=$(grep -a "^$input," "$r" | cut -d, -f2,3 | tr ',' ' ' | tr '\n' '|')
    assert_eq "$got" "$expected" "$name: rejected lines and reasons"
    assert_eq "$(grep -ac "^$input," "$r")" "$((rows - accepted))" "$name: one rejects.csv row per rejected row"
done

# Values: normalised and escaped in the XML, read back by a parser.
f=$T/sale/2026-10-SALE-01_00001.xml
rec() { xml_str "$f" "/DataFile/Records/Record[BillNo='$1']/$2"; }
assert_eq "$(rec XS2026100001 BillDate)" "2026-10-02" "date 2026/10/02"
assert_eq "$(rec XS2026100002 BillDate)" "2026-10-03" "date 20261003"
assert_eq "$(rec XS2026100001 Quantity)" "1200" "quantity 1,200"
assert_eq "$(rec XS2026100002 Quantity)" "24" "quantity in full-width digits"
assert_eq "$(rec XS2026100003 Quantity)" "3.5" "quantity 3.5"
assert_eq "$(rec XS2026100005 Unit)" "盒" "empty unit takes the default"
assert_eq "$(rec XS2026100006 DrugName)" "𠀀康片" "a character beyond the BMP"
assert_eq "$(rec XS2026100006 Manufacturer)" "广东&联合<制药>有限公司" "& < > in a value"
assert_eq "$(xml_count "$f" "/DataFile/Records/Record[BillNo='XS,\"13\"&<>']")" 1 "quotes, comma, & < > in BillNo"
grep -q '<BillNo>XS,"13"&amp;&lt;&gt;</BillNo>' "$f" || fail "BillNo not escaped as canonical XML"
# Record order is input order.
assert_eq "$(xml_str "$f" '/DataFile/Records/Record[1]/BillNo')" "XS2026100001" "first record"
assert_eq "$(xml_str "$f" '/DataFile/Records/Record[13]/BillNo')" 'XS,"13"&<>' "last record"

# The rejects row keeps the original values, undecodable bytes as U+FFFD.
grep -a "^$SAMPLES/exports/sale.csv,22," "$T/sale/rejects.csv" | grep -q "对乙酰�氨基酚片" || fail "rejects.csv: bad bytes not shown as U+FFFD"
grep -a "^$SAMPLES/exports/sale.csv,16," "$T/sale/rejects.csv" | grep -q "PartnerName" || fail "rejects.csv: message does not name the field"

# A multi-line quoted field survives into the record (inventory line 14-15).
f=$T/inventory/2026-10-INVENTORY-01_00001.xml
assert_eq "$(xml_str "$f" "/DataFile/Records/Record[BatchNo='B20260013']/Warehouse")" "$(printf '仓库 "A", 二楼\n冷库')" \
    "multi-line warehouse"

# GB18030: a four-byte character decoded, the same records as the UTF-8 export would give.
f=$T/sale_gb18030/2026-10-SALE-01_00001.xml
assert_eq "$(xml_str "$f" "/DataFile/Records/Record[BillNo='XS2026100009']/DrugName")" "𠀀康片" "GB18030 four-byte"
assert_eq "$(xml_str "$f" "/DataFile/Records/Record[BillNo='XS2026100002']/PartnerName")" "佛山市顺德区乐从医院" "GB18030 two-byte"
grep -a "^$SAMPLES/exports/sale_gb18030.csv,12," "$T/sale_gb18030/rejects.csv" | grep -q "not valid GB18030" ||
    fail "GB18030 encoding error message"
echo "all samples convert"
