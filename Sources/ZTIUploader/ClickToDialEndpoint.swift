import Foundation
import Logging
import ZTICore

/// What the click-to-dial HTTP endpoint does with one request, apart from HTTP itself: Zoho's shape (`tonumber`
/// plus the custom parameters registered with `clicktodial`: `zohouser`, and the `ztitoken` authorization as a
/// parameter or a header), the authorization checked in constant time, the user resolved to the group and its
/// default extension, the dial code applied, and the `DIAL` sent to that group's supervisor.
public struct ClickToDialEndpoint: Sendable {
    /// The name of the authorization parameter (or header) registered with Zoho.
    public static let authorizationName = ClickToDialRequest.authorizationName

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
        let checked = ClickToDialRequest.parse(
            method: method, target: target, headers: headers, body: body, secret: secret, groups: groups)
        let checkedRequest: ClickToDialRequest
        switch checked {
        case .success(let request):
            checkedRequest = request
        case .failure(let refusal):
            if refusal.isUnauthorized {
                logger.warning("click-to-dial refused: the \(Self.authorizationName) authorization is missing or wrong")
            } else if refusal.status != 405 {
                logger.warning("click-to-dial refused: \(refusal.message)")
            }
            UploaderMetrics.clickToDialRequest(refusal.isUnauthorized ? "unauthorized" : "invalid")
            return Self.error(refusal.status, refusal.message)
        }
        let target = checkedRequest.target
        let dialString = checkedRequest.dialString
        let request = DialRequest(
            clickToDialId: "c2d-" + UUID().uuidString.lowercased().prefix(13), group: target.group.key,
            extension: target.user.extensionNumber, user: target.user.crmUser, number: dialString)
        let result = await router.dial(request, requestedNumber: checkedRequest.number)
        UploaderMetrics.clickToDialRequest(result.status.rawValue)
        logger.info(
            "click-to-dial \(request.clickToDialId): \(target.group.key)/\(target.user.extensionNumber) → \(dialString): \(result.status.rawValue)\(result.reason.map { " (\($0))" } ?? "")",
            metadata: ["group": .string(target.group.key)])
        let answer: [String: String] = [
            "status": result.status.rawValue, "clickToDialId": request.clickToDialId, "group": target.group.key,
            "extension": target.user.extensionNumber, "number": dialString,
        ].merging(result.reason.map { ["reason": $0] } ?? [:]) { $1 }
        return Response(status: result.status == .accepted ? 202 : 409, body: Self.json(answer))
    }

    static func error(_ status: Int, _ message: String) -> Response {
        Response(status: status, body: json(["status": "error", "message": message]))
    }

    static func json(_ object: [String: String]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
