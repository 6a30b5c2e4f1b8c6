#!/usr/bin/env bash
# print-export.sh — prints a workbook the way a person would, to look at the pages: LibreOffice
# headless converts it to PDF (every sheet, with its page setup), pdftoppm makes one PNG per page.
#
#   scripts/print-export.sh FILE.xlsx [OUTDIR]
#   ZEREN_TOKEN=… scripts/print-export.sh 'http://localhost:8080/v1/exports/plans/1/responsibility.xlsx' [OUTDIR]
#
# Installs libreoffice-calc-nogui, fonts-noto-cjk, fonts-crosextra-carlito (Calibri's metrics: without
# it LibreOffice measures columns in DejaVu digits and draws them a third wider than Excel
# does) and poppler-utils when missing (not part of
# scripts/test.sh: the install alone takes minutes). Prints the page count and each page's size.
source "$(dirname "$0")/lib.sh"

[ $# -ge 1 ] || { sed -n '2,9p' "$0" >&2; exit 2; }
src=$1
out=${2:-$ZEREN_LOCAL/print}
mkdir -p "$out"
out=$(cd "$out" && pwd)

missing=()
for p in libreoffice-calc-nogui fonts-noto-cjk fonts-crosextra-carlito poppler-utils; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "== installing: ${missing[*]}"
	as_root apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

file=$out/export.xlsx
case $src in
http://* | https://*)
	curl -fsS -H "Authorization: Bearer ${ZEREN_TOKEN:?set ZEREN_TOKEN to fetch an export}" -o "$file" "$src" ;;
*) cp "$src" "$file" ;;
esac

rm -f "$out"/export.pdf "$out"/page-*.png
# A profile of its own, so a desktop LibreOffice that is open does not swallow the conversion.
soffice -env:UserInstallation="file://$out/profile" --headless --convert-to pdf --outdir "$out" "$file" >/dev/null
pdftoppm -r 70 -png "$out/export.pdf" "$out/page"
pages=$(pdfinfo "$out/export.pdf" | awk '/^Pages:/ {print $2}')
size=$(pdfinfo "$out/export.pdf" | awk -F': *' '/^Page size:/ {print $2}')
echo "$out/export.pdf: $pages pages, $size"
ls "$out"/page-*.png
