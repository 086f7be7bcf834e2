import FoundationEssentials

/// Reads and validates a configuration directory: `zti.properties` and `groups/*.properties`.
///
/// Every problem of every file is collected; the result is either a ``Configuration`` (with warnings) or a
/// ``ZTICoreError`` with code ``ZTICoreError/Code/configurationInvalid`` whose diagnostics name `file:line`,
/// the key, the bad value and what was expected.
public enum ConfigurationLoader {
    /// The global file's name inside the configuration directory.
    public static let globalFileName = "zti.properties"
    /// The folder of group files inside the configuration directory.
    public static let groupsDirectoryName = "groups"

    /// Loads `confDir`; with `onlyGroup`, only the global file and that group are read and checked.
    public static func load(confDir: String, onlyGroup: String? = nil) throws(ZTICoreError) -> Configuration {
        let display = confDir.hasSuffix("/") ? String(confDir.dropLast()) : confDir
        let absolute = PropertyReader.resolve(display, against: FileManager.default.currentDirectoryPath)
        var diagnostics: [ConfigDiagnostic] = []

        let globalPath = display + "/" + globalFileName
        var global: GlobalConfig?
        var globalFile: PropertiesFile?
        do {
            let file = try PropertiesFile.load(path: globalPath)
            globalFile = file
            let (config, found) = GlobalConfigReader.read(file, confDir: absolute)
            global = config
            diagnostics += found
        } catch {
            diagnostics.append(
                ConfigDiagnostic(
                    .error, file: globalPath, line: nil, key: nil, value: nil, message: "cannot read the file"))
        }

        let groupsPath = display + "/" + groupsDirectoryName
        var groups: [GroupConfig] = []
        var readGroups: [(key: String, file: PropertiesFile, result: GroupConfigReader.Result)] = []
        for (key, path) in groupFilePaths(groupsPath, onlyGroup: onlyGroup, diagnostics: &diagnostics) {
            guard isValidGroupKey(key) else {
                diagnostics.append(
                    ConfigDiagnostic(
                        .error, file: path, line: nil, key: nil, value: nil,
                        message:
                            "the group key \"\(ConfigDiagnostic.printable(key))\" (the file name) must be 1 to 64 "
                            + "letters, digits, '.', '_' or '-', starting with a letter or digit"))
                continue
            }
            guard let file = try? PropertiesFile.load(path: path) else {
                diagnostics.append(
                    ConfigDiagnostic(
                        .error, file: path, line: nil, key: nil, value: nil, message: "cannot read the file"))
                continue
            }
            let result = GroupConfigReader.read(file, key: key, confDir: absolute)
            diagnostics += result.diagnostics
            readGroups.append((key, file, result))
            if let group = result.group { groups.append(group) }
        }

        if let global, let globalFile {
            checkEnabledGroups(
                global, globalFile, known: Set(readGroups.map(\.key)), onlyGroup: onlyGroup, &diagnostics)
        }
        checkUniqueNames(readGroups, &diagnostics)
        checkDefaults(readGroups, &diagnostics)
        if let global { checkFrameSize(groups, global, &diagnostics) }

        let errors = diagnostics.filter { $0.severity == .error }
        guard errors.isEmpty, let global else {
            let count = errors.count == 1 ? "1 error" : "\(errors.count) errors"
            throw ZTICoreError(
                .configurationInvalid,
                "the configuration in \(display) has \(count):\n" + errors.map(\.description).joined(separator: "\n"),
                diagnostics: diagnostics)
        }
        return Configuration(global: global, groups: groups, warnings: diagnostics)
    }

