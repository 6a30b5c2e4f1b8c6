#!/usr/bin/env python3
"""doc_seeds.py — writes the seed corpora of the document-reader harnesses (corpus/doc,
doc_text, doc_zip, doc_docx, doc_xlsx) from ../shared (the seed list as text, .docx and .xlsx,
the public documents) and a few hand-made files: a zip bomb, one that lies about its sizes, an
encrypted entry, a zip that is not an Office file, an encrypted Office file, a workbook whose
list is on its second sheet, and the hand-made inputs of bugs since fixed (crashes/README.md).
Inputs the fuzzer found (named *-found) are kept. Run from anywhere; the output is committed,
so this is only needed to change the seeds."""
import io
import os
import struct
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared"))
if len(sys.argv) > 1:
    SHARED = sys.argv[1]
CORPUS = os.path.join(HERE, "corpus")


def read(rel):
    with open(os.path.join(SHARED, rel), "rb") as f:
        return f.read()


def piece(data, limit):
    """The first lines of a text, at most limit bytes, cut at a line end."""
    if len(data) <= limit:
        return data
    cut = data.rfind(b"\n", 0, limit)
    return data[: cut + 1 if cut > 0 else limit]


def make_zip(entries, method=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in entries:
            z.writestr(zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0)), data, compress_type=method)
    return bytearray(buf.getvalue())


def headers(z):
    """Offsets of each local and central directory header (signatures PK\\3\\4, PK\\1\\2)."""
    local = [i for i in range(len(z) - 3) if z[i : i + 4] == b"PK\x03\x04"]
    central = [i for i in range(len(z) - 3) if z[i : i + 4] == b"PK\x01\x02"]
    return local, central


def patch(z, local_field, central_field, fmt, value):
    """Sets one field in every local (offset local_field) and central header."""
    local, central = headers(z)
    for at in local:
        struct.pack_into(fmt, z, at + local_field, value)
    for at in central:
        struct.pack_into(fmt, z, at + central_field, value)
    return bytes(z)


