/// The state a member's lifecycle reached. `missed`, `failed` and `transferred` are terminal like `ended`.
public enum CallState: String, Sendable, Codable, CaseIterable {
    case ringing, answered, ended, missed, failed, transferred

    /// True for the states that close a lifecycle; a worker never drops these when its buffer is full.
    public var isTerminal: Bool {
        switch self {
        case .ringing, .answered: false
        case .ended, .missed, .failed, .transferred: true
        }
    }
}
