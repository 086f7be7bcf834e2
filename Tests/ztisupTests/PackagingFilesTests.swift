import Foundation
import Glibc
import Testing
import ZTITestKit

/// The Debian package's own files (`packaging/debian/`), checked without building the package (which
/// `bin/package.sh --check` does, outside CI): the maintainer scripts run for real on this machine's tools inside a
/// private mount namespace whose /etc, /usr/lib, /usr/sbin, /var and /run are overlays (so the users, the stat override and
/// the directories they make never reach the host), and the copyright file names every Swift package linked in.
@Suite(.serialized) struct PackagingFilesTests {
    static let packaging = ZTISupProcess.repositoryRoot + "/packaging/debian"

    static var canRunTheScripts: Bool {
        getuid() == 0
            && [
                "/usr/bin/unshare", "/usr/bin/systemd-sysusers", "/usr/bin/systemd-tmpfiles",
                "/usr/bin/dpkg-statoverride",
            ]
            .allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `body` (bash) in a new mount namespace over overlays of the system directories the scripts write, with
    /// `STAGE` (bin/install.sh --root --no-demo) copied in as the package would unpack it, a `systemctl` that
    /// records its calls in `$CALLS` first in PATH, /run/systemd/system present (systemd "runs"),
    /// and no policy-rc.d.
    static func inNamespace(_ body: String) throws -> ChildProcess.Outcome {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("zti-maint-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let binaries = (ZTISupProcess.executable as NSString).deletingLastPathComponent
        let staged = try ChildProcess.run(
            ZTISupProcess.repositoryRoot + "/bin/install.sh",
            ["--root", scratch + "/stage", "--bin", binaries, "--no-demo"])
        #expect(staged.status == 0, "\(staged.stderr)")
        let script = """
            set -euo pipefail
            for dir in /etc /usr/lib /usr/sbin /var /run; do
                name="${dir//\\//_}"
                mkdir -p "\(scratch)/upper$name" "\(scratch)/work$name"
                mount -t overlay overlay -o "lowerdir=$dir,upperdir=\(scratch)/upper$name,workdir=\(scratch)/work$name" "$dir"
            done
            cp -a "\(scratch)/stage/usr/lib/." /usr/lib/
            rm -rf /etc/ztisup && cp -a "\(scratch)/stage/etc/ztisup" /etc/ztisup
            # A container's policy-rc.d (exit 101) would keep deb-systemd-invoke from acting at all.
            rm -f /usr/sbin/policy-rc.d
            mkdir -p "\(scratch)/bin" /run/systemd/system
            CALLS="\(scratch)/systemctl-calls"
            : >"$CALLS"
            printf '#!/bin/sh\\necho "$*" >>%s\\n' "$CALLS" >"\(scratch)/bin/systemctl"
            chmod 0755 "\(scratch)/bin/systemctl"
            export PATH="\(scratch)/bin:/usr/sbin:/usr/bin:/sbin:/bin"
            P=\(packaging)
            SCRATCH=\(scratch)

            """
        return try ChildProcess.run(
            "/usr/bin/unshare", ["--mount", "--propagation", "private", "bash", "-c", script + body])
    }

    @Test(.enabled(if: canRunTheScripts))
    func installUpgradeAndPurgeDoWhatTheREADMESays() throws {
        let outcome = try Self.inNamespace(
            """
            sh "$P/postinst" configure ""
            echo "passwd $(getent passwd ztisup | cut -d: -f1) $(getent passwd ztisup-up | cut -d: -f1)"
            echo "members $(getent group ztisup | cut -d: -f4)"
            echo "ev $(getent group ztisup-ev | cut -d: -f1)"
            echo "etc $(stat -c '%a %U:%G' /etc/ztisup)"
            echo "socketdir $(stat -c '%a %U:%G' /run/ztisup-uploader)"
            echo "override $(dpkg-statoverride --list /etc/ztisup)"
            echo "install-calls $(tr '\\n' ';' <"$CALLS")"
            : >"$CALLS"
            sh "$P/postinst" configure 0.0.9
            echo "upgrade-calls $(tr '\\n' ';' <"$CALLS")"
            : >"$CALLS"
            sh "$P/prerm" remove
            echo "remove-calls $(tr '\\n' ';' <"$CALLS")"
            mkdir -p /var/lib/ztisup/spool /etc/systemd/system/multi-user.target.wants
            echo spool >/var/lib/ztisup/spool/spool.sqlite
            echo token >/etc/ztisup/credstore/crm-refresh-token
            ln -s /usr/lib/systemd/system/ztisup.target /etc/systemd/system/multi-user.target.wants/ztisup.target
            sh "$P/postrm" purge
            for path in /var/lib/ztisup /etc/ztisup /run/ztisup-uploader /etc/systemd/system/multi-user.target.wants/ztisup.target; do
                if [ -e "$path" ] || [ -L "$path" ]; then echo "left $path"; fi
            done
            for name in ztisup ztisup-up; do if getent passwd "$name" >/dev/null; then echo "left user $name"; fi; done
            for name in ztisup ztisup-up ztisup-ev; do if getent group "$name" >/dev/null; then echo "left group $name"; fi; done
            if dpkg-statoverride --list /etc/ztisup >/dev/null; then echo "left override"; fi
            echo done
            """)
        #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
        let lines = outcome.stdout.split(separator: "\n").map(String.init)
        func line(_ key: String) -> String? {
            lines.first { $0.hasPrefix(key + " ") }.map { String($0.dropFirst(key.count + 1)) }
        }
        #expect(line("passwd") == "ztisup ztisup-up")
        #expect(line("members") == "ztisup-up")
        #expect(line("ev") == "ztisup-ev")
        #expect(line("etc") == "750 root:ztisup")
        #expect(line("socketdir") == "750 root:ztisup-ev")
        #expect(line("override") == "root ztisup 750 /etc/ztisup")
        // A first install makes systemd see the units and starts nothing; an upgrade restarts what was running.
        #expect(line("install-calls") == "--system daemon-reload;")
        #expect(
            line("upgrade-calls")
                == "--system daemon-reload;try-restart ztisup-uploader.service ztisup.service ztisup@*.service;")
        #expect(line("remove-calls")?.contains("stop ztisup@*.service ztisup.service ztisup-uploader.service") == true)
        #expect(lines.filter { $0.hasPrefix("left") }.isEmpty, "\(lines)")
        #expect(lines.last == "done")
    }

    @Test(.enabled(if: canRunTheScripts))
    func theScriptsRefuseTheChrootlessModeBeforeTouchingAnything() throws {
        let outcome = try Self.inNamespace(
            """
            for script in postinst prerm postrm; do
                status=0
                DPKG_ROOT=/srv/elsewhere sh "$P/$script" configure "" 2>>"$SCRATCH/refusals" || status=$?
                echo "$script $status"
            done
            cat "$SCRATCH/refusals" >&2
            if getent passwd ztisup >/dev/null; then echo "made user"; fi
            """)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout == "postinst 1\nprerm 1\npostrm 1\n")
        #expect(outcome.stderr.contains("do not support --force-script-chrootless (DPKG_ROOT=/srv/elsewhere)"))
    }

