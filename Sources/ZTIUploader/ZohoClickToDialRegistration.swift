import Crypto
import Foundation
import Logging
import NIOHTTP1
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
            if await change(
                .POST, fields: fields(url: url, user: user, secret: secret), api: api, logger: logger,
                refused: "Zoho refused the click-to-dial registration of user \(user)",
                failed: "click-to-dial registration of user \(user)",
                then: { try spool.setRegistration(user, fingerprint: print) })
            {
                summary.registered += 1
            } else {
                summary.failed += 1
            }
        }
        for user in stored.keys.sorted() where !wanted.contains(user) {
            if await change(
                .DELETE, fields: [("zohouser", user)], api: api, logger: logger,
                refused: "Zoho refused to unregister click-to-dial for user \(user)",
                failed: "click-to-dial unregistration of user \(user)",
                then: { try spool.setRegistration(user, fingerprint: nil) })
            {
                summary.removed += 1
            } else {
                summary.failed += 1
            }
        }
        logger.info(
            "click-to-dial at \(url): \(summary.registered) users registered, \(summary.unchanged) unchanged, \(summary.removed) removed, \(summary.failed) failed"
        )
        return summary
    }

    /// Sends one registration change and, once Zoho took it, records it with `then`; false (logged) otherwise.
    static func change(
        _ method: HTTPMethod, fields: [(name: String, value: String)], api: PhoneBridgeClient, logger: Logger,
        refused: String, failed: String, then record: () throws -> Void
    ) async -> Bool {
        do {
            let reply = try await api.send(method, "clicktodial", fields: fields)
            guard reply.isSuccess else {
                logger.error("\(refused): HTTP \(reply.status) \(reply.snippet)")
                return false
            }
            try record()
            return true
        } catch {
            logger.error("\(failed): \((error as? ZTIUploaderError)?.message ?? "\(error)")")
            return false
        }
    }
}
