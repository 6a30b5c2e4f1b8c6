#!/usr/bin/env bash
# parse.sh — by hand, not in CI: generates a 200-measure responsibility list as text and as a
# Word table (.docx), and times `zeren parse` on each with /usr/bin/time -v (wall clock and peak
# RSS). Aim: under 1 s and under 64 MB each. Uses build/zeren (builds it when missing).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${ZEREN_BIN:-$root/build/zeren}
[ -x "$bin" ] || { cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release >/dev/null &&
	cmake --build "$root/build" -j2 --target zeren >/dev/null; }
work=$(mktemp -d /tmp/zeren-bench-parse.XXXXXX)
trap 'rm -rf "$work"' EXIT
measures=${MEASURES:-200}

# The seed's five columns, tab-separated: 20 tasks of 10 measures, three items each with
# targets, dated and undated, lead and related units.
{
	printf '工作任务\t工作措施\t工作内容\t牵头单位\t相关责任单位\n'
	for ((m = 1; m <= measures; m++)); do
		task=$(( (m - 1) / 10 + 1 ))
		printf '（%d）第%d项任务\t%d.推进第%d项措施。\t' "$task" "$task" "$m" "$m"
		printf '（1）到2022年，全市开展职业技能培训%d人次以上，带动就业%d人以上。 ' $((m * 100)) $((m * 50))
		printf '（2）每年新建%d个技能大师工作室，高级工占比达到%d%%以上。 ' $((m % 9 + 1)) $((m % 50 + 30))
		printf '（3）2023年6月底前建成%d所公共实训基地，给予每人2万元补助。\t' $((m % 3 + 1))
		printf '市人力资源社会保障局\t市财政局、市教育局、云城区、罗定市人民政府\n'
	done
} >"$work/plan.txt"

# The same rows as a Word table, one w:tc per cell.
cell() { printf '<w:tc><w:p><w:r><w:t>%s</w:t></w:r></w:p></w:tc>' "$1"; }
mkdir -p "$work/docx/word" "$work/docx/_rels"
cat >"$work/docx/[Content_Types].xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>
XML
cat >"$work/docx/_rels/.rels" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>
XML
{
	printf '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:tbl>'
	while IFS=$'\t' read -r a b c d e; do
		printf '<w:tr>'; cell "$a"; cell "$b"; cell "$c"; cell "$d"; cell "$e"; printf '</w:tr>'
	done <"$work/plan.txt"
	printf '</w:tbl></w:body></w:document>'
} >"$work/docx/word/document.xml"
(cd "$work/docx" && python3 -c '
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for n in ("[Content_Types].xml", "_rels/.rels", "word/document.xml"):
        z.write(n)' "$work/plan.docx")

for f in plan.txt plan.docx; do
	/usr/bin/time -v "$bin" parse "$work/$f" --code bench --review "$work/review.json" \
		>"$work/out.json" 2>"$work/time.txt"
	wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time.txt")
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.txt")
	stats=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["measures"]), "measures,", sum(len(m["targets"]) for m in d["measures"]), "targets")' "$work/out.json")
	printf '%-10s %8s bytes  %s  wall %s  peak RSS %d kB  (%s)\n' "$f" "$(stat -c %s "$work/$f")" \
		"$stats" "$wall" "$rss" "$(wc -c <"$work/review.json") bytes of review"
done
