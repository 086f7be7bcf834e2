import FoundationEssentials

/// Validates one group file into a ``GroupConfig``, collecting every problem.
enum GroupConfigReader {
    static let knownKeys =
        [
            "group.name", "group.representative", "group.crmgroup",
            "pbx.type", "pbx.host", "pbx.port", "pbx.username", "pbx.password", "pbx.password.file", "pbx.dialcodes",
            "pbx.internal.pattern", "pbx.trunks", "pbx.keepalive", "pbx.resync.interval", "pbx.ami.filter",
            "pbx.capture", "pbx.capture.max.size", "pbx.capture.max.files", "metrics.listen",
            "call.max.open", "number.countrycode", "number.nationalprefix", "number.internationalprefix",
            "avaya.server", "avaya.manager.username", "avaya.manager.password",
        ] + amiOnlyKeys + avayaKeys
    static let userFields = ["crmuser", "extension", "device", "default", "dialcode"]
    static let dialStringExpectation = "digits, * and # only"

    /// What one group file yields: the group when it has no errors, and in any case the users and name that
    /// could be read, so that checks across groups still run on a broken file.
    struct Result {
        let group: GroupConfig?
        let name: String
        let users: [UserConfig]
        /// Every user the file declares with a CRM user, valid or not: the cross-group rules (one default per CRM
        /// user) are checked in the same run as the per-file errors.
        let declared: [UserDeclaration]
        let diagnostics: [ConfigDiagnostic]
    }

