#!/usr/bin/env python3
"""benchmarks/peer.py — the side-by-side peer of `make bench` (issue 14).

A short reference converter in plain Python (stdlib only: csv and
xml.sax.saxutils.XMLGenerator) doing what `drugflow convert` does for a SALE
or INVENTORY export of benchmarks/gen: the mapping of samples/mappings (trim,
default, value map, date and decimal forms), the record rules of
INTERFACE.md §4 (required, formats, lengths, negative quantity, both
catalogs), rejects.csv, and data files of --chunk-records records (Header,
Records, Trailer, an empty enveloped Signature template). With --p12, every
chunk is then signed by the stock tool, `xmlsec1 --sign`, as tests/e2e and
drugflow-sim's fixtures do. It prints one line: rows, accepted, rejected,
chunks.

    benchmarks/peer.py --type SALE --catalogs DIR --out DIR [--chunk-records N]
                       [--p12 FILE --passfile FILE] EXPORT.csv
"""
import argparse
import csv
import datetime
import os
import re
import subprocess
import sys
from xml.sax.saxutils import XMLGenerator

DATES3 = ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"]
DRUG = [  # field, column, required, kind (text max / code / date / decimal), extra
    ("DrugCode", "药品本位码", True, ("code", 14), None),
    ("DrugName", "通用名称", True, ("text", 200), None),
    ("Spec", "规格", False, ("text", 200), None),
    ("PackSpec", "包装规格", True, ("text", 200), None),
    ("DosageForm", "剂型", False, ("text", 200), {"map": {"01": "片剂", "02": "胶囊剂", "03": "注射剂", "04": "颗粒剂"}}),
    ("Manufacturer", "生产企业", True, ("text", 200), None),
    ("ApprovalNo", "批准文号", True, ("text", 200), None),
    ("BatchNo", "批号", True, ("text", 64), None),
    ("ProductionDate", "生产日期", False, ("date", DATES3), None),
    ("ExpiryDate", "有效期至", True, ("date", DATES3), None),
    ("Quantity", "数量", True, ("decimal", True), None),
    ("Unit", "单位", True, ("text", 32), {"default": "盒"}),
]
MAPPINGS = {
    "SALE": [("BillNo", "单据编号", True, ("text", 64), None),
             ("BillDate", "单据日期", True, ("date", DATES3 + ["%Y-%m-%d %H:%M:%S"]), None),
             ("PartnerName", "往来单位", True, ("text", 200), None)] + DRUG +
            [("UnitPrice", "单价", False, ("decimal", False), None), ("Amount", "金额", False, ("decimal", False), None)],
    "INVENTORY": [("StockDate", "库存日期", True, ("date", DATES3), None),
                  ("Warehouse", "仓库", False, ("text", 200), None)] + DRUG,
}
FULLWIDTH = str.maketrans("０１２３４５６７８９．－", "0123456789.-", "，, \t\u3000")
DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?\Z")
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f\ufffe\uffff\udc80-\udcff]")
FORMS = {"%Y-%m-%d": re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})\Z"), "%Y/%m/%d": re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})\Z"),
         "%Y%m%d": re.compile(r"(\d{4})(\d{1,2})(\d{1,2})\Z"),
         "%Y-%m-%d %H:%M:%S": re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2}) \d{1,2}:\d{1,2}:\d{1,2}\Z")}
SIGNATURE = ('<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo>'
             '<CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>'
             '<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
             '<Reference URI=""><Transforms><Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
             '</Transforms><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue/></Reference>'
             '</SignedInfo><SignatureValue/><KeyInfo><X509Data/></KeyInfo></Signature>')


def date(value, formats):
    for f in formats:
        m = FORMS[f].match(value)
        if m:
            try:
                return datetime.date(int(m[1]), int(m[2]), int(m[3])).isoformat() if int(m[1]) >= 1900 else None
            except ValueError:
                pass
    return None


def check(fields, row, catalogs):
    """The record's values, or None and the reasons."""
    values, reasons = [], set()
    for name, column, required, kind, extra in fields:
        v = row[column].strip(" \t\u3000")
        if not v and extra and "default" in extra:
            v = extra["default"]
        if v and extra and "map" in extra:
            v = extra["map"].get(v, v)
        if not v:
            if required:
                reasons.add("E_REQUIRED")
        elif kind[0] == "text":
            if CONTROL.search(v):
                reasons.add("E_ENCODING")
            elif len(v) > kind[1]:
                reasons.add("E_TOO_LONG")
        elif kind[0] == "code":
            if len(v) != kind[1] or not v.isdigit() or not v.isascii():
                reasons.add("E_FORMAT")
        elif kind[0] == "date":
            v = date(v, kind[1]) or reasons.add("E_FORMAT") or v
        else:
            v = v.lstrip("+").translate(FULLWIDTH)
            if not DECIMAL.match(v):
                reasons.add("E_FORMAT")
            elif kind[1] and v.startswith("-") and v.strip("-0.") != "":
                reasons.add("E_NEGATIVE_QTY")
        values.append((name, v))
    rec = dict(values)
    if "PartnerName" in rec and rec["PartnerName"] and rec["PartnerName"] not in catalogs["partner"]:
        reasons.add("E_PARTNER_UNMATCHED")
    if rec["DrugCode"] and rec["PackSpec"] and (rec["DrugCode"], rec["PackSpec"]) not in catalogs["commodity"]:
        reasons.add("E_COMMODITY_UNMATCHED")
    return (None, reasons) if reasons else (values, None)


