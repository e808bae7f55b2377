#!/usr/bin/env bash
# Fetches real third-party image corpora from Debian packages for tests and benchmarks.
# Usage: bench/corpora/fetch.sh [DEST]   (default DEST: $HOME/.cache/jcolz-corpora)
# Prints DEST. Idempotent: a corpus already unpacked is left as it is.
#   DEST/stamps  ~800 PNG clip-art stamps (gray+alpha, RGBA, palette; 17px to 1000px) in a
#                category tree: stamps/animals/birds/owl.png -> labels animals, birds.
#                A real multi-label set: --labels-from-dirs.
#   DEST/photos  ~24 real photographs, large JPEGs (up to 5120x2880) and PNGs.
#   DEST/openclipart  only with JCOLZ_CLIPART=1 (131 MB download, 162 MB unpacked): Debian's
#                openclipart-png, 8,121 PNGs (6,900 files + 1,221 symlinks) in a category tree,
#                15 of them 105-623 megapixels (e.g. 20990x29700): the "real folder" of issue 11.
set -euo pipefail
dest=${1:-${HOME}/.cache/jcolz-corpora}
mkdir -p "$dest"
fetch() { # package, subdir inside the package, target name
  local pkg=$1 sub=$2 name=$3
  [ -d "$dest/$name" ] && return 0
  local tmp; tmp=$(mktemp -d)
  ( cd "$tmp" && { apt-get download "$pkg" >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1; apt-get download "$pkg" >/dev/null; }; } )
  dpkg -x "$tmp"/"$pkg"_*.deb "$tmp/x"
  mkdir -p "$dest/$name.part"
  ( cd "$tmp/x/$sub" && find . -type f \( -iname '*.png' -o -iname '*.jpg' -o -iname '*.jpeg' \) ! -type l -print0 \
      | xargs -0 -I{} cp --parents {} "$dest/$name.part/" )
  mv "$dest/$name.part" "$dest/$name"
  rm -rf "$tmp"
}
fetch tuxpaint-stamps-default usr/share/tuxpaint/stamps stamps
fetch plasma-workspace-wallpapers usr/share/wallpapers photos
if [ "${JCOLZ_CLIPART:-0}" = 1 ] && [ ! -d "$dest/openclipart" ]; then
  tmp=$(mktemp -d)
  ( cd "$tmp" && { apt-get download openclipart-png >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1; apt-get download openclipart-png >/dev/null; }; } )
  dpkg -x "$tmp"/openclipart-png_*.deb "$tmp/x"
  mv "$tmp/x/usr/share/openclipart/png" "$dest/openclipart" # symlinks kept: they are images too
  rm -rf "$tmp"
fi
# wallpapers ship one photo in many sizes as symlinks; keep only the largest real file per folder
find "$dest/photos" -type f -size -60k -delete 2>/dev/null || true
echo "$dest"
