import FoundationEssentials

/// The keys that apply to one kind of PBX only: `pbx.originate.*` and `pbx.ami.filter` (Asterisk, Elastix) and `avaya.*` (AES).
extension GroupConfigReader {
    static let amiOnlyKeys = [
        "pbx.originate.channel", "pbx.originate.context", "pbx.originate.timeout", "pbx.ami.filter",
    ]
    static let avayaKeys = [
        "avaya.switch", "avaya.tls", "avaya.tls.cafile", "avaya.tls.verify", "avaya.tls.verifyhostname",
        "avaya.tls.certfile", "avaya.tls.keyfile", "avaya.session.duration", "avaya.session.cleanupdelay",
    ]

    /// Warns about keys of the other kind of PBX, which this group ignores.
    static func reportForeignKeys(_ reader: inout PropertyReader, type: PBXType?) {
        guard let type else { return }
        let foreign = type == .avaya ? amiOnlyKeys : avayaKeys
        let applies = type == .avaya ? "asterisk and elastix groups" : "avaya groups"
        for key in foreign {
            if let entry = reader.entry(key) {
                reader.warning(entry, "this key applies to \(applies) only; ignored in this \(type.rawValue) group")
            }
        }
    }

    static func readOriginate(_ reader: inout PropertyReader, type: PBXType?) -> OriginateSettings? {
        guard let type, type != .avaya else { return nil }
        var channel = OriginateSettings.defaultChannel(for: type)
        if let entry = reader.entry("pbx.originate.channel") {
            let value = entry.value.trimmingBlanks()
            if value.contains("{ext}")
                && GroupConfigReader.isDeviceName(value.replacing("{ext}", with: "1"))
            {
                channel = value
            } else {
                reader.error(
                    entry,
                    "expected a channel template with {ext}, e.g. SIP/{ext}, PJSIP/{ext} or Local/{ext}@from-internal")
            }
        }
        var context = "from-internal"
        if let entry = reader.entry("pbx.originate.context") {
            let value = entry.value.trimmingBlanks()
            if !value.isEmpty && value.allSatisfy({ $0.isASCIILetter || $0.isASCIIDigit || "-_.".contains($0) }) {
                context = value
            } else {
                reader.error(entry, "expected a dialplan context of letters, digits, '-', '_' and '.'")
            }
        }
        let timeout = reader.duration("pbx.originate.timeout", default: .seconds(30), minimum: .seconds(1))
        return OriginateSettings(channel: channel, context: context, timeout: timeout)
    }

    static func readAvaya(_ reader: inout PropertyReader, type: PBXType?, confDir: String) -> AvayaSettings? {
        guard type == .avaya else { return nil }
        let switchName = reader.string(
            "avaya.switch", required: true,
            expected: "the AES switch connection name (AES: Communication Manager "
                + "Interface > Switch Connections)")
        let tls = reader.bool("avaya.tls", default: true)
        let caFile = reader.existingFile("avaya.tls.cafile", confDir: confDir, what: "a PEM file of CA certificates")
        let verify = reader.bool("avaya.tls.verify", default: true)
        let verifyHostname = reader.bool("avaya.tls.verifyhostname", default: true)
        let certFile = reader.existingFile("avaya.tls.certfile", confDir: confDir, what: "a PEM client certificate")
        let keyFile = reader.existingFile(
            "avaya.tls.keyfile", confDir: confDir, what: "the client certificate's PEM key")
        if (certFile == nil) != (keyFile == nil) {
            if let entry = reader.file["avaya.tls.certfile"] ?? reader.file["avaya.tls.keyfile"] {
                reader.error(entry, "a client certificate needs both avaya.tls.certfile and avaya.tls.keyfile")
            }
        }
        let duration = reader.duration("avaya.session.duration", default: .seconds(180), minimum: .seconds(1))
        let cleanup = reader.duration("avaya.session.cleanupdelay", default: .seconds(60), minimum: .seconds(1))
        guard let switchName else { return nil }
        return AvayaSettings(
            switchName: switchName, tls: tls, caFile: caFile, verify: verify, verifyHostname: verifyHostname,
            certFile: certFile, keyFile: keyFile, sessionDuration: duration, sessionCleanupDelay: cleanup)
    }
}
