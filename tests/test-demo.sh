#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# The demo case end to end (scripts/demo-case), then what a reader of its
# PDFs would check: every signature valid and trusted, the chair's covering
# the whole file, the audit chain intact, and nothing restricted in the
# partner's synthesis.
set -eu
colloquy=$1
cd "${CQ_SOURCE_DIR:?}"
work=$(mktemp -d "${TMPDIR:-/tmp}/cq-demo-test-XXXXXX")
trap 'rm -rf "$work"' EXIT
fail () { echo "not ok - $*"; exit 1; }

./scripts/demo-case "$colloquy" "$work" > "$work/out.txt" 2>&1 || { cat "$work/out.txt"; fail "demo-case failed"; }
pdf=$(tail -n 1 "$work/out.txt")
partner="$work/synthesis-K-2026-014-partner.pdf"
[ -f "$pdf" ] || fail "the last line is not the signed PDF: $pdf"
[ "$(stat -c %a "$pdf")" = 600 ] || fail "the PDF is not private (0600)"
echo "ok 1 - the demo ends with the signed PDF's path"

"$colloquy" verify "$pdf" --ca "$work/pki/ca.pem" > "$work/verify.txt" || fail "colloquy verify"
COLLOQUY_DB="$work/demo.db" "$colloquy" audit verify > /dev/null || fail "audit verify"
echo "ok 2 - colloquy verify and audit verify pass"

pdfsig "$pdf" > "$work/pdfsig.txt" 2>&1 || true
valid=$(grep -c "Signature is Valid." "$work/pdfsig.txt" || true)
[ "$valid" -ge 6 ] || { cat "$work/pdfsig.txt"; fail "pdfsig: $valid valid signatures, 6 expected"; }
grep -q "Total document signed" "$work/pdfsig.txt" || fail "the last signature does not cover the whole file"
echo "ok 3 - pdfsig: $valid valid signatures, the chair's covers the whole document"

pdftotext -enc UTF-8 "$pdf" - | tr '\n' ' ' > "$work/commission.txt"
pdftotext -enc UTF-8 "$partner" - | tr '\n' ' ' > "$work/partner.txt"
grep -q "Illustrative" "$work/commission.txt" || fail "the commission PDF does not state the validation status"
grep -q "vp.intent" "$work/commission.txt" || fail "the commission PDF lacks the violence items"
# Restricted intelligence and clinical notes never reach the partner.
for marker in $(cat tests/interview/qer-evaluation/restricted-markers.txt); do
  grep -q "$marker" "$work/commission.txt" || fail "marker $marker missing from the commission PDF"
  if grep -q "$marker" "$work/partner.txt"; then fail "restricted text $marker in the partner PDF"; fi
done
echo "ok 4 - restricted and clinical content reaches the commission, never the partner"

# The placement review six months later draws the trajectory across both
# assessments; the first synthesis, exported afterwards, shows only its own.
reviewed="$work/synthesis-K-2026-014-review-commission.pdf"
"$colloquy" verify "$reviewed" --ca "$work/pki/ca.pem" > /dev/null || fail "colloquy verify of the review"
pdftotext -enc UTF-8 "$reviewed" - | tr '\n' ' ' > "$work/review.txt"
grep -q "2026-02-01 initial-evaluation" "$work/review.txt" || fail "the review's trajectory lacks the initial evaluation"
grep -q "2026-08-01 placement-review" "$work/review.txt" || fail "the review's trajectory lacks the review"
if grep -q "placement-review" "$work/commission.txt"; then fail "the first synthesis shows a later assessment"; fi
echo "ok 5 - the review's trajectory joins both assessments; the first synthesis stops at its own"
echo "1..5"
