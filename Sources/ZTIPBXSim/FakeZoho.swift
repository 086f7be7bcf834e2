import Foundation
import ZTICore

/// Zoho's side of the fake CRM: the accounts server's token endpoint and the PhoneBridge v3 endpoints, with the
/// quirks `crm-apis.md` reports from the live API:
/// - refusals of the token endpoint come with HTTP 200 and an `error` field (`invalid_code`, `invalid_client`);
/// - more than 10 access tokens in 10 minutes get HTTP 400 `Access Denied`;
/// - only `Authorization: Zoho-oauthtoken …` is accepted (`Bearer` gets a 401);
/// - until `integrate` is called, every other endpoint answers `PBX_NOT_INTEGRATED`;
/// - `received/missed` and the dialled failure states are refused with a 400 unless `acceptDocumented`;
/// - `start_time` must be `yyyy-MM-dd HH:mm:ss` (ISO 8601 is refused).
public struct FakeZoho: Sendable {
    /// What the fake org is set up with.
    public struct Options: Sendable {
        public var clientId: String
        public var clientSecret: String
        public var refreshToken: String
        /// A grant code `authorization_code` exchanges once for ``refreshToken``.
        public var grantCode: String?
        /// `(zohouser, email, username)`.
        public var users: [(id: String, email: String, name: String)]
        /// Accept `missed` and the dialled failure states, as the documentation says, instead of refusing them.
        public var acceptDocumented: Bool
        public var tokenLifetime: Int

        public init(
            clientId: String, clientSecret: String, refreshToken: String, grantCode: String? = nil,
            users: [(id: String, email: String, name: String)] = [], acceptDocumented: Bool = false,
            tokenLifetime: Int = 3600
        ) {
            self.clientId = clientId
            self.clientSecret = clientSecret
            self.refreshToken = refreshToken
            self.grantCode = grantCode
            self.users = users
            self.acceptDocumented = acceptDocumented
            self.tokenLifetime = tokenLifetime
        }
    }

    public var options: Options
    var integrated = false
    private var accessTokens: Set<String> = []
    private var refreshes: [Date] = []
    private var issued = 0

    public init(options: Options) {
        self.options = options
    }

    /// Every access token issued so far stops working, as at their expiry.
    public mutating func expireTokens() {
        accessTokens = []
    }

    static let documentedStates: [String: Set<String>] = [
        "received": ["ringing", "answered", "missed", "ended"],
        "dialed": [
            "ringing", "answered", "ended", "busy", "invalid", "blocked", "notavailable", "noanswer", "rejected",
        ],
    ]

