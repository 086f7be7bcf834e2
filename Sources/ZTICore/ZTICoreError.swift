/// The one error type of ZTICore: configuration, dial codes, events and the process wire format.
///
/// The message is written for the administrator who reads it in `journalctl`: it names what was wrong,
/// where, and what was expected. `diagnostics` carries every configuration error when there are several.
public struct ZTICoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is; compare with the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Backing: String, Sendable {
            case configurationInvalid
            case propertiesSyntax
            case fileUnreadable
            case dialNumberInvalid
            case dialCodeUnknown
            case dialCodeRequired
            case dialUserUnknown
            case frameTooLarge
            case frameEmpty
            case frameTypeUnknown
            case frameTypeNotAllowed
            case framePayloadInvalid
            case eventInvalid
            case captureFailed
        }

        private let backing: Backing
        private init(_ backing: Backing) { self.backing = backing }

        public var description: String { backing.rawValue }

        /// A support capture's file or directory cannot be created or written.
        public static let captureFailed = Code(.captureFailed)
        /// One or more configuration errors; see ``ZTICoreError/diagnostics``.
        public static let configurationInvalid = Code(.configurationInvalid)
        /// A `.properties` file breaks the Java syntax (a malformed `\uXXXX` escape).
        public static let propertiesSyntax = Code(.propertiesSyntax)
        /// A configuration file or directory cannot be read.
        public static let fileUnreadable = Code(.fileUnreadable)
        /// A click-to-dial number has characters or a length that cannot be dialled.
        public static let dialNumberInvalid = Code(.dialNumberInvalid)
        /// A click-to-dial request names a dial code the group does not define.
        public static let dialCodeUnknown = Code(.dialCodeUnknown)
        /// The user's dial code is `none` and the request named none.
        public static let dialCodeRequired = Code(.dialCodeRequired)
        /// A click-to-dial request names a user who is no group's member, or one without a default extension.
        public static let dialUserUnknown = Code(.dialUserUnknown)
        /// A frame announces more than the 1 MiB cap.
        public static let frameTooLarge = Code(.frameTooLarge)
        /// A frame announces a length of zero: it has no type byte.
        public static let frameEmpty = Code(.frameEmpty)
        /// A frame has a type byte that no version of the protocol defines.
        public static let frameTypeUnknown = Code(.frameTypeUnknown)
        /// A frame type that this peer role may not send on this link.
        public static let frameTypeNotAllowed = Code(.frameTypeNotAllowed)
        /// A frame's JSON payload does not decode to its type.
        public static let framePayloadInvalid = Code(.framePayloadInvalid)
        /// A call event or dial message breaks the event model.
        public static let eventInvalid = Code(.eventInvalid)
    }

    /// The kind of failure.
    public let code: Code
    /// One line (or, for configuration, one line per diagnostic) for the administrator.
    public let message: String
    /// Every configuration error found, when ``code`` is ``Code/configurationInvalid``.
    public let diagnostics: [ConfigDiagnostic]

    /// Creates an error.
    public init(_ code: Code, _ message: String, diagnostics: [ConfigDiagnostic] = []) {
        self.code = code
        self.message = message
        self.diagnostics = diagnostics
    }

    public var description: String { message }
}
