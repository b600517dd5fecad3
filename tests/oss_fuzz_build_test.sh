#!/usr/bin/env bash
# scripts/oss-fuzz-build in the two environments OSS-Fuzz gives it most:
# libFuzzer with ASan+UBSan (clang-14) and AFL++ through libAFLDriver. Each
# target must land in $OUT with its seed zip, dictionary and options, and
# run its own seed corpus without a finding.
. "$(dirname "$0")/support/shtest.sh"
mapfile -t targets < <(cd "$top/fuzz" && ls fuzz_*.c | sed 's/\.c$//' | grep -v '^fuzz_empty$')

check_out() { # engine label, out dir
	local label=$1 out=$2 t n want
	for t in "${targets[@]}"; do
		[ -x "$out/$t" ] || { bad "$label: no $out/$t"; continue; }
		want=$(find "$top/corpora/$t/seeds" "$top/corpora/$t/regressions" -type f 2>/dev/null | wc -l)
		n=$(python3 -c 'import sys, zipfile; print(len(zipfile.ZipFile(sys.argv[1]).namelist()))' "$out/${t}_seed_corpus.zip" 2>/dev/null || echo 0)
		[ "$n" -eq "$want" ] && [ "$n" -gt 0 ] || bad "$label: $t seed zip holds $n inputs, want $want"
		cmp -s "$out/$t.dict" "$top/corpora/$t/$t.dict" || bad "$label: $t.dict is not the corpus dictionary"
		grep -q "^dict = $t.dict$" "$out/$t.options" || bad "$label: $t.options does not name the dictionary"
		mkdir -p "$work/seeds-$label/$t"
		python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' \
			"$out/${t}_seed_corpus.zip" "$work/seeds-$label/$t"
	done
}

echo "== libFuzzer + ASan + UBSan"
out=$work/out-libfuzzer
if CC=clang-14 CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address,undefined -fno-sanitize-recover=undefined -fsanitize=fuzzer-no-link" \
	LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=$out WORK=$work/w1 "$top/scripts/oss-fuzz-build" >"$work/b1.log" 2>&1; then
	ok "build"
	check_out libfuzzer "$out"
	for t in "${targets[@]}"; do
		[ -x "$out/$t" ] || continue
		if (cd "$work" && "$out/$t" -runs=2000 -seed=1 -dict="$out/$t.dict" -timeout=10 \
			-artifact_prefix="$work/$t-" "$work/seeds-libfuzzer/$t" >"$work/$t.log" 2>&1); then
			ok "$t runs its seed zip and 2000 mutations, no finding"
		else
			bad "$t under libFuzzer"; tail -20 "$work/$t.log"
		fi
	done
else
	bad "build (libFuzzer)"; tail -30 "$work/b1.log"
fi

echo "== AFL++ (afl-clang-fast, libAFLDriver.a, C++ link)"
out=$work/out-afl
if CC=afl-clang-fast CFLAGS=-O1 CXX=afl-clang-fast++ CXXFLAGS=-O1 \
	LIB_FUZZING_ENGINE=/usr/lib/afl/libAFLDriver.a OUT=$out WORK=$work/w2 "$top/scripts/oss-fuzz-build" >"$work/b2.log" 2>&1; then
	ok "build"
	check_out afl "$out"
	for t in "${targets[@]}"; do
		[ -x "$out/$t" ] || continue
		f=$(find "$work/seeds-afl/$t" -type f | sort | head -n1)
		if "$out/$t" "$f" >"$work/$t-afl.log" 2>&1; then
			ok "$t runs a seed through the AFL++ driver"
		else
			bad "$t under the AFL++ driver"; tail -20 "$work/$t-afl.log"
		fi
	done
else
	bad "build (AFL++)"; tail -30 "$work/b2.log"
fi
exit $fail
