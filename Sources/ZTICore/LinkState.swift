/// The state of a worker's PBX link, as its heartbeat reports it.
public enum LinkState: String, Sendable, Codable, Equatable {
    /// Not up: connecting for the first time, or again after the link dropped or the login was refused.
    case connecting
    /// Logged in (AMI) or in a session (AES): events flow.
    case connected
}