    /// Reads the group `key` from `file`.
    /// With `requireCredentials` false (replay), the PBX user and password may be missing.
    static func read(_ file: PropertiesFile, key: String, confDir: String, requireCredentials: Bool = true) -> Result {
        var reader = PropertyReader(file)
        let name = reader.string("group.name", expected: "a display name") ?? key
        // The Java adapter's group keys: accepted, so its files load, and said to do nothing here.
        for (key, why) in [
            ("group.representative", "each member's CRM user is user.<name>.crmuser"),
            ("group.crmgroup", "the CRM knows its users, not groups of the PBX"),
        ] {
            if let entry = reader.entry(key) {
                reader.warning(
                    entry,
                    "\(key) is informational (kept from the Java adapter's files): ztisup does not use it; \(why)")
            }
        }
        let type: PBXType? = reader.choice("pbx.type", default: nil, required: true)

        let host = aliased(&reader, "pbx.host", legacy: "avaya.server", type: type).flatMap { entry in
            parseOrReport(&reader, entry, expected: "a host name or IP address", ConfigValueParser.host)
        }
        if host == nil, reader.entry("pbx.host") == nil, reader.file["avaya.server"] == nil {
            reader.missing("pbx.host", expected: "the PBX host name or IP address")
        }
        let avaya = readAvaya(&reader, type: type, confDir: confDir)
        let originate = readOriginate(&reader, type: type)
        reportForeignKeys(&reader, type: type)
        let defaultPort = avaya.map { $0.tls ? 4722 : 4721 } ?? type?.defaultPort
        let port = reader.port("pbx.port", default: defaultPort)
        let username = aliased(&reader, "pbx.username", legacy: "avaya.manager.username", type: type).flatMap {
            entry in
            parseOrReport(&reader, entry, expected: "a user name without control characters") {
                ConfigValueParser.containsControlCharacter($0) ? nil : $0
            }
        }
        if requireCredentials, username == nil, reader.file["pbx.username"] == nil,
            reader.file["avaya.manager.username"] == nil
        {
            reader.missing("pbx.username", expected: "the AMI or AES user name")
        }
        let (password, passwordFile) = readPassword(
            &reader, type: type, confDir: confDir, requireCredentials: requireCredentials)

        let dialCodes = readDialCodes(&reader)
        let numbers = readNumberPlan(&reader)
        let trunks =
            reader.string("pbx.trunks", expected: "channel-name prefixes or contexts").map(
                ConfigValueParser.list) ?? []
        let keepalive = reader.duration("pbx.keepalive", default: .seconds(20), minimum: .seconds(1))
        let resync = reader.duration("pbx.resync.interval", default: .seconds(300), minimum: .seconds(1))
        let callMaxOpen = reader.duration("call.max.open", default: .seconds(600), minimum: .seconds(1))
        let amiFilter = reader.bool("pbx.ami.filter", default: false)
        let captureSize =
            reader.typed(
                "pbx.capture.max.size", default: 50 << 20, expected: "a size such as 500K, 50M or 1G",
                ConfigValueParser.byteSize) ?? 50 << 20
        let captureFiles = reader.integer("pbx.capture.max.files", default: 10, range: 1...1000)
        let metricsListen = reader.typed(
            "metrics.listen", default: nil,
            expected: "PORT (on 127.0.0.1) or HOST:PORT, e.g. 9465 (a per-group supervisor serves /metrics there)",
            ConfigValueParser.listenAddress)
        let capture =
            reader.bool("pbx.capture", default: false)
            ? PBXSettings.ContinuousCapture(maxBytes: captureSize, maxFiles: captureFiles) : nil
        let (users, declared) = readUsers(&reader, dialCodes: dialCodes)

        reader.reportUnknownKeys(known: knownKeys + userFields.map { "user.X.\($0)" }) { unknown in
            guard unknown.hasPrefix("user.") else { return nil }
            let field = unknown.split(separator: ".").last.map(String.init) ?? ""
            var message = "unknown user key, ignored"
            if let suggestion = KeySuggester.suggestion(for: field, among: userFields) {
                message += "; did you mean user.X.\(suggestion)?"
            } else {
                message += "; user keys are user.X.crmuser, .extension, .device, .default and .dialcode"
            }
            return message
        }
        if users.isEmpty && !reader.diagnostics.contains(where: { $0.severity == .error }) {
            reader.add(
                ConfigDiagnostic(
                    .warning, file: file.path, line: nil, key: nil, value: nil,
                    message: "the group has no users (user.X.extension), so its calls produce no events"))
        }

        guard !reader.diagnostics.contains(where: { $0.severity == .error }), let type, let host, let port,
            let numbers, type != .avaya || avaya != nil
        else {
            return Result(group: nil, name: name, users: users, declared: declared, diagnostics: reader.diagnostics)
        }
        let pbx = PBXSettings(
            type: type, host: host, port: port, username: username ?? "", password: password,
            passwordFile: passwordFile,
            trunks: trunks, keepalive: keepalive, resyncInterval: resync, callMaxOpen: callMaxOpen,
            amiFilter: amiFilter, originate: originate, avaya: avaya, capture: capture)
        let group = GroupConfig(
            key: key, name: name, pbx: pbx, dialCodes: dialCodes,
            numbers: numbers, users: users, file: file.path, metricsListen: metricsListen)
        return Result(group: group, name: name, users: users, declared: declared, diagnostics: reader.diagnostics)
    }

    /// The entry of `key`, or of its legacy Avaya name, which only Avaya groups accept.
    private static func aliased(_ reader: inout PropertyReader, _ key: String, legacy: String, type: PBXType?)
        -> PropertyEntry?
    {
        let primary = reader.entry(key)
        guard let old = reader.entry(legacy) else { return primary }
        if type != nil && type != .avaya {
            reader.error(old, "\(legacy) is an old Avaya key; this group is \(type!.rawValue): use \(key)")
            return primary
        }
        if primary != nil {
            reader.error(old, "\(legacy) is the old name of \(key), which is set too; keep only \(key)")
            return primary
        }
        return old
    }

    private static func parseOrReport<T>(
        _ reader: inout PropertyReader, _ entry: PropertyEntry, expected: String, _ parse: (String) -> T?
    ) -> T? {
        guard let value = parse(entry.value.trimmingBlanks()) else {
            reader.error(entry, "expected \(expected)")
            return nil
        }
        return value
    }

