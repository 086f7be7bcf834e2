import ZTICore

/// The human summary `check-config` prints: never a secret, only where secrets come from.
enum ConfigSummary {
    static func lines(_ configuration: Configuration, confDir: String, credentialsDirectory: String?) -> [String] {
        let global = configuration.global
        var lines: [String] = []
        let groupCount = configuration.groups.count == 1 ? "1 group" : "\(configuration.groups.count) groups"
        lines.append("configuration \(confDir): valid, \(groupCount)")
        lines.append("crm sink: \(global.sink.rawValue)")
        lines.append("token source: " + tokenSource(global, credentialsDirectory: credentialsDirectory))
        lines.append("runtime dir: \(global.runtimeDir)")
        lines.append("state dir: \(global.stateDir)")
        lines.append("click-to-dial listener: \(global.clickToDialListen)")
        if let enabled = global.groupsEnabled { lines.append("groups enabled: \(enabled.joined(separator: ", "))") }
        for group in configuration.groups {
            let users = group.users.count == 1 ? "1 user" : "\(group.users.count) users"
            let codes =
                group.dialCodes.isEmpty
                ? "no dial codes"
                : "dial codes " + group.dialCodes.map { "\($0.destination):\($0.code)" }.joined(separator: ";")
            let address = HostPort(host: group.pbx.host, port: group.pbx.port)
            // A continuous capture keeps phone numbers on disk: the summary says so.
            let capture = group.pbx.capture.map {
                ", capturing to \(global.stateDir)/captures (pbx.capture: the last \($0.maxFiles) files of at most "
                    + "\($0.maxBytes) bytes)"
            }
            lines.append(
                "group \(group.key) \"\(group.name)\": \(group.pbx.type.rawValue) \(address), \(users), \(codes)"
                    + (capture ?? ""))
        }
        let warnings = configuration.warnings.count
        lines.append(warnings == 0 ? "no warnings" : warnings == 1 ? "1 warning" : "\(warnings) warnings")
        return lines
    }

    /// Where the uploader will read the CRM secret from; the secret itself is never opened here.
    static func tokenSource(_ global: GlobalConfig, credentialsDirectory: String?) -> String {
        let secret: SecretName
        switch global.sink {
        case .none: return "none (crm.sink = none: calls stay in the local spool)"
        case .zoho: secret = .crmRefreshToken
        case .webhook, .zammad: secret = .crmWebhookSecret
        }
        if let credentialsDirectory {
            return "\(credentialsDirectory)/\(secret.rawValue) (systemd credential)"
        }
        if let file = global.secretFiles[secret] {
            return "file \(file) (\(secret.fileKey))"
        }
        return "systemd credential \(secret.rawValue) (LoadCredential= of ztisup-uploader.service)"
    }
}
