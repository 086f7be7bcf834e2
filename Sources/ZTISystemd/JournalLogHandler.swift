import Logging

/// A swift-log handler that writes native journald entries: `MESSAGE`, `PRIORITY`, `SYSLOG_IDENTIFIER`,
/// `CODE_FILE`/`CODE_LINE`/`CODE_FUNC` (Swift does not get libsystemd's location macros), and every metadata
/// key as an upper-case `ZTI_*` field.
public struct JournalLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    /// `SYSLOG_IDENTIFIER`: `ztisup`, `ztisup-worker` or `ztisup-uploader`.
    public let identifier: String
    private let writer: any JournalWriter

    /// Creates a handler that writes through `writer`.
    public init(
        identifier: String, logLevel: Logger.Level = .info, writer: any JournalWriter = LibsystemdJournalWriter(),
        metadataProvider: Logger.MetadataProvider? = nil
    ) {
        self.identifier = identifier
        self.logLevel = logLevel
        self.writer = writer
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        writer.write(fields(for: event))
    }

    /// The journal fields of `event`, in a stable order (fixed fields first, then metadata sorted by name).
    public func fields(for event: LogEvent) -> [(name: String, value: String)] {
        let merged = event.mergedMetadata(handler: metadata, provider: metadataProvider)
        var fields: [(name: String, value: String)] = [
            ("MESSAGE", event.message.description),
            ("PRIORITY", String(Self.priority(event.level))),
            ("SYSLOG_IDENTIFIER", identifier),
            ("CODE_FILE", event.file),
            ("CODE_LINE", String(event.line)),
            ("CODE_FUNC", event.function),
        ]
        var named: [String: String] = [:]
        for (key, value) in merged { named[JournalFieldName.sanitize(key)] = value.description }
        if let error = event.error { named["ZTI_ERROR"] = String(describing: error) }
        for name in named.keys.sorted() { fields.append((name, named[name]!)) }
        return fields
    }

    /// The syslog priority of a swift-log level.
    public static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }
}
