import CSystemd

/// Sockets passed by systemd socket activation (`ListenStream=`), through `sd_listen_fds`.
public enum ListenFDs {
    /// The first passed descriptor.
    public static let first: Int32 = 3

    /// How many sockets systemd passed to this process (0 when not socket-activated); the environment variables
    /// are unset so that children do not inherit them.
    public static func take() -> Int {
        max(0, Int(sd_listen_fds(1)))
    }
}