    /// Every package SwiftPM checked out is linked into the binaries (or may be), so the copyright file names it;
    /// every license it names has its text (or the path of Debian's common copy).
    @Test func theCopyrightFileNamesEveryPackageAndEveryLicenseText() throws {
        let copyright = try String(contentsOfFile: Self.packaging + "/copyright", encoding: .utf8)
        let checkouts = ZTISupProcess.repositoryRoot + "/.build/checkouts"
        let packages = try FileManager.default.contentsOfDirectory(atPath: checkouts).filter { !$0.hasPrefix(".") }
        #expect(packages.contains("swift-nio"))
        for package in packages {
            #expect(
                copyright.contains(".build/checkouts/\(package)/*"), "\(package) is not in packaging/debian/copyright")
        }
        let paragraphs = copyright.components(separatedBy: "\n\n")
        let standalone = Set(
            paragraphs.filter { $0.hasPrefix("License: ") }.map { $0.split(separator: "\n")[0].dropFirst(9) }.map(
                String.init))
        for paragraph in paragraphs where paragraph.hasPrefix("Files: ") {
            let licenseLine = try #require(paragraph.split(separator: "\n").first { $0.hasPrefix("License: ") })
            let hasText = paragraph.split(separator: "\n").last.map { $0.hasPrefix(" ") } ?? false
            for name in licenseLine.dropFirst(9).components(separatedBy: " and ") where !hasText {
                #expect(standalone.contains(name), "license \(name) has no text in packaging/debian/copyright")
            }
        }
    }
}
