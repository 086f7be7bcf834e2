import FoundationEssentials

/// A click-to-dial request as received, checked: a pure function of the received bytes (method, target, headers,
/// body) and the configuration, so that every check before the PBX is tested and fuzzed without HTTP. Zoho's shape:
/// `tonumber`, the custom parameters registered with `clicktodial` (`zohouser`), an optional `dialcode`, and the
/// `ztitoken` authorization as a parameter or a header, compared in constant time; as a GET query, a POST form or
/// a JSON object whose values are strings.
public struct ClickToDialRequest: Sendable {
    /// The name of the authorization parameter (or header) registered with Zoho.
    public static let authorizationName = "ztitoken"
    /// The parameters read (whatever else a body carries is ignored).
    public static let parameterNames: Set<String> = ["tonumber", "zohouser", "dialcode", authorizationName]

    /// Who dials.
    public let target: ClickToDialTarget
    /// The number as the CRM sent it.
    public let number: String
    /// What the PBX dials (the dial code applied).
    public let dialString: String

    /// Why a request is refused: the HTTP status and a message for the requester (no secret in it).
    public struct Refusal: Error, Sendable, Equatable {
        public let status: Int
        public let message: String
        /// The authorization was missing or wrong (logged apart, never with what was presented).
        public var isUnauthorized: Bool { status == 401 }
    }

    /// Checks a request: its method, target (path and query), headers (names in lower case) and body.
    public static func parse(
        method: String, target: String, headers: [String: String], body: [UInt8], secret: [UInt8],
        groups: [GroupConfig]
    ) -> Result<ClickToDialRequest, Refusal> {
        guard method == "POST" || method == "GET" else {
            return .failure(Refusal(status: 405, message: "use POST (or GET) with tonumber and zohouser"))
        }
        var parameters: [String: String] = [:]
        if let query = target.split(separator: "?", maxSplits: 1).dropFirst().first {
            for (name, value) in FormEncoding.decode(String(query)) { parameters[name] = value }
        }
        if !body.isEmpty {
            if headers["content-type"]?.hasPrefix("application/json") == true {
                guard let object = try? JSONDecoder().decode([String: JSONValue].self, from: Data(body)) else {
                    return .failure(Refusal(status: 400, message: "the body is not a JSON object"))
                }
                for (name, value) in object {
                    if case .string(let string) = value {
                        parameters[name] = string
                    } else if parameterNames.contains(name) {
                        // A JSON number loses its leading zeros (0312… would be dialled as 312…): strings only.
                        return .failure(
                            Refusal(
                                status: 400,
                                message: "\(name) must be a JSON string (a JSON number loses its leading zeros: "
                                    + "0312… would be dialled as 312…)"))
                    }
                }
            } else {
                for (name, value) in FormEncoding.decode(String(decoding: body, as: UTF8.self)) {
                    parameters[name] = value
                }
            }
        }
        let presented = headers[authorizationName] ?? parameters[authorizationName] ?? ""
        guard constantTimeEqual(Array(presented.utf8), secret) else {
            return .failure(Refusal(status: 401, message: "the \(authorizationName) authorization is missing or wrong"))
        }
        guard let number = parameters["tonumber"], !number.isEmpty else {
            return .failure(Refusal(status: 400, message: "tonumber is missing"))
        }
        guard let crmUser = parameters["zohouser"], !crmUser.isEmpty else {
            return .failure(
                Refusal(status: 400, message: "zohouser is missing (it is registered as a click-to-dial parameter)"))
        }
        do {
            let target = try ClickToDialTarget.resolve(crmUser, in: groups)
            let dialString = try DialPlan.dialString(
                group: target.group, user: target.user, number: number, dialCode: parameters["dialcode"])
            return .success(ClickToDialRequest(target: target, number: number, dialString: dialString))
        } catch {
            return .failure(Refusal(status: error.code == .dialUserUnknown ? 404 : 400, message: error.message))
        }
    }

    /// Compares without an early exit, so the time taken says nothing about how much of the secret matched.
    public static func constantTimeEqual(_ presented: [UInt8], _ secret: [UInt8]) -> Bool {
        var difference: UInt8 = presented.count == secret.count ? 0 : 1
        for index in 0..<secret.count {
            difference |= secret[index] ^ (index < presented.count ? presented[index] : 0)
        }
        return difference == 0 && !secret.isEmpty
    }
}
