import Crypto
import Foundation
import Logging
import ZTICore

/// Registers the click-to-dial URI (`clicktodial.public.url`) with Zoho for every CRM user of the groups, with the
/// `ztitoken` authorization and a `zohouser` parameter that tells the endpoint who clicked. What was registered is
/// remembered in the spool as a fingerprint, so a start registers only users that are new or changed (URL or
/// secret), and unregisters users no longer configured.
public enum ZohoClickToDialRegistration {
    /// What a sync did.
    public struct Summary: Sendable, Equatable {
        public var registered = 0
        public var unchanged = 0
        public var removed = 0
        public var failed = 0
    }

    /// The CRM users that can place calls: those that resolve to one membership.
    public static func users(_ groups: [GroupConfig]) -> [String] {
        let all = Set(groups.flatMap { $0.users.map(\.crmUser) })
        return all.filter { (try? ClickToDialTarget.resolve($0, in: groups)) != nil }.sorted()
    }

    static func fingerprint(url: String, user: String, secret: String) -> String {
        SHA256.hash(data: Array((url + "\n" + user + "\n" + secret).utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The fields of the registration of `user`.
    static func fields(url: String, user: String, secret: String) -> [(name: String, value: String)] {
        let authorization = ClickToDialEndpoint.json(["name": ClickToDialEndpoint.authorizationName, "value": secret])
        let parameter = "[" + ClickToDialEndpoint.json(["name": "zohouser", "value": user]) + "]"
        return [
            ("clicktodialuri", url), ("zohouser", user), ("authorizationparam", authorization),
            ("clicktodialparam", parameter),
        ]
    }

    /// Brings Zoho's registrations in line with the configuration.
    public static func sync(
        groups: [GroupConfig], url: String, secret: String, api: PhoneBridgeClient, spool: Spool, logger: Logger
    ) async -> Summary {
        var summary = Summary()
        let stored = (try? spool.registrations()) ?? [:]
        let wanted = users(groups)
        for user in wanted {
            let print = fingerprint(url: url, user: user, secret: secret)
            if stored[user] == print {
                summary.unchanged += 1
                continue
            }
            do {
                let reply = try await api.send(
                    .POST, "clicktodial", fields: fields(url: url, user: user, secret: secret))
                guard reply.isSuccess else {
                    summary.failed += 1
                    logger.error(
                        "Zoho refused the click-to-dial registration of user \(user): HTTP \(reply.status) \(reply.snippet)"
                    )
                    continue
                }
                try spool.setRegistration(user, fingerprint: print)
                summary.registered += 1
            } catch {
                summary.failed += 1
                logger.error("click-to-dial registration of user \(user): \(error.message)")
            }
        }
        for user in stored.keys.sorted() where !wanted.contains(user) {
            do {
                let reply = try await api.send(.DELETE, "clicktodial", fields: [("zohouser", user)])
                guard reply.isSuccess else {
                    summary.failed += 1
                    logger.error(
                        "Zoho refused to unregister click-to-dial for user \(user): HTTP \(reply.status) \(reply.snippet)"
                    )
                    continue
                }
                try spool.setRegistration(user, fingerprint: nil)
                summary.removed += 1
            } catch {
                summary.failed += 1
                logger.error("click-to-dial unregistration of user \(user): \(error.message)")
            }
        }
        logger.info(
            "click-to-dial at \(url): \(summary.registered) users registered, \(summary.unchanged) unchanged, \(summary.removed) removed, \(summary.failed) failed"
        )
        return summary
    }
}