class Chunks:
    """Data files of n records: Header, Records, Trailer and a signature template."""

    def __init__(self, args, doc_type):
        self.args, self.doc_type, self.seq, self.count, self.out = args, doc_type, 0, 0, None
        self.paths = []

    def add(self, values):
        if self.out and self.count >= self.args.chunk_records:
            self.close()
        if not self.out:
            self.open()
        x = self.x
        x.startElement("Record", {})
        for name, v in values:
            x.startElement(name, {})
            x.characters(v)
            x.endElement(name)
        x.endElement("Record")
        x.ignorableWhitespace("\n")
        self.count += 1

    def open(self):
        self.seq += 1
        self.count = 0
        path = os.path.join(self.args.out, "%s_%05d.xml" % (self.args.batch, self.seq))
        self.paths.append(path)
        self.out = open(path, "w", encoding="utf-8")
        self.x = x = XMLGenerator(self.out, "UTF-8", short_empty_elements=False)
        x.startDocument()
        x.startElement("DataFile", {"version": "1.0"})
        x.startElement("Header", {})
        for name, v in [("EnterpriseCode", "91440101MA59TEST0A"), ("EnterpriseName", "广州样例医药连锁有限公司"),
                        ("DocType", self.doc_type), ("Period", "2026-10"), ("BatchId", self.args.batch),
                        ("ChunkSeq", str(self.seq)), ("CreatedAt", "2026-11-01T02:00:00+08:00")]:
            x.startElement(name, {})
            x.characters(v)
            x.endElement(name)
        x.endElement("Header")
        x.startElement("Records", {})
        x.ignorableWhitespace("\n")

    def close(self):
        x = self.x
        x.endElement("Records")
        x.startElement("Trailer", {})
        x.startElement("RecordCount", {})
        x.characters(str(self.count))
        x.endElement("RecordCount")
        x.endElement("Trailer")
        self.out.write(SIGNATURE)
        x.endElement("DataFile")
        x.endDocument()
        self.out.close()
        self.out = None


def load_catalogs(folder):
    with open(os.path.join(folder, "partners.csv"), encoding="utf-8-sig", newline="") as f:
        partners = {r["Name"] for r in csv.DictReader(f)}
    with open(os.path.join(folder, "commodities.csv"), encoding="utf-8-sig", newline="") as f:
        commodities = {(r["DrugCode"], r["PackSpec"]) for r in csv.DictReader(f)}
    return {"partner": partners, "commodity": commodities}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--type", default="SALE", choices=sorted(MAPPINGS))
    ap.add_argument("--catalogs", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--chunk-records", type=int, default=20000)
    ap.add_argument("--batch", default="2026-10-PEER-01")
    ap.add_argument("--p12")
    ap.add_argument("--passfile")
    ap.add_argument("export")
    args = ap.parse_args()
    fields, catalogs = MAPPINGS[args.type], load_catalogs(args.catalogs)
    os.makedirs(args.out, exist_ok=True)
    chunks, rows, accepted = Chunks(args, args.type), 0, 0
    with open(args.export, encoding="utf-8-sig", errors="surrogateescape", newline="") as f, \
            open(os.path.join(args.out, "rejects.csv"), "w", encoding="utf-8-sig", newline="") as rej:
        reader, rejects = csv.reader(f), csv.writer(rej)
        header = next(reader)
        for line in reader:
            if not line:
                continue
            rows += 1
            if len(line) != len(header):
                rejects.writerow([reader.line_num, "E_COLUMNS"] + line)
                continue
            values, reasons = check(fields, dict(zip(header, line)), catalogs)
            if values is None:
                rejects.writerow([reader.line_num, " ".join(sorted(reasons))] + line)
                continue
            chunks.add(values)
            accepted += 1
    if chunks.out:
        chunks.close()
    if args.p12:
        password = open(args.passfile, encoding="utf-8").readline().strip()
        for path in chunks.paths:
            signed = path + ".signed"
            subprocess.run(["xmlsec1", "--sign", "--pkcs12", args.p12, "--pwd", password, "--output", signed, path],
                           check=True, stdout=subprocess.DEVNULL)
            os.replace(signed, path)
    print("rows=%d accepted=%d rejected=%d chunks=%d" % (rows, accepted, rows - accepted, len(chunks.paths)))


if __name__ == "__main__":
    sys.exit(main())
