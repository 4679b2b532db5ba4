#!/usr/bin/env bash
# `make install DESTDIR=... PREFIX=/usr` lays out the tree the unit files
# expect: every path the units reference (ExecStart, the socket, the
# runtime/state/configuration directories, user and group, man pages)
# matches what was installed and what the daemon uses by default; the units
# pass `systemd-analyze verify` (run in a private mount namespace where
# /usr/sbin is the installed one, so ExecStart resolves to the installed
# binary) and their exposure score is reported; the man pages render
# without warnings; the installed default config parses; bash completion
# completes; `make uninstall` removes everything but /etc/latscope.
set -u
if [ -z "${LS_INSTALL_NS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "not root"; exit 77; }
	LS_INSTALL_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
for t in systemd-analyze systemd-sysusers man groff; do
	command -v $t >/dev/null || { echo "$t missing: run scripts/deps.sh"; not_ok "$t installed"; }
done
D=$LS_TMP/root
san=0; [ "$(basename "$BUILD")" = build-san ] && san=1
make --no-print-directory install BUILD="$BUILD" SAN=$san DESTDIR="$D" PREFIX=/usr >"$LS_TMP/make.log" 2>&1
check "make install DESTDIR PREFIX=/usr succeeds" test $? -eq 0
for f in usr/bin/latscope usr/sbin/latscoped usr/lib/systemd/system/latscoped.service \
	 usr/lib/systemd/system/latscoped.socket usr/lib/sysusers.d/latscope.conf \
	 etc/latscope/latscope.conf usr/share/man/man1/latscope.1 usr/share/man/man5/latscope.conf.5 \
	 usr/share/man/man8/latscoped.8 usr/share/bash-completion/completions/latscope; do
	[ -f "$D/$f" ] || not_ok "installed: /$f"
done
check "binaries executable, data 0644" test -x "$D/usr/sbin/latscoped" -a -x "$D/usr/bin/latscope" -a \
	"$(stat -c %a "$D/usr/lib/systemd/system/latscoped.service" "$D/etc/latscope/latscope.conf" | sort -u)" = 644
check "drop-in directory created" test -d "$D/etc/latscope/latscope.conf.d"

SVC=$D/usr/lib/systemd/system/latscoped.service
SOCKU=$D/usr/lib/systemd/system/latscoped.socket
key() { sed -n "s/^$1=//p" "$2" | head -1; }
defaults=$("$D/usr/sbin/latscoped" --check-config --config /dev/null)
dval() { awk -v s="[$1]" -v k="$2" '/^\[/ { c = $0 } c == s && $1 == k { sub(/^[^=]*= ?/, ""); print }' <<<"$defaults"; }
exe=$(key ExecStart "$SVC" | cut -d' ' -f1)
check "ExecStart ($exe) is the installed daemon" test "$exe" = /usr/sbin/latscoped -a -x "$D$exe"
check "ListenStream = the daemon's default socket ($(dval daemon socket))" \
	test "$(key ListenStream "$SOCKU")" = "$(dval daemon socket)"
check "RuntimeDirectory holds the socket (/run/$(key RuntimeDirectory "$SVC"))" \
	test "/run/$(key RuntimeDirectory "$SVC")" = "$(dirname "$(dval daemon socket)")"
check "StateDirectory set and [state] dir empty by default, so \$STATE_DIRECTORY is used" \
	test -n "$(key StateDirectory "$SVC")" -a -z "$(dval state dir)"
check "ConfigurationDirectory holds the installed config, the daemon's default file" \
	test -f "$D/etc/$(key ConfigurationDirectory "$SVC")/latscope.conf" -a \
	-n "$("$D/usr/sbin/latscoped" --help | grep -F "default /etc/$(key ConfigurationDirectory "$SVC")/latscope.conf")"
mkdir -p "$D/etc"
systemd-sysusers --root="$D" >"$LS_TMP/sysusers.log" 2>&1
check "sysusers creates the unit's Group ($(key Group "$SVC")) and SocketGroup ($(key SocketGroup "$SOCKU"))" \
	test "$(awk -F: '{ print $1 }' "$D/etc/group" | grep -cx "$(key Group "$SVC")")" = 1 -a \
	"$(key Group "$SVC")" = "$(key SocketGroup "$SOCKU")"
u=$(key User "$SVC"); g=$(key Group "$SVC")
check "sysusers creates the unit's User ($u) with primary group $g" \
	test "$(awk -F: -v u="$u" '$1 == u { print $4 }' "$D/etc/passwd")" = "$(awk -F: -v g="$g" '$1 == g { print $3 }' "$D/etc/group")"
check "the user's home is the state directory" \
	test "$(awk -F: -v u="$u" '$1 == u { print $6 }' "$D/etc/passwd")" = "/var/lib/$(key StateDirectory "$SVC")"
for p in $(key Documentation "$SVC"); do
	p=${p#man:}; name=${p%(*}; sec=${p#*(}; sec=${sec%)}
	[ -f "$D/usr/share/man/man$sec/$name.$sec" ] || not_ok "Documentation= $p installed"
done
ok "every Documentation= man page of the service is installed"
check "the installed default config parses with the installed daemon" \
	"$D/usr/sbin/latscoped" --check-config --config "$D/etc/latscope/latscope.conf" >/dev/null

# verify: ExecStart must resolve, so see the installed /usr/sbin there
mount --bind "$D/usr/sbin" /usr/sbin || bpf_unavailable "cannot bind-mount in a private namespace"
out=$(MANPATH="$D/usr/share/man" systemd-analyze verify "$SVC" "$SOCKU" 2>&1); rc=$?
umount /usr/sbin
echo "$out"
check "systemd-analyze verify passes on both units (man pages resolved from the tree)" test $rc -eq 0 -a -z "$out"
sec=$(systemd-analyze security --offline=yes "$SVC" 2>&1)
score=$(sed -n 's/.*Overall exposure level for latscoped.service: \([0-9.]*\).*/\1/p' <<<"$sec")
echo "exposure (systemd-analyze security --offline=yes): $score"
grep '✗' <<<"$sec" | sed 's/  */ /g'
check "exposure score $score <= 1.2 (docs/service.md explains what remains)" \
	awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 1.2) }'

