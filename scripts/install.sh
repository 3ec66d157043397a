#!/usr/bin/env bash
# Builds rehearse for release and installs it under a prefix:
#   PREFIX/bin/rehearse                                  stripped, Swift runtime and Foundation linked in
#   PREFIX/share/bash-completion/completions/rehearse    shell completions
#   PREFIX/share/zsh/site-functions/_rehearse
#   PREFIX/share/fish/vendor_completions.d/rehearse.fish
#   PREFIX/share/man/man1/rehearse.1                     man page
#
# Usage: scripts/install.sh [--prefix DIR] [--check]
#   --prefix DIR  where to install (default /usr/local)
#   --check       after installing, check that the binary needs nothing from the Swift toolchain
#                 and runs --version, `lint plans` and the demo (what CI runs)
# Needs a Swift toolchain and the C libraries' development packages (Debian: libyaml-dev
# zlib1g-dev libbrotli-dev); the installed binary needs none of them at run time.
# REHEARSE_COMMIT and REHEARSE_BUILD_DATE override what --version reports (for builds without .git).
set -euo pipefail

prefix=/usr/local
check=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || { echo "error: --prefix needs a directory" >&2; exit 2; }; prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#--prefix=}; shift ;;
    --check) check=1; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

cd "$(dirname "$0")/.."
root=$(pwd)
case "$prefix" in /*) ;; *) prefix="$root/$prefix" ;; esac

for lib in yaml-0.1 zlib libbrotlidec; do
  pkg-config --exists "$lib" 2>/dev/null || {
    echo "error: the development files of $lib are missing (Debian: apt-get install libyaml-dev zlib1g-dev libbrotli-dev pkg-config)" >&2
    exit 3
  }
done

# What --version reports: written into the source for this build only, restored afterwards.
info=Sources/RehearseModel/Support/RehearseVersion+Build.swift
commit=${REHEARSE_COMMIT:-$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)}
if [ -z "${REHEARSE_COMMIT:-}" ] && [ "$commit" != unknown ] && ! git diff --quiet HEAD -- Sources Package.swift 2>/dev/null; then
  commit="$commit-modified"
fi
built=${REHEARSE_BUILD_DATE:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}
cp "$info" "$info.orig"
trap 'mv -f "$info.orig" "$info"' EXIT
sed -i.tmp -e "s/commit = \"[^\"]*\"/commit = \"$commit\"/" -e "s/buildDate = \"[^\"]*\"/buildDate = \"$built\"/" "$info"
rm -f "$info.tmp"

# The C libraries are linked from their static archives, so the binary needs none of their
# runtime packages. The modulemaps ask for -lyaml, -lz and -lbrotlidec, and GNU ld takes the first
# file of that name along the -L path (whatever its kind); pkg-config files written here put a
# folder first whose lib*.so names point at the .a archives. The Swift runtime and Foundation
# come from the toolchain's static libraries (--static-swift-stdlib).
static=$(mktemp -d)
trap 'mv -f "$info.orig" "$info"; rm -rf "$static"' EXIT
for lib in yaml-0.1:yaml zlib:z libbrotlidec:brotlidec libbrotlicommon:brotlicommon; do
  pc=${lib%%:*} name=${lib#*:}
  archive="$(pkg-config --variable=libdir "$pc")/lib$name.a"
  [ -f "$archive" ] || { echo "error: $archive is missing (the -dev package ships it)" >&2; exit 3; }
  ln -s "$archive" "$static/lib$name.so"
  libs="-L$static -l$name"
  [ "$pc" = libbrotlidec ] && libs="$libs -lbrotlicommon"
  printf 'Name: %s\nDescription: %s, static\nVersion: %s\nCflags: %s\nLibs: %s\n' \
    "$pc" "$pc" "$(pkg-config --modversion "$pc")" "$(pkg-config --cflags "$pc")" "$libs" > "$static/$pc.pc"
done
export PKG_CONFIG_PATH="$static${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
flags=(-c release --static-swift-stdlib --product rehearse -Xswiftc -gnone)
# Size (docs/performance.md, "Binary size"): the shipped targets use FoundationEssentials only, so
# swift-corelibs-foundation and its ICU data (about 40 MB together) stay out -- but for five
# symbols. Two public helpers of NIOFoundationCompat (a dependency of async-http-client and
# websocket-kit), JSONSerialization.jsonObject(with: ByteBuffer) and
# EventLoopFuture.waitSpinningRunLoop, refer to Foundation's JSONSerialization and RunLoop. Nothing
# in rehearse calls them, but Swift keeps every public function, and one reference pulls in the
# whole of Foundation. Those five symbols are pointed at a function that says so and aborts
# (Sources/RehearseCLI/FoundationNotLinked.swift). If a dependency update adds another reference,
# the link pulls Foundation back in and the check below fails with its name.
for symbol in \
  '$s10Foundation17JSONSerializationC10jsonObject4with7optionsyp0A10Essentials4DataV_AC14ReadingOptionsVtKFZ' \
  '$s10Foundation17JSONSerializationCMa' \
  '$s10Foundation7RunLoopC3run4mode6beforeSbAC4ModeV_0A10Essentials4DateVtF' \
  '$s10Foundation7RunLoopC7currentACvgZ' \
  '$s10Foundation7RunLoopCMa'; do
  flags+=(-Xlinker --defsym -Xlinker "$symbol=rehearse_foundation_not_linked")
done
# No dynamic symbol table of every Swift symbol (the toolchain's -export-dynamic): nothing loads
# symbols from the executable by name; it only made the file larger.
flags+=(-Xlinker --no-export-dynamic)
echo "building rehearse (release, commit $commit)"
swift build "${flags[@]}"
bin="$(swift build "${flags[@]}" --show-bin-path)/rehearse"
# swift-corelibs-foundation must not be in the binary (its classes and the ICU data would be).
# (nm's output read whole first: `nm | grep -q` under pipefail fails exactly when grep finds it.)
symbols=$(nm "$bin") || { echo "error: nm could not read $bin (Debian: apt-get install binutils)" >&2; exit 3; }
if grep -q -e 'icudt[0-9]*_dat' -e '\$s10Foundation8NSObjectC' <<<"$symbols"; then
  echo "error: swift-corelibs-foundation was linked into rehearse; find what refers to it with" >&2
  echo "  swift build ${flags[*]} -Xlinker -Map=/tmp/rehearse.map   (then look for libFoundation.a under 'Archive member included')" >&2
  exit 4
fi

install -d "$prefix/bin" "$prefix/share/man/man1" "$prefix/share/bash-completion/completions" \
  "$prefix/share/zsh/site-functions" "$prefix/share/fish/vendor_completions.d"
install -m 755 "$bin" "$prefix/bin/rehearse"
strip "$prefix/bin/rehearse"
"$prefix/bin/rehearse" --generate-completion-script bash > "$prefix/share/bash-completion/completions/rehearse"
"$prefix/bin/rehearse" --generate-completion-script zsh > "$prefix/share/zsh/site-functions/_rehearse"
"$prefix/bin/rehearse" --generate-completion-script fish > "$prefix/share/fish/vendor_completions.d/rehearse.fish"
"$prefix/bin/rehearse" generate-manual > "$prefix/share/man/man1/rehearse.1"
size=$(du -m "$prefix/bin/rehearse" | cut -f1)
echo "installed $prefix/bin/rehearse (${size} MB): $("$prefix/bin/rehearse" --version)"

if [ "$check" = 1 ]; then
  "$root/scripts/check-install.sh" "$prefix"
fi
