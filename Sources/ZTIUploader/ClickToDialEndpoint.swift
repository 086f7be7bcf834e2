import Foundation
import Logging
import ZTICore

/// What the click-to-dial HTTP endpoint does with one request, apart from HTTP itself: Zoho's shape (`tonumber`
/// plus the custom parameters registered with `clicktodial`: `zohouser`, and the `ztitoken` authorization as a
/// parameter or a header), the authorization checked in constant time, the user resolved to the group and its
/// default extension, the dial code applied, and the `DIAL` sent to that group's supervisor.
public struct ClickToDialEndpoint: Sendable {
    /// The name of the authorization parameter (or header) registered with Zoho.
    public static let authorizationName = "ztitoken"

    /// An HTTP answer.
    public struct Response: Sendable, Equatable {
        public let status: Int
        public let body: String
    }

    let groups: [GroupConfig]
    let secret: [UInt8]
    let router: DialRouter
    let logger: Logger

    public init(groups: [GroupConfig], secret: String, router: DialRouter, logger: Logger) {
        self.groups = groups
        self.secret = Array(secret.utf8)
        self.router = router
        self.logger = logger
    }

    /// Handles a request: its method, target (path and query), headers (names in lower case) and body.
    public func handle(method: String, target: String, headers: [String: String], body: [UInt8]) async -> Response {
        guard method == "POST" || method == "GET" else {
            return Self.error(405, "use POST (or GET) with tonumber and zohouser")
        }
        var parameters: [String: String] = [:]
        if let query = target.split(separator: "?", maxSplits: 1).dropFirst().first {
            for (name, value) in FormEncoding.decode(String(query)) { parameters[name] = value }
        }
        if !body.isEmpty {
            let text = String(decoding: body, as: UTF8.self)
            if headers["content-type"]?.hasPrefix("application/json") == true {
                guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
                    return Self.error(400, "the body is not a JSON object")
                }
                for (name, value) in object {
                    if let string = value as? String {
                        parameters[name] = string
                    } else if Self.parameterNames.contains(name) {
                        // A JSON number loses its leading zeros (0312… would be dialled as 312…): strings only.
                        return Self.error(
                            400,
                            "\(name) must be a JSON string (a JSON number loses its leading zeros: 0312… would be "
                                + "dialled as 312…)")
                    }
                }
            } else {
                for (name, value) in FormEncoding.decode(text) { parameters[name] = value }
            }
        }
        let presented = headers[Self.authorizationName] ?? parameters[Self.authorizationName] ?? ""
        guard Self.constantTimeEqual(Array(presented.utf8), secret) else {
            logger.warning("click-to-dial refused: the \(Self.authorizationName) authorization is missing or wrong")
            return Self.error(401, "the \(Self.authorizationName) authorization is missing or wrong")
        }
        guard let number = parameters["tonumber"], !number.isEmpty else {
            return Self.error(400, "tonumber is missing")
        }
        guard let crmUser = parameters["zohouser"], !crmUser.isEmpty else {
            return Self.error(400, "zohouser is missing (it is registered as a click-to-dial parameter)")
        }
        let target: ClickToDialTarget
        let dialString: String
        do {
            target = try ClickToDialTarget.resolve(crmUser, in: groups)
            dialString = try DialPlan.dialString(
                group: target.group, user: target.user, number: number, dialCode: parameters["dialcode"])
        } catch {
            logger.warning("click-to-dial refused: \(error.message)")
            return Self.error(error.code == .dialUserUnknown ? 404 : 400, error.message)
        }
        let request = DialRequest(
            clickToDialId: "c2d-" + UUID().uuidString.lowercased().prefix(13), group: target.group.key,
            extension: target.user.extensionNumber, user: target.user.crmUser, number: dialString)
        let result = await router.dial(request, requestedNumber: number)
        logger.info(
            "click-to-dial \(request.clickToDialId): \(target.group.key)/\(target.user.extensionNumber) → \(dialString): \(result.status.rawValue)\(result.reason.map { " (\($0))" } ?? "")",
            metadata: ["group": .string(target.group.key)])
        let answer: [String: String] = [
            "status": result.status.rawValue, "clickToDialId": request.clickToDialId, "group": target.group.key,
            "extension": target.user.extensionNumber, "number": dialString,
        ].merging(result.reason.map { ["reason": $0] } ?? [:]) { $1 }
        return Response(status: result.status == .accepted ? 202 : 409, body: Self.json(answer))
    }

    /// The parameters the endpoint reads (whatever else a body carries is ignored).
    static let parameterNames: Set<String> = ["tonumber", "zohouser", "dialcode", authorizationName]

    /// Compares without an early exit, so the time taken says nothing about how much of the secret matched.
    static func constantTimeEqual(_ presented: [UInt8], _ secret: [UInt8]) -> Bool {
        var difference: UInt8 = presented.count == secret.count ? 0 : 1
        for index in 0..<secret.count {
            difference |= secret[index] ^ (index < presented.count ? presented[index] : 0)
        }
        return difference == 0 && !secret.isEmpty
    }

    static func error(_ status: Int, _ message: String) -> Response {
        Response(status: status, body: json(["status": "error", "message": message]))
    }

    static func json(_ object: [String: String]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