# man pages: render without warnings; lint with mandoc when present
for m in "$D"/usr/share/man/man*/*; do
	w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$m" 2>&1 >/dev/null)
	check "man -l $(basename "$m") renders without warnings${w:+: $w}" test -z "$w"
	if command -v mandoc >/dev/null; then
		w=$(mandoc -Tlint -W warning "$m" 2>&1)
		check "mandoc -Tlint $(basename "$m") clean${w:+: $w}" test -z "$w"
	fi
done
# .TH: the date of the page's last change (git's, when this is a checkout)
# and this build's version, put there by scripts/man_page.sh at install
version=$(sed -n 's/^VERSION := //p' Makefile)
for src in docs/man/*.[158]; do
	m=$D/usr/share/man/man${src##*.}/$(basename "$src")
	th=$(head -1 "$m"); src_date=$(sed -n '1s/^\.TH [^ ]* [^ ]* "\([^"]*\)".*/\1/p' "$src")
	want=$(git log -1 --format=%as -- "$src" 2>/dev/null); want=${want:-$src_date}
	check "$(basename "$m"): .TH dated $want, latscope $version ($th)" \
		test "$th" != "${th/\"$want\" \"latscope $version\"/}" -a -n "$(date -d "$want" +%F 2>/dev/null)"
	[ "$src_date" = "$want" ] ||
		echo "note: $src says $src_date, last changed $want (installed pages carry $want)"
done
check "latscope.conf(5) documents every configuration key" bash -c '
	missing=; for k in $(awk "/=/ { print \$1 }" <<<"$1"); do grep -q "^\.BR $k " "$2" || missing="$missing $k"; done
	[ -z "$missing" ] || { echo "missing:$missing"; exit 1; }' _ "$defaults" "$D/usr/share/man/man5/latscope.conf.5"

# bash completion of the installed CLI
comp() { PATH="$D/usr/bin:$PATH" bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _latscope; echo "${COMPREPLY[*]}"' _ \
	"$D/usr/share/bash-completion/completions/latscope" "$@"; }
cmds=" $(comp latscope "") "
check "completion: commands ($cmds)" test -n "$(grep ' status ' <<<"$cmds" | grep ' hist ' | grep ' watch ' | grep ' help ')"
check "completion: watch options" test "$(comp latscope watch --c)" = "--count"
check "completion: hist classes" grep -qw hrtimer_late <<<"$(comp latscope hist "")"
check "completion: global options" test "$(comp latscope --js)" = "--json"

make --no-print-directory uninstall DESTDIR="$D" PREFIX=/usr >/dev/null
left=$(cd "$D" && find . -type f | grep -v '^./etc/' | sort)
check "make uninstall leaves only /etc${left:+ (left: $left)}" test -z "$left"
T2=$LS_TMP/local
make --no-print-directory install BUILD="$BUILD" SAN=$san DESTDIR="$T2" >/dev/null 2>&1
check "default PREFIX /usr/local: ExecStart=/usr/local/sbin/latscoped, installed there" \
	test "$(key ExecStart "$T2/usr/local/lib/systemd/system/latscoped.service" | cut -d' ' -f1)" = /usr/local/sbin/latscoped -a \
	-x "$T2/usr/local/sbin/latscoped"
summary
