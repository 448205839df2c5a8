#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (fuzz/corpus/<target>/) from the
test fixtures, policies and a few hand-made records. Run from the repository
root after a fixture or a parser's input format changes; the output is kept
in the tree. Seeds are cut to 8 KiB: libFuzzer grows them from there.

Usage: fuzz/make_seeds.py [--protoc PROTOC]
"""
import argparse
import io
import os
import shutil
import struct
import subprocess
import sys
import zipfile

MAX_SEED = 8192
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "tests", "fixtures", "linux")
OUT = os.path.join(ROOT, "fuzz", "corpus")

# fuzz_agent_text.cpp's kParsers order.
AGENT_TEXT = {
    "os_release": 0, "dpkg_status": 1, "login_defs": 2, "key_value": 3,
    "pam": 4, "password_policy": 5, "modprobe": 6, "udev": 7, "usbguard": 8,
    "keyfile": 9, "wpa_supplicant": 10, "accounts": 11, "mounts": 12,
    "luks": 13, "clamav": 14, "wifi_ies": 15, "firewall": 16, "proc": 17,
    "dpkg_log": 18, "dnf_repo": 19, "pending_cache": 20, "rpm_header": 21,
}


def read(*parts):
    with open(os.path.join(*parts), "rb") as f:
        return f.read()


def write(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data[:MAX_SEED])


def text_seed(kind, name, data):
    write("fuzz_agent_text", f"{kind}-{name}", bytes([AGENT_TEXT[kind]]) + data)


def agent_text():
    text_seed("os_release", "system", read(FIX, "identity/original/etc/os-release"))
    for f in ["packages/debian/var/lib/dpkg/status",
              "antivirus/fresh/var/lib/dpkg/status"]:
        text_seed("dpkg_status", f.split("/")[0], read(FIX, f))
    pp = os.path.join(FIX, "password_policy")
    text_seed("login_defs", "debian", read(pp, "debian_strict/etc/login.defs"))
    text_seed("key_value", "pwquality",
              read(pp, "debian_strict/etc/security/pwquality.conf"))
    text_seed("key_value", "faillock",
              read(pp, "debian_strict/etc/security/faillock.conf"))
    text_seed("pam", "debian", read(pp, "debian_strict/etc/pam.d/common-password"))
    text_seed("pam", "rhel", read(pp, "rhel_cracklib/etc/pam.d/system-auth"))
    text_seed("password_policy", "strict", b"\0".join([
        read(pp, "debian_strict/etc/login.defs")[:1500],
        read(pp, "debian_strict/etc/pam.d/common-password"),
        read(pp, "debian_strict/etc/security/pwquality.conf"),
        read(pp, "debian_strict/etc/security/faillock.conf"),
        read(pp, "debian_strict/etc/shadow")]))
    us = os.path.join(FIX, "usb_storage")
    text_seed("modprobe", "blacklist", read(us, "blacklist/etc/modprobe.d/usb-storage.conf"))
    text_seed("modprobe", "install", read(us, "install_false/etc/modprobe.d/disable-usb-storage.conf"))
    text_seed("udev", "readonly", read(us, "udev_readonly/etc/udev/rules.d/80-usb-readonly.rules"))
    text_seed("usbguard", "block", read(us, "usbguard_block/etc/usbguard/usbguard-daemon.conf")
              + b"\0" + read(us, "usbguard_block/etc/usbguard/rules.conf"))
    wifi = os.path.join(FIX, "wifi")
    for f in sorted(os.listdir(os.path.join(wifi, "nm"))):
        text_seed("keyfile", f, read(wifi, "nm", f))
    text_seed("keyfile", "xrdp", read(FIX, "remote_access/include_match/etc/xrdp/xrdp.ini"))
    text_seed("wpa_supplicant", "conf", read(wifi, "wpa_supplicant/wpa_supplicant.conf"))
    text_seed("accounts", "shadow", read(pp, "debian_strict/etc/shadow"))
    text_seed("accounts", "passwd", b"root:x:0:0:root:/root:/bin/bash\n"
              b"taro:x:1000:1000:Taro,,,:/home/taro:/bin/bash\n")
    text_seed("accounts", "group", b"sudo:x:27:taro\nadm:x:4:syslog,taro\n")
    text_seed("accounts", "sudoers", b"root ALL=(ALL:ALL) ALL\n%sudo ALL=(ALL:ALL) ALL\n"
              b"#includedir /etc/sudoers.d\ntaro ALL=(ALL) NOPASSWD: ALL\n")
    de = os.path.join(FIX, "disk_encryption/luks_root/etc")
    text_seed("mounts", "crypttab", read(de, "crypttab"))
    text_seed("mounts", "fstab", read(de, "fstab"))
    text_seed("mounts", "proc_mounts", b"/dev/mapper/root / ext4 rw,relatime 0 0\n"
              b"proc /proc proc rw 0 0\n")
    luks1 = b"LUKS\xba\xbe\x00\x01" + b"aes".ljust(32, b"\0") + \
        b"xts-plain64".ljust(32, b"\0") + b"sha256".ljust(32, b"\0") + b"\0" * 512
    text_seed("luks", "v1", luks1)
    js = b'{"keyslots":{},"segments":{"0":{"type":"crypt","offset":"16777216",' \
         b'"size":"dynamic","iv_tweak":"0","encryption":"aes-xts-plain64",' \
         b'"sector_size":512}},"digests":{},"config":{"json_size":"12288"}}'
    luks2 = (b"LUKS\xba\xbe\x00\x02" + struct.pack(">Q", 16384)).ljust(4096, b"\0") \
        + js.ljust(1024, b"\0")
    text_seed("luks", "v2", luks2)
    av = os.path.join(FIX, "antivirus")
    text_seed("clamav", "daily", read(av, "old/var/lib/clamav/daily.cvd")[:512])
    text_seed("clamav", "freshclam", read(av, "fresh/etc/clamav/freshclam.conf"))

    def element(eid, body):
        return bytes([eid, len(body)]) + body
    rsn = bytes([0x01, 0x00, 0x00, 0x0f, 0xac, 0x04, 0x01, 0x00, 0x00, 0x0f, 0xac,
                 0x04, 0x01, 0x00, 0x00, 0x0f, 0xac, 0x02, 0x00, 0x00])
    ies = element(0, b"Office") + element(1, bytes([0x82, 0x84, 0x8b, 0x96])) + \
        element(48, rsn)
    text_seed("wifi_ies", "wpa2psk", b"\x01" + ies)
    text_seed("wifi_ies", "wpa1", b"\x01" + element(0, b"Old") + element(
        221, bytes([0x00, 0x50, 0xf2, 0x01, 0x01, 0x00, 0x00, 0x50, 0xf2, 0x02,
                    0x01, 0x00, 0x00, 0x50, 0xf2, 0x02, 0x01, 0x00, 0x00, 0x50,
                    0xf2, 0x02])))
    text_seed("firewall", "iptables", b"*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n"
              b":OUTPUT ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\n"
              b"-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n\0ENABLED=yes\n\0"
              b"DEFAULT_INPUT_POLICY=\"DROP\"\nDEFAULT_OUTPUT_POLICY=\"ACCEPT\"\n\0"
              b"-A ufw-user-input -p tcp --dport 22 -j ACCEPT\n")
    text_seed("proc", "route", read(FIX, "network/route"))
    text_seed("proc", "cpuinfo", b"processor\t: 0\nmodel name\t: Intel(R) Core(TM) i5\n"
              b"cpu cores\t: 4\n\nMemTotal:       16318480 kB\nbtime 1765000000\n"
              b"nameserver 192.0.2.53\nsearch example.jp\n")
    text_seed("dpkg_log", "log", read(FIX, "updates/debian/var/log/dpkg.log"))
    text_seed("dpkg_log", "reboot", read(FIX, "updates/debian/run/reboot-required.pkgs"))
    text_seed("dnf_repo", "repo", read(FIX, "updates/rhel/etc/yum.repos.d/example.repo"))
    text_seed("pending_cache", "v1", b'{"version":1,"fingerprint":"abc","pending":'
              b'[{"name":"openssl","version":"3.0.15","security":true}]}')
    text_seed("rpm_header", "bash", b"\0".join([b"bash", b"0", b"5.1.8", b"9.el9",
                                               b"x86_64", b"Rocky", b"", b"1700000000"]))


def sshd():
    ra = os.path.join(FIX, "remote_access/include_match/etc/ssh")
    parts = [read(ra, "sshd_config"), read(ra, "sshd_config.d/10-root.conf"),
             read(ra, "sshd_config.d/20-hardening.conf"), read(ra, "extra/admins.conf")]
    write("fuzz_sshd_config", "include_match", b"\0".join(parts))
    write("fuzz_sshd_config", "defaults",
          read(FIX, "remote_access/defaults/etc/ssh/sshd_config"))


def nl80211():
    def attr(t, payload):
        a = struct.pack("<HH", 4 + len(payload), t) + payload
        return a + b"\0" * ((4 - len(a) % 4) % 4)
    NL80211_ATTR_IFINDEX, NL80211_ATTR_IFTYPE, NL80211_ATTR_SSID = 3, 5, 52
    NL80211_ATTR_BSS = 47
    BSSID, FREQ, CAPA, IES, STATUS = 1, 2, 5, 6, 9
    write("fuzz_nl80211", "interface",
          attr(NL80211_ATTR_IFINDEX, struct.pack("<I", 3)) +
          attr(NL80211_ATTR_IFTYPE, struct.pack("<I", 2)) +
          attr(NL80211_ATTR_SSID, b"Home"))
    ies = bytes([0, 6]) + b"Office" + bytes([48, 20, 0x01, 0x00, 0x00, 0x0f, 0xac,
                                             0x04, 0x01, 0x00, 0x00, 0x0f, 0xac,
                                             0x04, 0x01, 0x00, 0x00, 0x0f, 0xac,
                                             0x02, 0x00, 0x00])
    bss = attr(BSSID, bytes([2, 0x11, 0x22, 0x33, 0x44, 0xf5])) + \
        attr(FREQ, struct.pack("<I", 2437)) + attr(CAPA, struct.pack("<H", 0x0431)) + \
        attr(STATUS, struct.pack("<I", 1)) + attr(IES, ies)
    write("fuzz_nl80211", "scan", attr(NL80211_ATTR_IFINDEX, struct.pack("<I", 3)) +
          attr(NL80211_ATTR_BSS | 0x8000, bss))


def policy():
    pol = os.path.join(ROOT, "policies")
    for f in sorted(os.listdir(os.path.join(pol, "checks"))):
        write("fuzz_policy_yaml", "policy-" + f, b"\x00" + read(pol, "checks", f))
    for f in sorted(os.listdir(os.path.join(pol, "questionnaires"))):
        write("fuzz_policy_yaml", "questionnaire-" + f,
              b"\x01" + read(pol, "questionnaires", f))
    write("fuzz_policy_yaml", "answers-demo.yaml",
          b"\x02" + read(pol, "examples", "demo_answers.yaml"))
    write("fuzz_policy_yaml", "answers-demo.json",
          b'\x03{"organisation": "Test KK", "answered_by": "taro", "settings": {}}')
    write("fuzz_policy_yaml", "end_of_support.yaml",
          b"\x04" + read(pol, "end_of_support.yaml"))


def register():
    header = "業務分類,情報資産名称,備考,利用者範囲,管理部署,媒体・保存先,個人情報," \
             "要配慮個人情報,特定個人情報,機密性,完全性,可用性,重要度,保存期限,登録日\r\n"
    row = "営業,顧客名簿,\"=HYPERLINK(\"\"x\"\")\",営業部員,営業部,事務所PC,有,無,無," \
          "2,2,1,2,5年,2026-04-01\r\n"
    write("fuzz_register_import", "assets.csv", ("\ufeff" + header + row).encode())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("xl/workbook.xml",
                   '<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
                   '2006/relationships"><sheets><sheet name="情報資産台帳" sheetId="1" '
                   'r:id="rId1"/><sheet name="関連付け" sheetId="2" r:id="rId2"/>'
                   '</sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<Relationships><Relationship Id="rId1" Target="worksheets/s1.xml"/>'
                   '<Relationship Id="rId2" Target="/xl/worksheets/s2.xml"/>'
                   '</Relationships>')
        z.writestr("xl/sharedStrings.xml",
                   "<sst>" + "".join(f"<si><t>{h}</t></si>" for h in header.strip().split(","))
                   + "<si><t>顧客名簿</t><rPh><t>コキャク</t></rPh></si></sst>")
        cells = "".join(f'<c t="s"><v>{i}</v></c>' for i in range(15))
        z.writestr("xl/worksheets/s1.xml",
                   f'<worksheet><sheetData><row r="1">{cells}</row><row r="2">'
                   '<c t="inlineStr"><is><t>営業</t></is></c><c t="s"><v>15</v></c>'
                   '<c r="J2"><v>2</v></c><c r="O2"><v>46113</v></c></row>'
                   '</sheetData></worksheet>')
        z.writestr("xl/worksheets/s2.xml",
                   '<worksheet><sheetData><row><c t="inlineStr"><is><t>顧客名簿</t></is>'
                   '</c><c t="b"><v>1</v></c></row></sheetData></worksheet>')
    write("fuzz_register_import", "register.xlsx", buf.getvalue())


def report(protoc):
    text = '''host_id: "1" node_key: "k" report_id: "r-1"
collected_at { seconds: 1765000000 }
facts { agent_version: "0.1.0" identity { machine_id: "abc" hostname: "pc-05" }
  system { status { state: STATUS_OK } hostname: "pc-05" os_name: "Debian GNU/Linux 12" }
  packages { packages { name: "bash" version: "5.2" architecture: "amd64" } }
}
unchanged_parts { family: "wifi" sha256: "00" }
dropped_reports: 2
'''
    proto_dir = os.path.join(ROOT, "proto")
    try:
        data = subprocess.run(
            [protoc, "-I", proto_dir, "-I", "/usr/include",
             "--encode=mamori.v1.ReportRequest", "mamori/v1/collector.proto"],
            input=text.encode(), capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit("protoc failed: %s %s" % (e, getattr(e, "stderr", b"").decode()))
    write("fuzz_report_ingest", "report", data)
    write("fuzz_report_ingest", "enroll", b"\x0a\x05token\x12\x03abc")


def windows():
    write("fuzz_windows_decode", "cim", b"\x00" + b"20261207041500.000000+540")
    write("fuzz_windows_decode", "usbstor",
          b"\x00" + b"USBSTOR\\Disk&Ven_SanDisk&Prod_Ultra&Rev_1.00\\4C530001&0")
    write("fuzz_windows_decode", "numbers", bytes(range(1, 64)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--protoc", default="protoc")
    args = ap.parse_args()
    shutil.rmtree(OUT, ignore_errors=True)
    agent_text()
    sshd()
    nl80211()
    policy()
    register()
    report(args.protoc)
    windows()


if __name__ == "__main__":
    main()
