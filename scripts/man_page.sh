#!/bin/sh
# Install a man page with the date of its last change and this build's
# version in its .TH line. The date is the author date of the last commit
# that touched the page when this is a git checkout (so an edited page never
# ships with a stale date); otherwise (a tarball, no git) the date the page
# carries, which is kept at the page's last change.
#   scripts/man_page.sh SRC DEST VERSION
set -eu
src=$1 dest=$2 version=$3
date=$(git -C "$(dirname "$src")" log -1 --format=%as -- "$(basename "$src")" 2>/dev/null || true)
case $date in
[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]) ;;
*) date=$(sed -n '1s/^\.TH [^ ]* [^ ]* "\([^"]*\)".*/\1/p' "$src") ;;
esac
mkdir -p "$(dirname "$dest")"
sed "1s/^\(\.TH [^ ]* [^ ]* \)\"[^\"]*\" \"[^\"]*\"/\1\"$date\" \"latscope $version\"/" \
	"$src" >"$dest"
chmod 644 "$dest"