    /// The answer to a request for Zoho, or nil when the path is not Zoho's.
    mutating func answer(method: String, path: String, host: String, headers: [String: String], body: String)
        -> (status: Int, body: String)?
    {
        let query = path.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
        let route = String(path.split(separator: "?", maxSplits: 1).first ?? "")
        if route == "/oauth/v2/token" { return token(form: Self.fields(body), host: host) }
        guard route.hasPrefix("/phonebridge/v3/") else { return nil }
        let endpoint = String(route.dropFirst("/phonebridge/v3/".count))
        let authorization = headers["authorization"] ?? ""
        guard authorization.hasPrefix("Zoho-oauthtoken "),
            accessTokens.contains(String(authorization.dropFirst("Zoho-oauthtoken ".count)))
        else {
            return (401, #"{"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"}"#)
        }
        if endpoint == "integrate" {
            guard method == "POST" || method == "DELETE" else { return (405, Self.error("METHOD_NOT_ALLOWED")) }
            integrated = method == "POST"
            let message = integrated ? "ztisup Integration is successful" : "ztisup has been successfully removed"
            return (200, #"{"status":"success","code":"SUCCESS","message":"\#(message)"}"#)
        }
        guard integrated else { return (400, Self.error("PBX_NOT_INTEGRATED")) }
        let form = Self.fields(method == "GET" || method == "DELETE" ? query : body)
        switch endpoint {
        case "callnotify": return callNotify(form)
        case "clicktodialerror":
            guard let code = form["code"],
                ["busy", "invalid", "blocked", "notavailable", "noanswer", "rejected"]
                    .contains(code), form["from"] != nil, form["to"] != nil
            else { return (400, Self.error("REQUIRED_PARAM_MISSING")) }
            return (200, Self.success)
        case "clicktodial", "callcontrol":
            guard
                form[method == "DELETE" ? "zohouser" : endpoint == "clicktodial" ? "clicktodialuri" : "answeruri"]
                    != nil
            else {
                return (400, Self.error("REQUIRED_PARAM_MISSING"))
            }
            return (200, Self.success)
        case "users": return users(form)
        default: return (404, Self.error("INVALID_URL_PATTERN"))
        }
    }

    private mutating func token(form: [String: String], host: String) -> (status: Int, body: String) {
        guard form["client_id"] == options.clientId, form["client_secret"] == options.clientSecret else {
            return (200, #"{"error":"invalid_client"}"#)
        }
        var refreshToken: String?
        switch form["grant_type"] {
        case "refresh_token":
            guard form["refresh_token"] == options.refreshToken else { return (200, #"{"error":"invalid_code"}"#) }
        case "authorization_code":
            guard let code = form["code"], code == options.grantCode else {
                return (200, #"{"error":"invalid_code"}"#)
            }
            options.grantCode = nil
            refreshToken = options.refreshToken
        default:
            return (200, #"{"error":"unsupported_grant_type"}"#)
        }
        let now = Date()
        refreshes = refreshes.filter { now.timeIntervalSince($0) < 600 }
        guard refreshes.count < 10 else {
            return (
                400,
                #"{"error_description":"You have made too many requests continuously. Please try again after some time.","error":"Access Denied","status":"failure"}"#
            )
        }
        refreshes.append(now)
        issued += 1
        let accessToken = "1000.fake\(issued).\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
        accessTokens.insert(accessToken)
        var reply = #"{"access_token":"\#(accessToken)","#
        if let refreshToken { reply += #""refresh_token":"\#(refreshToken)","# }
        reply += #""api_domain":"http://\#(host)","token_type":"Bearer","expires_in":\#(options.tokenLifetime)}"#
        return (200, reply)
    }

    private func callNotify(_ form: [String: String]) -> (status: Int, body: String) {
        guard let type = form["type"], let state = form["state"], let states = Self.documentedStates[type],
            states.contains(state), let id = form["id"], !id.isEmpty, form["from"] != nil, form["to"] != nil
        else { return (400, Self.error("REQUIRED_PARAM_MISSING")) }
        let unanswered =
            (type == "received" && state == "missed")
            || (type == "dialed" && !["ringing", "answered", "ended"].contains(state))
        if unanswered && !options.acceptDocumented { return (400, Self.error("REQUIRED_PARAM_MISSING")) }
        if unanswered && form["start_time"] == nil { return (400, Self.error("REQUIRED_PARAM_MISSING")) }
        if let start = form["start_time"], !Self.isZohoTime(start) { return (400, Self.error("INVALID_DATA")) }
        if let duration = form["duration"], Int(duration) == nil { return (400, Self.error("INVALID_DATA")) }
        return (200, Self.success)
    }

    private func users(_ query: [String: String]) -> (status: Int, body: String) {
        let perPage = min(1000, max(1, Int(query["perPage"] ?? "") ?? 200))
        let page = max(1, Int(query["page"] ?? "") ?? 1)
        let slice = options.users.dropFirst((page - 1) * perPage).prefix(perPage)
        let users = slice.map { user in
            [
                "zohouser": user.id, "email": user.email, "username": user.name,
            ]
        }
        let object: [String: Any] = [
            "users": users, "paging": ["perPage": perPage, "page": page],
            "navigation": [
                "firstPage": ["uri": "/phonebridge/v3/users?page=1&perPage=\(perPage)"],
                "lastPage": [
                    "uri":
                        "/phonebridge/v3/users?page=\(max(1, (options.users.count + perPage - 1) / perPage))&perPage=\(perPage)"
                ],
            ],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return (200, String(decoding: data, as: UTF8.self))
    }

    static let success = #"{"status":"success","code":"SUCCESS"}"#

    static func error(_ code: String) -> String {
        #"{"status":"error","code":"\#(code)","message":"\#(code.lowercased().replacingOccurrences(of: "_", with: " "))"}"#
    }

    static func fields(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for (name, value) in FormEncoding.decode(body) { fields[name] = value }
        return fields
    }

    /// `yyyy-MM-dd HH:mm:ss`.
    static func isZohoTime(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 19 else { return false }
        for (index, byte) in bytes.enumerated() {
            switch index {
            case 4, 7: if byte != UInt8(ascii: "-") { return false }
            case 10: if byte != UInt8(ascii: " ") { return false }
            case 13, 16: if byte != UInt8(ascii: ":") { return false }
            default: if !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { return false }
            }
        }
        return true
    }
}
