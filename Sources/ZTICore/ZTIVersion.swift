/// The version of ztisup, printed by `ztisup --version` and sent in status.
public enum ZTIVersion {
    /// The release version.
    public static let current = "0.1.0"
}
