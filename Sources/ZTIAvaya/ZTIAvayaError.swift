/// The one error type of ZTIAvaya.
public struct ZTIAvayaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Backing: String, Sendable {
            case frameMalformed
            case frameTooLarge
            case invokeIDInvalid
            case xmlMalformed
            case requestRefused
        }

        private let backing: Backing
        private init(_ backing: Backing) { self.backing = backing }

        public var description: String { backing.rawValue }

        /// Bytes from AES that are not a DMCC frame (a length under 8, an invoke ID that is not 4 digits); the
        /// stream has no resync marker, so the connection must be dropped.
        public static let frameMalformed = Code(.frameMalformed)
        /// A frame larger than the 16-bit length field (or the configured maximum) allows.
        public static let frameTooLarge = Code(.frameTooLarge)
        /// An invoke ID outside 0…9999.
        public static let invokeIDInvalid = Code(.invokeIDInvalid)
        /// A DMCC message that is not a well-formed XML document, or that is one we refuse (a DOCTYPE, too deep).
        public static let xmlMalformed = Code(.xmlMalformed)
        /// A request that cannot be built safely (a number or name with characters a dial string cannot hold).
        public static let requestRefused = Code(.requestRefused)
    }

    /// The kind of failure.
    public let code: Code
    /// A line for the administrator.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
