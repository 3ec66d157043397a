#!/usr/bin/env bash
# Checks an installed rehearse (scripts/install.sh --prefix DIR): it needs nothing from the
# Swift toolchain at run time, is under the size budget, ships completions and a man page, and
# runs --version, `lint plans` and the demo. Run from anywhere: scripts/check-install.sh DIR
set -euo pipefail
prefix=${1:?usage: scripts/check-install.sh PREFIX}
cd "$(dirname "$0")/.."
bin="$prefix/bin/rehearse"
fail() { echo "check-install: $*" >&2; exit 1; }

[ -x "$bin" ] || fail "$bin is missing"
# Only the C library family may be loaded at run time (no libswift*, libFoundation*, ICU, libyaml).
libs=$(ldd "$bin" | awk '{print $1}')
echo "$libs" | sed 's/^/  needs /'
allowed='^(linux-vdso\.so|/lib64/ld-linux|/lib/ld-linux|ld-linux|libc\.so|libm\.so|libdl\.so|libpthread\.so|librt\.so|libutil\.so|libgcc_s\.so|libstdc\+\+\.so)'
bad=$(echo "$libs" | grep -Ev "$allowed" || true)
[ -z "$bad" ] || fail "links libraries outside the C library family: $(echo $bad)"
bytes=$(stat -c %s "$bin")
size_mb=$(( bytes / 1000000 ))
[ "$bytes" -lt 40000000 ] || fail "binary is $bytes bytes; the budget is 40 MB (40,000,000 bytes)"
for f in share/bash-completion/completions/rehearse share/zsh/site-functions/_rehearse \
         share/fish/vendor_completions.d/rehearse.fish share/man/man1/rehearse.1; do
  [ -s "$prefix/$f" ] || fail "$prefix/$f is missing or empty"
done
grep -q '^\.TH REHEARSE 1' "$prefix/share/man/man1/rehearse.1" || fail "the man page has no .TH header"

# It runs from an empty environment, away from the build tree's libraries.
env -i PATH=/usr/bin:/bin "$bin" --version | grep -q '^0\.\|commit' || fail "--version printed nothing useful"
env -i PATH=/usr/bin:/bin "$bin" version --format json | grep -q '"commit"' || fail "version --format json has no commit"
env -i PATH=/usr/bin:/bin "$bin" lint plans --strict >/dev/null || fail "lint plans failed"
env -i PATH=/usr/bin:/bin "$bin" demo --quiet >/dev/null || fail "the demo failed"
echo "check-install: ok (${size_mb} MB, no Swift runtime libraries)"
