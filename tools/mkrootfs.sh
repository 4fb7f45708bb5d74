#!/bin/sh
# mkrootfs.sh DIR - build a busybox-static root filesystem (every applet linked) into DIR.
set -eu
dest=${1:?usage: mkrootfs.sh DIR}
bb=/bin/busybox
if [ ! -x "$bb" ] || ldd "$bb" >/dev/null 2>&1; then
    echo "mkrootfs.sh: a static $bb is needed (apt-get install busybox-static)" >&2
    exit 1
fi
tmp="$dest.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp"
cd "$tmp"
mkdir -p bin sbin usr/bin usr/sbin etc proc sys dev tmp root home var/tmp run mnt opt
chmod 1777 tmp var/tmp
cp "$bb" bin/busybox
chmod 0755 bin/busybox
for applet in $(./bin/busybox --list-full); do
    [ "$applet" = bin/busybox ] && continue
    mkdir -p "$(dirname "$applet")"
    ln -sf /bin/busybox "$applet"
done
cat > etc/passwd <<'PW'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
user:x:1000:1000:user:/home/user:/bin/sh
PW
cat > etc/group <<'GR'
root:x:0:
daemon:x:1:
bin:x:2:
tty:x:5:
users:x:100:
user:x:1000:
nogroup:x:65534:
GR
mkdir -p home/user && chown 1000:1000 home/user 2>/dev/null || true
echo rbox > etc/hostname
cd - >/dev/null
rm -rf "$dest"
mv "$tmp" "$dest"
echo "built $dest ($(ls "$dest/bin" | wc -l) entries in /bin)"