    private static func readPassword(
        _ reader: inout PropertyReader, type: PBXType?, confDir: String, requireCredentials: Bool
    ) -> (String?, String?) {
        let inline = aliased(&reader, "pbx.password", legacy: "avaya.manager.password", type: type)
        let fileEntry = reader.entry("pbx.password.file")
        if let inline, let fileEntry {
            reader.error(fileEntry, "both pbx.password.file and \(inline.key) are set; keep only pbx.password.file")
            return (nil, nil)
        }
        if let inline {
            reader.warning(
                inline,
                "the password is written in the group file; put it in a file of mode 0600 and name it with "
                    + "pbx.password.file", showValue: false)
            return (inline.value, nil)
        }
        guard let fileEntry else {
            if requireCredentials && reader.file["pbx.password"] == nil && reader.file["avaya.manager.password"] == nil
            {
                reader.missing(
                    "pbx.password.file", expected: "the path of a file holding the PBX password (or pbx.password)")
            }
            return (nil, nil)
        }
        let path = PropertyReader.resolve(fileEntry.value.trimmingBlanks(), against: confDir)
        if requireCredentials, let problem = CredentialFile.problem(path) {
            reader.error(fileEntry, problem)
            return (nil, nil)
        }
        return (nil, path)
    }

    private static func readDialCodes(_ reader: inout PropertyReader) -> [DialCode] {
        guard let entry = reader.entry("pbx.dialcodes") else { return [] }
        var codes: [DialCode] = []
        let grammar = "DESTINATION:CODE pairs separated by ; with codes of \(dialStringExpectation)"
        for pair in entry.value.split(separator: ";").map({ $0.trimmingBlanks() }) where !pair.isEmpty {
            let parts = pair.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                reader.error(entry, "\"\(pair)\" has no colon; expected \(grammar)")
                continue
            }
            let destination = parts[0].trimmingBlanks()
            let code = parts[1].trimmingBlanks()
            if destination.isEmpty || ConfigValueParser.containsControlCharacter(destination)
                || destination.contains(where: { $0 == " " || $0 == "," })
            {
                reader.error(entry, "\"\(pair)\" has no usable destination name; expected \(grammar)")
            } else if ["noprefix", "none"].contains(destination) {
                reader.error(entry, "\(destination) is reserved for user.X.dialcode; choose another destination name")
            } else if !ConfigValueParser.isDialString(code) {
                reader.error(entry, "dial code \(destination) has \"\(code)\"; expected \(grammar)")
            } else if codes.contains(where: { $0.destination == destination }) {
                reader.error(entry, "destination \(destination) is defined twice; destinations must be unique")
            } else {
                codes.append(DialCode(destination: destination, code: code))
            }
        }
        return codes
    }

    private static func readNumberPlan(_ reader: inout PropertyReader) -> NumberPlan? {
        let digits: (Int) -> (String) -> String? = { maximum in
            { $0.count <= maximum && $0.allSatisfy(\.isASCIIDigit) ? $0 : nil }
        }
        let countryCode = reader.typed(
            "number.countrycode", default: nil, expected: "a country calling code of 1 to 3 digits, e.g. 81",
            digits(3))
        let national =
            reader.typed("number.nationalprefix", default: "0", expected: "1 to 4 digits, e.g. 0", digits(4)) ?? "0"
        let international =
            reader.typed(
                "number.internationalprefix", default: "00", expected: "1 to 4 digits, e.g. 00, 010 or 011",
                digits(4)) ?? "00"
        let patternEntry = reader.entry("pbx.internal.pattern")
        let pattern = patternEntry?.value.trimmingBlanks() ?? NumberPlan.defaultInternalPattern
        do {
            return try NumberPlan(
                countryCode: countryCode, nationalPrefix: national, internationalPrefix: international,
                internalPattern: pattern)
        } catch {
            if let patternEntry {
                reader.error(patternEntry, "expected a regular expression, e.g. ^[0-9]{2,6}$ (\(error))")
            }
            return nil
        }
    }

    /// A user as declared: enough for the rules across groups, whatever else is wrong with it.
    struct UserDeclaration {
        let key: String
        let crmUser: String
        let isDefault: Bool
        let line: Int
    }

    private static func readUsers(
        _ reader: inout PropertyReader, dialCodes: [DialCode]
    ) -> ([UserConfig], [UserDeclaration]) {
        // Linear in the number of keys: a group of 100,000 users is checked in about a second.
        var userKeys: [String] = []
        var userKeysSeen: Set<String> = []
        for entry in reader.file.entries where entry.key.hasPrefix("user.") {
            let parts = entry.key.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count >= 3, userFields.contains(String(parts.last!)) else { continue }
            let userKey = parts.dropFirst().dropLast().joined(separator: ".")
            if !userKey.isEmpty && userKeysSeen.insert(userKey).inserted { userKeys.append(userKey) }
        }
        var users: [UserConfig] = []
        var declared: [UserDeclaration] = []
        var extensionOwners: [String: Int] = [:]
        var devicesSeen: [String: String] = [:]
        let codeNames = dialCodes.map(\.destination)
        for userKey in userKeys {
            let prefix = "user.\(userKey)."
            let crmUser = reader.string(prefix + "crmuser", required: true, expected: "the CRM user id")
            let extensionEntry = reader.entry(prefix + "extension")
            var extensionNumber: String?
            if let extensionEntry {
                let value = extensionEntry.value.trimmingBlanks()
                if ConfigValueParser.containsControlCharacter(value) {
                    reader.error(
                        extensionEntry,
                        "the extension contains a control character; expected \(dialStringExpectation)")
                } else if !ConfigValueParser.isDialString(value) || value.count > 32 {
                    reader.error(extensionEntry, "expected an extension of \(dialStringExpectation)")
                } else if let owner = extensionOwners[value].map({ users[$0] }) {
                    reader.error(
                        extensionEntry,
                        "extension \(value) already belongs to user.\(owner.key) (line \(owner.line)); "
                            + "an extension is unique in its group")
                } else {
                    extensionNumber = value
                }
            } else if reader.file[prefix + "extension"] == nil {
                reader.missing(prefix + "extension", expected: "the user's extension (\(dialStringExpectation))")
            } else {
                reader.error(reader.file[prefix + "extension"]!, "expected an extension of \(dialStringExpectation)")
            }
            var devices: [String] = []
            if let deviceEntry = reader.entry(prefix + "device") {
                for device in ConfigValueParser.list(deviceEntry.value) {
                    if !isDeviceName(device) {
                        reader.error(deviceEntry, "\"\(device)\" is not a device; expected TECH/NAME such as SIP/101")
                    } else if let owner = devicesSeen[device] {
                        reader.error(deviceEntry, "device \(device) already belongs to user.\(owner)")
                    } else {
                        devicesSeen[device] = userKey
                        devices.append(device)
                    }
                }
            }
            let isDefault = reader.bool(prefix + "default", default: false)
            var policy = DialCodePolicy.noPrefix
            if let dialEntry = reader.entry(prefix + "dialcode") {
                let chosen = DialCodePolicy(configValue: dialEntry.value.trimmingBlanks())
                if case .code(let name) = chosen, !codeNames.contains(name) {
                    let choices = (codeNames + ["noprefix", "none"]).joined(separator: ", ")
                    reader.error(dialEntry, "no dial code is named so in pbx.dialcodes; expected one of \(choices)")
                } else {
                    policy = chosen
                }
            }
            if let crmUser {
                let line = (reader.file[prefix + "extension"] ?? reader.file[prefix + "crmuser"])?.line ?? 0
                declared.append(UserDeclaration(key: userKey, crmUser: crmUser, isDefault: isDefault, line: line))
            }
            if let crmUser, let extensionNumber, let extensionEntry {
                extensionOwners[extensionNumber] = users.count
                users.append(
                    UserConfig(
                        key: userKey, crmUser: crmUser, extensionNumber: extensionNumber, devices: devices,
                        isDefault: isDefault, dialCode: policy, line: extensionEntry.line))
            }
        }
        return (users, declared)
    }

    /// `TECH/NAME`: a channel technology and an endpoint name without blanks, commas or control characters.
    static func isDeviceName(_ text: String) -> Bool {
        guard let slash = text.firstIndex(of: "/") else { return false }
        let tech = text[..<slash]
        let name = text[text.index(after: slash)...]
        return !tech.isEmpty && tech.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit } && !name.isEmpty
            && !name.contains(where: { $0 == " " || $0 == "," || $0 == "\t" })
            && !ConfigValueParser.containsControlCharacter(String(name))
    }
}
