import ZTICore

/// `ztisup check-config --connect` for an Avaya group: one DMCC session that proves the TLS link (and the
/// certificate checks configured), the CTI user's login and the protocol version, and for each extension that CM
/// knows it (`GetThirdPartyDeviceId`) and that the CTI user may monitor it (`MonitorStart`, stopped at once), with
/// the SDB and licence refusals named.
public enum AvayaPreflight {
    /// Runs the checks with `client` (whose settings are the group's).
    public static func run(client: AESClient) async -> [PreflightCheck] {
        let settings = client.settings
        let link = linkDescription(settings)
        do {
            return try await client.probe { version, perform in
                var checks = [
                    PreflightCheck(.pass, link),
                    PreflightCheck(
                        .pass,
                        "DMCC session as CTI user \(settings.username): protocol \(version.split(separator: "/").last ?? "")"
                    ),
                ]
                var refused: [String] = []
                for member in settings.extensions {
                    if let reason = await monitorOnce(member, switchName: settings.switchName, perform: perform) {
                        refused.append("\(member): \(reason)")
                    }
                }
                if refused.isEmpty {
                    checks.append(
                        PreflightCheck(
                            .pass,
                            "extensions: all \(settings.extensions.count) known to CM and monitored (each monitor "
                                + "stopped at once)"))
                } else {
                    let shown = PreflightCheck.listing(refused, separator: "; ")
                    checks.append(
                        PreflightCheck(
                            .fail,
                            "extensions refused (\(refused.count) of \(settings.extensions.count)): \(shown); "
                                + "an SDB refusal is fixed in AES's Security Database (the CTI user's devices), a "
                                + "licence one by more TSAPI Basic licences"))
                }
                return checks
            }
        } catch let error as ZTIAvayaError {
            return [PreflightCheck(.fail, "\(link): \(error.message)")]
        } catch {
            return [PreflightCheck(.fail, AESClient.describe(error, settings))]
        }
    }

    /// The link as configured: TLS and which certificate checks run, or plain TCP.
    static func linkDescription(_ settings: AESClientSettings) -> String {
        let address = "AES \(settings.host):\(settings.port)"
        guard let tls = settings.tls else { return "plain TCP to \(address) (avaya.tls = false)" }
        if !tls.verify { return "TLS to \(address), certificate NOT verified (avaya.tls.verify = false)" }
        if !tls.verifyHostname { return "TLS to \(address), certificate verified (CA; name not checked)" }
        return "TLS to \(address), certificate verified (CA and name)"
    }

    /// Asks CM for `member`'s device and monitors it once; nil when both succeed, else why not.
    static func monitorOnce(
        _ member: String, switchName: String, perform: @Sendable (DMCCRequest) async throws -> DMCCMessage
    ) async -> String? {
        do {
            let device: String
            switch try await perform(.getThirdPartyDeviceID(switchName: switchName, extension: member)) {
            case .deviceID(let id): device = id
            case .error(let category, let value): return AESClient.explain(category, value)
            case let other: return "AES answered GetThirdPartyDeviceId with \(other)"
            }
            let refusal: String?
            switch try await perform(.monitorStart(device: device)) {
            case .monitorStarted(let crossRef):
                _ = try? await perform(.monitorStop(crossRefID: crossRef))
                refusal = nil
            case .error(let category, let value): refusal = AESClient.explain(category, value)
            case let other: refusal = "AES answered MonitorStart with \(other)"
            }
            _ = try? await perform(.releaseDeviceID(device: device))
            return refusal
        } catch {
            return (error as? ZTIAvayaError)?.message ?? "\(error)"
        }
    }
}