def office_files():
    docx, xlsx = read("seeds/office/yunfu-gdjg.docx"), read("seeds/office/yunfu-gdjg.xlsx")
    xml = b"<w:document><w:body><w:p/></w:body></w:document>"
    bomb = make_zip([("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b" " * (8 << 20))],
                    zipfile.ZIP_DEFLATED)
    # The same bomb claiming a compressed size 100 times its real one (ratio then looks 80).
    _, central = headers(bomb)
    real = struct.unpack_from("<I", bomb, central[1] + 20)[0]
    bomb_claims = patch(bytearray(bomb), 18, 20, "<I", real * 100)
    # An entry whose headers say 64 bytes but whose stream expands to 2 MiB.
    liar = patch(make_zip([("word/document.xml", b"<w:p>" + b"x" * (2 << 20))], zipfile.ZIP_DEFLATED),
                 22, 24, "<I", 64)
    # General purpose bit 0: traditional PKWARE encryption of every entry.
    encrypted = patch(make_zip([("[Content_Types].xml", b"<Types/>"), ("word/document.xml", xml)]),
                      6, 8, "<H", 1)
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    two_sheets = make_zip([
        ("xl/workbook.xml", ('<workbook xmlns:r="%s"><sheets><sheet name="说明" sheetId="1" r:id="rId2"/>'
                             '<sheet name="清单" sheetId="2" r:id="rId1"/></sheets></workbook>' % rel).encode()),
        ("xl/_rels/workbook.xml.rels", ('<Relationships><Relationship Id="rId1" Type="%s/worksheet" '
                                        'Target="/xl/worksheets/list.xml"/><Relationship Id="rId2" '
                                        'Type="%s/worksheet" Target="worksheets/sheet1.xml"/>'
                                        '</Relationships>' % (rel, rel)).encode()),
        ("xl/worksheets/sheet1.xml", '<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
                                     '填表说明</t></is></c></row></sheetData></worksheet>'.encode()),
        ("xl/worksheets/list.xml", ('<worksheet><sheetData><row r="1">%s%s</row><row r="2">%s%s</row>'
                                    '</sheetData></worksheet>' % tuple(
                                        '<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % c for c in
                                        [("A1", "工作措施"), ("B1", "牵头单位"), ("A2", "1.措施一。"),
                                         ("B2", "市财政局")])).encode()),
    ])
    return {
        "docx-seed": docx,
        "xlsx-seed": xlsx,
        "zip-bomb": bytes(bomb),
        "zip-entry-larger-than-its-header": liar,
        "zip-encrypted-entry": encrypted,
        "zip-not-office": bytes(make_zip([("a.txt", "牵头单位：市财政局\n".encode())])),
        "zip-encrypted-package": bytes(make_zip([("EncryptedInfo", b"\x04\x00"), ("EncryptedPackage", b"\0" * 64)])),
        "zip-docx-tiny": bytes(make_zip([("[Content_Types].xml", b"<Types/>"), ("word/document.xml", xml)],
                                        zipfile.ZIP_DEFLATED)),
        "xlsx-list-on-sheet-2": bytes(two_sheets),
        "ratio-check-trusts-header-compressed-size": bomb_claims,  # fixed: was in crashes/
    }


def texts():
    seed = read("seeds/000_92dba40c8bd80f07.txt")
    out = {"text-seed": seed}
    names = sorted(n for n in os.listdir(os.path.join(SHARED, "documents")) if n.endswith(".txt"))
    for name in names:
        out["text-" + name.split("_")[0]] = piece(read("documents/" + name), 4096)
    out["text-seed-gb18030"] = piece(seed, 3000).decode().encode("gb18030")
    out["text-bom"] = b"\xef\xbb\xbf" + piece(seed, 600)
    out["text-table"] = ("序号\t具体措施\t重点任务\t牵头单位\t配合单位\t完成时限\n"
                         "1\t建成3个实训基地。\t（一）强化基础\t市人社局\t市财政局、市教育局\t2023年6月底前\n"
                         "2\t开展培训1000人次以上。\t\t市人社局\t各县（市、区）人民政府\t每年\n"
                         "3\t完善制度。\t（二）完善机制\t市教育局\t\t长期坚持\n").encode()
    out["text-not-utf8-nor-gb18030"] = b"\x81\x30\x81\xff\xfe"
    return out


def w(text):
    return "<w:p><w:r><w:t>%s</w:t></w:r></w:p>" % text


def tc(text, props=""):
    return "<w:tc>%s%s</w:tc>" % ("<w:tcPr>%s</w:tcPr>" % props if props else "", w(text))


def docx_xml():
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    head = "<w:tr>" + "".join(tc(h) for h in ["工作任务", "工作措施", "工作内容", "牵头单位", "相关责任单位"]) + "</w:tr>"
    merged = ("<w:tr>" + tc("（一）任务甲", '<w:vMerge w:val="restart"/>') + tc("1.措施一。")
              + tc("（1）到2022年，建成2个基地。") + tc("市财政局") + tc("市教育局") + "</w:tr>"
              + "<w:tr>" + tc("", "<w:vMerge/>") + tc("2.措施二。") + tc("推进工作。")
              + tc("市教育局", '<w:gridSpan w:val="2"/>') + "</w:tr>")
    nested = "<w:tr>" + tc("外") + "<w:tc><w:tbl><w:tr>" + tc("内") + "</w:tr></w:tbl>" + w("后") + "</w:tc></w:tr>"
    doc = read("seeds/office/yunfu-gdjg.docx")
    with zipfile.ZipFile(io.BytesIO(doc)) as z:
        seed = z.read("word/document.xml")
    paras = piece(read("documents/03_guobanfa-tiyu-jingsai-biaoyan.txt"), 3000).decode().splitlines()
    return {
        "docx-seed-document": seed,
        "docx-merged": ("<w:document %s><w:body>%s<w:tbl>%s%s</w:tbl></w:body></w:document>"
                        % (ns, w("测试清单"), head, merged)).encode(),
        "docx-nested-table": ("<w:document %s><w:body><w:tbl>%s%s</w:tbl></w:body></w:document>"
                              % (ns, head, nested)).encode(),
        "docx-paragraphs": ("<w:document %s><w:body>%s<w:p><w:r><w:tab/><w:br/></w:r></w:p></w:body></w:document>"
                            % (ns, "".join(w(p) for p in paras if p.strip()))).encode(),
        "double-free-gridspan-past-64-cells": ("<w:document %s><w:body><w:tbl><w:tr>%s%s</w:tr></w:tbl></w:body></w:document>"
                                               % (ns, tc("a") * 62, tc("b", '<w:gridSpan w:val="4"/>'))).encode(),
    }


def xlsx_sheets():
    with zipfile.ZipFile(io.BytesIO(read("seeds/office/yunfu-gdjg.xlsx"))) as z:
        seed = z.read("xl/worksheets/sheet1.xml")
    strings = ("<sst><si><t>工作任务</t></si><si><t>工作措施</t></si><si><t>牵头单位</t></si>"
               "<si><t>（一）任务甲</t></si><si><r><t>1.措施</t></r><r><t>一。</t></r></si>"
               "<si><t>市财政局</t></si></sst>").encode()

    def c(ref, i):
        return '<c r="%s" t="s"><v>%s</v></c>' % (ref, i)

    sheet = ('<worksheet><sheetData><row r="1">' + c("A1", 0) + c("B1", 1) + c("C1", 2)
             + '</row><row r="2">' + c("A2", 3) + c("B2", 4) + c("C2", 5)
             + '</row><row r="3"><c r="B3" t="inlineStr"><is><t>2.措施二。</t></is></c>' + c("C3", 5)
             + '</row></sheetData><mergeCells><mergeCell ref="A2:A3"/></mergeCells></worksheet>').encode()
    far = b'<worksheet><sheetData><row r="20001"><c r="ZZ20001" t="s"><v>9</v></c></row></sheetData></worksheet>'
    return {"xlsx-seed-sheet": seed, "xlsx-shared-strings": sheet + b"\0" + strings, "xlsx-far-cell": far}


def write(name, files, where=CORPUS):
    d = os.path.join(where, name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):  # inputs the fuzzer found are kept
        if "-found" not in f:
            os.remove(os.path.join(d, f))
    for key, data in files.items():
        with open(os.path.join(d, key), "wb") as f:
            f.write(data)
    print("%s/%-9s %2d files, %6d bytes" % (os.path.basename(where), name, len(files),
                                           sum(len(v) for v in files.values())))


def main():
    office, text = office_files(), texts()
    docx = docx_xml()
    # doc: the first byte picks the options (bit 3: known units; bits 0-1: the plan code).
    added = ("xlsx-list-on-sheet-2", "ratio-check-trusts-header-compressed-size")  # after the rest
    base = [(k, v) for k, v in office.items() if k not in added]
    doc = {k: bytes([8 | (i & 7)]) + v for i, (k, v) in enumerate(base + list(text.items()))}
    doc["xlsx-list-on-sheet-2"] = bytes([8]) + office["xlsx-list-on-sheet-2"]
    doc["compound-encrypted"] = bytes([8]) + (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 56
                                              + "EncryptedPackage".encode("utf-16-le") + b"\0" * 32)
    # The hand-made inputs of bugs since fixed (crashes/README.md, "Fixed").
    wide = docx["double-free-gridspan-past-64-cells"]
    head = "工作任务\t工作措施\t工作内容\t牵头单位\t相关责任单位\n"
    doc.update({
        "double-free-gridspan-past-64-cells.docx": bytes([8]) + bytes(
            make_zip([("[Content_Types].xml", b"<Types/>"), ("word/document.xml", wide)])),
        # Two measures numbered 2: the second was renumbered to its position, 2 again.
        "duplicate-code-after-renumber": bytes([8]) + (
            head + "（一）任务甲\t2.措施一。\t推进工作。\t市财政局\t市教育局\n"
            "（二）任务乙\t2.措施二。\t完善制度。\t市教育局\t市财政局\n").encode(),
        # A form feed (a page break, as pdftotext writes one) inside a measure's title.
        "control-char-in-title": bytes([8]) + (
            head + "（一）任务甲\t1.措施一。\f\t推进工作。\t市财政局\t市教育局\n").encode(),
    })
    write("doc", doc)
    write("doc_text", text)
    write("doc_zip", office)
    write("doc_docx", docx)
    write("doc_xlsx", xlsx_sheets())


main()