    /// Reads `zti.properties` alone, for the commands that only need to find the sockets and the spool
    /// (`ztisup status`, `calls`, `redeliver`): a group file with errors must not keep them from answering.
    public static func loadGlobal(confDir: String) throws(ZTICoreError) -> GlobalConfig {
        let display = confDir.hasSuffix("/") ? String(confDir.dropLast()) : confDir
        let absolute = PropertyReader.resolve(display, against: FileManager.default.currentDirectoryPath)
        let path = display + "/" + globalFileName
        let file = try PropertiesFile.load(path: path)
        let (global, diagnostics) = GlobalConfigReader.read(file, confDir: absolute)
        let errors = diagnostics.filter { $0.severity == .error }
        guard let global, errors.isEmpty else {
            throw ZTICoreError(
                .configurationInvalid, "\(path) has errors:\n" + errors.map(\.description).joined(separator: "\n"),
                diagnostics: diagnostics)
        }
        return global
    }

    /// Reads one group file on its own, for `ztisup replay --group-file`: the group key is the file's base name,
    /// and PBX credentials may be missing.
    public static func loadGroupFile(path: String) throws(ZTICoreError) -> (GroupConfig, [ConfigDiagnostic]) {
        let file = try PropertiesFile.load(path: path)
        let slash = path.lastIndex(of: "/")
        var key = String(slash.map { path[path.index(after: $0)...] } ?? path[...])
        if key.hasSuffix(".properties") { key = String(key.dropLast(".properties".count)) }
        let parent = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? ""
        let directory = PropertyReader.resolve(parent, against: FileManager.default.currentDirectoryPath)
        let result = GroupConfigReader.read(file, key: key, confDir: directory, requireCredentials: false)
        let errors = result.diagnostics.filter { $0.severity == .error }
        guard let group = result.group, errors.isEmpty else {
            throw ZTICoreError(
                .configurationInvalid,
                "the group file \(path) has errors:\n" + errors.map(\.description).joined(separator: "\n"),
                diagnostics: result.diagnostics)
        }
        return (group, result.diagnostics)
    }

