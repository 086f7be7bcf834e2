/// A channel's state as AMI reports it: the number of `ChannelState` (1.6 and later), or the text of `State` /
/// `ChannelStateDesc` (1.4). The tracker acts on ``ringing`` and ``up``; a number it does not know reads as
/// ``unknown``.
public enum AMIChannelState: Int, Sendable, Equatable {
    case down = 0
    case reserved = 1
    case offHook = 2
    case dialing = 3
    case ring = 4
    case ringing = 5
    case up = 6
    case busy = 7
    case dialingOffHook = 8
    case preRing = 9
    case unknown = 10

    /// From `ChannelState`'s number.
    public init?(number text: String) {
        guard let number = Int(text) else { return nil }
        self = AMIChannelState(rawValue: number) ?? .unknown
    }

    /// From the description 1.4 sends (`Ringing`, `Up`, `Dialing Offhook`, case-insensitive).
    public init?(description text: String) {
        switch text.lowercased() {
        case "down": self = .down
        case "rsrvd": self = .reserved
        case "offhook": self = .offHook
        case "dialing": self = .dialing
        case "ring": self = .ring
        case "ringing": self = .ringing
        case "up": self = .up
        case "busy": self = .busy
        case "dialing offhook": self = .dialingOffHook
        case "pre-ring": self = .preRing
        case "unknown": self = .unknown
        default: return nil
        }
    }
}