    /// `(key, path)` of each group file, sorted by key.
    static func groupFilePaths(_ directory: String, onlyGroup: String?, diagnostics: inout [ConfigDiagnostic])
        -> [(String, String)]
    {
        let suffix = ".properties"
        if let onlyGroup {
            let path = directory + "/" + onlyGroup + suffix
            guard FileManager.default.fileExists(atPath: path) else {
                diagnostics.append(
                    ConfigDiagnostic(
                        .error, file: path, line: nil, key: nil, value: nil,
                        message: "no such group: expected the file of group \(onlyGroup) here"))
                return []
            }
            return [(onlyGroup, path)]
        }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            diagnostics.append(
                ConfigDiagnostic(
                    .error, file: directory, line: nil, key: nil, value: nil,
                    message:
                        "cannot read the group directory: expected one <group>.properties file per PhoneBridge group"))
            return []
        }
        let keys = names.filter { $0.hasSuffix(suffix) && !$0.hasPrefix(".") }.map { String($0.dropLast(suffix.count)) }
        if keys.isEmpty {
            diagnostics.append(
                ConfigDiagnostic(
                    .error, file: directory, line: nil, key: nil, value: nil,
                    message: "no group files: expected one <group>.properties file per PhoneBridge group"))
        }
        return keys.sorted().map { ($0, directory + "/" + $0 + suffix) }
    }

    /// 1 to 64 of `A-Z a-z 0-9 . _ -`, starting with a letter or digit: safe in paths, unit names and event ids.
    public static func isValidGroupKey(_ key: String) -> Bool {
        guard let first = key.first, (1...64).contains(key.count), first.isASCIILetter || first.isASCIIDigit else {
            return false
        }
        return key.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "." || $0 == "_" || $0 == "-" }
    }

    private static func checkEnabledGroups(
        _ global: GlobalConfig, _ file: PropertiesFile, known: Set<String>, onlyGroup: String?,
        _ diagnostics: inout [ConfigDiagnostic]
    ) {
        guard onlyGroup == nil, let enabled = global.groupsEnabled, let entry = file["groups.enabled"] else { return }
        for key in enabled where !known.contains(key) {
            diagnostics.append(
                ConfigDiagnostic(
                    .error, file: file.path, line: entry.line, key: entry.key, value: entry.value,
                    message: "group \(key) has no file \(groupsDirectoryName)/\(key).properties; expected group keys "
                        + "among: \(known.sorted().joined(separator: ", "))"))
        }
    }

    typealias ReadGroup = (key: String, file: PropertiesFile, result: GroupConfigReader.Result)

    private static func checkUniqueNames(_ groups: [ReadGroup], _ diagnostics: inout [ConfigDiagnostic]) {
        var seen: [String: ReadGroup] = [:]
        for group in groups {
            let folded = group.result.name.lowercased()
            if let first = seen[folded] {
                diagnostics.append(
                    ConfigDiagnostic(
                        .error, file: group.file.path, line: group.file["group.name"]?.line, key: "group.name",
                        value: group.result.name,
                        message: "group \(first.key) (\(first.file.path)) already has this name; group names are unique"
                    ))
            } else {
                seen[folded] = group
            }
        }
    }

    /// A group that is accepted must also run: its worker receives it in one `CONFIG` frame, under the frame cap.
    private static func checkFrameSize(
        _ groups: [GroupConfig], _ global: GlobalConfig, _ diagnostics: inout [ConfigDiagnostic]
    ) {
        for group in groups {
            // Every user takes more than this in the frame: a group past it is refused without encoding it.
            let leastBytesPerUser = 64
            var size = group.users.count * leastBytesPerUser
            if size <= WireProtocol.maximumFrameLength {
                let settings = WorkerSettings(
                    group: group, ackTimeout: global.ackTimeout, unackedMax: global.workerUnackedMax,
                    logLevel: global.logLevel, openFollows: true, openLater: true, runtimeDir: global.runtimeDir)
                size = CanonicalJSON.data(settings).count
            }
            guard size > WireProtocol.maximumFrameLength else { continue }
            let perUser = max(leastBytesPerUser, size / max(1, group.users.count))
            diagnostics.append(
                ConfigDiagnostic(
                    .error, file: group.file, line: nil, key: nil, value: nil,
                    message: "the group's \(group.users.count) users make a configuration of at least \(size) bytes, "
                        + "over the \(WireProtocol.maximumFrameLength) bytes a worker can receive (at most "
                        + "\(WireProtocol.maximumFrameLength / perUser) users fit): split it into several groups"))
        }
    }

    private static func checkDefaults(_ groups: [ReadGroup], _ diagnostics: inout [ConfigDiagnostic]) {
        var defaults: [String: (user: GroupConfigReader.UserDeclaration, place: String)] = [:]
        var places: [String: [String]] = [:]
        for group in groups {
            for user in group.result.declared {
                places[user.crmUser, default: []].append("\(group.file.path):\(user.line)")
                guard user.isDefault else { continue }
                let line = group.file["user.\(user.key).default"]?.line
                if let first = defaults[user.crmUser] {
                    diagnostics.append(
                        ConfigDiagnostic(
                            .error, file: group.file.path, line: line, key: "user.\(user.key).default",
                            value: group.file["user.\(user.key).default"]?.value,
                            message: "CRM user \(user.crmUser) is already the default at \(first.place) "
                                + "(user.\(first.user.key)); a CRM user is the default in one place only"))
                } else {
                    defaults[user.crmUser] = (user, line.map { "\(group.file.path):\($0)" } ?? group.file.path)
                }
            }
        }
        for (crmUser, locations) in places.sorted(by: { $0.key < $1.key })
        where locations.count > 1 && defaults[crmUser] == nil {
            diagnostics.append(
                ConfigDiagnostic(
                    .warning, file: locations[0], line: nil, key: nil, value: nil,
                    message:
                        "CRM user \(crmUser) has \(locations.count) extensions (\(locations.joined(separator: ", "))) "
                        + "and none is marked user.X.default = true, so click-to-dial for this user will be refused"))
        }
    }
}
